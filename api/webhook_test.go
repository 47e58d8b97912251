package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/store"
	"holdfast/webhook"
)

// hookEnv is a server with the webhook worker wired, a workspace and keys.
type hookEnv struct {
	*apitest.Env
	w  *webhook.Worker
	ws *holdfast.Workspace
	// keys by mode: webhooks scope only, and webhooks + write.
	hooks, hooksWrite map[holdfast.Mode]string
	read              string // test mode, read only
}

// hookReceiver records request bodies and signature headers; status picks
// each answer (nil: 200).
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	sigs   []string
}

func newHookReceiver(t *testing.T, status func(n int) int) *hookReceiver {
	rv := &hookReceiver{}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rv.mu.Lock()
		n := len(rv.bodies)
		rv.bodies = append(rv.bodies, string(b))
		rv.sigs = append(rv.sigs, r.Header.Get("Holdfast-Signature"))
		rv.mu.Unlock()
		code := http.StatusOK
		if status != nil {
			code = status(n)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(rv.Close)
	return rv
}

func (rv *hookReceiver) got() ([]string, []string) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]string(nil), rv.bodies...), append([]string(nil), rv.sigs...)
}

// eachHookEnv runs fn with the operator's consent to loopback receivers on
// (HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS=true): the tests' receivers are
// httptest servers on 127.0.0.1.
func eachHookEnv(t *testing.T, fn func(t *testing.T, h *hookEnv)) { eachHookEnvConsent(t, true, fn) }

// eachHookEnvConsent is eachHookEnv with the loopback consent given or not.
func eachHookEnvConsent(t *testing.T, consent bool, fn func(t *testing.T, h *hookEnv)) {
	var w *webhook.Worker
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		h := &hookEnv{Env: e, w: w, ws: e.Workspace("Hooks Inc"),
			hooks: map[holdfast.Mode]string{}, hooksWrite: map[holdfast.Mode]string{}}
		for _, m := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
			h.hooks[m] = e.Key(h.ws.ID, m, holdfast.ScopeWebhooks)
			h.hooksWrite[m] = e.Key(h.ws.ID, m, holdfast.ScopeWebhooks, holdfast.ScopeWrite)
		}
		h.read = e.Key(h.ws.ID, holdfast.ModeTest, holdfast.ScopeRead)
		fn(t, h)
	}, func(c *api.Config) {
		w = webhook.NewWorker(webhook.Config{Store: c.Store, UserAgent: "Holdfast-Webhooks/test", Logger: slog.New(slog.DiscardHandler),
			AllowLoopback: consent})
		c.Services.Webhooks = w
		c.AllowLoopbackWebhooks = consent
	})
}

// create POSTs an endpoint and returns its id and secret.
func (h *hookEnv) create(mode holdfast.Mode, body map[string]any) (string, string) {
	h.T.Helper()
	res := h.Do("POST", "/v1/webhooks", h.hooks[mode], body)
	if res.Status != http.StatusOK {
		h.T.Fatalf("create: %d %s", res.Status, res.Body)
	}
	id, _ := res.JSON["id"].(string)
	secret, _ := res.JSON["secret"].(string)
	return id, secret
}

func (h *hookEnv) recordEvent(mode holdfast.Mode, typ string) *holdfast.Event {
	h.T.Helper()
	var ev *holdfast.Event
	ctx := context.Background()
	now := time.Now()
	if mode == holdfast.ModeTest {
		off, _ := h.Store.TestClockOffset(ctx, h.ws.ID)
		now = now.Add(off)
	}
	err := h.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		ev, err = h.Store.RecordEvent(ctx, h.ws.ID, mode, typ, "rec_1", map[string]any{"id": "rec_1", "object": "recovery"}, now)
		return err
	})
	if err != nil {
		h.T.Fatal(err)
	}
	return ev
}

func TestWebhookEndpointsAPI(t *testing.T) {
	eachHookEnv(t, func(t *testing.T, h *hookEnv) {
		rv := newHookReceiver(t, nil)
		res := h.Do("POST", "/v1/webhooks", h.hooks[holdfast.ModeTest],
			map[string]any{"url": rv.URL + "/hooks", "events": []string{holdfast.EventRecoveryStarted}, "description": "billing"})
		if res.Status != http.StatusOK {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		id, _ := res.JSON["id"].(string)
		secret, _ := res.JSON["secret"].(string)
		if !strings.HasPrefix(id, "we_") || !strings.HasPrefix(secret, "whsec_") || res.JSON["object"] != "webhook_endpoint" ||
			res.JSON["livemode"] != false || res.JSON["enabled"] != true || res.JSON["description"] != "billing" {
			t.Fatalf("created %s", res.Body)
		}

		t.Run("SecretShownOnce", func(t *testing.T) {
			for _, path := range []string{"/v1/webhooks/" + id, "/v1/webhooks"} {
				r := h.Do("GET", path, h.hooks[holdfast.ModeTest], nil)
				if r.Status != http.StatusOK || strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), `"secret"`) {
					t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
				}
			}
			l := h.Do("GET", "/v1/webhooks", h.hooks[holdfast.ModeTest], nil)
			if len(l.Data()) != 1 || l.JSON["pagination"].(map[string]any)["total"] != float64(1) {
				t.Fatalf("list %s", l.Body)
			}
		})
		t.Run("Scenarios", func(t *testing.T) {
			tests := []struct {
				name, method, path string
				token              string
				body               any
				status             int
				code, param        string
			}{
				{"OtherModeNotFound", "GET", "/v1/webhooks/" + id, h.hooks[holdfast.ModeLive], nil, 404, "resource_not_found", ""},
				{"ReadScopeForbidden", "GET", "/v1/webhooks", h.read, nil, 403, "insufficient_scope", ""},
				{"UnknownField", "PUT", "/v1/webhooks/" + id, h.hooks[holdfast.ModeTest], map[string]any{"secret": "x"}, 422, "validation_error", "secret"},
				{"UpdateBadEvents", "PUT", "/v1/webhooks/" + id, h.hooks[holdfast.ModeTest], map[string]any{"events": []string{"nope"}}, 422, "validation_error", "events"},
				{"UpdateUnknownID", "PUT", "/v1/webhooks/we_nope", h.hooks[holdfast.ModeTest], map[string]any{"enabled": false}, 404, "resource_not_found", ""},
				{"UpdateOK", "PUT", "/v1/webhooks/" + id, h.hooks[holdfast.ModeTest], map[string]any{"events": []string{"*"}, "enabled": false}, 200, "", ""},
				{"ReEnable", "PUT", "/v1/webhooks/" + id, h.hooks[holdfast.ModeTest], map[string]any{"enabled": true}, 200, "", ""},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := h.Do(tt.method, tt.path, tt.token, tt.body)
					if r.Status != tt.status || r.ErrorCode() != tt.code || (tt.param != "" && r.ErrorField("param") != tt.param) {
						t.Fatalf("%s %s: %d %s", tt.method, tt.path, r.Status, r.Body)
					}
				})
			}
			g := h.Do("GET", "/v1/webhooks/"+id, h.hooks[holdfast.ModeTest], nil)
			if ev := g.JSON["events"].([]any); len(ev) != 1 || ev[0] != "*" || g.JSON["enabled"] != true {
				t.Fatalf("after update: %s", g.Body)
			}
		})
		t.Run("Delete", func(t *testing.T) {
			other, _ := h.create(holdfast.ModeTest, map[string]any{"url": rv.URL})
			r := h.Do("DELETE", "/v1/webhooks/"+other, h.hooks[holdfast.ModeTest], nil)
			if r.Status != 200 || r.JSON["deleted"] != true || r.JSON["id"] != other {
				t.Fatalf("delete: %d %s", r.Status, r.Body)
			}
			if r := h.Do("GET", "/v1/webhooks/"+other, h.hooks[holdfast.ModeTest], nil); r.Status != 404 {
				t.Fatalf("GET after delete: %d", r.Status)
			}
		})
	})
}

// TestWebhookLoopbackNeedsConsent: without HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS
// a test key cannot point an endpoint at this machine (create or update),
// so it cannot make the server probe loopback services and read their
// answers from the delivery log.
func TestWebhookLoopbackNeedsConsent(t *testing.T) {
	eachHookEnvConsent(t, false, func(t *testing.T, h *hookEnv) {
		test := holdfast.ModeTest
		rv := newHookReceiver(t, nil)
		for _, u := range []string{rv.URL + "/x", "http://127.0.0.1:9/x", "https://127.0.0.1/x", "http://localhost:9/x", "http://[::1]:9/x",
			"http://[::ffff:127.0.0.1]:9/x"} {
			t.Run(u, func(t *testing.T) {
				r := h.Do("POST", "/v1/webhooks", h.hooks[test], map[string]any{"url": u})
				if r.Status != 422 || r.ErrorField("param") != "url" {
					t.Fatalf("create %s: %d %s, want 422 on url", u, r.Status, r.Body)
				}
			})
		}
		id, _ := h.create(test, map[string]any{"url": "https://hooks.example.com/x"})
		if r := h.Do("PUT", "/v1/webhooks/"+id, h.hooks[test], map[string]any{"url": rv.URL + "/x"}); r.Status != 422 || r.ErrorField("param") != "url" {
			t.Fatalf("update to loopback: %d %s", r.Status, r.Body)
		}
		if bodies, _ := rv.got(); len(bodies) != 0 {
			n := len(bodies)
			t.Fatalf("receiver reached %d times", n)
		}
	})
}

func TestWebhookCreateValidation(t *testing.T) {
	eachHookEnv(t, func(t *testing.T, h *hookEnv) {
		live, test := holdfast.ModeLive, holdfast.ModeTest
		tests := []struct {
			name   string
			mode   holdfast.Mode
			body   any
			status int
			param  string
		}{
			{"LiveHTTPSPublic", live, map[string]any{"url": "https://hooks.example.com/x"}, 200, ""},
			{"TestHTTPLoopback", test, map[string]any{"url": "http://127.0.0.1:9/x"}, 200, ""},
			{"TestHTTPLocalhost", test, map[string]any{"url": "http://localhost:9/x"}, 200, ""},
			{"ErrTestHTTPSPrivate", test, map[string]any{"url": "https://10.1.2.3/x"}, 422, "url"},
			{"ErrTestLinkLocal", test, map[string]any{"url": "http://169.254.169.254/latest/meta-data"}, 422, "url"},
			{"ErrTestCGNAT", test, map[string]any{"url": "https://100.64.0.1/x"}, 422, "url"},
			{"ErrTestIPv4Compatible", test, map[string]any{"url": "http://[::7f00:1]:9/x"}, 422, "url"},
			{"ErrTest6to4", test, map[string]any{"url": "http://[2002:7f00:1::]:9/x"}, 422, "url"},
			{"ErrTestSiteLocal", test, map[string]any{"url": "https://[fec0::1]/x"}, 422, "url"},
			{"ErrTestNAT64", test, map[string]any{"url": "http://[64:ff9b::7f00:1]:9/x"}, 422, "url"},
			{"ErrTestIPv4Mapped", test, map[string]any{"url": "http://[::ffff:127.0.0.1]:9/x"}, 422, "url"},
			{"ErrLiveLoopbackIP", live, map[string]any{"url": "https://127.0.0.1/x"}, 422, "url"},
			{"ErrLiveLocalhost", live, map[string]any{"url": "https://localhost:8443/x"}, 422, "url"},
			{"ErrLivePrivate", live, map[string]any{"url": "https://10.1.2.3/x"}, 422, "url"},
			{"ErrLiveHTTP", live, map[string]any{"url": "http://hooks.example.com/x"}, 422, "url"},
			{"ErrTestHTTPPublic", test, map[string]any{"url": "http://hooks.example.com/x"}, 422, "url"},
			{"ErrNotURL", test, map[string]any{"url": "hooks"}, 422, "url"},
			{"ErrURLTooLong", test, map[string]any{"url": "https://example.com/" + strings.Repeat("a", 2100)}, 422, "url"},
			{"ErrMissingURL", test, map[string]any{"events": []string{"*"}}, 400, "url"},
			{"ErrUnknownEvent", test, map[string]any{"url": "https://example.com", "events": []string{"recovery.started", "payment.exploded"}}, 422, "events"},
			{"ErrNoEvents", test, map[string]any{"url": "https://example.com", "events": []string{}}, 422, "events"},
			{"ErrWildcardMixed", test, map[string]any{"url": "https://example.com", "events": []string{"*", "ping"}}, 422, "events"},
			{"ErrEventsType", test, map[string]any{"url": "https://example.com", "events": "*"}, 422, "events"},
			{"ErrDescriptionType", test, map[string]any{"url": "https://example.com", "description": 7}, 422, "description"},
			{"ErrEnabledType", test, map[string]any{"url": "https://example.com", "enabled": "yes"}, 422, "enabled"},
			{"ErrUnknownField", test, map[string]any{"url": "https://example.com", "secret": "whsec_mine"}, 422, "secret"},
			{"ErrTrailingData", test, `{"url":"https://example.com"}}`, 400, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := h.Do("POST", "/v1/webhooks", h.hooks[tt.mode], tt.body)
				if r.Status != tt.status || (tt.param != "" && r.ErrorField("param") != tt.param) {
					t.Fatalf("%d %s, want %d param %q", r.Status, r.Body, tt.status, tt.param)
				}
				if r.Status == 200 && (r.JSON["livemode"] != tt.mode.Livemode() || r.JSON["enabled"] != true || r.JSON["events"].([]any)[0] != "*") {
					t.Fatalf("created %s", r.Body)
				}
			})
		}
	})
}

// TestWebhookDeliveryAPI follows one endpoint through a ping, an event, a
// retry and the delivery log, and checks the receiver can verify every
// request with the secret shown at creation.
func TestWebhookDeliveryAPI(t *testing.T) {
	eachHookEnv(t, func(t *testing.T, h *hookEnv) {
		rv := newHookReceiver(t, nil)
		id, secret := h.create(holdfast.ModeTest, map[string]any{"url": rv.URL + "/in", "events": []string{holdfast.EventRecoveryStarted}})
		tok := h.hooks[holdfast.ModeTest]

		ping := h.Do("POST", "/v1/webhooks/"+id+"/test", tok, nil)
		if ping.Status != 200 || ping.JSON["status"] != "succeeded" || ping.JSON["event_type"] != "ping" || len(ping.JSON["attempts"].([]any)) != 1 {
			t.Fatalf("ping: %d %s", ping.Status, ping.Body)
		}
		h.recordEvent(holdfast.ModeTest, holdfast.EventRecoveryStarted)
		h.recordEvent(holdfast.ModeTest, holdfast.EventDunningSent) // not subscribed
		if err := h.w.RunDue(context.Background(), h.ws.ID, holdfast.ModeTest); err != nil {
			t.Fatal(err)
		}

		t.Run("SignaturesVerifyWithCreationSecret", func(t *testing.T) {
			bodies, sigs := rv.got()
			if len(bodies) != 2 {
				t.Fatalf("receiver got %d requests, want ping + recovery.started", len(bodies))
			}
			for i := range bodies {
				if err := webhook.Verify(sigs[i], []byte(bodies[i]), secret, 5*time.Minute, time.Now()); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
		})
		t.Run("DeliveryLog", func(t *testing.T) {
			l := h.Do("GET", "/v1/webhooks/"+id+"/deliveries", tok, nil)
			ds := l.Data()
			if l.Status != 200 || len(ds) != 2 || ds[0]["event_type"] != holdfast.EventRecoveryStarted || ds[1]["event_type"] != "ping" {
				t.Fatalf("deliveries: %d %s", l.Status, l.Body)
			}
			a := ds[0]["attempts"].([]any)[0].(map[string]any)
			if a["status_code"] != float64(200) || a["latency_ms"] == nil || a["created_at"] == nil {
				t.Fatalf("attempt %v", a)
			}
			tests := []struct {
				name, query string
				status, n   int
				param       string
			}{
				{"FilterStatus", "?status=succeeded", 200, 2, ""},
				{"FilterPending", "?status=pending", 200, 0, ""},
				{"ErrBadStatus", "?status=done", 422, 0, "status"},
				{"ErrBadPage", "?page=0", 422, 0, "page"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := h.Do("GET", "/v1/webhooks/"+id+"/deliveries"+tt.query, tok, nil)
					if r.Status != tt.status || (tt.status == 200 && len(r.Data()) != tt.n) || (tt.param != "" && r.ErrorField("param") != tt.param) {
						t.Fatalf("%d %s", r.Status, r.Body)
					}
				})
			}
			if r := h.Do("GET", "/v1/webhooks/we_nope/deliveries", tok, nil); r.Status != 404 {
				t.Fatalf("unknown endpoint: %d", r.Status)
			}
		})
		t.Run("Retry", func(t *testing.T) {
			ds := h.Do("GET", "/v1/webhooks/"+id+"/deliveries", tok, nil).Data()
			did := ds[0]["id"].(string)
			path := "/v1/webhooks/" + id + "/deliveries/" + did + "/retry"
			r := h.Do("POST", path, tok, nil)
			if r.Status != 403 || r.ErrorCode() != "insufficient_scope" ||
				r.ErrorField("message") != "This API key does not have the 'write' scope required for POST /v1/webhooks/:id/deliveries/:delivery_id/retry." {
				t.Fatalf("without write: %d %s", r.Status, r.Body)
			}
			r = h.Do("POST", path, h.hooksWrite[holdfast.ModeTest], nil)
			if r.Status != 200 || r.JSON["id"] != did || len(r.JSON["attempts"].([]any)) != 2 {
				t.Fatalf("retry: %d %s", r.Status, r.Body)
			}
			if bodies, _ := rv.got(); len(bodies) != 3 {
				t.Fatalf("receiver got %d requests after the retry", len(bodies))
			}
			for _, p := range []string{"/v1/webhooks/" + id + "/deliveries/dlv_nope/retry", "/v1/webhooks/we_nope/deliveries/" + did + "/retry"} {
				if r := h.Do("POST", p, h.hooksWrite[holdfast.ModeTest], nil); r.Status != 404 {
					t.Fatalf("%s: %d", p, r.Status)
				}
			}
			if r := h.Do("POST", path, h.hooksWrite[holdfast.ModeLive], nil); r.Status != 404 {
				t.Fatalf("other mode: %d", r.Status)
			}
		})
	})
}

// TestWebhookDisabledVisible: an endpoint failing for three days of test
// clock is disabled; the API shows it and the event log has the event.
func TestWebhookDisabledVisible(t *testing.T) {
	eachHookEnv(t, func(t *testing.T, h *hookEnv) {
		rv := newHookReceiver(t, func(int) int { return 500 })
		id, _ := h.create(holdfast.ModeTest, map[string]any{"url": rv.URL})
		ctx := context.Background()
		h.recordEvent(holdfast.ModeTest, holdfast.EventRecoveryLost)
		for i := 0; i < 40; i++ {
			if err := h.w.RunDue(ctx, h.ws.ID, holdfast.ModeTest); err != nil {
				t.Fatal(err)
			}
			l, err := h.Store.ListWebhookDeliveries(ctx, h.ws.ID, holdfast.ModeTest, id, store.DeliveryFilter{}, store.ListQuery{Limit: 1, Count: true})
			if err != nil {
				t.Fatal(err)
			}
			d := l.Data[0]
			if d.NextAttemptAt == nil {
				break
			}
			off, _ := h.Store.TestClockOffset(ctx, h.ws.ID)
			if _, err := h.Store.AdvanceTestClock(ctx, h.ws.ID, d.NextAttemptAt.Sub(time.Now().Add(off))+time.Millisecond, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if bodies, _ := rv.got(); len(bodies) < 15 {
			t.Fatalf("receiver got %d attempts", len(bodies))
		}
		g := h.Do("GET", "/v1/webhooks/"+id, h.hooks[holdfast.ModeTest], nil)
		if g.JSON["enabled"] != false || g.JSON["disabled_reason"] == nil || g.JSON["disabled_reason"] == "" {
			t.Fatalf("endpoint: %s", g.Body)
		}
		ev := h.Do("GET", "/v1/events?type=webhook_endpoint.disabled", h.Key(h.ws.ID, holdfast.ModeTest), nil)
		if len(ev.Data()) != 1 || ev.Data()[0]["data"].(map[string]any)["object"].(map[string]any)["id"] != id {
			t.Fatalf("events: %s", ev.Body)
		}
	})
}
