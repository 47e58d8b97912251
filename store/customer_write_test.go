package store_test

import (
	"context"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

func ingestWorkspace(t *testing.T, s *store.Store) string {
	t.Helper()
	w := &holdfast.Workspace{Name: "Ingest"}
	if err := s.CreateWorkspace(context.Background(), w, t0); err != nil {
		t.Fatal(err)
	}
	return w.ID
}

func strp(s string) *string { return &s }

func TestUpsertCustomerOrdering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ws := ingestWorkspace(t, s)
		snap := func(email string, at time.Time, tags ...string) store.CustomerSnapshot {
			return store.CustomerSnapshot{ProviderID: "cus_Stripe1", Email: strp(email), Name: strp("Ada"),
				Metadata: map[string]string{"plan": "pro"}, Tags: tags, ProviderTime: at}
		}
		ch, err := s.UpsertCustomer(ctx, ws, holdfast.ModeTest, snap("Ada@Example.com", t0, "vip", " beta ", "vip"), t0)
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Applied || ch.Previous != nil || ch.Customer.ProviderID != "cus_Stripe1" || len(ch.Customer.Tags) != 2 {
			t.Fatalf("create: %+v", ch)
		}
		id := ch.Customer.ID

		t.Run("OlderSnapshotIgnored", func(t *testing.T) {
			ch, err := s.UpsertCustomer(ctx, ws, holdfast.ModeTest, snap("old@example.com", t0.Add(-time.Minute)), t0)
			if err != nil || ch.Applied || *ch.Customer.Email != "Ada@Example.com" {
				t.Fatalf("older applied: %+v %v", ch, err)
			}
		})
		t.Run("NewerSnapshotApplied", func(t *testing.T) {
			ch, err := s.UpsertCustomer(ctx, ws, holdfast.ModeTest, snap("new@example.com", t0.Add(time.Minute), "gold"), t0)
			if err != nil || !ch.Applied || ch.Customer.ID != id || *ch.Customer.Email != "new@example.com" || ch.Previous == nil {
				t.Fatalf("newer not applied: %+v %v", ch, err)
			}
			got, err := s.ListCustomers(ctx, ws, holdfast.ModeTest, store.CustomerFilter{Tag: "gold"}, store.ListQuery{Limit: 10})
			if err != nil || len(got.Data) != 1 {
				t.Fatalf("tag rows not replaced: %+v %v", got, err)
			}
			got, _ = s.ListCustomers(ctx, ws, holdfast.ModeTest, store.CustomerFilter{Tag: "vip"}, store.ListQuery{Limit: 10})
			if len(got.Data) != 0 {
				t.Fatalf("stale tag row kept")
			}
		})
		t.Run("OtherModeSeparate", func(t *testing.T) {
			ch, err := s.UpsertCustomer(ctx, ws, holdfast.ModeLive, snap("live@example.com", t0), t0)
			if err != nil || ch.Customer.ID == id || !ch.Customer.Livemode {
				t.Fatalf("live: %+v %v", ch, err)
			}
		})
		t.Run("TombstoneIsFinal", func(t *testing.T) {
			ch, err := s.TombstoneCustomer(ctx, ws, holdfast.ModeTest, "cus_Stripe1", t0.Add(2*time.Minute), t0)
			if err != nil || !ch.Applied || !ch.Customer.Deleted || ch.Customer.Email != nil || len(ch.Customer.Tags) != 0 {
				t.Fatalf("tombstone: %+v %v", ch, err)
			}
			ch, err = s.UpsertCustomer(ctx, ws, holdfast.ModeTest, snap("zombie@example.com", t0.Add(time.Hour)), t0)
			if err != nil || ch.Applied || !ch.Customer.Deleted {
				t.Fatalf("resurrected: %+v %v", ch, err)
			}
			if _, err := s.GetCustomer(ctx, ws, holdfast.ModeTest, id); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
				t.Fatalf("deleted customer visible: %v", err)
			}
			again, err := s.TombstoneCustomer(ctx, ws, holdfast.ModeTest, "cus_Stripe1", t0.Add(3*time.Minute), t0)
			if err != nil || again.Applied {
				t.Fatalf("second tombstone applied: %+v %v", again, err)
			}
		})
		t.Run("TombstoneBeforeCreate", func(t *testing.T) {
			ch, err := s.TombstoneCustomer(ctx, ws, holdfast.ModeTest, "cus_Gone", t0, t0)
			if err != nil || !ch.Applied || !ch.Customer.Deleted {
				t.Fatalf("%+v %v", ch, err)
			}
			late := snap("late@example.com", t0.Add(-time.Second))
			late.ProviderID = "cus_Gone"
			if ch, err := s.UpsertCustomer(ctx, ws, holdfast.ModeTest, late, t0); err != nil || ch.Applied {
				t.Fatalf("late create applied: %+v %v", ch, err)
			}
		})
		t.Run("StubThenReal", func(t *testing.T) {
			stub, err := s.EnsureCustomer(ctx, ws, holdfast.ModeTest, "cus_Stub", strp("stub@example.com"), nil, t0)
			if err != nil || stub.ProviderUpdatedAt != 0 || *stub.Email != "stub@example.com" {
				t.Fatalf("stub: %+v %v", stub, err)
			}
			same, err := s.EnsureCustomer(ctx, ws, holdfast.ModeTest, "cus_Stub", nil, nil, t0)
			if err != nil || same.ID != stub.ID {
				t.Fatalf("ensure created twice: %+v %v", same, err)
			}
			real := snap("real@example.com", time.Unix(1, 0))
			real.ProviderID = "cus_Stub"
			ch, err := s.UpsertCustomer(ctx, ws, holdfast.ModeTest, real, t0)
			if err != nil || !ch.Applied || ch.Customer.ID != stub.ID || *ch.Customer.Email != "real@example.com" {
				t.Fatalf("real over stub: %+v %v", ch, err)
			}
		})
	})
}

func TestUpsertSubscriptionOrdering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ws := ingestWorkspace(t, s)
		end := t0.Add(30 * 24 * time.Hour)
		snap := func(status string, at time.Time) store.SubscriptionSnapshot {
			return store.SubscriptionSnapshot{ProviderID: "sub_Stripe1", ProviderCustomerID: "cus_X", Status: status, PriceID: "price_1",
				ProductID: "prod_1", Amount: 2500, Currency: "usd", Interval: "month", CurrentPeriodEnd: &end,
				PauseCollection: map[string]any{"behavior": "void"}, Discount: nil, ProviderTime: at}
		}
		cases := []struct {
			name    string
			snap    store.SubscriptionSnapshot
			applied bool
			status  string
		}{
			{"Create", snap("active", t0), true, "active"},
			{"Newer", snap("past_due", t0.Add(time.Minute)), true, "past_due"},
			{"Older", snap("active", t0.Add(30*time.Second)), false, "past_due"},
			{"Canceled", snap("canceled", t0.Add(2*time.Minute)), true, "canceled"},
			{"LiveAfterCanceledSameSecond", snap("active", t0.Add(2*time.Minute)), false, "canceled"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ch, err := s.UpsertSubscription(ctx, ws, holdfast.ModeTest, "", tc.snap, t0)
				if err != nil {
					t.Fatal(err)
				}
				if ch.Applied != tc.applied || ch.Subscription.Status != tc.status {
					t.Fatalf("applied=%v status=%s", ch.Applied, ch.Subscription.Status)
				}
				if ch.Subscription.Amount != 2500 || ch.Subscription.PauseCollection["behavior"] != "void" || ch.Subscription.Discount != nil {
					t.Fatalf("fields: %+v", ch.Subscription)
				}
			})
		}
	})
}

func TestProviderEventsAndInvoiceState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ws := ingestWorkspace(t, s)
		t.Run("DuplicateEvent", func(t *testing.T) {
			first, err := s.RecordProviderEvent(ctx, ws, holdfast.ModeTest, "evt_1", "customer.created", t0, t0)
			if err != nil || !first {
				t.Fatalf("first: %v %v", first, err)
			}
			again, err := s.RecordProviderEvent(ctx, ws, holdfast.ModeTest, "evt_1", "customer.created", t0, t0)
			if err != nil || again {
				t.Fatalf("duplicate recorded: %v %v", again, err)
			}
			if seen, _ := s.ProviderEventSeen(ctx, ws, "evt_1"); !seen {
				t.Fatal("not seen")
			}
		})
		t.Run("InvoiceState", func(t *testing.T) {
			err := s.InTx(ctx, func(ctx context.Context) error {
				st, err := s.LockInvoiceState(ctx, ws, holdfast.ModeTest, "in_1", t0)
				if err != nil || st.Status != "" {
					t.Fatalf("fresh: %+v %v", st, err)
				}
				return s.SetInvoiceState(ctx, ws, holdfast.ModeTest, "in_1", store.InvoiceState{Status: "paid", At: t0}, t0)
			})
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.LockInvoiceState(ctx, ws, holdfast.ModeTest, "in_1", t0)
			if err != nil || st.Status != "paid" || !st.At.Equal(t0) {
				t.Fatalf("stored: %+v %v", st, err)
			}
		})
		t.Run("Declines", func(t *testing.T) {
			d := holdfast.Decline{Code: "insufficient_funds", FailureCode: "card_declined"}
			if err := s.SaveDecline(ctx, ws, holdfast.ModeTest, []string{"pi_1", "ch_1"}, d, holdfast.Card{Brand: "visa"}, t0, t0); err != nil {
				t.Fatal(err)
			}
			older := holdfast.Decline{Code: "generic_decline"}
			if err := s.SaveDecline(ctx, ws, holdfast.ModeTest, []string{"pi_1"}, older, holdfast.Card{}, t0.Add(-time.Second), t0); err != nil {
				t.Fatal(err)
			}
			got, card, ok, err := s.FindDecline(ctx, ws, holdfast.ModeTest, "in_x", "pi_1")
			if err != nil || !ok || got.Code != "insufficient_funds" || card.Brand != "visa" {
				t.Fatalf("find: %+v %+v %v %v", got, card, ok, err)
			}
			if _, _, ok, _ := s.FindDecline(ctx, ws, holdfast.ModeLive, "pi_1"); ok {
				t.Fatal("decline leaked across modes")
			}
		})
	})
}
