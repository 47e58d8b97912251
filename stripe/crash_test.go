package stripe_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

var errCrash = errors.New("injected crash")

// crashOnce makes the ingester fail the first time it reaches step.
func crashOnce(in *stripe.Ingester, step string) *bool {
	crashed := new(bool)
	stripe.SetFailpoint(in, func(s string) error {
		if s == step && !*crashed {
			*crashed = true
			return errCrash
		}
		return nil
	})
	return crashed
}

func TestCrashBetweenWrites(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, step := range []string{"recorded", "mirrored"} {
			t.Run("CustomerCreated/"+step, func(t *testing.T) {
				id := stripetest.ID("cus_")
				p := event("customer.created", base, stripetest.Customer(id, "crash@example.com", "Crash", base, map[string]any{"holdfast_tags": "x"}))
				events := e.providerEvents()
				crashed := crashOnce(e.in, step)
				if _, err := e.deliver(p, false); !errors.Is(err, errCrash) || !*crashed {
					t.Fatalf("delivery did not crash: %v", err)
				}
				if _, err := e.st.CustomerByProviderID(ctx, e.ws, holdfast.ModeTest, id); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
					t.Fatalf("half-applied event left a customer: %v", err)
				}
				if e.providerEvents() != events {
					t.Fatalf("crashed event recorded as applied")
				}
				if out := e.must(p, false); out != stripe.OutcomeProcessed {
					t.Fatalf("redelivery: %s", out)
				}
				if out := e.must(p, false); out != stripe.OutcomeDuplicate {
					t.Fatalf("second redelivery: %s", out)
				}
				l, err := e.st.ListCustomers(ctx, e.ws, holdfast.ModeTest, store.CustomerFilter{Email: "crash@example.com", Tag: "x"}, store.ListQuery{Limit: 10})
				if err != nil || len(l.Data) != 1 {
					t.Fatalf("after redelivery: %d customers, %v", len(l.Data), err)
				}
				e.must(event("customer.deleted", base.Add(time.Minute), map[string]any{"id": id, "object": "customer"}), false)
			})
		}
		t.Run("InvoicePaymentFailed", func(t *testing.T) {
			f := newFailure(900)
			p := event("invoice.payment_failed", base, f.invoice)
			crashOnce(e.in, "mirrored")
			if _, err := e.deliver(p, false); !errors.Is(err, errCrash) {
				t.Fatalf("no crash: %v", err)
			}
			if _, err := e.st.CustomerByProviderID(ctx, e.ws, holdfast.ModeTest, f.cus); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
				t.Fatalf("stub customer survived the crash: %v", err)
			}
			for i := 0; i < 2; i++ {
				e.must(p, false)
			}
			if n := e.count("InvoiceFailed", f.inv); n != 1 {
				t.Fatalf("engine told %d times", n)
			}
		})
	})
}
