package widget

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func serveDemo(t *testing.T, cfg DemoConfig, method string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	DemoPageHandler(cfg).ServeHTTP(rec, httptest.NewRequest(method, "/demo/cancel", nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestDemoPageHandler(t *testing.T) {
	t.Parallel()
	cfg := DemoConfig{PublishableKey: "hf_pub_abc", Customer: "cus_123", Subscription: "sub_456", AuthHash: "deadbeef"}

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		res, body := serveDemo(t, cfg, http.MethodGet)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status = %d", res.StatusCode)
		}
		if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q", got)
		}
		for _, s := range []string{
			`<script src="/widget.js"></script>`, ">Cancel subscription</button>", `id="outcome"`,
			"Holdfast.cancelFlow(", "test mode", `publishableKey: "hf_pub_abc"`, `apiBase: ""`,
		} {
			if !strings.Contains(body, s) {
				t.Errorf("page does not contain %q", s)
			}
		}
	})
	t.Run("Head", func(t *testing.T) {
		t.Parallel()
		res, body := serveDemo(t, cfg, http.MethodHead)
		if res.StatusCode != http.StatusOK || body != "" {
			t.Fatalf("status = %d, body %d bytes; want 200 and no body", res.StatusCode, len(body))
		}
	})
	t.Run("ErrMethod", func(t *testing.T) {
		t.Parallel()
		res, _ := serveDemo(t, cfg, http.MethodPost)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Fatalf("status = %d, Allow = %q", res.StatusCode, res.Header.Get("Allow"))
		}
	})
}

// TestDemoPageEscaping renders hostile config values: none may end the inline
// script or add markup, and each must still reach cancelFlow unchanged.
func TestDemoPageEscaping(t *testing.T) {
	t.Parallel()
	payloads := map[string]string{
		"Quotes":        `a"b'c` + "`d",
		"ScriptClose":   `</script><script>alert(1)</script>`,
		"UpperClose":    `</SCRIPT><img src=x onerror=alert(1)>`,
		"HTMLComment":   `<!--<script>`,
		"Backslash":     `\"; alert(1); //`,
		"LineSeparator": "a\u2028b\u2029c",
		"Template":      "${alert(1)}{{.Customer}}",
	}
	for name, p := range payloads {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := DemoConfig{
				PublishableKey: "hf_pub_" + p, Customer: "cus_" + p, Subscription: "sub_" + p,
				AuthHash: "hash" + p, APIBase: "https://api.example/" + p,
			}
			_, body := serveDemo(t, cfg, http.MethodGet)
			// Markup must never appear raw; quotes and backslashes are proven
			// escaped by the round trip through node below.
			if strings.ContainsAny(p, "<>") && strings.Contains(body, p) {
				t.Errorf("payload appears unescaped in the page")
			}
			if n := strings.Count(strings.ToLower(body), "</script"); n != 2 {
				t.Errorf("page has %d </script> tags, want 2", n)
			}
			if strings.Contains(strings.ToLower(body), "<img") {
				t.Error("payload injected an element")
			}
			checkDemoScript(t, body, cfg)
		})
	}
}

// demoSandbox runs the page's inline script against stub DOM objects, clicks
// the button, and reports what reached cancelFlow and what onDone displayed.
const demoSandbox = `
const vm = require('vm'), fs = require('fs');
const src = fs.readFileSync(process.argv[2], 'utf8');
const els = {};
const byId = (id) => els[id] || (els[id] = { textContent: '', attrs: {},
  addEventListener(type, fn) { this[type] = fn; }, setAttribute(k, v) { this.attrs[k] = v; } });
let opts = null;
const g = { document: { getElementById: byId }, Holdfast: { cancelFlow: (o) => { opts = o; } } };
vm.createContext(g);
vm.runInContext(src, g);
byId('cancel-subscription').click();
const out = { opts: Object.assign({}, opts, { onDone: typeof opts.onDone }) };
opts.onDone({ id: 'cs_1', outcome: 'saved_pause' });
out.saved = [byId('outcome').textContent, byId('outcome').attrs['data-state']];
opts.onDone(null);
out.closed = [byId('outcome').textContent, byId('outcome').attrs['data-state']];
process.stdout.write(JSON.stringify(out));
`

func checkDemoScript(t *testing.T, page string, cfg DemoConfig) {
	t.Helper()
	open := strings.LastIndex(page, "<script>")
	end := strings.LastIndex(page, "</script>")
	if open < 0 || end < open {
		t.Fatal("no inline script in the page")
	}
	inline := page[open+len("<script>") : end]
	out := runNode(t, writeTemp(t, "sandbox.js", []byte(demoSandbox)), writeTemp(t, "inline.js", []byte(inline)))
	var got struct {
		Opts struct {
			PublishableKey, Customer, Subscription, AuthHash, APIBase, OnDone string
		}
		Saved, Closed []string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	want := cfg
	if g := got.Opts; g.PublishableKey != want.PublishableKey || g.Customer != want.Customer ||
		g.Subscription != want.Subscription || g.AuthHash != want.AuthHash || g.APIBase != want.APIBase {
		t.Errorf("cancelFlow got %+v, want %+v", g, want)
	}
	if got.Opts.OnDone != "function" {
		t.Errorf("onDone is %q, want a function", got.Opts.OnDone)
	}
	if strings.Join(got.Saved, " ") != "saved_pause done" {
		t.Errorf("after a saved session #outcome = %q", got.Saved)
	}
	if strings.Join(got.Closed, " ") != " closed" {
		t.Errorf("after closing #outcome = %q", got.Closed)
	}
}
