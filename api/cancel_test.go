package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/cancelflow"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

const fakeStripeKey = "sk_live_fake_cancel"

// cancelEnv is a server with the cancel service wired, a workspace, its
// keys in both modes, and a fake Stripe for live mode.
type cancelEnv struct {
	*apitest.Env
	ws     *holdfast.Workspace
	stripe *stripetest.Server
	pub    map[holdfast.Mode]string // publishable keys
	read   map[holdfast.Mode]string // secret keys with read
	write  map[holdfast.Mode]string // secret keys with read+write
}

func eachCancel(t *testing.T, fn func(t *testing.T, e *cancelEnv)) {
	fake := stripetest.NewWithKey(t, fakeStripeKey)
	zero := int64(0)
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		e := &cancelEnv{Env: env, stripe: fake, pub: map[holdfast.Mode]string{}, read: map[holdfast.Mode]string{}, write: map[holdfast.Mode]string{}}
		e.ws = env.Workspace("Acme")
		for _, m := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
			e.pub[m] = env.KeyWith(e.ws.ID, m, func(k *holdfast.APIKey) { k.Kind, k.Scopes = holdfast.KindPublishable, nil }).Token
			e.read[m] = env.Key(e.ws.ID, m, holdfast.ScopeRead)
			e.write[m] = env.Key(e.ws.ID, m, holdfast.ScopeRead, holdfast.ScopeWrite)
		}
		if err := env.Store.SetWorkspaceSecret(context.Background(), e.ws.ID, holdfast.ModeLive, store.SecretStripeAPIKey, fakeStripeKey, time.Now()); err != nil {
			t.Fatal(err)
		}
		fn(t, e)
	}, func(c *api.Config) {
		c.Services.Cancel = cancelflow.New(cancelflow.Config{Store: c.Store, Live: stripe.NewProvider(stripe.ProviderConfig{Store: c.Store, APIBase: fake.URL, MaxNetworkRetries: &zero,
			Logger: slog.New(slog.DiscardHandler)}), Test: stripe.SimulatedApplier{}, Logger: slog.New(slog.DiscardHandler)})
	})
}

// start opens a session for customer with a correct auth hash.
func (e *cancelEnv) start(mode holdfast.Mode, customer, sub string) map[string]any {
	e.T.Helper()
	r := e.Do("POST", "/v1/cancel_sessions", e.pub[mode], map[string]any{"customer": customer, "subscription": sub,
		"auth_hash": cancelflow.AuthHash(e.ws.WidgetSecret, customer)})
	if r.Status != http.StatusOK {
		e.T.Fatalf("create: %d %s", r.Status, r.Body)
	}
	return r.JSON
}

func (e *cancelEnv) post(mode holdfast.Mode, id, action string, body any) *apitest.Response {
	e.T.Helper()
	return e.Do("POST", "/v1/cancel_sessions/"+id+"/"+action, e.pub[mode], body)
}

func wantStatus(t *testing.T, r *apitest.Response, status int, code string) {
	t.Helper()
	if r.Status != status || (code != "" && r.ErrorCode() != code) {
		t.Fatalf("want %d %s, got %d %s", status, code, r.Status, r.Body)
	}
}

func reasonOffer(session map[string]any, id string) map[string]any {
	reasons, _ := session["reasons"].([]any)
	for _, x := range reasons {
		r := x.(map[string]any)
		if r["id"] == id {
			o, _ := r["offer"].(map[string]any)
			return o
		}
	}
	return nil
}

func TestCancelFlowConfig(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		test := holdfast.ModeTest
		r := e.Do("GET", "/v1/cancel_flow", e.read[test], nil)
		wantStatus(t, r, 200, "")
		if r.JSON["object"] != "cancel_flow" || r.JSON["livemode"] != false || r.JSON["session_timeout_minutes"] != float64(30) ||
			r.JSON["discount_cooldown_days"] != float64(90) || len(r.JSON["reasons"].([]any)) == 0 {
			t.Fatalf("default flow: %s", r.Body)
		}
		if l := e.Do("GET", "/v1/cancel_flow", e.read[holdfast.ModeLive], nil); l.JSON["livemode"] != true {
			t.Fatalf("live flow: %s", l.Body)
		}
		// Partial update keeps the reasons.
		r = e.Do("PUT", "/v1/cancel_flow", e.write[test], `{"session_timeout_minutes": 10}`)
		wantStatus(t, r, 200, "")
		if r.JSON["session_timeout_minutes"] != float64(10) || len(r.JSON["reasons"].([]any)) != 6 {
			t.Fatalf("partial put: %s", r.Body)
		}
		body := `{"reasons":[{"id":"price","label":"Too expensive","offer":{"type":"discount","coupon":"SAVE","percent_off":30,"duration_months":2}},
			{"id":"break","label":"Break","offer":{"type":"pause","max_months":2}}],"discount_cooldown_days":0}`
		r = e.Do("PUT", "/v1/cancel_flow", e.write[test], body)
		wantStatus(t, r, 200, "")
		got := e.Do("GET", "/v1/cancel_flow", e.read[test], nil)
		reasons := got.JSON["reasons"].([]any)
		pause := reasons[1].(map[string]any)["offer"].(map[string]any)
		if len(reasons) != 2 || got.JSON["discount_cooldown_days"] != float64(0) || pause["resume_behavior"] != "auto" || pause["behavior"] != "void" {
			t.Fatalf("stored flow: %s", got.Body)
		}
		if l := e.Do("GET", "/v1/cancel_flow", e.read[holdfast.ModeLive], nil); len(l.JSON["reasons"].([]any)) == 2 {
			t.Fatal("a test-mode PUT changed the live flow")
		}
		for _, tc := range []struct {
			name, body, param string
			status            int
			code              string
		}{
			{"ErrPercent", `{"reasons":[{"id":"a","label":"A","offer":{"type":"discount","percent_off":0,"duration_months":1}}]}`, "reasons[0].offer.percent_off", 422, "validation_error"},
			{"ErrType", `{"reasons":[{"id":"a","label":"A","offer":{"type":"refund"}}]}`, "reasons[0].offer.type", 422, "validation_error"},
			{"ErrTimeout", `{"session_timeout_minutes": 0}`, "session_timeout_minutes", 422, "validation_error"},
			{"ErrUnknownField", `{"session_timeout": 5}`, "session_timeout", 422, "validation_error"},
			{"ErrWrongType", `{"session_timeout_minutes": "5"}`, "session_timeout_minutes", 422, "validation_error"},
			{"ErrMalformed", `{"session_timeout_minutes": `, "", 400, "invalid_request"},
			{"ErrMissingReasonID", `{"reasons":[{"label":"A"}]}`, "reasons[0].id", 400, "invalid_request"},
			{"ErrMissingReasonLabel", `{"reasons":[{"id":"a","label":"A"},{"id":"b","label":null}]}`, "reasons[1].label", 400, "invalid_request"},
			{"ErrMissingOfferType", `{"reasons":[{"id":"a","label":"A","offer":{"max_months":2}}]}`, "reasons[0].offer.type", 400, "invalid_request"},
			{"ErrBlankReasonLabel", `{"reasons":[{"id":"a","label":" "}]}`, "reasons[0].label", 422, "validation_error"},
			{"ErrTrailingAfterUnknown", `{"a":1}}`, "", 400, "invalid_request"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do("PUT", "/v1/cancel_flow", e.write[test], tc.body)
				wantStatus(t, r, tc.status, tc.code)
				if tc.param != "" && r.ErrorField("param") != tc.param {
					t.Fatalf("param %v, want %s", r.ErrorField("param"), tc.param)
				}
			})
		}
		t.Run("ErrReadKeyCannotPut", func(t *testing.T) {
			wantStatus(t, e.Do("PUT", "/v1/cancel_flow", e.read[test], `{}`), 403, "insufficient_scope")
		})
	})
}

func TestCancelSessionWidgetCalls(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		test := holdfast.ModeTest
		s := e.start(test, "cus_widget", "sub_widget")
		id := s["id"].(string)
		if !strings.HasPrefix(id, "cs_") || s["object"] != "cancel_session" || s["status"] != "in_progress" || s["outcome"] != nil ||
			s["livemode"] != false || s["customer"] != "cus_widget" || s["subscription"] != "sub_widget" || s["offer"] != nil {
			t.Fatalf("created: %v", s)
		}
		if o := reasonOffer(s, "not_using"); o == nil || o["type"] != "pause" || o["max_months"] != float64(3) {
			t.Fatalf("reasons carry their offers: %v", s["reasons"])
		}
		r := e.post(test, id, "respond", map[string]any{"reason": "not_using", "feedback": "busy"})
		wantStatus(t, r, 200, "")
		if o, _ := r.JSON["offer"].(map[string]any); o["type"] != "pause" || r.JSON["reason"] != "not_using" || r.JSON["feedback"] != "busy" {
			t.Fatalf("respond: %s", r.Body)
		}
		if _, ok := r.JSON["reasons"]; ok {
			t.Fatal("reasons are only sent on create")
		}
		r = e.post(test, id, "accept", `{}`)
		wantStatus(t, r, 200, "")
		acc, _ := r.JSON["accepted_offer"].(map[string]any)
		if r.JSON["status"] != "completed" || r.JSON["outcome"] != "saved_pause" || r.JSON["completed_at"] == nil || acc["months"] != float64(3) {
			t.Fatalf("accept: %s", r.Body)
		}
		applied, _ := r.JSON["applied"].(map[string]any)
		if applied["provider"] != "simulated" {
			t.Fatalf("test mode simulates: %s", r.Body)
		}
		g := e.Do("GET", "/v1/cancel_sessions/"+id, e.read[test], nil)
		wantStatus(t, g, 200, "")
		if g.JSON["outcome"] != "saved_pause" {
			t.Fatalf("get: %s", g.Body)
		}
		for action, body := range map[string]any{"respond": `{"reason":"other"}`, "accept": nil, "cancel": `{}`} {
			t.Run("ErrFinished_"+action, func(t *testing.T) {
				wantStatus(t, e.post(test, id, action, body), 409, "state_conflict")
			})
		}
		events := e.eventTypes(id)
		if strings.Join(events, ",") != "cancel_session.started,cancel_session.saved" {
			t.Fatalf("events: %v", events)
		}
	})
}

// eventTypes lists the event types recorded for an object, oldest first.
func (e *cancelEnv) eventTypes(objectID string) []string {
	e.T.Helper()
	ctx := context.Background()
	rows, err := e.Store.Conn(ctx).Query(ctx, `SELECT type FROM events WHERE object_id = ? ORDER BY created_at, id`, objectID)
	if err != nil {
		e.T.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func TestCancelSessionTransitionErrors(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		test := holdfast.ModeTest
		id := e.start(test, "cus_t", "sub_t")["id"].(string)
		for _, tc := range []struct {
			name   string
			action string
			body   any
			status int
			code   string
			param  string
		}{
			{"AcceptBeforeRespond", "accept", nil, 409, "state_conflict", ""},
			{"RespondMissingReason", "respond", `{}`, 400, "invalid_request", "reason"},
			{"RespondNullReason", "respond", `{"reason":null}`, 400, "invalid_request", "reason"},
			{"RespondEmptyReason", "respond", `{"reason":""}`, 422, "validation_error", "reason"},
			{"RespondTrailingAndUnknown", "respond", `{"a":1}}`, 400, "invalid_request", ""},
			{"RespondUnknownReason", "respond", `{"reason":"nope"}`, 422, "validation_error", "reason"},
			{"RespondUnknownField", "respond", `{"reason":"other","extra":1}`, 422, "validation_error", "extra"},
			{"RespondNoOffer", "respond", `{"reason":"other"}`, 200, "", ""},
			{"AcceptWithoutOffer", "accept", nil, 409, "state_conflict", ""},
			{"RespondPause", "respond", `{"reason":"not_using"}`, 200, "", ""},
			{"AcceptBadMonths", "accept", `{"months": 9}`, 422, "validation_error", "months"},
			{"Cancel", "cancel", nil, 200, "", ""},
			{"AcceptAfterCancel", "accept", nil, 409, "state_conflict", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.post(test, id, tc.action, tc.body)
				wantStatus(t, r, tc.status, tc.code)
				if tc.param != "" && r.ErrorField("param") != tc.param {
					t.Fatalf("param %v, want %s", r.ErrorField("param"), tc.param)
				}
			})
		}
		if g := e.Do("GET", "/v1/cancel_sessions/"+id, e.read[test], nil); g.JSON["outcome"] != "canceled" {
			t.Fatalf("outcome: %s", g.Body)
		}
		t.Run("ErrNotFoundUnknown", func(t *testing.T) {
			wantStatus(t, e.post(test, "cs_nope", "cancel", nil), 404, "resource_not_found")
			wantStatus(t, e.Do("GET", "/v1/cancel_sessions/cs_nope", e.read[test], nil), 404, "resource_not_found")
		})
		t.Run("ErrNotFoundOtherMode", func(t *testing.T) {
			wantStatus(t, e.post(holdfast.ModeLive, id, "cancel", nil), 404, "resource_not_found")
			wantStatus(t, e.Do("GET", "/v1/cancel_sessions/"+id, e.read[holdfast.ModeLive], nil), 404, "resource_not_found")
		})
		t.Run("ErrNotFoundOtherWorkspace", func(t *testing.T) {
			other := e.Workspace("Other")
			k := e.KeyWith(other.ID, test, func(k *holdfast.APIKey) { k.Kind, k.Scopes = holdfast.KindPublishable, nil }).Token
			wantStatus(t, e.Do("POST", "/v1/cancel_sessions/"+id+"/cancel", k, nil), 404, "resource_not_found")
		})
	})
}

func TestCancelSessionAuthHash(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		good := cancelflow.AuthHash(e.ws.WidgetSecret, "cus_a")
		for _, tc := range []struct {
			name   string
			body   map[string]any
			status int
			code   string
			param  string
		}{
			{"OK", map[string]any{"customer": "cus_a", "subscription": "sub_a", "auth_hash": good}, 200, "", ""},
			{"ErrMissingHash", map[string]any{"customer": "cus_a", "subscription": "sub_a"}, 403, "invalid_auth_hash", ""},
			{"ErrWrongHash", map[string]any{"customer": "cus_a", "subscription": "sub_a", "auth_hash": strings.Repeat("0", 64)}, 403, "invalid_auth_hash", ""},
			{"ErrOtherCustomersHash", map[string]any{"customer": "cus_b", "subscription": "sub_a", "auth_hash": good}, 403, "invalid_auth_hash", ""},
			{"ErrOtherWorkspacesSecret", map[string]any{"customer": "cus_a", "subscription": "sub_a", "auth_hash": cancelflow.AuthHash("wsec_other", "cus_a")}, 403, "invalid_auth_hash", ""},
			{"ErrMissingCustomer", map[string]any{"subscription": "sub_a", "auth_hash": good}, 400, "invalid_request", "customer"},
			{"ErrMissingSubscription", map[string]any{"customer": "cus_a", "auth_hash": good}, 400, "invalid_request", "subscription"},
			{"ErrNullCustomer", map[string]any{"customer": nil, "subscription": "sub_a", "auth_hash": good}, 400, "invalid_request", "customer"},
			{"ErrBlankCustomer", map[string]any{"customer": " ", "subscription": "sub_a", "auth_hash": good}, 422, "validation_error", "customer"},
			{"ErrCustomerNotString", map[string]any{"customer": 5, "subscription": "sub_a", "auth_hash": good}, 422, "validation_error", "customer"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do("POST", "/v1/cancel_sessions", e.pub[holdfast.ModeTest], tc.body)
				wantStatus(t, r, tc.status, tc.code)
				if tc.param != "" && r.ErrorField("param") != tc.param {
					t.Fatalf("param %v, want %s", r.ErrorField("param"), tc.param)
				}
				if tc.status == 403 && len(e.eventTypesOfType("cancel_session.started")) > 1 {
					t.Fatal("a refused create must not start a session")
				}
			})
		}
	})
}

func (e *cancelEnv) eventTypesOfType(typ string) []string {
	ctx := context.Background()
	rows, err := e.Store.Conn(ctx).Query(ctx, `SELECT id FROM events WHERE type = ?`, typ)
	if err != nil {
		e.T.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

// TestPublishableKeyRefusedElsewhere: an hf_pub_ key does exactly the four
// widget calls and nothing else (SPEC §11).
func TestPublishableKeyRefusedElsewhere(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		test := holdfast.ModeTest
		id := e.start(test, "cus_p", "sub_p")["id"].(string)
		pub := e.pub[test]
		for _, tc := range []struct{ method, path, body, code string }{
			{"GET", "/v1/cancel_sessions", "", "insufficient_scope"},
			{"GET", "/v1/cancel_sessions/" + id, "", "insufficient_scope"},
			{"GET", "/v1/cancel_flow", "", "insufficient_scope"},
			{"PUT", "/v1/cancel_flow", `{}`, "insufficient_scope"},
			{"GET", "/v1/auth/me", "", "insufficient_scope"},
			{"GET", "/v1/payments", "", "insufficient_scope"},
			{"GET", "/v1/customers", "", "insufficient_scope"},
			{"DELETE", "/v1/customers/cus_1", "", "insufficient_scope"},
			{"GET", "/v1/campaigns", "", "insufficient_scope"},
			{"POST", "/v1/campaigns", `{}`, "insufficient_scope"},
			{"GET", "/v1/events", "", "insufficient_scope"},
			{"GET", "/v1/webhooks", "", "insufficient_scope"},
			{"GET", "/v1/stats", "", "insufficient_scope"},
			{"POST", "/v1/test_helpers/advance_clock", `{"seconds":1}`, "insufficient_scope"},
			{"GET", "/api/v1/cancel_sessions", "", "insufficient_scope"},
			{"GET", "/api/v1/stats", "", "insufficient_scope"},
			{"GET", "/api/v1/customers", "", "insufficient_scope"},
		} {
			t.Run(tc.method+tc.path, func(t *testing.T) {
				var body any
				if tc.body != "" {
					body = tc.body
				}
				wantStatus(t, e.Do(tc.method, tc.path, pub, body), 403, tc.code)
			})
		}
		t.Run("SecretKeyNeedsWrite", func(t *testing.T) {
			body := map[string]any{"customer": "cus_s", "subscription": "sub_s", "auth_hash": cancelflow.AuthHash(e.ws.WidgetSecret, "cus_s")}
			wantStatus(t, e.Do("POST", "/v1/cancel_sessions", e.read[test], body), 403, "insufficient_scope")
			wantStatus(t, e.Do("POST", "/v1/cancel_sessions/"+id+"/cancel", e.read[test], nil), 403, "insufficient_scope")
			wantStatus(t, e.Do("POST", "/v1/cancel_sessions", e.write[test], body), 200, "")
		})
		t.Run("CORSPreflight", func(t *testing.T) {
			r := e.Do("OPTIONS", "/v1/cancel_sessions/"+id+"/respond", "", nil, "Origin", "https://shop.example", "Access-Control-Request-Method", "POST")
			if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
				t.Fatalf("preflight: %d %v", r.Status, r.Header)
			}
			if r := e.Do("GET", "/v1/cancel_flow", e.read[test], nil, "Origin", "https://shop.example"); r.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatal("CORS is for the widget endpoints only")
			}
		})
	})
}

func TestCancelSessionAbuseGuardAPI(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		test := holdfast.ModeTest
		first := e.start(test, "cus_g", "sub_g")
		if o := reasonOffer(first, "too_expensive"); o == nil || o["type"] != "discount" || o["percent_off"] != float64(25) || o["duration_months"] != float64(3) {
			t.Fatalf("discount offered first: %v", first["reasons"])
		}
		wantStatus(t, e.post(test, first["id"].(string), "respond", `{"reason":"too_expensive"}`), 200, "")
		wantStatus(t, e.post(test, first["id"].(string), "accept", nil), 200, "")

		second := e.start(test, "cus_g", "sub_g")
		if o := reasonOffer(second, "too_expensive"); o != nil {
			t.Fatalf("second session within 90 days must not offer a discount: %v", o)
		}
		if o := reasonOffer(second, "not_using"); o == nil {
			t.Fatal("other offers stay")
		}
		r := e.post(test, second["id"].(string), "respond", `{"reason":"too_expensive"}`)
		wantStatus(t, r, 200, "")
		if r.JSON["offer"] != nil {
			t.Fatalf("respond offered a discount again: %s", r.Body)
		}
		wantStatus(t, e.post(test, second["id"].(string), "accept", nil), 409, "state_conflict")
		if o := reasonOffer(e.start(test, "cus_h", "sub_h"), "too_expensive"); o == nil {
			t.Fatal("another customer still gets the discount")
		}
	})
}

func TestCancelSessionTimeoutByTestClock(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		test := holdfast.ModeTest
		id := e.start(test, "cus_clock", "sub_clock")["id"].(string)
		ctx := context.Background()
		if _, err := e.Store.AdvanceTestClock(ctx, e.ws.ID, 29*time.Minute, time.Now()); err != nil {
			t.Fatal(err)
		}
		if g := e.Do("GET", "/v1/cancel_sessions/"+id, e.read[test], nil); g.JSON["status"] != "in_progress" {
			t.Fatalf("before timeout: %s", g.Body)
		}
		if _, err := e.Store.AdvanceTestClock(ctx, e.ws.ID, 2*time.Minute, time.Now()); err != nil {
			t.Fatal(err)
		}
		l := e.Do("GET", "/v1/cancel_sessions?outcome=abandoned", e.read[test], nil)
		if d := l.Data(); len(d) != 1 || d[0]["id"] != id || d[0]["status"] != "completed" {
			t.Fatalf("list after the test clock passed the timeout: %s", l.Body)
		}
		wantStatus(t, e.post(test, id, "respond", `{"reason":"other"}`), 409, "state_conflict")
		if ev := e.eventTypes(id); strings.Join(ev, ",") != "cancel_session.started,cancel_session.abandoned" {
			t.Fatalf("events: %v", ev)
		}
	})
}

func TestCancelSessionLiveStripe(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		live := holdfast.ModeLive
		sub := "sub_live_" + strings.ToLower(holdfast.RandomBase62(6)) // the fake is shared by both databases
		e.stripe.AddSubscriptionState(stripetest.SubscriptionState{ID: sub, Customer: "cus_live", ItemID: "si_1", Price: "price_pro"})
		s := e.start(live, "cus_live", sub)
		id := s["id"].(string)
		wantStatus(t, e.post(live, id, "respond", `{"reason":"not_using"}`), 200, "")

		e.stripe.FailNext(stripetest.Failure{Status: 400, Type: "invalid_request_error", Message: "Subscriptions in trial cannot be paused."})
		r := e.post(live, id, "accept", nil)
		wantStatus(t, r, 409, "state_conflict")
		// The widget (publishable key) gets a plain message and Stripe's
		// request id, never Stripe's own text.
		msg, _ := r.ErrorField("message").(string)
		if strings.Contains(string(r.Body), "cannot be paused") || strings.Contains(string(r.Body), "trial") || !strings.Contains(msg, "(Stripe request req_") {
			t.Fatalf("widget error: %s", r.Body)
		}
		g := e.Do("GET", "/v1/cancel_sessions/"+id, e.read[live], nil)
		if g.JSON["status"] != "in_progress" || g.JSON["outcome"] != nil {
			t.Fatalf("a provider failure is never a save: %s", g.Body)
		}
		// The merchant (secret key) reads Stripe's full answer on the session.
		pe, _ := g.JSON["provider_error"].(map[string]any)
		if pe["message"] != "Subscriptions in trial cannot be paused." || pe["http_status"] != float64(400) ||
			!strings.Contains(msg, pe["request_id"].(string)) {
			t.Fatalf("provider_error for the merchant: %s", g.Body)
		}

		r = e.post(live, id, "accept", nil)
		wantStatus(t, r, 200, "")
		if r.JSON["outcome"] != "saved_pause" {
			t.Fatalf("accept: %s", r.Body)
		}
		if _, ok := r.JSON["provider_error"]; ok || strings.Contains(string(r.Body), "cannot be paused") {
			t.Fatalf("a widget answer carries the provider's text: %s", r.Body)
		}
		if st := e.stripe.SubscriptionState(sub); st.PauseBehavior != "void" || st.PauseResumesAt == "" {
			t.Fatalf("pause not applied at Stripe: %+v", st)
		}
		applied := r.JSON["applied"].(map[string]any)
		action := applied["actions"].([]any)[0].(map[string]any)
		m := e.stripe.Mutations()
		last := m[len(m)-1]
		if applied["provider"] != "stripe" || last.IdempotencyKey == "" || action["idempotency_key"] != last.IdempotencyKey {
			t.Fatalf("recorded %v, sent %+v", applied, last)
		}
	})
}

func TestCancelSessionLists(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		test := holdfast.ModeTest
		var ids []string
		for i := range 5 {
			s := e.start(test, "cus_l", "sub_l")
			ids = append(ids, s["id"].(string))
			if i%2 == 0 {
				wantStatus(t, e.post(test, s["id"].(string), "cancel", nil), 200, "")
			}
		}
		e.start(holdfast.ModeLive, "cus_l", "sub_l")

		r := e.Do("GET", "/v1/cancel_sessions?per_page=2&page=2", e.read[test], nil)
		wantStatus(t, r, 200, "")
		pg := r.JSON["pagination"].(map[string]any)
		if d := r.Data(); len(d) != 2 || d[0]["id"] != ids[2] || pg["total"] != float64(5) || pg["total_pages"] != float64(3) {
			t.Fatalf("page 2: %s", r.Body)
		}
		r = e.Do("GET", "/v1/cancel_sessions?outcome=canceled", e.read[test], nil)
		if d := r.Data(); len(d) != 3 || d[0]["id"] != ids[4] {
			t.Fatalf("outcome filter: %s", r.Body)
		}
		wantStatus(t, e.Do("GET", "/v1/cancel_sessions?outcome=won", e.read[test], nil), 422, "validation_error")

		var seen []string
		path := "/api/v1/cancel_sessions?limit=2"
		for range 5 {
			r := e.Do("GET", path, e.read[test], nil)
			wantStatus(t, r, 200, "")
			for _, d := range r.Data() {
				seen = append(seen, d["id"].(string))
			}
			if r.JSON["has_more"] != true {
				if r.JSON["next_cursor"] != nil {
					t.Fatalf("last page has a cursor: %s", r.Body)
				}
				break
			}
			c := r.JSON["next_cursor"].(string)
			if _, err := time.Parse(time.RFC3339Nano, c); err != nil {
				t.Fatalf("cursor %q is not RFC 3339", c)
			}
			path = "/api/v1/cancel_sessions?limit=2&cursor=" + c
		}
		if strings.Join(seen, ",") != strings.Join([]string{ids[4], ids[3], ids[2], ids[1], ids[0]}, ",") {
			t.Fatalf("cursor walk: %v", seen)
		}
		r = e.Do("GET", "/api/v1/cancel_sessions?outcome=canceled&cursor=2999-01-01T00:00:00Z", e.read[test], nil)
		if d := r.Data(); len(d) != 3 {
			t.Fatalf("hand-written cursor: %s", r.Body)
		}
		if r := e.Do("GET", "/api/v1/cancel_sessions?cursor=2000-01-01T00:00:00Z", e.read[test], nil); len(r.Data()) != 0 || r.JSON["has_more"] != false {
			t.Fatalf("cursor before everything: %s", r.Body)
		}
		wantStatus(t, e.Do("GET", "/api/v1/cancel_sessions?cursor=yesterday", e.read[test], nil), 400, "invalid_param")
		wantStatus(t, e.Do("GET", "/api/v1/cancel_sessions?outcome=won", e.read[test], nil), 400, "invalid_param")
	})
}
