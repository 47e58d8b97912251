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

// TestListCountersStayExact drives every kind of customer, tag and payment
// write and checks each maintained total against COUNT(*) after each step,
// across workspaces and modes, with folds in between.
func TestListCountersStayExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := &holdfast.Workspace{Name: "A"}, &holdfast.Workspace{Name: "B"}
		for _, w := range []*holdfast.Workspace{a, b} {
			if err := s.CreateWorkspace(ctx, w, t0); err != nil {
				t.Fatal(err)
			}
		}
		count := func(q string) int64 {
			t.Helper()
			var n int64
			if err := s.DB().QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		check := func(step string) {
			t.Helper()
			for _, w := range []*holdfast.Workspace{a, b} {
				for _, m := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
					scope := fmt.Sprintf(`workspace_id = '%s' AND livemode = %v`, w.ID, m.Livemode())
					q := store.ListQuery{Limit: 1, Count: true}
					got, err := s.CustomerCount(ctx, w.ID, m)
					if err != nil {
						t.Fatal(err)
					}
					if want := count(`SELECT COUNT(*) FROM customers WHERE deleted_at IS NULL AND ` + scope); got != want {
						t.Fatalf("%s: %s/%s customers %d, COUNT(*) %d", step, w.Name, m, got, want)
					}
					for _, tag := range []string{"vip", "eu"} {
						l, err := s.ListCustomers(ctx, w.ID, m, store.CustomerFilter{Tag: tag}, q)
						if err != nil {
							t.Fatal(err)
						}
						if want := count(`SELECT COUNT(*) FROM customer_tags WHERE tag = '` + tag + `' AND ` + scope); l.Total != want {
							t.Fatalf("%s: %s/%s tag %s total %d, COUNT(*) %d", step, w.Name, m, tag, l.Total, want)
						}
					}
					for _, st := range []string{"", holdfast.PaymentPending, holdfast.PaymentRecovered, holdfast.PaymentFailed} {
						l, err := s.ListPayments(ctx, w.ID, m, store.PaymentFilter{Status: st}, q)
						if err != nil {
							t.Fatal(err)
						}
						cond := scope
						if st != "" {
							cond += ` AND status = '` + st + `'`
						}
						if want := count(`SELECT COUNT(*) FROM payments WHERE ` + cond); l.Total != want {
							t.Fatalf("%s: %s/%s payments[%s] total %d, COUNT(*) %d", step, w.Name, m, st, l.Total, want)
						}
					}
				}
			}
		}
		check("empty")
		upsert := func(w *holdfast.Workspace, m holdfast.Mode, id string, tags ...string) *holdfast.Customer {
			ch, err := s.UpsertCustomer(ctx, w.ID, m, store.CustomerSnapshot{ProviderID: id, Tags: tags, ProviderTime: t0}, t0)
			if err != nil {
				t.Fatal(err)
			}
			return ch.Customer
		}
		var test []*holdfast.Customer
		for i := 0; i < 5; i++ {
			test = append(test, upsert(a, holdfast.ModeTest, fmt.Sprintf("cus_a%d", i), "vip", "eu"))
			upsert(a, holdfast.ModeLive, fmt.Sprintf("cus_l%d", i), "eu")
		}
		upsert(b, holdfast.ModeTest, "cus_b", "vip")
		check("inserts")
		upsert(a, holdfast.ModeTest, "cus_a0", "eu") // an update that drops a tag
		check("update")
		if _, err := s.TombstoneCustomer(ctx, a.ID, holdfast.ModeTest, "cus_a1", t0, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TombstoneCustomer(ctx, a.ID, holdfast.ModeTest, "cus_unknown", t0, t0); err != nil {
			t.Fatal(err) // a tombstone row for a customer never seen
		}
		check("tombstones")
		if _, err := s.EraseCustomer(ctx, a.ID, holdfast.ModeTest, test[2].ID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EraseCustomer(ctx, a.ID, holdfast.ModeTest, test[2].ID, t0); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
		check("erasure")
		if _, err := s.DB().Exec(`DELETE FROM customers WHERE provider_id IN ('cus_a3', 'cus_a1')`); err != nil {
			t.Fatal(err)
		}
		check("row deletes")
		// Payments: inserts, status changes, deletes.
		var pays []*holdfast.Payment
		for i := 0; i < 6; i++ {
			p := &holdfast.Payment{ID: holdfast.NewID(holdfast.PrefixPayment), WorkspaceID: a.ID, Livemode: i%2 == 0,
				Invoice: fmt.Sprintf("in_%d", i), Amount: 100, Currency: "usd", Status: holdfast.PaymentPending, CreatedAt: t0, UpdatedAt: t0}
			if err := s.InsertPayment(ctx, p); err != nil {
				t.Fatal(err)
			}
			pays = append(pays, p)
		}
		check("payment inserts")
		for i, p := range pays[:4] {
			p.Status = []string{holdfast.PaymentRecovered, holdfast.PaymentFailed}[i%2]
			if err := s.UpdatePayment(ctx, p, t0); err != nil {
				t.Fatal(err)
			}
		}
		pays[5].Status = holdfast.PaymentPending // unchanged status writes nothing
		if err := s.UpdatePayment(ctx, pays[5], t0); err != nil {
			t.Fatal(err)
		}
		check("payment status changes")
		if _, err := s.DB().Exec(`DELETE FROM payments WHERE id = '` + pays[0].ID + `'`); err != nil {
			t.Fatal(err)
		}
		check("payment delete")
		// A rolled-back insert leaves no trace.
		_ = s.InTx(ctx, func(ctx context.Context) error {
			upsert := func() {
				if _, err := s.UpsertCustomer(ctx, a.ID, holdfast.ModeTest, store.CustomerSnapshot{ProviderID: "cus_rb", Tags: []string{"vip"}, ProviderTime: t0}, t0); err != nil {
					t.Fatal(err)
				}
			}
			upsert()
			return fmt.Errorf("roll back")
		})
		check("rollback")
		// Many writes: reads fold the deltas as they go, and an explicit
		// fold leaves the totals as they were.
		for i := 0; i < 450; i++ {
			upsert(b, holdfast.ModeLive, fmt.Sprintf("cus_many%d", i), "vip")
			if i%150 == 0 {
				check(fmt.Sprintf("many %d", i))
			}
		}
		check("many")
		var pending int64
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM list_count_deltas`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending > 3*200+100 {
			t.Fatalf("%d deltas pending after reads: reads do not fold", pending)
		}
		if _, err := s.FoldCounters(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM list_count_deltas`).Scan(&pending); err != nil || pending != 0 {
			t.Fatalf("after FoldCounters %d pending (%v)", pending, err)
		}
		check("folded")
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

// TestListCountersConcurrentWriters has writers race on the same counters
// (and readers fold meanwhile); totals end exact and nobody deadlocks.
func TestListCountersConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &holdfast.Workspace{Name: "A"}
		if err := s.CreateWorkspace(ctx, w, t0); err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 9)
		for g := 0; g < 8; g++ {
			go func() {
				for i := 0; i < 40; i++ {
					// Tags in opposite orders across goroutines.
					tags := []string{"a", "b"}
					if (g+i)%2 == 0 {
						tags = []string{"b", "a"}
					}
					if _, err := s.UpsertCustomer(ctx, w.ID, holdfast.ModeTest, store.CustomerSnapshot{
						ProviderID: fmt.Sprintf("cus_%d_%d", g, i), Tags: tags, ProviderTime: t0,
					}, t0); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		go func() {
			for i := 0; i < 40; i++ {
				if _, err := s.ListCustomers(ctx, w.ID, holdfast.ModeTest, store.CustomerFilter{Tag: "a"}, store.ListQuery{Limit: 1, Count: true}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		for i := 0; i < 9; i++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		for _, tag := range []string{"", "a", "b"} {
			l, err := s.ListCustomers(ctx, w.ID, holdfast.ModeTest, store.CustomerFilter{Tag: tag}, store.ListQuery{Limit: 1, Count: true})
			if err != nil || l.Total != 320 {
				t.Fatalf("tag %q total %d (%v), want 320", tag, l.Total, err)
			}
		}
	})
}
