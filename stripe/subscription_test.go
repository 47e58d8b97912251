package stripe_test

import (
	"testing"
	"time"

	"holdfast/stripe/stripetest"
)

func TestSubscriptionMirroring(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cus := stripetest.ID("cus_")
		id := stripetest.ID("sub_")
		end := base.Add(30 * 24 * time.Hour)
		sub := stripetest.Subscription(id, cus, "active", 2900, "EUR", "month", end)

		t.Run("CreatedBeforeItsCustomer", func(t *testing.T) {
			e.must(event("customer.subscription.created", base, sub), false)
			s := e.subscription(id)
			price := sub["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["price"].(map[string]any)
			if s.Status != "active" || s.Amount != 2900 || s.Currency != "eur" || s.Interval != "month" || s.PriceID != price["id"] ||
				s.ProductID != price["product"] || s.CurrentPeriodEnd == nil || !s.CurrentPeriodEnd.Equal(end.UTC()) {
				t.Fatalf("mirrored %+v", s)
			}
			// The customer is stubbed so the subscription hangs off it; the
			// customer event fills it in later.
			stub := e.customer(cus, "test")
			if s.Customer != stub.ID || s.ProviderCustomerID != cus {
				t.Fatalf("customer link %q/%q vs %q", s.Customer, s.ProviderCustomerID, stub.ID)
			}
			e.must(event("customer.created", base, stripetest.Customer(cus, "sub@example.com", "Sub", base, nil)), false)
			if c := e.customer(cus, "test"); c.ID != stub.ID || c.Email == nil || *c.Email != "sub@example.com" {
				t.Fatalf("stub not filled: %+v", c)
			}
		})
		t.Run("UpdatedFields", func(t *testing.T) {
			sub["cancel_at_period_end"] = true
			sub["pause_collection"] = map[string]any{"behavior": "mark_uncollectible", "resumes_at": end.Unix()}
			sub["discounts"] = []any{map[string]any{"id": "di_1", "object": "discount", "coupon": map[string]any{"id": "SAVE20", "percent_off": 20}}}
			sub["default_payment_method"] = "pm_Sub1"
			sub["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["quantity"] = 3
			e.must(event("customer.subscription.updated", base.Add(time.Minute), sub), false)
			s := e.subscription(id)
			if !s.CancelAtPeriodEnd || s.PauseCollection["behavior"] != "mark_uncollectible" || s.Discount["id"] != "di_1" ||
				s.DefaultPaymentMethod != "pm_Sub1" || s.Amount != 8700 {
				t.Fatalf("updated %+v", s)
			}
		})
		t.Run("OutOfOrderUpdateIgnored", func(t *testing.T) {
			older := stripetest.Subscription(id, cus, "trialing", 100, "eur", "year", end)
			e.must(event("customer.subscription.updated", base.Add(30*time.Second), older), false)
			if s := e.subscription(id); s.Status != "active" || s.Amount != 8700 {
				t.Fatalf("older snapshot applied: %+v", s)
			}
		})
		t.Run("LegacyShape", func(t *testing.T) {
			// API versions before 2025-03-31: plan at the top, period end on the subscription.
			legacy := map[string]any{"id": stripetest.ID("sub_"), "object": "subscription", "customer": map[string]any{"id": cus, "object": "customer"},
				"status": "past_due", "current_period_end": end.Unix(), "quantity": 2,
				"plan":     map[string]any{"id": "plan_Gold", "object": "plan", "amount": 1500, "currency": "usd", "interval": "year", "product": "prod_G"},
				"discount": map[string]any{"id": "di_legacy", "object": "discount"}}
			e.must(event("customer.subscription.updated", base, legacy), false)
			s := e.subscription(legacy["id"].(string))
			if s.Amount != 3000 || s.Interval != "year" || s.PriceID != "plan_Gold" || s.Currency != "usd" || s.Discount["id"] != "di_legacy" ||
				s.CurrentPeriodEnd == nil || s.ProviderCustomerID != cus {
				t.Fatalf("legacy %+v", s)
			}
		})
		t.Run("DeletedVoluntarily", func(t *testing.T) {
			sub["status"] = "canceled"
			sub["canceled_at"] = base.Add(2 * time.Minute).Unix()
			sub["cancellation_details"] = map[string]any{"reason": "cancellation_requested"}
			e.must(event("customer.subscription.deleted", base.Add(2*time.Minute), sub), false)
			if s := e.subscription(id); s.Status != "canceled" || s.CanceledAt == nil {
				t.Fatalf("deleted %+v", s)
			}
			if n := len(e.rec.all("SubscriptionEndedUnpaid")); n != 0 {
				t.Fatalf("voluntary cancel reported unpaid")
			}
			sub["status"] = "active"
			e.must(event("customer.subscription.updated", base.Add(2*time.Minute), sub), false)
			if s := e.subscription(id); s.Status != "canceled" {
				t.Fatalf("canceled subscription revived: %s", s.Status)
			}
		})
		t.Run("DeletedUnpaid", func(t *testing.T) {
			cases := map[string]func(s map[string]any) map[string]any{
				"ReasonPaymentFailed": func(s map[string]any) map[string]any {
					s["cancellation_details"] = map[string]any{"reason": "payment_failed"}
					return nil
				},
				"PreviouslyPastDue": func(s map[string]any) map[string]any { return map[string]any{"status": "past_due"} },
			}
			for name, shape := range cases {
				t.Run(name, func(t *testing.T) {
					sid := stripetest.ID("sub_")
					s := stripetest.Subscription(sid, cus, "canceled", 500, "usd", "month", end)
					prev := shape(s)
					e.must(stripetest.Event(stripetest.ID("evt_"), "customer.subscription.deleted", false, base, s, prev), false)
					got := e.rec.all("SubscriptionEndedUnpaid")
					if len(got) == 0 || got[len(got)-1].Ref != sid {
						t.Fatalf("not reported: %+v", got)
					}
				})
			}
		})
	})
}
