package stripe_test

import (
	"context"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

func TestCustomerMirroring(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id := stripetest.ID("cus_")
		obj := stripetest.Customer(id, "Ada@Example.COM", "Ada Lovelace", base, map[string]any{
			"holdfast_tags": "vip, beta,,vip", "tz": "Europe/Berlin", "plan": "pro"})
		if out := e.must(event("customer.created", base, obj), false); out != stripe.OutcomeProcessed {
			t.Fatalf("outcome %s", out)
		}
		c := e.customer(id, holdfast.ModeTest)

		t.Run("Created", func(t *testing.T) {
			if c.Livemode || *c.Email != "Ada@Example.COM" || *c.Name != "Ada Lovelace" || c.Timezone != "Europe/Berlin" ||
				c.Metadata["plan"] != "pro" || len(c.Tags) != 2 || c.Tags[0] != "vip" || c.Tags[1] != "beta" {
				t.Fatalf("mirrored %+v", c)
			}
			if len(c.ID) != 28 || c.ID[:4] != "cus_" || c.ID == id {
				t.Fatalf("our id %q", c.ID)
			}
			got, err := e.st.ListCustomers(ctx, e.ws, holdfast.ModeTest, store.CustomerFilter{Email: "ada@example.com", Tag: "beta"}, store.ListQuery{Limit: 5})
			if err != nil || len(got.Data) != 1 {
				t.Fatalf("email_lower/tag rows: %+v %v", got, err)
			}
			if _, err := e.st.CustomerByProviderID(ctx, e.ws, holdfast.ModeLive, id); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
				t.Fatalf("test event leaked into live mode: %v", err)
			}
		})
		t.Run("TestModeCreatedAtFollowsTestClock", func(t *testing.T) {
			if _, err := e.st.AdvanceTestClock(ctx, e.ws, 72*time.Hour, time.Now()); err != nil {
				t.Fatal(err)
			}
			other := stripetest.ID("cus_")
			e.must(event("customer.created", base, stripetest.Customer(other, "b@example.com", "B", base, nil)), false)
			if got := e.customer(other, holdfast.ModeTest).CreatedAt; got.Before(time.Now().Add(71 * time.Hour)) {
				t.Fatalf("created_at %v ignores the test clock", got)
			}
		})
		t.Run("UpdatedTagsAndTimezoneFromAddress", func(t *testing.T) {
			obj["metadata"] = map[string]any{"holdfast_tags": "gold"}
			obj["address"] = map[string]any{"country": "US", "state": "CA", "city": "Oakland"}
			e.must(event("customer.updated", base.Add(time.Minute), obj), false)
			c := e.customer(id, holdfast.ModeTest)
			if len(c.Tags) != 1 || c.Tags[0] != "gold" || c.Timezone != "America/Los_Angeles" {
				t.Fatalf("updated %+v", c)
			}
			if l, _ := e.st.ListCustomers(ctx, e.ws, holdfast.ModeTest, store.CustomerFilter{Tag: "vip"}, store.ListQuery{Limit: 5}); len(l.Data) != 0 {
				t.Fatalf("old tag row kept")
			}
		})
		t.Run("DefaultPaymentMethodChangeIsCardUpdate", func(t *testing.T) {
			obj["invoice_settings"] = map[string]any{"default_payment_method": "pm_First"}
			e.must(event("customer.updated", base.Add(2*time.Minute), obj), false)
			obj["invoice_settings"] = map[string]any{"default_payment_method": map[string]any{"id": "pm_Second", "object": "payment_method",
				"card": map[string]any{"brand": "mastercard", "funding": "debit", "fingerprint": "fp2"}}}
			e.must(event("customer.updated", base.Add(3*time.Minute), obj), false)
			e.must(event("customer.updated", base.Add(4*time.Minute), obj), false) // unchanged: no update
			calls := e.rec.all("CardUpdated")
			if len(calls) != 2 || calls[0].Card.PaymentMethod != "pm_First" || calls[1].Card.PaymentMethod != "pm_Second" ||
				calls[1].Card.Brand != "mastercard" || calls[1].Customer != c.ID {
				t.Fatalf("card updates %+v", calls)
			}
		})
		t.Run("PreviousAttributesDecide", func(t *testing.T) {
			n := len(e.rec.all("CardUpdated"))
			// The engine recorded an attached card as the default; an unrelated
			// update that still names the old default is no card change.
			if err := e.st.RecordCardUpdate(ctx, c.ID, holdfast.Card{PaymentMethod: "pm_Attached"}, time.Now()); err != nil {
				t.Fatal(err)
			}
			obj["name"] = "Ada King"
			e.must(stripetest.Event(stripetest.ID("evt_"), "customer.updated", false, base.Add(4*time.Minute+time.Second), obj,
				map[string]any{"name": "Ada Lovelace"}), false)
			if got := len(e.rec.all("CardUpdated")); got != n {
				t.Fatalf("unrelated update counted as card update")
			}
			obj["invoice_settings"] = map[string]any{"default_payment_method": "pm_Third"}
			late := stripetest.Event(stripetest.ID("evt_"), "customer.updated", false, base.Add(4*time.Minute+3*time.Second), obj,
				map[string]any{"invoice_settings": map[string]any{"default_payment_method": "pm_Second"}})
			e.must(late, false)
			calls := e.rec.all("CardUpdated")
			if len(calls) != n+1 || calls[n].Card.PaymentMethod != "pm_Third" {
				t.Fatalf("reported change missed: %+v", calls)
			}
		})
		t.Run("PaymentMethodAttached", func(t *testing.T) {
			pm := stripetest.PaymentMethod(stripetest.ID("pm_"), id, "visa", "credit", "fpA")
			e.must(event("payment_method.attached", base.Add(5*time.Minute), pm), false)
			calls := e.rec.all("CardUpdated")
			last := calls[len(calls)-1]
			if last.Customer != c.ID || last.Card.Fingerprint != "fpA" || last.Card.Brand != "visa" || last.Card.Funding != "credit" {
				t.Fatalf("attached %+v", last)
			}
			n := len(calls)
			e.must(event("payment_method.attached", base, stripetest.PaymentMethod(stripetest.ID("pm_"), "cus_NotMirrored", "visa", "credit", "x")), false)
			if len(e.rec.all("CardUpdated")) != n {
				t.Fatalf("card update for an unknown customer")
			}
		})
		t.Run("DeletedThenLateUpdateIgnored", func(t *testing.T) {
			e.must(event("customer.deleted", base.Add(10*time.Minute), map[string]any{"id": id, "object": "customer", "deleted": true}), false)
			if _, err := e.st.GetCustomer(ctx, e.ws, holdfast.ModeTest, c.ID); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
				t.Fatalf("deleted customer visible: %v", err)
			}
			if d := e.rec.all("CustomerDeleted"); len(d) != 1 || d[0].Customer != c.ID {
				t.Fatalf("engine not told: %+v", d)
			}
			obj["email"] = "late@example.com"
			e.must(event("customer.updated", base.Add(9*time.Minute), obj), false)
			e.must(event("customer.updated", base.Add(20*time.Minute), obj), false)
			got := e.customer(id, holdfast.ModeTest)
			if !got.Deleted || got.Email != nil {
				t.Fatalf("resurrected %+v", got)
			}
		})
	})
}

func TestOutOfOrderCustomerUpdate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		id := stripetest.ID("cus_")
		newer := stripetest.Customer(id, "new@example.com", "New", base, nil)
		older := stripetest.Customer(id, "old@example.com", "Old", base, nil)
		e.must(event("customer.updated", base.Add(2*time.Minute), newer), false)
		if out := e.must(event("customer.updated", base.Add(time.Minute), older), false); out != stripe.OutcomeProcessed {
			t.Fatalf("outcome %s", out)
		}
		e.must(event("customer.created", base, older), false)
		if c := e.customer(id, holdfast.ModeTest); *c.Email != "new@example.com" {
			t.Fatalf("older event overwrote newer state: %s", *c.Email)
		}
	})
}

func TestDuplicateDelivery(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		id := stripetest.ID("cus_")
		obj := stripetest.Customer(id, "dup@example.com", "Dup", base, nil)
		obj["invoice_settings"] = map[string]any{"default_payment_method": "pm_A"}
		e.must(event("customer.created", base, obj), false)
		obj["invoice_settings"] = map[string]any{"default_payment_method": "pm_B"}
		p := event("customer.updated", base.Add(time.Minute), obj)
		if out := e.must(p, false); out != stripe.OutcomeProcessed {
			t.Fatalf("first: %s", out)
		}
		before := e.customer(id, holdfast.ModeTest)
		for i := 0; i < 3; i++ {
			if out := e.must(p, false); out != stripe.OutcomeDuplicate {
				t.Fatalf("redelivery %d: %s", i, out)
			}
		}
		after := e.customer(id, holdfast.ModeTest)
		if !after.UpdatedAt.Equal(before.UpdatedAt) || len(e.rec.all("CardUpdated")) != 1 || e.providerEvents() != 2 {
			t.Fatalf("redelivery changed something: %v→%v, %d card updates, %d events",
				before.UpdatedAt, after.UpdatedAt, len(e.rec.all("CardUpdated")), e.providerEvents())
		}
	})
}
