package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/engine"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// withEngineAndIngester wires the engine and the real Stripe ingester, so
// tests drive recoveries with signed Stripe webhooks like a merchant's account.
func withEngineAndIngester(eng **engine.Engine) func(*api.Config) {
	return func(c *api.Config) {
		withEngine(eng, nil)(c)
		c.Services.Stripe = stripe.NewIngester(stripe.Config{Store: c.Store, Events: *eng})
	}
}

// hook posts a signed Stripe event to the workspace's webhook endpoint.
func hook(t *testing.T, e *apitest.Env, wsID, typ string, obj map[string]any) {
	t.Helper()
	payload := stripetest.Event(stripetest.ID("evt_"), typ, false, time.Now(), obj, nil)
	res := e.Do("POST", "/hooks/stripe/"+wsID, "", payload, "Stripe-Signature", stripetest.Sign(payload, "whsec_e2e", time.Now()))
	if res.Status != 200 {
		t.Fatalf("%s: %d %s", typ, res.Status, res.Body)
	}
}

// TestRecoveryThroughWebhooks plays each decline class end to end in test
// mode: Stripe webhooks in, advance_clock, the read API out.
func TestRecoveryThroughWebhooks(t *testing.T) {
	var eng *engine.Engine
	cases := []struct {
		name     string
		decline  string
		outcomes string
		act      func(t *testing.T, e *apitest.Env, wsID, cus string) // after the checks right after opening
		want     string
		attempts int
	}{
		{name: "FundsRecoveredLater", decline: "insufficient_funds", outcomes: "insufficient_funds,succeeded", want: "recovered", attempts: 2},
		{name: "NeverRetryThenNewCard", decline: "stolen_card", want: "recovered", attempts: 1,
			act: func(t *testing.T, e *apitest.Env, wsID, cus string) {
				hook(t, e, wsID, "payment_method.attached", stripetest.PaymentMethod(stripetest.ID("pm_"), cus, "visa", "credit", "fp_new"))
			}},
		{name: "Exhausted", decline: "do_not_honor", want: "lost", attempts: 3},
		{name: "CustomerDeleted", decline: "insufficient_funds", want: "abandoned", attempts: 0,
			act: func(t *testing.T, e *apitest.Env, wsID, cus string) {
				hook(t, e, wsID, "customer.deleted", stripetest.Customer(cus, "x@example.com", "X", time.Now(), nil))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			apitest.Each(t, func(t *testing.T, e *apitest.Env) {
				ctx := context.Background()
				ws := e.Workspace("E2E")
				if err := e.Store.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, store.SecretStripeWebhook, "whsec_e2e", time.Now()); err != nil {
					t.Fatal(err)
				}
				key := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeRead, holdfast.ScopeWrite)
				cus := stripetest.ID("cus_")
				meta := map[string]any{}
				if tc.outcomes != "" {
					meta[engine.TestOutcomesKey] = tc.outcomes
				}
				hook(t, e, ws.ID, "customer.created", stripetest.Customer(cus, "pat@example.com", "Pat", time.Now(), meta))
				inv, pi, ch := stripetest.ID("in_"), stripetest.ID("pi_"), stripetest.ID("ch_")
				pm := stripetest.PaymentMethod(stripetest.ID("pm_"), cus, "visa", "credit", "fp_old")
				hook(t, e, ws.ID, "charge.failed", stripetest.Charge(ch, pi, tc.decline, pm))
				hook(t, e, ws.ID, "payment_intent.payment_failed", stripetest.PaymentIntent(pi, cus, ch, tc.decline, pm))
				hook(t, e, ws.ID, "invoice.payment_failed", stripetest.Invoice(inv, cus, stripetest.ID("sub_"), pi, 1999, "usd"))

				list := e.Do("GET", "/v1/payments", key, nil)
				if list.Status != 200 || len(list.Data()) != 1 {
					t.Fatalf("payments: %d %s", list.Status, list.Body)
				}
				pay := list.Data()[0]
				if pay["status"] != "pending" || pay["decline_code"] != tc.decline || pay["invoice"] != inv {
					t.Fatalf("payment = %v", pay)
				}
				recID := pay["recovery"].(string)
				rec := e.Do("GET", "/api/v1/campaigns/"+recID, key, nil)
				sends, _ := rec.JSON["dunning_sends"].([]any)
				wantSends := 0
				if tc.decline == "stolen_card" {
					wantSends = 1 // the card-update email, at once
				}
				if rec.Status != 200 || rec.JSON["status"] != "in_flight" || len(sends) != wantSends {
					t.Fatalf("right after the failure: %d %s", rec.Status, rec.Body)
				}
				if tc.act != nil {
					tc.act(t, e, ws.ID, cus)
					// A card update retries at once; a deletion abandons at once.
					if now := e.Do("GET", "/api/v1/campaigns/"+recID, key, nil); now.JSON["status"] != tc.want {
						t.Fatalf("right after %s: %s", tc.name, now.Body)
					}
				}
				for range 6 {
					if res := e.Do("POST", "/v1/test_helpers/advance_clock", key, map[string]any{"seconds": 7 * 86400}); res.Status != 200 {
						t.Fatalf("advance: %d %s", res.Status, res.Body)
					}
				}
				got := e.Do("GET", "/v1/payments/"+pay["id"].(string), key, nil)
				atts, _ := got.JSON["attempts"].([]any)
				rec = e.Do("GET", "/api/v1/campaigns/"+recID, key, nil)
				if rec.JSON["status"] != tc.want || len(atts) != tc.attempts {
					t.Fatalf("recovery %v with %d attempts, want %s with %d: %s", rec.JSON["status"], len(atts), tc.want, tc.attempts, got.Body)
				}
				evs := e.Do("GET", "/v1/events?per_page=100", key, nil)
				types := map[string]int{}
				for _, ev := range evs.Data() {
					types[fmt.Sprint(ev["type"])]++
				}
				if types["recovery.started"] != 1 || types["recovery."+tc.want] != 1 {
					t.Fatalf("events = %v", types)
				}
			}, withEngineAndIngester(&eng))
		})
	}
}
