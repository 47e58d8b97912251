package stripe_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// TestDifferentObjectsDoNotWait: on PostgreSQL, an event whose transaction
// is still open (held inside it by the test failpoint, after all its
// writes) must not hold up an event about other objects of the same
// workspace: nothing workspace-wide (a counter row, the test clock, the
// workspace row) may be locked by ingestion. The second event gets a short
// deadline; waiting on a lock of the first makes it fail.
func TestDifferentObjectsDoNotWait(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	st := storetest.Open(t, "postgres")
	type mk func() []byte
	customer := func() []byte {
		return event("customer.created", time.Now(), stripetest.Customer(stripetest.ID("cus_"), "a@example.com", "A", time.Now(), nil))
	}
	subscription := func() []byte {
		return event("customer.subscription.created", time.Now(),
			stripetest.Subscription(stripetest.ID("sub_"), stripetest.ID("cus_"), "active", 1000, "usd", "month", time.Now().Add(720*time.Hour)))
	}
	failure := func() []byte {
		return event("invoice.payment_failed", time.Now(),
			stripetest.Invoice(stripetest.ID("in_"), stripetest.ID("cus_"), stripetest.ID("sub_"), stripetest.ID("pi_"), 1000, "usd"))
	}
	kinds := []struct {
		name string
		mk   mk
	}{{"CustomerCreated", customer}, {"SubscriptionCreated", subscription}, {"InvoiceFailed", failure}}
	for _, held := range kinds {
		for _, other := range kinds {
			t.Run(held.name+"/"+other.name, func(t *testing.T) {
				e := newEnv(t, st)
				entered, release := make(chan struct{}), make(chan struct{})
				var once sync.Once
				stripe.SetFailpoint(e.in, func(step string) error {
					if step == "applied" {
						first := false
						once.Do(func() { first = true })
						if first {
							close(entered)
							<-release
						}
					}
					return nil
				})
				heldErr := make(chan error, 1)
				go func() { _, err := e.deliver(held.mk(), false); heldErr <- err }()
				<-entered
				p := other.mk()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				out, err := e.in.HandleWebhook(ctx, e.ws, p, stripetest.Sign(p, testSecret, time.Now()))
				cancel()
				close(release)
				if err != nil || out != stripe.OutcomeProcessed {
					t.Fatalf("%s while a %s transaction was open: %q, %v (it waited on the other event's locks)", other.name, held.name, out, err)
				}
				if err := <-heldErr; err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
