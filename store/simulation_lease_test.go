package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

// Two stores on one database stand in for two nodes: however many callers
// race for a workspace's simulation lease, exactly one gets it; it is renewed
// by its holder only, lapses at expiry and is released by its holder only.
func TestSimulationLease(t *testing.T) {
	storetest.EachNodes(t, 2, func(t *testing.T, nodes []*store.Store) {
		ctx := context.Background()
		now := time.Now()
		ws := &holdfast.Workspace{Name: "Sim"}
		if err := nodes[0].CreateWorkspace(ctx, ws, now); err != nil {
			t.Fatal(err)
		}
		take := func(node int, holder string, at time.Time) bool {
			t.Helper()
			ok, err := nodes[node].TakeSimulationLease(ctx, ws.ID, holder, at, at.Add(30*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}

		var mu sync.Mutex
		var winners []string
		var wg sync.WaitGroup
		for i := range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				holder := fmt.Sprintf("h%d", i)
				ok, err := nodes[i%2].TakeSimulationLease(ctx, ws.ID, holder, now, now.Add(30*time.Second))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					winners = append(winners, holder)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("winners %v, want exactly one", winners)
		}
		w := winners[0]

		if !take(1, w, now.Add(10*time.Second)) {
			t.Error("the holder could not renew its lease")
		}
		if take(0, "other", now.Add(39*time.Second)) {
			t.Error("another holder took a renewed lease before it expired")
		}
		if err := nodes[0].ReleaseSimulationLease(ctx, ws.ID, "other"); err != nil {
			t.Fatal(err)
		}
		if take(1, "other", now.Add(39*time.Second)) {
			t.Error("a release by a non-holder freed the lease")
		}
		if !take(0, "late", now.Add(40*time.Second)) {
			t.Error("an expired lease was not free")
		}
		if err := nodes[1].ReleaseSimulationLease(ctx, ws.ID, "late"); err != nil {
			t.Fatal(err)
		}
		if !take(1, "next", now.Add(41*time.Second)) {
			t.Error("a released lease was not free")
		}
	})
}
