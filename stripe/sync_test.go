package stripe_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// seedFake fills a fake Stripe with nCus customers (each with a subscription,
// every tenth canceled) and invoices: failed open ones, open ones never
// attempted, and paid ones. It returns the ids of the failed open invoices.
func seedFake(fake *stripetest.Server, nCus int) (cus []string, failed []string) {
	end := time.Now().Add(20 * 24 * time.Hour)
	for i := 0; i < nCus; i++ {
		id := stripetest.ID("cus_")
		cus = append(cus, id)
		fake.AddCustomer(stripetest.Customer(id, fmt.Sprintf("user%03d@example.com", i), fmt.Sprintf("User %d", i), time.Now(),
			map[string]any{"holdfast_tags": "synced"}))
		status := "active"
		if i%10 == 0 {
			status = "canceled"
		}
		sub := stripetest.ID("sub_")
		fake.AddSubscription(stripetest.Subscription(sub, id, status, 1900, "usd", "month", end))
		if i%7 == 0 {
			inv := stripetest.Invoice(stripetest.ID("in_"), id, sub, "", 1900, "usd")
			fake.AddInvoice(inv)
			failed = append(failed, inv["id"].(string))
		}
		if i%9 == 0 {
			inv := stripetest.Invoice(stripetest.ID("in_"), id, sub, "", 1900, "usd")
			inv["attempted"], inv["attempt_count"] = false, 0 // not charged yet: not a failure
			fake.AddInvoice(inv)
		}
		if i%11 == 0 {
			inv := stripetest.Invoice(stripetest.ID("in_"), id, sub, "", 1900, "usd")
			inv["status"], inv["amount_remaining"] = "paid", 0
			fake.AddInvoice(inv)
		}
	}
	return cus, failed
}

func countRows(t *testing.T, st *store.Store, table, wsID string) int {
	t.Helper()
	var n int
	if err := st.Conn(context.Background()).QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table+` WHERE workspace_id = ?`, wsID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSync(t *testing.T) {
	fake := stripetest.New(t)
	cusIDs, failed := seedFake(fake, 250)
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.st.SetWorkspaceSecret(ctx, e.ws, holdfast.ModeTest, store.SecretStripeAPIKey, "sk_test_fake", time.Now()); err != nil {
			t.Fatal(err)
		}
		var progress []stripe.SyncProgress
		opts := stripe.SyncOptions{WorkspaceID: e.ws, Mode: holdfast.ModeTest, Progress: func(p stripe.SyncProgress) { progress = append(progress, p) }}
		res, err := e.in.Sync(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("Counts", func(t *testing.T) {
			// 3 customer pages, 3 subscription pages (status=all), 1 invoice page.
			if res.Customers != 250 || res.Subscriptions != 250 || res.Invoices != len(failed) || res.Pages != 7 {
				t.Fatalf("result %+v (want %d invoices)", res, len(failed))
			}
			if len(progress) != 7 || progress[2].Stage != "customers" || progress[2].Customers != 250 || progress[6].Stage != "invoices" {
				t.Fatalf("progress %+v", progress)
			}
			if countRows(t, e.st, "customers", e.ws) != 250 || countRows(t, e.st, "subscriptions", e.ws) != 250 {
				t.Fatalf("rows: %d customers, %d subscriptions", countRows(t, e.st, "customers", e.ws), countRows(t, e.st, "subscriptions", e.ws))
			}
			got := map[string]bool{}
			for _, c := range e.rec.all("InvoiceFailed") {
				got[c.Ref] = true
				if c.Failure.Customer == "" || c.Failure.Amount != 1900 || c.Failure.Subscription == "" {
					t.Fatalf("failure %+v", c.Failure)
				}
			}
			for _, id := range failed {
				if !got[id] {
					t.Fatalf("failed invoice %s not handed over", id)
				}
			}
			l, _ := e.st.ListCustomers(ctx, e.ws, holdfast.ModeTest, store.CustomerFilter{Tag: "synced"}, store.ListQuery{Limit: 1, Count: true})
			if l.Total != 250 {
				t.Fatalf("tagged customers %d", l.Total)
			}
		})
		t.Run("RerunAddsNothing", func(t *testing.T) {
			again, err := e.in.Sync(ctx, stripe.SyncOptions{WorkspaceID: e.ws, Mode: holdfast.ModeTest})
			if err != nil || again.Customers != 250 {
				t.Fatalf("rerun %+v %v", again, err)
			}
			if countRows(t, e.st, "customers", e.ws) != 250 || countRows(t, e.st, "subscriptions", e.ws) != 250 ||
				countRows(t, e.st, "stripe_invoices", e.ws) != len(failed) {
				t.Fatal("rerun duplicated rows")
			}
		})
		t.Run("OlderWebhookLosesToSync", func(t *testing.T) {
			id := cusIDs[1]
			e.must(event("customer.updated", time.Now().Add(-time.Hour), stripetest.Customer(id, "stale@example.com", "Stale", time.Now(), nil)), false)
			if c := e.customer(id, holdfast.ModeTest); *c.Email != "user001@example.com" {
				t.Fatalf("stale webhook overwrote synced state: %s", *c.Email)
			}
			e.must(event("customer.updated", time.Now().Add(time.Second), stripetest.Customer(id, "fresh@example.com", "Fresh", time.Now(), nil)), false)
			if c := e.customer(id, holdfast.ModeTest); *c.Email != "fresh@example.com" {
				t.Fatalf("newer webhook lost: %s", *c.Email)
			}
		})
		t.Run("NoAPIKey", func(t *testing.T) {
			_, err := e.in.Sync(ctx, stripe.SyncOptions{WorkspaceID: e.ws, Mode: holdfast.ModeLive})
			if holdfast.ErrorCode(err) != holdfast.EVALIDATION {
				t.Fatalf("err %v", err)
			}
		})
	}, func(c *stripe.Config) { c.APIBase = fake.URL })
}
