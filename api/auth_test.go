package api_test

import (
	"context"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/store"
)

// dialectCase names the expected error per dialect.
type dialectCase struct {
	prefix string // "/v1" or "/api/v1"
	path   string // a GET route that exists in the dialect
}

var dialects = []dialectCase{
	{prefix: "/v1", path: "/v1/auth/me"},
	{prefix: "/api/v1", path: "/api/v1/stats"},
}

// code picks the expected error code for the dialect.
func code(d dialectCase, v1, read string) string {
	if d.prefix == "/v1" {
		return v1
	}
	return read
}

func TestAuthFailures(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		ws := e.Workspace("Acme")
		revoked := e.KeyWith(ws.ID, holdfast.ModeTest, nil)
		if _, err := e.Store.RevokeKey(ctx, revoked.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		past := time.Now().Add(-time.Minute)
		expired := e.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) { k.ExpiresAt = &past })
		rotatedOut := e.KeyWith(ws.ID, holdfast.ModeTest, nil)
		if _, _, err := e.Store.RotateKey(ctx, rotatedOut.ID, 0, time.Now()); err != nil {
			t.Fatal(err)
		}
		inGrace := e.KeyWith(ws.ID, holdfast.ModeTest, nil)
		successor, _, err := e.Store.RotateKey(ctx, inGrace.ID, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		unknown := "hf_test_" + strings.Repeat("A", 40)

		for _, d := range dialects {
			basic := func(userpass string) string {
				return "Basic " + base64.StdEncoding.EncodeToString([]byte(userpass))
			}
			cases := []struct {
				name, auth string
				status     int
				code       string
				message    string // a substring the error message must contain
			}{
				{"missing", "", 401, code(d, "invalid_api_key", "authentication_required"), ""},
				{"malformed", "Bearer nope", 401, code(d, "invalid_api_key", "invalid_token"), ""},
				{"wrong scheme", "Basic " + successor.Token, 401, code(d, "invalid_api_key", "invalid_token"), "user name"},
				{"bare token", successor.Token, 401, code(d, "invalid_api_key", "invalid_token"), "missing the 'Bearer ' prefix"},
				{"other scheme", "Token " + successor.Token, 401, code(d, "invalid_api_key", "invalid_token"), "Bearer <token>"},
				{"basic user:pass", basic("user:pass"), 401, code(d, "invalid_api_key", "invalid_token"), "user name"},
				{"basic revoked key", basic(revoked.Token + ":"), 401, code(d, "invalid_api_key", "invalid_token"), "revoked"},
				{"basic key as user", basic(successor.Token + ":"), 200, "", ""},
				{"basic key without colon", basic(successor.Token), 200, "", ""},
				{"unknown", "Bearer " + unknown, 401, code(d, "invalid_api_key", "invalid_token"), ""},
				{"revoked", "Bearer " + revoked.Token, 401, code(d, "invalid_api_key", "invalid_token"), ""},
				{"expired", "Bearer " + expired.Token, 401, code(d, "invalid_api_key", "invalid_token"), ""},
				{"rotated past grace", "Bearer " + rotatedOut.Token, 401, code(d, "invalid_api_key", "invalid_token"), ""},
				{"rotated within grace", "Bearer " + inGrace.Token, 200, "", ""},
				{"successor", "Bearer " + successor.Token, 200, "", ""},
			}
			for _, c := range cases {
				t.Run(d.prefix+"/"+c.name, func(t *testing.T) {
					var res *apitest.Response
					if c.auth == "" {
						res = e.Do("GET", d.path, "", nil)
					} else {
						res = e.Do("GET", d.path, "", nil, "Authorization", c.auth)
					}
					if res.Status != c.status {
						t.Fatalf("status %d, want %d: %s", res.Status, c.status, res.Body)
					}
					if !strings.HasPrefix(res.Header.Get("X-Request-Id"), "req_") {
						t.Fatalf("missing X-Request-Id")
					}
					if c.code == "" {
						return
					}
					if got := res.ErrorCode(); got != c.code {
						t.Fatalf("error %q, want %q: %s", got, c.code, res.Body)
					}
					if msg, _ := res.ErrorField("message").(string); !strings.Contains(msg, c.message) {
						t.Fatalf("message %q does not say %q", msg, c.message)
					}
					if d.prefix == "/v1" && res.ErrorField("request_id") != res.Header.Get("X-Request-Id") {
						t.Fatalf("/v1 error body does not repeat the request id: %s", res.Body)
					}
					if d.prefix == "/api/v1" && res.ErrorField("request_id") != nil {
						t.Fatalf("/api/v1 error carries request_id: %s", res.Body)
					}
					if res.Header.Get("X-RateLimit-Limit") != "" {
						t.Fatalf("401 carries rate-limit headers")
					}
				})
			}
		}
	})
}

func TestScopeTrialAndRoutes(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		ws := e.Workspace("Acme")
		readKey := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeRead)
		writeKey := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeWrite)
		pub := e.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) { k.Kind = holdfast.KindPublishable; k.Scopes = nil })

		t.Run("missing scope names scope and route", func(t *testing.T) {
			res := e.Do("POST", "/v1/payments/pay_123/retry", readKey, nil)
			if res.Status != 403 || res.ErrorCode() != "insufficient_scope" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			msg, _ := res.ErrorField("message").(string)
			if msg != "This API key does not have the 'write' scope required for POST /v1/payments/:id/retry." {
				t.Fatalf("message %q", msg)
			}
		})
		t.Run("read API missing scope", func(t *testing.T) {
			res := e.Do("GET", "/api/v1/customers", writeKey, nil)
			if res.Status != 403 || res.ErrorCode() != "insufficient_scope" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("publishable key refused outside widget", func(t *testing.T) {
			for _, tc := range []struct{ method, path string }{
				{"GET", "/v1/auth/me"}, {"GET", "/v1/customers"}, {"GET", "/api/v1/stats"},
				// Not routes at all: scope comes before the route check.
				{"GET", "/v1/nope"}, {"GET", "/api/v1/nope"}, {"DELETE", "/v1/cancel_sessions"},
			} {
				res := e.Do(tc.method, tc.path, pub.Token, nil)
				if res.Status != 403 || res.ErrorCode() != "insufficient_scope" {
					t.Fatalf("%s %s: %d %s", tc.method, tc.path, res.Status, res.Body)
				}
			}
		})
		t.Run("unknown route per dialect", func(t *testing.T) {
			if res := e.Do("GET", "/v1/nope", readKey, nil); res.Status != 404 || res.ErrorCode() != "resource_not_found" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if res := e.Do("GET", "/api/v1/nope", readKey, nil); res.Status != 404 || res.ErrorCode() != "not_found" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("wrong method per dialect", func(t *testing.T) {
			for _, tc := range []struct{ method, path, allow string }{
				{"DELETE", "/v1/auth/me", "GET"},
				{"PATCH", "/v1/campaigns/cmp_x", "GET, PUT, DELETE"},
				{"POST", "/v1/customers", "GET"},
				{"POST", "/api/v1/stats", "GET"},
			} {
				res := e.Do(tc.method, tc.path, readKey, nil)
				if res.Status != 405 || res.ErrorCode() != "method_not_allowed" {
					t.Fatalf("%s %s: %d %s", tc.method, tc.path, res.Status, res.Body)
				}
				if got := res.Header.Get("Allow"); got != tc.allow {
					t.Fatalf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
				}
			}
		})
		t.Run("test helpers with a live key", func(t *testing.T) {
			live := e.Key(ws.ID, holdfast.ModeLive, holdfast.ScopeWrite)
			res := e.Do("POST", "/v1/test_helpers/advance_clock", live, map[string]any{"seconds": 60})
			if res.Status != 400 || res.ErrorCode() != "invalid_request" || res.ErrorField("message") != "test helpers are only available in test mode" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("trial expired blocks writes not reads", func(t *testing.T) {
			past := time.Now().Add(-time.Hour)
			pp := &past
			if _, err := e.Store.UpdateWorkspace(ctx, ws.ID, store.WorkspaceUpdate{TrialEndsAt: &pp}, time.Now()); err != nil {
				t.Fatal(err)
			}
			res := e.Do("POST", "/v1/payments/pay_123/retry", writeKey, nil)
			if res.Status != 403 || res.ErrorCode() != "trial_expired" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if res := e.Do("GET", "/v1/auth/me", readKey, nil); res.Status != 200 {
				t.Fatalf("read blocked by trial: %d %s", res.Status, res.Body)
			}
			// Scope is checked before the trial.
			if res := e.Do("POST", "/v1/payments/pay_123/retry", readKey, nil); res.ErrorCode() != "insufficient_scope" {
				t.Fatalf("order: %s", res.Body)
			}
		})
	})
}

func TestIPAllowlist(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		allow   string
		xff     string
		status  int
	}{
		{"peer not allowed", nil, "10.0.0.0/8", "", 403},
		{"spoofed XFF from untrusted peer ignored", nil, "10.0.0.0/8", "10.1.2.3", 403},
		{"peer allowed", nil, "127.0.0.1", "", 200},
		{"trusted proxy: client from XFF allowed", trusted, "10.0.0.0/8", "10.1.2.3", 200},
		{"trusted proxy: client from XFF refused", trusted, "10.0.0.0/8", "192.0.2.7", 403},
		{"trusted proxy: right-most untrusted wins", trusted, "10.0.0.0/8", "10.9.9.9, 192.0.2.7", 403},
		{"ipv6 entry", nil, "::1, 2001:db8::/32", "", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := apitest.New(t, "sqlite", func(c *api.Config) { c.TrustedProxies = tc.trusted })
			ws := e.Workspace("Acme")
			prefixes := []netip.Prefix{}
			for _, p := range strings.Split(tc.allow, ",") {
				pr, err := holdfast.ParseAllowlistEntry(strings.TrimSpace(p))
				if err != nil {
					t.Fatal(err)
				}
				prefixes = append(prefixes, pr)
			}
			if _, err := e.Store.UpdateWorkspace(context.Background(), ws.ID, store.WorkspaceUpdate{IPAllowlist: &prefixes}, time.Now()); err != nil {
				t.Fatal(err)
			}
			tok := e.Key(ws.ID, holdfast.ModeTest)
			for _, d := range dialects {
				var res *apitest.Response
				if tc.xff != "" {
					res = e.Do("GET", d.path, tok, nil, "X-Forwarded-For", tc.xff)
				} else {
					res = e.Do("GET", d.path, tok, nil)
				}
				// The allowlist passed when the request got past it (the route's own answer follows).
				passed := res.Status != 403 && res.Status != 401
				if (tc.status == 200 && !passed) || (tc.status == 403 && res.Status != 403) {
					t.Fatalf("%s: status %d want %d: %s", d.prefix, res.Status, tc.status, res.Body)
				}
				if tc.status == 403 && res.ErrorCode() != "ip_not_allowed" {
					t.Fatalf("%s: %s", d.prefix, res.Body)
				}
			}
		})
	}
}

func TestRateLimitPerDialect(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Acme")
		k := e.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) { l := 3; k.RateLimit = &l })
		// 401s and IP refusals never count.
		for i := 0; i < 5; i++ {
			e.Do("GET", "/v1/auth/me", "hf_test_"+strings.Repeat("Z", 40), nil)
		}
		// One counter per key across both dialects.
		steps := []struct {
			path      string
			status    int
			remaining string
		}{
			{"/v1/auth/me", 200, "2"},
			{"/api/v1/stats", -1, "1"},
			{"/v1/auth/me", 200, "0"},
		}
		for i, s := range steps {
			res := e.Do("GET", s.path, k.Token, nil)
			if s.status > 0 && res.Status != s.status {
				t.Fatalf("step %d: %d %s", i, res.Status, res.Body)
			}
			if res.Header.Get("X-RateLimit-Limit") != "3" || res.Header.Get("X-RateLimit-Remaining") != s.remaining {
				t.Fatalf("step %d headers: %v", i, res.Header)
			}
		}
		v1 := e.Do("GET", "/v1/auth/me", k.Token, nil)
		if v1.Status != 429 || v1.ErrorCode() != "rate_limit_exceeded" {
			t.Fatalf("%d %s", v1.Status, v1.Body)
		}
		ra, err := strconv.Atoi(v1.Header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > 60 {
			t.Fatalf("Retry-After %q", v1.Header.Get("Retry-After"))
		}
		if got, _ := v1.JSON["retry_after"].(float64); int(got) != ra {
			t.Fatalf("retry_after %v != Retry-After %d", v1.JSON["retry_after"], ra)
		}
		if got, _ := v1.JSON["error"].(map[string]any)["retry_after"].(float64); int(got) != ra {
			t.Fatalf("error.retry_after %v != Retry-After %d", v1.JSON["error"], ra)
		}
		if msg := v1.ErrorField("message"); msg != "Rate limit exceeded. Retry after "+strconv.Itoa(ra)+" seconds." {
			t.Fatalf("message %q", msg)
		}
		reset, err := strconv.ParseInt(v1.Header.Get("X-RateLimit-Reset"), 10, 64)
		if now := time.Now().Unix(); err != nil || reset < now || reset > now+61 {
			t.Fatalf("/v1 reset %q is not a Unix time within the window", v1.Header.Get("X-RateLimit-Reset"))
		}
		read := e.Do("GET", "/api/v1/stats", k.Token, nil)
		if read.Status != 429 || read.ErrorCode() != "rate_limit_exceeded" {
			t.Fatalf("%d %s", read.Status, read.Body)
		}
		if _, has := read.JSON["retry_after"]; has {
			t.Fatal("/api/v1 429 body has retry_after")
		}
		rra := read.Header.Get("Retry-After")
		if msg := read.ErrorField("message"); msg != "3 requests per minute. Retry in "+rra+"s." {
			t.Fatalf("message %q", msg)
		}
		secs, err := strconv.Atoi(read.Header.Get("X-RateLimit-Reset"))
		if err != nil || secs < 1 || secs > 60 {
			t.Fatalf("/api/v1 reset %q is not seconds until refill", read.Header.Get("X-RateLimit-Reset"))
		}
	})
}
