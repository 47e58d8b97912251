package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/store/storetest"
)

// RunForWorkspace holds the workspace's lease while it runs: refused while
// another run has it, free again afterwards, and stopped with a conflict when
// a renewal finds another run took it (its node could not renew in time).
func TestRunForWorkspaceLease(t *testing.T) {
	defer func(d time.Duration) { leaseTTL = d }(leaseTTL)
	leaseTTL = 300 * time.Millisecond
	ctx := context.Background()
	st := storetest.Open(t, "sqlite")
	ws := &holdfast.Workspace{Name: "Lab"}
	if err := st.CreateWorkspace(ctx, ws, time.Now()); err != nil {
		t.Fatal(err)
	}
	emails, _ := Builtin(StrategyEmails)
	small := Options{Strategies: []Strategy{emails}, N: 5, Seed: 1}
	leaseRows := func() int {
		var n int
		if err := st.DB().QueryRow(`SELECT COUNT(*) FROM simulation_leases WHERE workspace_id = ?`, ws.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if ok, err := st.TakeSimulationLease(ctx, ws.ID, "other", time.Now(), time.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("take: %v %v", ok, err)
	}
	if _, err := RunForWorkspace(ctx, st, ws.ID, small, nil); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
		t.Fatalf("while another run holds the lease: %v", err)
	}
	if err := st.ReleaseSimulationLease(ctx, ws.ID, "other"); err != nil {
		t.Fatal(err)
	}
	if rep, err := RunForWorkspace(ctx, st, ws.ID, small, nil); err != nil || rep.N != 5 {
		t.Fatalf("free lease: %v %v", rep, err)
	}
	if n := leaseRows(); n != 0 {
		t.Fatalf("%d lease rows left after the run", n)
	}

	go func() {
		// Once the run holds the lease, another holder takes it as if it had lapsed.
		for range 500 {
			time.Sleep(10 * time.Millisecond)
			if leaseRows() == 0 {
				continue
			}
			later := time.Now().Add(time.Hour)
			if ok, err := st.TakeSimulationLease(ctx, ws.ID, "thief", later, later.Add(time.Hour)); err == nil && ok {
				return
			}
		}
	}()
	_, err := RunForWorkspace(ctx, st, ws.ID, Options{Strategies: []Strategy{emails}, N: 5000, Days: 365, Seed: 1}, nil)
	if holdfast.ErrorCode(err) != holdfast.ECONFLICT || !strings.Contains(err.Error(), "lost its place") {
		t.Fatalf("a run whose lease was taken: %v", err)
	}
}
