package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe/stripetest"
)

func TestStripeSyncCommand(t *testing.T) {
	fake := stripetest.New(t)
	var failed []string
	for i := 0; i < 130; i++ {
		cus := stripetest.ID("cus_")
		fake.AddCustomer(stripetest.Customer(cus, fmt.Sprintf("c%d@example.com", i), "C", time.Now(), nil))
		sub := stripetest.ID("sub_")
		fake.AddSubscription(stripetest.Subscription(sub, cus, "past_due", 990, "usd", "month", time.Now().Add(240*time.Hour)))
		if i%10 == 0 {
			inv := stripetest.Invoice(stripetest.ID("in_"), cus, sub, "", 990, "usd")
			fake.AddInvoice(inv)
			failed = append(failed, inv["id"].(string))
		}
	}
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			c := newCLI(t)
			c.env["HOLDFAST_DATABASE_URL"] = storetest.URL(t, backend)
			c.env["HOLDFAST_SECRET_KEY"] = "cli-test-secret-key"
			c.env["HOLDFAST_STRIPE_API_BASE"] = fake.URL
			ws := c.runJSON("workspace", "create", "--name", "Sync")["id"].(string)
			if code, _, errs := c.run("workspace", "update", ws, "--stripe-api-key", "test=sk_test_cli"); code != 0 {
				t.Fatalf("update: %s", errs)
			}
			for run := 1; run <= 2; run++ {
				code, out, errs := c.run("stripe", "sync", "--workspace", ws, "--mode", "test", "--json")
				if code != 0 {
					t.Fatalf("run %d: exit %d: %s", run, code, errs)
				}
				if !strings.Contains(out, `"customers": 130`) || !strings.Contains(out, `"subscriptions": 130`) ||
					!strings.Contains(out, fmt.Sprintf(`"invoices": %d`, len(failed))) {
					t.Fatalf("run %d summary: %s", run, out)
				}
				if !strings.Contains(errs, "customers, page 2 — 130 customers") || !strings.Contains(errs, "invoices, page") {
					t.Fatalf("run %d progress: %s", run, errs)
				}
			}
			st, err := store.Open(context.Background(), c.env["HOLDFAST_DATABASE_URL"])
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var n int
			if err := st.Conn(context.Background()).QueryRow(context.Background(), `SELECT COUNT(*) FROM payments WHERE workspace_id = ?`, ws).Scan(&n); err != nil || n != len(failed) {
				t.Fatalf("payments %d (want %d) %v", n, len(failed), err)
			}
			if last := fake.Requests()[len(fake.Requests())-1]; last.Authorization != "Bearer sk_test_cli" {
				t.Fatalf("api key %q", last.Authorization)
			}
		})
	}
	t.Run("Errors", func(t *testing.T) {
		c := newCLI(t)
		ws := c.runJSON("workspace", "create", "--name", "NoKey")["id"].(string)
		cases := map[string][]string{
			"NoAPIKey":         {"stripe", "sync", "--workspace", ws, "--mode", "live"},
			"UnknownWorkspace": {"stripe", "sync", "--workspace", "ws_missing", "--mode", "test"},
			"BadMode":          {"stripe", "sync", "--workspace", ws, "--mode", "staging"},
		}
		for name, args := range cases {
			t.Run(name, func(t *testing.T) {
				if code, _, errs := c.run(args...); code == 0 || errs == "" {
					t.Fatalf("exit %d: %s", code, errs)
				}
			})
		}
	})
}
