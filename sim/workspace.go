package sim

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"holdfast"
	"holdfast/store"
)

// RunForWorkspace runs o for a workspace inside a serving process
// (POST /v1/simulations, the dashboard's Simulate), where a simulation must
// not take the servers' cores: on half the CPUs of this node, and at most one
// run per workspace across every node. The run holds the workspace's
// simulation lease in st (ECONFLICT while another run has it), renewed while
// it runs; if its node dies the lease lapses after leaseTTL. The lease
// follows the node's real time, not a test clock: it is about whether the
// node is alive.
func RunForWorkspace(ctx context.Context, st *store.Store, wsID string, o Options, log *slog.Logger) (*Report, error) {
	o.Parallel = max(1, runtime.GOMAXPROCS(0)/2)
	ctx, release, err := takeLease(ctx, st, wsID, log)
	if err != nil {
		return nil, err
	}
	defer release()
	rep, err := Run(ctx, o)
	if errors.Is(context.Cause(ctx), errLeaseLost) {
		return nil, holdfast.Errorf(holdfast.ECONFLICT, "This simulation lost its place to another run of the workspace (the database was out of reach); try again.")
	}
	return rep, err
}

// leaseTTL is how long a simulation lease lasts unrenewed (a var for tests).
var leaseTTL = 30 * time.Second

// errLeaseLost ends a simulation whose lease another run took.
var errLeaseLost = errors.New("simulation lease lost")

// takeLease takes the workspace's simulation lease and keeps renewing it
// until release. The run goes on under ctx: cancelled, with errLeaseLost as
// its cause, if a renewal finds the lease gone (the database was out of reach
// past the TTL and another run took it), so two runs never go on together.
func takeLease(parent context.Context, st *store.Store, wsID string, log *slog.Logger) (ctx context.Context, release func(), err error) {
	if log == nil {
		log = slog.Default()
	}
	holder := holdfast.RandomBase62(16)
	take := func() (bool, error) {
		c, cancel := context.WithTimeout(context.WithoutCancel(parent), leaseTTL/3)
		defer cancel()
		now := time.Now()
		return st.TakeSimulationLease(c, wsID, holder, now, now.Add(leaseTTL))
	}
	ok, err := take()
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, holdfast.Errorf(holdfast.ECONFLICT, "A simulation of this workspace is already running; try again when it has finished.")
	}
	ctx, cancel := context.WithCancelCause(parent)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ok, err := take()
				switch {
				case err != nil:
					log.WarnContext(ctx, "renewing the simulation lease", "workspace_id", wsID, "error", err)
				case !ok:
					cancel(errLeaseLost)
					return
				}
			}
		}
	}()
	return ctx, func() {
		close(done)
		wg.Wait()
		cancel(nil)
		c, stop := context.WithTimeout(context.WithoutCancel(parent), leaseTTL/3)
		defer stop()
		if err := st.ReleaseSimulationLease(c, wsID, holder); err != nil {
			log.WarnContext(parent, "releasing the simulation lease", "workspace_id", wsID, "error", err)
		}
	}, nil
}
