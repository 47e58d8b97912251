package browser

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
)

// demoWidgetConfig reads the publishable key, customer and auth hash the demo
// page hands to the widget, so API calls can act exactly as the page does.
func demoWidgetConfig(t *testing.T, srv *demoServer) (key, customer, sub, hash string) {
	t.Helper()
	res, err := http.Get(srv.Base + "/demo/cancel")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	field := func(name string) string {
		m := regexp.MustCompile(name + `:\s*"([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("demo page has no %s:\n%s", name, page)
		}
		return string(m[1])
	}
	return field("publishableKey"), field("customer"), field("subscription"), field("authHash")
}

// post sends a JSON body with token and decodes the answer.
func post(t *testing.T, url, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestCancelTimeoutByAdvanceClock: through the real binary, a test-mode
// session left open is abandoned once advance_clock moves the workspace's
// test clock past the timeout (30 minutes by default), before it returns.
// It needs no browser.
func TestCancelTimeoutByAdvanceClock(t *testing.T) {
	srv := startDemo(t, "sqlite")
	key, customer, sub, hash := demoWidgetConfig(t, srv)
	st, s := post(t, srv.Base+"/v1/cancel_sessions", key, map[string]any{"customer": customer, "subscription": sub, "auth_hash": hash})
	if st != http.StatusOK || s["status"] != "in_progress" {
		t.Fatalf("create with the demo page's key and hash: %d %v", st, s)
	}
	id := s["id"].(string)
	if st, body := post(t, srv.Base+"/v1/test_helpers/advance_clock", srv.TestKey, map[string]any{"seconds": 29 * 60}); st != http.StatusOK {
		t.Fatalf("advance 29 min: %d %v", st, body)
	}
	if got := srv.get(t, "/v1/cancel_sessions/"+id); got["status"] != "in_progress" {
		t.Fatalf("before the timeout: %v", got)
	}
	if st, body := post(t, srv.Base+"/v1/test_helpers/advance_clock", srv.TestKey, map[string]any{"seconds": 2 * 60}); st != http.StatusOK {
		t.Fatalf("advance 2 min: %d %v", st, body)
	}
	// The event is recorded by advance_clock itself, not by a later read.
	events := srv.get(t, "/v1/events?type=cancel_session.abandoned")
	found := false
	for _, e := range events["data"].([]any) {
		obj, _ := e.(map[string]any)["data"].(map[string]any)["object"].(map[string]any)
		found = found || obj["id"] == id
	}
	if !found {
		t.Fatalf("advance_clock did not abandon %s: %v", id, events)
	}
	if got := srv.get(t, "/v1/cancel_sessions/"+id); got["outcome"] != "abandoned" {
		t.Fatalf("after the timeout: %v", got)
	}
	if st, body := post(t, srv.Base+"/v1/cancel_sessions/"+id+"/respond", key, map[string]any{"reason": "other"}); st != http.StatusConflict {
		t.Fatalf("respond after abandonment: %d %v", st, body)
	}
}
