package cancelflow_test

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/cancelflow"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

const live = holdfast.ModeLive

// liveSession starts and responds a live session for a subscription the fake knows.
func liveSession(t *testing.T, e *env, sub, reason string) *holdfast.CancelSession {
	t.Helper()
	e.stripe.AddSubscriptionState(stripetest.SubscriptionState{ID: sub, Customer: "cus_" + sub, ItemID: "si_" + sub, Price: "price_pro"})
	cs := e.start(live, t0, "cus_"+sub, sub)
	if reason != "" {
		e.respond(live, t0.Add(time.Minute), cs.ID, reason)
	}
	return cs
}

// checkRecorded asserts the session's recorded actions are exactly the
// mutations the fake received, idempotency keys included.
func checkRecorded(t *testing.T, cs *holdfast.CancelSession, got []stripetest.Request) {
	t.Helper()
	if cs.Applied == nil || cs.Applied.Provider != "stripe" || len(cs.Applied.Actions) != len(got) {
		t.Fatalf("recorded %+v, fake saw %d mutations", cs.Applied, len(got))
	}
	for i, a := range cs.Applied.Actions {
		r := got[i]
		if r.Path != a.Path || r.IdempotencyKey != a.IdempotencyKey || r.IdempotencyKey == "" {
			t.Fatalf("action %d: recorded %+v, sent %+v", i, a, r)
		}
		for k, v := range a.Params {
			if r.Form.Get(k) != v {
				t.Fatalf("action %d param %s: recorded %q, sent %q", i, k, v, r.Form.Get(k))
			}
		}
		if len(r.Form) != len(a.Params) {
			t.Fatalf("action %d: sent %v, recorded %v", i, r.Form, a.Params)
		}
	}
}

func TestStripeApplierOffers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.setFlow(live, fullFlow())
		e.stripe.AddCoupon("SAVE20")
		for _, tc := range []struct {
			name    string
			reason  string
			cancel  bool
			outcome string
			check   func(t *testing.T, s stripetest.SubscriptionState)
		}{
			{"Pause", "break", false, "saved_pause", func(t *testing.T, s stripetest.SubscriptionState) {
				want := t0.Add(time.Minute).AddDate(0, 3, 0).Unix()
				if s.PauseBehavior != "void" || s.PauseResumesAt != itoa64(want) {
					t.Fatalf("pause: %+v", s)
				}
			}},
			{"Discount", "price", false, "saved_discount", func(t *testing.T, s stripetest.SubscriptionState) {
				if s.Coupon != "SAVE20" {
					t.Fatalf("coupon: %+v", s)
				}
			}},
			{"Downgrade", "cheap", false, "saved_downgrade", func(t *testing.T, s stripetest.SubscriptionState) {
				if s.Price != "price_basic" || s.Proration != "create_prorations" {
					t.Fatalf("downgrade: %+v", s)
				}
			}},
			{"Cancel", "none", true, "canceled", func(t *testing.T, s stripetest.SubscriptionState) {
				if !s.CancelAtPeriodEnd {
					t.Fatalf("cancel: %+v", s)
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				sub := "sub_" + strings.ToLower(tc.name)
				cs := liveSession(t, e, sub, tc.reason)
				before := len(e.stripe.Mutations())
				var err error
				if tc.cancel {
					cs, err = e.svc.Cancel(e.ctx, e.ws.ID, live, t0.Add(2*time.Minute), cs.ID)
				} else {
					cs, err = e.svc.Accept(e.ctx, e.ws.ID, live, t0.Add(2*time.Minute), cs.ID, 0)
				}
				if err != nil {
					t.Fatal(err)
				}
				if *cs.Outcome != tc.outcome {
					t.Fatalf("outcome %s", *cs.Outcome)
				}
				tc.check(t, e.stripe.SubscriptionState(sub))
				checkRecorded(t, cs, e.stripe.Mutations()[before:])
			})
		}
	})
}

func TestStripeApplierGeneratedCoupon(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		f := fullFlow()
		f.Reasons[1].Offer.CouponID = ""
		f.DiscountCooldownDays = 0
		e.setFlow(live, f)
		coupon := stripe.GeneratedCouponID(20, 2)
		for i, sub := range []string{"sub_c1", "sub_c2"} {
			cs := liveSession(t, e, sub, "price")
			before := len(e.stripe.Mutations())
			cs, err := e.svc.Accept(e.ctx, e.ws.ID, live, t0.Add(2*time.Minute), cs.ID, 0)
			if err != nil {
				t.Fatalf("session %d: %v", i, err)
			}
			if s := e.stripe.SubscriptionState(sub); s.Coupon != coupon {
				t.Fatalf("session %d: coupon %q", i, s.Coupon)
			}
			sent := e.stripe.Mutations()[before:]
			if len(sent) != 2 || sent[0].Path != "/v1/coupons" || sent[0].Form.Get("percent_off") != "20.0000" || sent[0].Form.Get("duration_in_months") != "2" {
				t.Fatalf("session %d sent %+v", i, sent)
			}
			// The second session finds the coupon already there and goes on.
			checkRecorded(t, cs, sent)
		}
	})
}

func TestStripeApplierFailures(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.setFlow(live, fullFlow())
		t.Run("ProviderErrorLeavesSessionInProgress", func(t *testing.T) {
			cs := liveSession(t, e, "sub_fail", "break")
			e.stripe.FailNext(stripetest.Failure{Status: 402, Type: "invalid_request_error", Message: "This subscription cannot be paused."})
			_, err := e.svc.Accept(e.ctx, e.ws.ID, live, t0.Add(2*time.Minute), cs.ID, 0)
			wantCode(t, err, holdfast.ECONFLICT)
			// The customer's message is plain, with Stripe's request id;
			// Stripe's own text is the merchant's, on the session.
			if strings.Contains(err.Error(), "cannot be paused") || !strings.Contains(err.Error(), "(Stripe request req_") ||
				!strings.Contains(err.Error(), "still in progress") {
				t.Fatalf("error should be plain with the request id: %v", err)
			}
			got, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, live, cs.ID)
			if got.Status != "in_progress" || got.Outcome != nil || got.Applied != nil {
				t.Fatalf("failed apply must not save: %+v", got)
			}
			pe := got.ProviderError
			if pe == nil || pe.Message != "This subscription cannot be paused." || pe.HTTPStatus != 402 || pe.Type != "invalid_request_error" ||
				!strings.HasPrefix(pe.RequestID, "req_") || !strings.Contains(err.Error(), pe.RequestID) || !pe.OccurredAt.Equal(t0.Add(2*time.Minute)) {
				t.Fatalf("provider error on the session: %+v", pe)
			}
			if ev := e.events(cs.ID); len(ev) != 1 {
				t.Fatalf("no saved event on failure: %v", ev)
			}
			// Stripe caches a 4xx under its key; the retry after a definite
			// rejection sends the same change under a fresh key.
			got, err = e.svc.Accept(e.ctx, e.ws.ID, live, t0.Add(3*time.Minute), cs.ID, 0)
			if err != nil || *got.Outcome != "saved_pause" {
				t.Fatalf("retry: %+v %v", got, err)
			}
			m := e.stripe.Mutations()
			if a, b := m[len(m)-2], m[len(m)-1]; a.IdempotencyKey == b.IdempotencyKey || a.Form.Encode() != b.Form.Encode() {
				t.Fatalf("retry after a rejection: %+v vs %+v", a, b)
			}
		})
		t.Run("ServerErrorKeepsKey", func(t *testing.T) {
			cs := liveSession(t, e, "sub_500", "")
			e.stripe.FailNext(stripetest.Failure{Status: 500, Type: "api_error", Message: "internal detail xyz"})
			_, err := e.svc.Cancel(e.ctx, e.ws.ID, live, t0.Add(2*time.Minute), cs.ID)
			wantCode(t, err, holdfast.ECONFLICT)
			if strings.Contains(err.Error(), "xyz") {
				t.Fatalf("5xx detail leaked: %v", err)
			}
			if got, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, live, cs.ID); got.ProviderError == nil || got.ProviderError.Message != "internal detail xyz" ||
				got.ProviderError.HTTPStatus != 500 || got.ApplyAttempt != 0 {
				t.Fatalf("5xx on the session: %+v (attempt %d)", got.ProviderError, got.ApplyAttempt)
			}
			// Whether Stripe applied it is unknown: the retry reuses the key.
			got, err := e.svc.Cancel(e.ctx, e.ws.ID, live, t0.Add(3*time.Minute), cs.ID)
			if err != nil || *got.Outcome != "canceled" {
				t.Fatalf("retry: %+v %v", got, err)
			}
			m := e.stripe.Mutations()
			if a, b := m[len(m)-2], m[len(m)-1]; a.IdempotencyKey != b.IdempotencyKey {
				t.Fatalf("retry after a 5xx must reuse the key: %q vs %q", a.IdempotencyKey, b.IdempotencyKey)
			}
		})
		t.Run("UnknownCoupon", func(t *testing.T) {
			cs := liveSession(t, e, "sub_nocoupon", "price") // SAVE20 not created at the fake
			_, err := e.svc.Accept(e.ctx, e.ws.ID, live, t0.Add(2*time.Minute), cs.ID, 0)
			wantCode(t, err, holdfast.ECONFLICT)
			if strings.Contains(err.Error(), "No such coupon") {
				t.Fatalf("Stripe's text reached the customer: %v", err)
			}
			if got, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, live, cs.ID); got.ProviderError == nil ||
				!strings.Contains(got.ProviderError.Message, "No such coupon") || got.ProviderError.Code != "resource_missing" {
				t.Fatalf("merchant's view: %+v", got.ProviderError)
			}
		})
		t.Run("ForeignSubscription", func(t *testing.T) {
			e.stripe.AddSubscriptionState(stripetest.SubscriptionState{ID: "sub_victim", Customer: "cus_victim", ItemID: "si_v"})
			cs := e.start(live, t0, "cus_attacker", "sub_victim")
			_, err := e.svc.Cancel(e.ctx, e.ws.ID, live, t0.Add(time.Minute), cs.ID)
			wantParam(t, err, "subscription")
			if e.stripe.SubscriptionState("sub_victim").CancelAtPeriodEnd {
				t.Fatal("another customer's subscription was canceled")
			}
		})
		t.Run("UnknownSubscription", func(t *testing.T) {
			cs := e.start(live, t0, "cus_x", "sub_missing")
			_, err := e.svc.Cancel(e.ctx, e.ws.ID, live, t0.Add(time.Minute), cs.ID)
			wantParam(t, err, "subscription")
		})
		t.Run("AlreadyCanceledAtStripe", func(t *testing.T) {
			e.stripe.AddSubscriptionState(stripetest.SubscriptionState{ID: "sub_dead", Customer: "cus_dead", Status: "canceled"})
			cs := e.start(live, t0, "cus_dead", "sub_dead")
			_, err := e.svc.Cancel(e.ctx, e.ws.ID, live, t0.Add(time.Minute), cs.ID)
			wantCode(t, err, holdfast.ECONFLICT)
		})
		t.Run("MissingStripeKey", func(t *testing.T) {
			cs := liveSession(t, e, "sub_nokey", "break")
			if err := e.st.SetWorkspaceSecret(e.ctx, e.ws.ID, live, store.SecretStripeAPIKey, "", t0); err != nil {
				t.Fatal(err)
			}
			defer e.st.SetWorkspaceSecret(e.ctx, e.ws.ID, live, store.SecretStripeAPIKey, stripeKey, t0)
			before := len(e.stripe.Requests())
			_, err := e.svc.Accept(e.ctx, e.ws.ID, live, t0.Add(2*time.Minute), cs.ID, 0)
			wantCode(t, err, holdfast.ECONFLICT)
			if !strings.Contains(err.Error(), "Stripe API key") {
				t.Fatalf("error should name the missing key: %v", err)
			}
			if len(e.stripe.Requests()) != before {
				t.Fatal("no Stripe call without a key")
			}
			if got, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, live, cs.ID); got.Status != "in_progress" {
				t.Fatalf("session must stay in progress: %+v", got)
			}
		})
		t.Run("OtherNeedsNoStripe", func(t *testing.T) {
			cs := e.start(live, t0, "cus_o", "sub_o")
			e.respond(live, t0, cs.ID, "features")
			before := len(e.stripe.Requests())
			got, err := e.svc.Accept(e.ctx, e.ws.ID, live, t0.Add(time.Minute), cs.ID, 0)
			if err != nil || *got.Outcome != "saved_other" || len(e.stripe.Requests()) != before {
				t.Fatalf("saved_other: %+v %v", got, err)
			}
		})
	})
}

// TestStripeApplierReplay: the same apply twice (Stripe applied it but our
// commit was lost to a crash, then the customer retried) reaches Stripe with
// the same keys and parameters and is answered from Stripe's idempotency
// cache, so nothing is applied twice.
func TestStripeApplierReplay(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.stripe.AddSubscriptionState(stripetest.SubscriptionState{ID: "sub_r", Customer: "cus_r", ItemID: "si_r"})
		zero := int64(0)
		a := stripe.NewProvider(stripe.ProviderConfig{Store: e.st, APIBase: e.stripe.URL, HTTPClient: http.DefaultClient, MaxNetworkRetries: &zero, Logger: slog.New(slog.DiscardHandler)})
		resumes := t0.AddDate(0, 1, 0)
		req := cancelflow.ApplyRequest{WorkspaceID: e.ws.ID, SessionID: "cs_replay", Customer: "cus_r", Subscription: "sub_r",
			Action: cancelflow.ActionAccept, Offer: &holdfast.Offer{Type: "discount", PercentOff: 10, DurationMonths: 1}}
		for i := range 2 {
			if _, err := a.Apply(e.ctx, req); err != nil {
				t.Fatalf("apply %d: %v", i, err)
			}
		}
		m := e.stripe.Mutations()
		if len(m) != 4 || m[0].Replayed || m[1].Replayed || !m[2].Replayed || !m[3].Replayed {
			t.Fatalf("want coupon+update then both replayed, got %+v", m)
		}
		if m[0].IdempotencyKey != m[2].IdempotencyKey || m[1].IdempotencyKey != m[3].IdempotencyKey || m[0].IdempotencyKey == m[1].IdempotencyKey {
			t.Fatalf("keys: %q %q %q %q", m[0].IdempotencyKey, m[1].IdempotencyKey, m[2].IdempotencyKey, m[3].IdempotencyKey)
		}
		// A different offer in the same session gets its own key.
		req.Offer = &holdfast.Offer{Type: "pause", MaxMonths: 1, Months: 1, Behavior: "void", ResumesAt: &resumes}
		if _, err := a.Apply(e.ctx, req); err != nil {
			t.Fatal(err)
		}
		m = e.stripe.Mutations()
		if last := m[len(m)-1]; last.Replayed || last.IdempotencyKey == m[1].IdempotencyKey {
			t.Fatalf("new offer reused a key: %+v", last)
		}
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
