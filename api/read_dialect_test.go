package api_test

import (
	"strconv"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
)

// TestReadAPIRateLimitDialect checks the /api/v1 rendering of the shared
// limiter end to end on the read API's own endpoints, with a stepped clock
// so the numbers are exact: X-RateLimit-Reset counts seconds until the
// window has fully refilled, the 429 says "N requests per minute. Retry in
// Xs." with the wait only in Retry-After (the OpenAPI check enforces that
// the body has no other field).
func TestReadAPIRateLimitDialect(t *testing.T) {
	clk := holdfast.NewManualClock(time.Now().UTC().Truncate(time.Second))
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Acme")
		two := 2
		tok := e.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) { k.RateLimit = &two }).Token
		c := newClient(t, e)
		start := clk.Now()
		first := c.get("/api/v1/customers", tok)
		wantOK(t, first)
		if first.Header.Get("X-RateLimit-Remaining") != "1" || first.Header.Get("X-RateLimit-Reset") != "60" {
			t.Fatalf("after one request: %v", first.Header)
		}
		clk.Add(20 * time.Second)
		second := c.get("/api/v1/campaigns", tok)
		wantOK(t, second)
		// Full refill when the second request leaves the window: 60 s after it.
		if second.Header.Get("X-RateLimit-Remaining") != "0" || second.Header.Get("X-RateLimit-Reset") != "60" {
			t.Fatalf("after two requests: %v", second.Header)
		}
		clk.Add(10 * time.Second)
		third := c.get("/api/v1/stats", tok)
		wantError(t, third, 429, "rate_limit_exceeded")
		// The first slot frees 60 s after the first request (30 s from now);
		// the window is empty 60 s after the second (50 s from now).
		if ra := third.Header.Get("Retry-After"); ra != "30" {
			t.Fatalf("Retry-After %q, want 30", ra)
		}
		if r := third.Header.Get("X-RateLimit-Reset"); r != "50" {
			t.Fatalf("X-RateLimit-Reset %q, want 50", r)
		}
		if msg := third.ErrorField("message"); msg != "2 requests per minute. Retry in 30s." {
			t.Fatalf("message %q", msg)
		}
		if len(third.JSON) != 1 || len(third.JSON["error"].(map[string]any)) != 2 {
			t.Fatalf("429 body has extra fields: %s", third.Body)
		}
		// The same key on /v1 gets the /v1 rendering of the same state.
		v1 := c.get("/v1/customers", tok)
		wantError(t, v1, 429, "rate_limit_exceeded")
		if v1.JSON["retry_after"] != 30.0 || v1.Header.Get("X-RateLimit-Reset") != strconv.FormatInt(start.Add(60*time.Second).Unix(), 10) {
			t.Fatalf("/v1 429: %v %s", v1.Header, v1.Body)
		}
		clk.Add(time.Minute + time.Second)
		wantOK(t, c.get("/api/v1/customers", tok))
		clk.Add(time.Hour) // a fresh window for the next backend
	}, func(cfg *api.Config) { cfg.Clock = clk })
}
