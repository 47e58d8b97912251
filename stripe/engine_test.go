package stripe_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"holdfast"
	"holdfast/engine"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// withEngine replaces the recorder with the real recovery engine (its
// background runners are not started: these tests look at what one event's
// transaction commits).
func withEngine(c *stripe.Config) {
	c.Events = engine.New(engine.Config{Store: c.Store, Logger: quietLogger(), PublicURL: "https://hf.example", SigningKey: []byte("k")})
}

func (e *env) payment(invoice string) *holdfast.Payment {
	e.t.Helper()
	p, err := e.st.PaymentByInvoice(context.Background(), e.ws, holdfast.ModeTest, invoice)
	if err != nil {
		e.t.Fatalf("payment of %s: %v", invoice, err)
	}
	return p
}

func (e *env) recovery(p *holdfast.Payment) *holdfast.Recovery {
	e.t.Helper()
	r, err := e.st.GetRecovery(context.Background(), e.ws, holdfast.ModeTest, p.Recovery)
	if err != nil {
		e.t.Fatalf("recovery %s: %v", p.Recovery, err)
	}
	return r
}

func (e *env) payments() int {
	e.t.Helper()
	l, err := e.st.ListPayments(context.Background(), e.ws, holdfast.ModeTest, store.PaymentFilter{}, store.ListQuery{Limit: 1, Count: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return int(l.Total)
}

// TestThroughEngine drives webhooks into the real engine and reads the
// payments and recoveries it committed.
func TestThroughEngine(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFailure(4900)
		e.must(event("customer.created", base, stripetest.Customer(f.cus, "eng@example.com", "Eng", base, map[string]any{"holdfast_tags": "vip"})), false)

		t.Run("FailureOpensPaymentAndRecoveryOnce", func(t *testing.T) {
			ch := stripetest.Charge(f.ch, f.pi, "insufficient_funds", f.card)
			e.must(event("charge.failed", base, ch), false) // before the invoice event: kept for it
			p1 := event("invoice.payment_failed", base.Add(time.Second), f.invoice)
			e.must(p1, false)
			e.must(p1, false)                                                              // redelivery
			e.must(event("invoice.payment_failed", base.Add(time.Hour), f.invoice), false) // Stripe's next failed attempt
			p := e.payment(f.inv)
			cus := e.customer(f.cus, holdfast.ModeTest)
			if p.Status != holdfast.PaymentPending || p.Amount != 4900 || p.Currency != "usd" || p.Customer != cus.ID ||
				p.DeclineCode != "insufficient_funds" || p.CardBrand != "visa" || p.Subscription != f.sub || p.PaymentIntent != f.pi {
				t.Fatalf("payment %+v", p)
			}
			if r := e.recovery(p); r.Status != holdfast.RecoveryInFlight || r.Customer != cus.ID {
				t.Fatalf("recovery %+v", r)
			}
			if e.payments() != 1 {
				t.Fatalf("%d payments for one invoice", e.payments())
			}
		})
		t.Run("PaidRecovers", func(t *testing.T) {
			f.invoice["status"] = "paid"
			e.must(event("invoice.paid", base.Add(2*time.Hour), f.invoice), false)
			p := e.payment(f.inv)
			if p.Status != holdfast.PaymentRecovered || e.recovery(p).Status != holdfast.RecoveryRecovered {
				t.Fatalf("payment %s recovery %s", p.Status, e.recovery(p).Status)
			}
		})
		t.Run("VoidedIsLost", func(t *testing.T) {
			g := newFailure(1200)
			e.must(event("invoice.payment_failed", base, g.invoice), false)
			e.must(event("invoice.voided", base.Add(time.Hour), g.invoice), false)
			p := e.payment(g.inv)
			if p.Status != holdfast.PaymentFailed || e.recovery(p).Status != holdfast.RecoveryLost {
				t.Fatalf("payment %s recovery %s", p.Status, e.recovery(p).Status)
			}
		})
		t.Run("SubscriptionDeletedUnpaidIsLost", func(t *testing.T) {
			g := newFailure(1300)
			e.must(event("invoice.payment_failed", base, g.invoice), false)
			sub := stripetest.Subscription(g.sub, g.cus, "canceled", 1300, "usd", "month", base)
			e.must(event("customer.subscription.deleted", base.Add(time.Hour), sub), false) // pending payment ⇒ unpaid
			if r := e.recovery(e.payment(g.inv)); r.Status != holdfast.RecoveryLost {
				t.Fatalf("recovery %s", r.Status)
			}
		})
		t.Run("CustomerDeletedAbandons", func(t *testing.T) {
			g := newFailure(1400)
			e.must(event("invoice.payment_failed", base, g.invoice), false)
			e.must(event("customer.deleted", base.Add(time.Hour), map[string]any{"id": g.cus, "object": "customer", "deleted": true}), false)
			p := e.payment(g.inv)
			if p.Status != holdfast.PaymentCanceled || e.recovery(p).Status != holdfast.RecoveryAbandoned {
				t.Fatalf("payment %s recovery %s", p.Status, e.recovery(p).Status)
			}
			evs, err := e.st.ListEvents(ctx, e.ws, holdfast.ModeTest, store.EventFilter{Type: holdfast.EventCustomerDeleted}, store.ListQuery{Limit: 5})
			if err != nil || len(evs.Data) != 1 {
				t.Fatalf("customer.deleted events: %d %v", len(evs.Data), err)
			}
		})
		t.Run("CardAttachedRetriesAtOnce", func(t *testing.T) {
			g := newFailure(1600)
			e.must(event("customer.created", base, stripetest.Customer(g.cus, "card@example.com", "Card", base, nil)), false)
			e.must(event("invoice.payment_failed", base, g.invoice), false)
			pm := stripetest.PaymentMethod(stripetest.ID("pm_"), g.cus, "mastercard", "credit", stripetest.ID("fp"))
			e.must(event("payment_method.attached", base.Add(time.Minute), pm), false)
			p := e.payment(g.inv)
			atts, err := e.st.PaymentAttempts(ctx, p.ID)
			if err != nil || len(atts) == 0 || atts[len(atts)-1].Initiator != holdfast.InitiatorCardUpdate {
				t.Fatalf("attempts %+v %v", atts, err)
			}
			if p.Status != holdfast.PaymentRecovered { // the simulator succeeds once the card changed
				t.Fatalf("payment %s", p.Status)
			}
		})
		t.Run("CustomerUpdatedOnStubWithoutPreviousAttributes", func(t *testing.T) {
			// No customer.created came first (the customer is a stub made from
			// the invoice) and the update carries no previous_attributes: a
			// default card other than the failing one is a card update.
			cases := []struct {
				name     string
				sameCard bool
				want     string
				attempts int
			}{
				{"NewCardRetriesAtOnce", false, holdfast.PaymentRecovered, 1},
				{"FailingCardIsNoChange", true, holdfast.PaymentPending, 0},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					g := newFailure(1700)
					e.must(event("charge.failed", base, stripetest.Charge(g.ch, g.pi, "expired_card", g.card)), false)
					e.must(event("invoice.payment_failed", base.Add(time.Second), g.invoice), false)
					pm := stripetest.ID("pm_")
					if tc.sameCard {
						pm = g.card["id"].(string)
					}
					cus := stripetest.Customer(g.cus, "stub@example.com", "Stub", base, nil)
					cus["invoice_settings"].(map[string]any)["default_payment_method"] = pm
					e.must(event("customer.updated", base.Add(time.Minute), cus), false)
					p := e.payment(g.inv)
					atts, err := e.st.PaymentAttempts(ctx, p.ID)
					if err != nil || p.Status != tc.want || len(atts) != tc.attempts {
						t.Fatalf("payment %s with %d attempts (%v), want %s with %d", p.Status, len(atts), err, tc.want, tc.attempts)
					}
				})
			}
		})
		t.Run("CrashAfterEngineWritesRollsBackEverything", func(t *testing.T) {
			g := newFailure(1500)
			p := event("invoice.payment_failed", base, g.invoice)
			before := e.payments()
			crashOnce(e.in, "applied")
			if _, err := e.deliver(p, false); !errors.Is(err, errCrash) {
				t.Fatalf("no crash: %v", err)
			}
			if _, err := e.st.PaymentByInvoice(ctx, e.ws, holdfast.ModeTest, g.inv); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
				t.Fatalf("payment survived the crash: %v", err)
			}
			e.must(p, false)
			e.must(p, false)
			if e.payments() != before+1 || e.recovery(e.payment(g.inv)).Status != holdfast.RecoveryInFlight {
				t.Fatalf("redelivery: %d payments (was %d)", e.payments(), before)
			}
		})
	}, withEngine)
}

func TestSyncThroughEngine(t *testing.T) {
	fake := stripetest.New(t)
	_, failed := seedFake(fake, 120)
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.st.SetWorkspaceSecret(ctx, e.ws, holdfast.ModeTest, store.SecretStripeAPIKey, "sk_test_fake", time.Now()); err != nil {
			t.Fatal(err)
		}
		for run := 1; run <= 2; run++ {
			if _, err := e.in.Sync(ctx, stripe.SyncOptions{WorkspaceID: e.ws, Mode: holdfast.ModeTest}); err != nil {
				t.Fatal(err)
			}
			if e.payments() != len(failed) || countRows(t, e.st, "recoveries", e.ws) != len(failed) || countRows(t, e.st, "customers", e.ws) != 120 {
				t.Fatalf("run %d: %d payments, %d recoveries, %d customers; want %d failures", run, e.payments(),
					countRows(t, e.st, "recoveries", e.ws), countRows(t, e.st, "customers", e.ws), len(failed))
			}
		}
		if p := e.payment(failed[0]); p.Status != holdfast.PaymentPending || p.Customer == "" || p.Amount != 1900 {
			t.Fatalf("payment %+v", p)
		}
	}, func(c *stripe.Config) { c.APIBase = fake.URL; withEngine(c) })
}
