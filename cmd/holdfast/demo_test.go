package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// startLog interleaves a process's stdout and stderr in write order so a
// test can tell what was logged before the banner.
type startLog struct {
	mu     sync.Mutex
	lines  []string // "out: …" / "err: …"
	banner chan struct{}
	seen   bool
}

type startLogWriter struct {
	l   *startLog
	tag string
}

func (w startLogWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.l.lines = append(w.l.lines, w.tag+line)
		if w.tag == "out: " && strings.Contains(line, "Restarting with the same database") && !w.l.seen {
			w.l.seen = true
			close(w.l.banner)
		}
	}
	return len(p), nil
}

// demoStart is one serve --demo process.
type demoStart struct {
	base, password, token string
	logBeforeBanner       int
	stop                  func()
}

var (
	bannerPasswordRe = regexp.MustCompile(`Demo login:\s+\S+\s+password: (\S+)`)
	bannerKeyRe      = regexp.MustCompile(`Test secret key: (hf_test_\S+)`)
)

// startDemo runs serve --demo (a small history) and waits for its banner.
func startDemo(t *testing.T, c *cliEnv) *demoStart {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	l := &startLog{banner: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"holdfast", "serve", "--demo", "--addr", addr, "--demo-customers", "150", "--demo-days", "12"},
			c.getenv, startLogWriter{l, "out: "}, startLogWriter{l, "err: "})
	}()
	select {
	case <-l.banner:
	case code := <-done:
		t.Fatalf("serve --demo exited %d: %s", code, strings.Join(l.lines, "\n"))
	case <-time.After(90 * time.Second):
		t.Fatalf("no banner: %s", strings.Join(l.lines, "\n"))
	}
	l.mu.Lock()
	all := strings.Join(l.lines, "\n")
	s := &demoStart{base: "http://" + addr}
	for _, line := range l.lines {
		if strings.HasPrefix(line, "out: ") && strings.Contains(line, "Holdfast demo (") {
			break
		}
		if strings.HasPrefix(line, "err: ") {
			s.logBeforeBanner++
		}
	}
	l.mu.Unlock()
	if m := bannerPasswordRe.FindStringSubmatch(all); m != nil {
		s.password = m[1]
	}
	if m := bannerKeyRe.FindStringSubmatch(all); m != nil {
		s.token = m[1]
	}
	if s.password == "" || s.token == "" {
		t.Fatalf("banner without login or key:\n%s", all)
	}
	s.stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
		}
	}
	t.Cleanup(cancel)
	return s
}

// signIn signs in to the dashboard and reports whether it worked.
func signIn(t *testing.T, base, email, password string) bool {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Get(base + "/dashboard/login")
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		page.Write(buf[:n])
		if err != nil {
			break
		}
	}
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.String())
	if m == nil {
		t.Fatalf("no csrf token on the login page")
	}
	res, err = cl.PostForm(base+"/dashboard/login", url.Values{"csrf_token": {m[1]}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode == http.StatusSeeOther && res.Header.Get("Location") == "/dashboard/overview"
}

// apiGet calls the API with a key and decodes the JSON answer.
func apiGet(t *testing.T, base, token, path string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// TestServeDemoTwice: a restart of serve --demo on the same database (and
// another port) prints the same login and key, which still work, keeps at
// most one active demo key of each kind, points the demo's webhook
// endpoints at the new address, and logs fewer than 50 lines before the
// banner each time.
func TestServeDemoTwice(t *testing.T) {
	c := newCLI(t)
	first := startDemo(t, c)
	if !signIn(t, first.base, demoEmail, first.password) {
		t.Fatal("the first start's demo login does not sign in")
	}
	// The demo cancel page mints (or reuses) the publishable key.
	if res, err := http.Get(first.base + "/demo/cancel"); err != nil || res.StatusCode != 200 {
		t.Fatalf("demo cancel page: %v %v", res, err)
	}
	first.stop()

	second := startDemo(t, c)
	defer second.stop()
	for i, s := range []*demoStart{first, second} {
		t.Logf("start %d: %d log lines before the banner", i+1, s.logBeforeBanner)
		if s.logBeforeBanner >= 50 {
			t.Errorf("start %d: %d log lines before the banner", i+1, s.logBeforeBanner)
		}
	}
	if second.password != first.password || second.token != first.token {
		t.Fatalf("restart printed another login or key: %q/%q vs %q/%q", second.password, second.token, first.password, first.token)
	}
	if !signIn(t, second.base, demoEmail, second.password) {
		t.Fatal("the demo login does not sign in after a restart")
	}
	if res, err := http.Get(second.base + "/demo/cancel"); err != nil || res.StatusCode != 200 {
		t.Fatalf("demo cancel page: %v %v", res, err)
	}
	demoCancelCooldown(t, second.base)
	// The in-app notice demo shows a customer of the generated history whose
	// payment failed (and its auth hash), under a strict CSP.
	if res, err := http.Get(second.base + "/demo/notice"); err != nil || res.StatusCode != 200 ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "style-src 'nonce-") {
		t.Fatalf("demo notice page: %v %v", res, err)
	} else {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !regexp.MustCompile(`id="failed-customer">cus_`).Match(body) || !strings.Contains(string(body), "Holdfast.paymentNotice") {
			t.Fatalf("demo notice page without a failed customer: %.2000s", body)
		}
	}
	status, me := apiGet(t, second.base, second.token, "/v1/auth/me")
	if status != 200 {
		t.Fatalf("auth/me with the demo key: %d %v", status, me)
	}

	code, out, errs := c.run("key", "list", "--workspace", workspaceOf(t, me), "--json")
	if code != 0 {
		t.Fatal(errs)
	}
	var keys struct {
		Data []struct {
			Kind, Name string
			RevokedAt  *time.Time `json:"revoked_at"`
		}
	}
	if err := json.Unmarshal([]byte(out), &keys); err != nil {
		t.Fatal(err)
	}
	active := map[string]int{}
	for _, k := range keys.Data {
		if k.RevokedAt == nil || k.RevokedAt.After(time.Now()) {
			active[k.Kind]++
		}
	}
	if active["secret"] != 1 || active["publishable"] != 1 {
		t.Fatalf("active demo keys by kind after two starts: %v (%+v)", active, keys.Data)
	}

	status, hooks := apiGet(t, second.base, second.token, "/v1/webhooks")
	data, _ := hooks["data"].([]any)
	if status != 200 || len(data) != 2 {
		t.Fatalf("webhooks: %d %v", status, hooks)
	}
	for _, h := range data {
		u, _ := h.(map[string]any)["url"].(string)
		if !strings.HasPrefix(u, second.base+"/demo/webhook-sink") {
			t.Errorf("demo endpoint still points at %s, not %s", u, second.base)
		}
	}
}

// demoCancelCooldown (run on the demo restart test's server): after the demo customer accepts the discount, the demo page says
// the next discount is withheld and why, and a new session offers none.
func demoCancelCooldown(t *testing.T, base string) {
	t.Helper()
	page := getBody(t, base+"/demo/cancel")
	pub := regexp.MustCompile(`publishableKey: "(hf_pub_[A-Za-z0-9]+)"`).FindStringSubmatch(page)
	hash := regexp.MustCompile(`authHash: "([0-9a-f]{64})"`).FindStringSubmatch(page)
	if pub == nil || hash == nil || strings.Contains(page, "No discount will be offered") {
		t.Fatalf("demo page before any discount:\n%s", page)
	}
	call := func(path, body string) map[string]any {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+pub[1])
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		if res.StatusCode >= 300 {
			t.Fatalf("POST %s: %d %v", path, res.StatusCode, m)
		}
		return m
	}
	start := `{"customer":"cus_demo_cancel_flow","subscription":"sub_demo_cancel_flow","auth_hash":"` + hash[1] + `"}`
	discountOffered := func(cs map[string]any) bool {
		for _, r := range cs["reasons"].([]any) {
			if o, _ := r.(map[string]any)["offer"].(map[string]any); o != nil && o["type"] == "discount" {
				return true
			}
		}
		return false
	}
	// Declining a shown discount withholds nothing.
	cs := call("/v1/cancel_sessions", start)
	if !discountOffered(cs) {
		t.Fatalf("no discount in the demo flow: %v", cs)
	}
	call("/v1/cancel_sessions/"+cs["id"].(string)+"/respond", `{"reason":"too_expensive"}`)
	call("/v1/cancel_sessions/"+cs["id"].(string)+"/cancel", `{}`)
	cs = call("/v1/cancel_sessions", start)
	if !discountOffered(cs) {
		t.Fatal("a discount only shown withholds the next one")
	}
	call("/v1/cancel_sessions/"+cs["id"].(string)+"/respond", `{"reason":"too_expensive"}`)
	if done := call("/v1/cancel_sessions/"+cs["id"].(string)+"/accept", `{}`); done["outcome"] != "saved_discount" {
		t.Fatalf("accept: %v", done)
	}
	if cs = call("/v1/cancel_sessions", start); discountOffered(cs) {
		t.Fatal("a discount is offered again right after one was accepted")
	}
	call("/v1/cancel_sessions/"+cs["id"].(string)+"/cancel", `{}`)
	if page := getBody(t, base+"/demo/cancel"); !strings.Contains(page, "No discount will be offered: this customer accepted one on") ||
		!strings.Contains(page, "discount cooldown is 90 days") {
		t.Fatalf("the demo page does not say why the discount is withheld:\n%s", page)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b.String())
	}
	return b.String()
}

// workspaceOf reads the workspace id from GET /v1/auth/me.
func workspaceOf(t *testing.T, me map[string]any) string {
	t.Helper()
	if ws, ok := me["workspace"].(map[string]any); ok {
		if id, _ := ws["id"].(string); id != "" {
			return id
		}
	}
	t.Fatalf("no workspace in auth/me: %v", me)
	return ""
}
