package stripe_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// failure is a Stripe-shaped invoice failure: its invoice, payment intent,
// charge and card.
type failure struct {
	cus, sub, inv, pi, ch string
	card                  map[string]any
	invoice               map[string]any
}

func newFailure(amount int64) *failure {
	f := &failure{cus: stripetest.ID("cus_"), sub: stripetest.ID("sub_"), inv: stripetest.ID("in_"), pi: stripetest.ID("pi_"), ch: stripetest.ID("ch_")}
	f.card = stripetest.PaymentMethod(stripetest.ID("pm_"), f.cus, "visa", "debit", stripetest.ID("fp"))
	f.invoice = stripetest.Invoice(f.inv, f.cus, f.sub, f.pi, amount, "usd")
	f.invoice["customer_email"] = "payer@example.com"
	f.invoice["customer_name"] = "Payer"
	return f
}

func TestInvoicePaymentFailed(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		t.Run("OpensRecoveryWithStubCustomer", func(t *testing.T) {
			f := newFailure(4200)
			e.must(event("invoice.payment_failed", base, f.invoice), false)
			calls := e.rec.all("InvoiceFailed")
			if len(calls) != 1 {
				t.Fatalf("calls %+v", calls)
			}
			got := calls[0].Failure
			cus := e.customer(f.cus, holdfast.ModeTest)
			if got.Invoice != f.inv || got.Amount != 4200 || got.Currency != "usd" || got.Subscription != f.sub || got.PaymentIntent != f.pi ||
				got.ProviderCustomerID != f.cus || got.Customer != cus.ID || got.Mode != holdfast.ModeTest || got.HostedInvoiceURL == "" ||
				!got.ProviderTime.Equal(base) {
				t.Fatalf("failure %+v", got)
			}
			if cus.Email == nil || *cus.Email != "payer@example.com" {
				t.Fatalf("stub customer %+v", cus)
			}
		})
		t.Run("DeclineFromExpandedPaymentIntent", func(t *testing.T) {
			f := newFailure(1000)
			f.invoice["payments"].(map[string]any)["data"].([]any)[0].(map[string]any)["payment"] = map[string]any{
				"type": "payment_intent", "payment_intent": stripetest.PaymentIntent(f.pi, f.cus, f.ch, "insufficient_funds", f.card)}
			e.must(event("invoice.payment_failed", base, f.invoice), false)
			got := e.last("InvoiceFailed").Failure
			if got.Decline.Code != "insufficient_funds" || got.Decline.FailureCode != "card_declined" || got.Card.Funding != "debit" ||
				got.Card.Brand != "visa" || got.Card.Fingerprint == "" || got.PaymentIntent != f.pi {
				t.Fatalf("decline %+v card %+v", got.Decline, got.Card)
			}
		})
		t.Run("ChargeFailedFirst", func(t *testing.T) {
			f := newFailure(1000)
			ch := stripetest.Charge(f.ch, f.pi, "do_not_honor", f.card)
			ch["outcome"].(map[string]any)["network_advice_code"] = "03"
			ch["outcome"].(map[string]any)["advice_code"] = "do_not_try_again"
			e.must(event("charge.failed", base, ch), false)
			if d := e.last("DeclineReported").Decline; d.Charge != f.ch || d.PaymentIntent != f.pi || d.Decline.Code != "do_not_honor" {
				t.Fatalf("report %+v", d)
			}
			e.must(event("invoice.payment_failed", base.Add(time.Second), f.invoice), false)
			got := e.last("InvoiceFailed").Failure
			if got.Decline.Code != "do_not_honor" || got.Decline.NetworkAdviceCode != "03" || got.Decline.AdviceCode != "do_not_try_again" ||
				got.Decline.Message == "" || got.Card.Brand != "visa" {
				t.Fatalf("stored decline not attached: %+v", got.Decline)
			}
		})
		t.Run("PaymentIntentFailedAfter", func(t *testing.T) {
			f := newFailure(1000)
			e.must(event("invoice.payment_failed", base, f.invoice), false)
			pi := stripetest.PaymentIntent(f.pi, f.cus, f.ch, "expired_card", f.card)
			e.must(event("payment_intent.payment_failed", base.Add(time.Second), pi), false)
			d := e.last("DeclineReported").Decline
			if d.PaymentIntent != f.pi || d.Charge != f.ch || d.Decline.Code != "expired_card" || d.Card.PaymentMethod != f.card["id"] {
				t.Fatalf("report %+v", d)
			}
		})
		t.Run("PaidIsRecovered", func(t *testing.T) {
			f := newFailure(1000)
			e.must(event("invoice.payment_failed", base, f.invoice), false)
			f.invoice["status"] = "paid"
			e.must(event("invoice.paid", base.Add(time.Hour), f.invoice), false)
			e.must(event("invoice.payment_succeeded", base.Add(time.Hour), f.invoice), false)
			if n := e.count("InvoicePaid", f.inv); n != 2 {
				t.Fatalf("InvoicePaid calls %d", n)
			}
		})
		t.Run("VoidedAndUncollectibleAreLost", func(t *testing.T) {
			for typ, reason := range map[string]string{"invoice.voided": "voided", "invoice.marked_uncollectible": "marked_uncollectible"} {
				f := newFailure(1000)
				e.must(event("invoice.payment_failed", base, f.invoice), false)
				e.must(event(typ, base.Add(time.Hour), f.invoice), false)
				if l := e.last("InvoiceLost"); l.Ref != f.inv || l.Reason != reason {
					t.Fatalf("%s: %+v", typ, l)
				}
			}
		})
		t.Run("FailureAfterPaymentIgnored", func(t *testing.T) {
			f := newFailure(1000)
			f.invoice["status"] = "paid"
			e.must(event("invoice.paid", base.Add(time.Hour), f.invoice), false)
			f.invoice["status"] = "open"
			e.must(event("invoice.payment_failed", base, f.invoice), false)
			if n := e.count("InvoiceFailed", f.inv); n != 0 {
				t.Fatalf("late failure reopened a paid invoice")
			}
		})
		t.Run("UncollectibleAfterPaymentIgnored", func(t *testing.T) {
			f := newFailure(1000)
			e.must(event("invoice.paid", base.Add(time.Hour), f.invoice), false)
			e.must(event("invoice.marked_uncollectible", base, f.invoice), false)
			if n := e.count("InvoiceLost", f.inv); n != 0 {
				t.Fatalf("stale uncollectible mark after payment")
			}
		})
		t.Run("TestEventsStayInTestMode", func(t *testing.T) {
			f := newFailure(1000)
			e.must(event("invoice.payment_failed", base, f.invoice), false)
			if got := e.last("InvoiceFailed").Failure; got.Mode != holdfast.ModeTest {
				t.Fatalf("mode %s", got.Mode)
			}
			if _, err := e.st.CustomerByProviderID(context.Background(), e.ws, holdfast.ModeLive, f.cus); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
				t.Fatal("test invoice created a live customer")
			}
		})
	})
}

func TestLiveDeclineLookup(t *testing.T) {
	fake := stripetest.New(t)
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.st.SetWorkspaceSecret(ctx, e.ws, holdfast.ModeLive, store.SecretStripeAPIKey, "sk_live_fake123", time.Now()); err != nil {
			t.Fatal(err)
		}
		live := func(typ string, o map[string]any) []byte {
			return stripetest.Event(stripetest.ID("evt_"), typ, true, base, o, nil)
		}
		t.Run("FetchedThroughTheAPI", func(t *testing.T) {
			f := newFailure(5000)
			fake.Put(stripetest.PaymentIntent(f.pi, f.cus, f.ch, "insufficient_funds", f.card))
			before := fake.Count("GET", "/v1/payment_intents/"+f.pi)
			e.must(live("invoice.payment_failed", f.invoice), true)
			got := e.last("InvoiceFailed").Failure
			if got.Mode != holdfast.ModeLive || got.Decline.Code != "insufficient_funds" || got.Card.Funding != "debit" || got.Charge != f.ch {
				t.Fatalf("failure %+v", got)
			}
			if fake.Count("GET", "/v1/payment_intents/"+f.pi) != before+1 {
				t.Fatalf("payment intent not fetched")
			}
			last := fake.Requests()[len(fake.Requests())-1]
			if last.Authorization != "Bearer sk_live_fake123" || last.StripeVersion != stripe.APIVersion || last.Query.Get("expand[0]") != "latest_charge" {
				t.Fatalf("request %+v", last)
			}
		})
		t.Run("InvoiceWithoutPaymentIdsFetchesPayments", func(t *testing.T) {
			f := newFailure(5000)
			delete(f.invoice, "payments")
			full := stripetest.Invoice(f.inv, f.cus, f.sub, f.pi, 5000, "usd")
			fake.Put(full)
			fake.Put(stripetest.PaymentIntent(f.pi, f.cus, f.ch, "card_velocity_exceeded", f.card))
			e.must(live("invoice.payment_failed", f.invoice), true)
			if got := e.last("InvoiceFailed").Failure; got.Decline.Code != "card_velocity_exceeded" || got.PaymentIntent != f.pi {
				t.Fatalf("failure %+v", got)
			}
		})
		t.Run("StripeDownDoesNotFailTheWebhook", func(t *testing.T) {
			f := newFailure(5000)
			fake.Handle("GET /v1/payment_intents/"+f.pi, func(w http.ResponseWriter, r *http.Request) {
				stripetest.WriteError(w, http.StatusInternalServerError, "api_error", "", "boom")
			})
			if out := e.must(live("invoice.payment_failed", f.invoice), true); out != stripe.OutcomeProcessed {
				t.Fatalf("outcome %s", out)
			}
			if got := e.last("InvoiceFailed").Failure; got.Invoice != f.inv || got.Decline.Code != "" {
				t.Fatalf("failure %+v", got)
			}
		})
		t.Run("TestModeNeverCallsStripe", func(t *testing.T) {
			f := newFailure(5000)
			n := len(fake.Requests())
			e.must(event("invoice.payment_failed", base, f.invoice), false)
			if len(fake.Requests()) != n {
				t.Fatalf("test mode called Stripe")
			}
		})
	}, func(c *stripe.Config) { c.APIBase = fake.URL })
}

func (e *env) last(method string) recorded {
	e.t.Helper()
	calls := e.rec.all(method)
	if len(calls) == 0 {
		e.t.Fatalf("no %s call", method)
	}
	return calls[len(calls)-1]
}

func (e *env) count(method, ref string) int {
	n := 0
	for _, c := range e.rec.all(method) {
		if c.Ref == ref {
			n++
		}
	}
	return n
}
