package widget

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestScriptHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		method      string
		ifNoneMatch string
		wantStatus  int
		wantBody    bool
	}{
		{name: "OK", method: http.MethodGet, wantStatus: http.StatusOK, wantBody: true},
		{name: "Head", method: http.MethodHead, wantStatus: http.StatusOK},
		{name: "NotModified", method: http.MethodGet, ifNoneMatch: scriptETag, wantStatus: http.StatusNotModified},
		{name: "NotModifiedWeak", method: http.MethodGet, ifNoneMatch: "W/" + scriptETag, wantStatus: http.StatusNotModified},
		{name: "NotModifiedInList", method: http.MethodGet, ifNoneMatch: `"old", ` + scriptETag, wantStatus: http.StatusNotModified},
		{name: "NotModifiedStar", method: http.MethodGet, ifNoneMatch: "*", wantStatus: http.StatusNotModified},
		{name: "StaleETag", method: http.MethodGet, ifNoneMatch: `"0123"`, wantStatus: http.StatusOK, wantBody: true},
		{name: "ErrMethod", method: http.MethodPost, wantStatus: http.StatusMethodNotAllowed},
	}
	h := ScriptHandler()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, "/widget.js", nil)
			if tt.ifNoneMatch != "" {
				req.Header.Set("If-None-Match", tt.ifNoneMatch)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)

			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusMethodNotAllowed {
				if got := res.Header.Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow = %q", got)
				}
				return
			}
			if got := res.Header.Get("ETag"); got != scriptETag {
				t.Errorf("ETag = %q, want %q", got, scriptETag)
			}
			if got := res.Header.Get("Cache-Control"); got != "public, max-age=300" {
				t.Errorf("Cache-Control = %q", got)
			}
			if tt.wantStatus == http.StatusOK {
				if got := res.Header.Get("Content-Type"); got != "application/javascript; charset=utf-8" {
					t.Errorf("Content-Type = %q", got)
				}
			}
			if tt.wantBody != (len(body) > 0) {
				t.Fatalf("body length = %d, want body: %v", len(body), tt.wantBody)
			}
			if tt.wantBody && string(body) != string(script) {
				t.Error("body differs from the embedded script")
			}
		})
	}
}

func TestScriptETagIsContentHash(t *testing.T) {
	t.Parallel()
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(scriptETag) {
		t.Fatalf("ETag %q is not a quoted strong validator", scriptETag)
	}
	if contentETag([]byte("a")) == contentETag([]byte("b")) {
		t.Fatal("different content must give different ETags")
	}
	// The same bytes in another buffer give the same ETag (a cache keyed on
	// it survives a restart); a one-byte edit of the script changes it.
	if contentETag(bytes.Clone(script)) != scriptETag {
		t.Fatal("ETag must be stable for the same content")
	}
	edited := bytes.Clone(script)
	edited[len(edited)-1] ^= 1
	if contentETag(edited) == scriptETag {
		t.Fatal("a one-byte edit of the script kept its ETag")
	}
}

// TestScriptContract pins what pages and browser tests rely on: the public API
// name, the endpoints, the ARIA roles and every data-hf hook.
func TestScriptContract(t *testing.T) {
	t.Parallel()
	src := string(script)
	want := []string{
		"window.Holdfast", "cancelFlow",
		"'/v1/cancel_sessions'", "sessionPath('respond')", "finish('accept')", "finish('cancel')",
		"'Authorization': 'Bearer '", "auth_hash: opts.authHash",
		"role: 'dialog'", "'aria-modal': 'true'", "'aria-labelledby'", "role: 'alert'",
		"document.currentScript", "'hf-style'",
		"paymentNotice", "'/v1/customer_notice?customer='", "'/v1/customer_notice/view'", "'/v1/customer_notice/click'",
		"attachShadow", "adoptedStyleSheets", "role: 'alertdialog'", "'aria-label': 'Dismiss'",
	}
	for _, s := range want {
		t.Run(s, func(t *testing.T) {
			if !strings.Contains(src, s) {
				t.Errorf("widget.js does not contain %q", s)
			}
		})
	}
	// Hooks are set either as an attribute or through the button helper.
	for _, hook := range []string{"reason", "submit-reason", "accept-offer", "cancel-subscription", "close", "result", "offer", "error",
		"notice-update", "notice-dismiss", "notice-wall", "notice-banner"} {
		t.Run("data-hf="+hook, func(t *testing.T) {
			if !strings.Contains(src, "'data-hf': '"+hook+"'") && !strings.Contains(src, "button('"+hook+"'") {
				t.Errorf("widget.js sets no data-hf=%q hook", hook)
			}
		})
	}
}

// TestScriptIsES2017 guards the browser baseline: syntax newer than ES2017
// would break older Safari and Chrome versions that merchants' customers use.
func TestScriptIsES2017(t *testing.T) {
	t.Parallel()
	// Two widgets (cancel flow, payment notice) with their styles, unminified.
	const maxBytes = 28 << 10
	if len(script) > maxBytes {
		t.Errorf("widget.js is %d bytes, budget %d", len(script), maxBytes)
	}
	forbidden := map[string]*regexp.Regexp{
		"optional chaining":  regexp.MustCompile(`\?\.[A-Za-z_$\[(]`),
		"nullish coalescing": regexp.MustCompile(`\?\?`),
		"object spread":      regexp.MustCompile(`\{\s*\.\.\.`),
		"optional catch":     regexp.MustCompile(`catch\s*\{`),
		"Promise.finally":    regexp.MustCompile(`\.finally\(`),
		"logical assignment": regexp.MustCompile(`(\|\||&&)=`),
		"numeric separator":  regexp.MustCompile(`\d_\d`),
	}
	for name, re := range forbidden {
		t.Run(name, func(t *testing.T) {
			if loc := re.FindIndex(script); loc != nil {
				t.Errorf("%s at byte %d: %q", name, loc[0], script[loc[0]:loc[1]])
			}
		})
	}
}

func TestScriptSyntax(t *testing.T) {
	t.Parallel()
	runNode(t, "--check", writeTemp(t, "widget.js", script))
}

// scriptSandbox loads widget.js twice into a bare global object and reports the
// globals it added and how cancelFlow rejects a call without options.
const scriptSandbox = `
const vm = require('vm'), fs = require('fs');
const src = fs.readFileSync(process.argv[2], 'utf8');
const g = {
  document: { currentScript: { src: 'https://hf.example.com/widget.js' } },
  location: { href: 'https://shop.example/account', origin: 'https://shop.example' },
  URL,
};
g.window = g;
const before = new Set(Object.getOwnPropertyNames(g));
vm.createContext(g);
vm.runInContext(src, g);
const first = g.Holdfast.cancelFlow;
vm.runInContext(src, g);
let threw = '';
try { g.Holdfast.cancelFlow({ publishableKey: 'hf_pub_x' }); } catch (e) { threw = e.name + ': ' + e.message; }
process.stdout.write(JSON.stringify({
  added: Object.getOwnPropertyNames(g).filter((k) => !before.has(k)),
  api: Object.keys(g.Holdfast),
  keptFirst: g.Holdfast.cancelFlow === first,
  threw,
}));
`

func TestScriptGlobals(t *testing.T) {
	t.Parallel()
	out := runNode(t, writeTemp(t, "sandbox.js", []byte(scriptSandbox)), writeTemp(t, "widget.js", script))
	var got struct {
		Added     []string
		API       []string
		KeptFirst bool
		Threw     string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if strings.Join(got.Added, ",") != "Holdfast" {
		t.Errorf("globals added = %v, want only Holdfast", got.Added)
	}
	if strings.Join(got.API, ",") != "cancelFlow,paymentNotice" {
		t.Errorf("Holdfast API = %v, want [cancelFlow paymentNotice]", got.API)
	}
	if !got.KeptFirst {
		t.Error("loading the script twice replaced the first cancelFlow")
	}
	if !strings.HasPrefix(got.Threw, "TypeError: ") || !strings.Contains(got.Threw, `"customer"`) {
		t.Errorf("cancelFlow without customer threw %q, want a TypeError naming customer", got.Threw)
	}
}
