package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

// TestCustomerCounterStaysExact drives every kind of customer write and
// checks the trigger-kept counter against COUNT(*) after each.
func TestCustomerCounterStaysExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := &holdfast.Workspace{Name: "A"}, &holdfast.Workspace{Name: "B"}
		for _, w := range []*holdfast.Workspace{a, b} {
			if err := s.CreateWorkspace(ctx, w, t0); err != nil {
				t.Fatal(err)
			}
		}
		check := func(step string) {
			t.Helper()
			for _, w := range []*holdfast.Workspace{a, b} {
				for _, m := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
					var want int64
					if err := s.DB().QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM customers WHERE workspace_id = '%s' AND livemode = %v AND deleted_at IS NULL`,
						w.ID, m.Livemode())).Scan(&want); err != nil {
						t.Fatal(err)
					}
					got, err := s.CustomerCount(ctx, w.ID, m)
					if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Fatalf("%s: %s/%s counter %d, COUNT(*) %d", step, w.Name, m, got, want)
					}
				}
			}
		}
		check("empty")
		upsert := func(w *holdfast.Workspace, m holdfast.Mode, id string) *holdfast.Customer {
			ch, err := s.UpsertCustomer(ctx, w.ID, m, store.CustomerSnapshot{ProviderID: id, ProviderTime: t0}, t0)
			if err != nil {
				t.Fatal(err)
			}
			return ch.Customer
		}
		var test []*holdfast.Customer
		for i := 0; i < 5; i++ {
			test = append(test, upsert(a, holdfast.ModeTest, fmt.Sprintf("cus_a%d", i)))
			upsert(a, holdfast.ModeLive, fmt.Sprintf("cus_l%d", i))
		}
		upsert(b, holdfast.ModeTest, "cus_b")
		check("inserts")
		upsert(a, holdfast.ModeTest, "cus_a0") // update, not a new customer
		check("update")
		if _, err := s.TombstoneCustomer(ctx, a.ID, holdfast.ModeTest, "cus_a1", t0, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TombstoneCustomer(ctx, a.ID, holdfast.ModeTest, "cus_unknown", t0, t0); err != nil {
			t.Fatal(err) // a tombstone row for a customer never seen
		}
		check("tombstones")
		if _, err := s.DeleteCustomer(ctx, a.ID, holdfast.ModeTest, test[2].ID, nil, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteCustomer(ctx, a.ID, holdfast.ModeTest, test[2].ID, nil, t0); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
		check("erasure")
		if _, err := s.DB().Exec(`DELETE FROM customers WHERE provider_id IN ('cus_a3', 'cus_a1')`); err != nil {
			t.Fatal(err)
		}
		check("row deletes")
		// A rolled-back insert leaves the counter alone.
		_ = s.InTx(ctx, func(ctx context.Context) error {
			if _, err := s.UpsertCustomer(ctx, a.ID, holdfast.ModeTest, store.CustomerSnapshot{ProviderID: "cus_rb", ProviderTime: t0}, t0); err != nil {
				t.Fatal(err)
			}
			return fmt.Errorf("roll back")
		})
		check("rollback")
	})
}

func TestIdempotencyKeyClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &holdfast.Workspace{Name: "A"}
		if err := s.CreateWorkspace(ctx, w, t0); err != nil {
			t.Fatal(err)
		}
		claim := func(key, hash string, now time.Time) *store.IdempotencyRecord {
			t.Helper()
			rec, err := s.ClaimIdempotencyKey(ctx, w.ID, holdfast.ModeTest, key, "POST", "/v1/x", hash, now, now.Add(-5*time.Minute), 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return rec
		}
		if rec := claim("k", "h1", t0); rec != nil {
			t.Fatalf("fresh key not claimed: %+v", rec)
		}
		if rec := claim("k", "h1", t0.Add(time.Second)); rec == nil || rec.State != store.IdemInFlight || rec.RequestHash != "h1" {
			t.Fatalf("in-flight record = %+v", rec)
		}
		// Other mode and workspace are separate key spaces.
		if rec, err := s.ClaimIdempotencyKey(ctx, w.ID, holdfast.ModeLive, "k", "POST", "/v1/x", "h1", t0, t0, time.Hour); err != nil || rec != nil {
			t.Fatalf("live mode shares keys with test: %+v %v", rec, err)
		}
		if err := s.CompleteIdempotencyKey(ctx, w.ID, holdfast.ModeTest, "k", 201, []byte(`{"ok":true}`)); err != nil {
			t.Fatal(err)
		}
		rec := claim("k", "h2", t0.Add(time.Hour))
		if rec == nil || rec.State != store.IdemDone || rec.StatusCode != 201 || string(rec.Body) != `{"ok":true}` || rec.RequestHash != "h1" {
			t.Fatalf("done record = %+v", rec)
		}
		// Past expiry the key is free again.
		if rec := claim("k", "h2", t0.Add(25*time.Hour)); rec != nil {
			t.Fatalf("expired key not reclaimed: %+v", rec)
		}
		// An in-flight claim whose server died is taken over once stale.
		if rec := claim("stuck", "h", t0); rec != nil {
			t.Fatal("claim failed")
		}
		if rec := claim("stuck", "h", t0.Add(time.Minute)); rec == nil {
			t.Fatal("in-flight claim taken over too early")
		}
		if rec := claim("stuck", "h", t0.Add(10*time.Minute)); rec != nil {
			t.Fatalf("stale claim not taken over: %+v", rec)
		}
		// Released claims (5xx) can be claimed again at once.
		if err := s.ReleaseIdempotencyKey(ctx, w.ID, holdfast.ModeTest, "stuck"); err != nil {
			t.Fatal(err)
		}
		if rec := claim("stuck", "other", t0.Add(11*time.Minute)); rec != nil {
			t.Fatal("released key not claimable")
		}
		n, err := s.PurgeIdempotencyKeys(ctx, t0.Add(50*time.Hour))
		if err != nil || n != 3 {
			t.Fatalf("purged %d (%v), want 3", n, err)
		}
	})
}
