package api

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"holdfast"
	"holdfast/sim"
)

// Bounds of POST /v1/simulations (the CLI has none of its own beyond sim's).
const (
	maxAPISimN    = 5000
	maxAPISimDays = 365
)

// A workspace runs one simulation at a time, on whichever node, so one
// workspace cannot take the servers' cores: the run holds the workspace's
// simulation lease in the database, renewed while it runs; if the node dies,
// the lease lapses after simLeaseTTL.
var simLeaseTTL = 30 * time.Second // a var for tests

// simulationBody is a POST /v1/simulations body: the options of `holdfast
// simulate`, with campaigns of the caller's workspace and mode.
type simulationBody struct {
	Strategies []string `json:"strategies"`
	Campaigns  []string `json:"campaigns"`
	Population *string  `json:"population"`
	N          *int     `json:"n"`
	Seed       *uint64  `json:"seed"`
	Days       *int     `json:"days"`
}

// createSimulation serves POST /v1/simulations: it runs the simulation and
// answers with the report `holdfast simulate --json` prints. 409 while
// another simulation of the workspace runs.
func (s *Server) createSimulation(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	var b simulationBody
	if err := decodeJSON(r, &b, true); err != nil {
		return err
	}
	// Half the CPUs at most: a simulation must not starve the API and the engine.
	o := sim.Options{N: 1000, Seed: 1, Days: 60, Model: sim.DefaultModel(), Parallel: max(1, runtime.GOMAXPROCS(0)/2)}
	if b.N != nil {
		if *b.N < 1 || *b.N > maxAPISimN {
			return holdfast.ParamError("n", "n must be between 1 and %d.", maxAPISimN)
		}
		o.N = *b.N
	}
	if b.Days != nil {
		if *b.Days < 1 || *b.Days > maxAPISimDays {
			return holdfast.ParamError("days", "days must be between 1 and %d.", maxAPISimDays)
		}
		o.Days = *b.Days
	}
	if b.Seed != nil {
		o.Seed = *b.Seed
	}
	for i, name := range b.Strategies {
		st, ok := sim.Builtin(name)
		if !ok {
			return holdfast.ParamError("strategies["+itoa(i)+"]", "Unknown strategy %q (built-ins: %s).", name, strings.Join(sim.BuiltinNames, ", "))
		}
		o.Strategies = append(o.Strategies, st)
	}
	for i, id := range b.Campaigns {
		c, err := s.store.GetCampaign(r.Context(), p.Workspace.ID, p.Mode, id)
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			return holdfast.ParamError("campaigns["+itoa(i)+"]", "No campaign %q in this workspace and mode.", id)
		}
		if err != nil {
			return err
		}
		o.Strategies = append(o.Strategies, sim.CampaignStrategy(c))
	}
	if len(o.Strategies) == 0 {
		def, _ := sim.Builtin(sim.StrategyDefault)
		fix, _ := sim.Builtin(sim.StrategyFixed8x14)
		o.Strategies = []sim.Strategy{def, fix}
	}
	o.Strategies = sim.UniqueNames(o.Strategies)
	if b.Population != nil && *b.Population != "default" {
		if *b.Population != p.Workspace.ID {
			return holdfast.ParamError("population", "population must be default or this workspace's id (%s).", p.Workspace.ID)
		}
		pop, err := sim.LoadWorkspacePopulation(r.Context(), s.store, p.Workspace.ID, o.Model, s.now())
		if err != nil {
			return err
		}
		o.Population = pop
	}
	ctx, release, err := s.takeSimulationLease(r.Context(), p.Workspace.ID)
	if err != nil {
		return err
	}
	defer release()
	rep, err := sim.Run(ctx, o)
	if errors.Is(context.Cause(ctx), errLeaseLost) {
		return holdfast.Errorf(holdfast.ECONFLICT, "This simulation lost its place to another run of the workspace (the database was out of reach); try again.")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// takeSimulationLease takes the workspace's simulation lease (409 when
// another run, on any node, has it) and keeps renewing it until release. The
// run goes on under ctx: cancelled, with errLeaseLost as its cause, if a
// renewal finds the lease gone (the database was out of reach past the TTL
// and another run took it), so two runs never go on together. The lease
// follows the real time of the node, not a test clock: it is about whether
// the node is alive.
func (s *Server) takeSimulationLease(parent context.Context, wsID string) (ctx context.Context, release func(), err error) {
	holder := holdfast.RandomBase62(16)
	take := func() (bool, error) {
		c, cancel := context.WithTimeout(context.WithoutCancel(parent), simLeaseTTL/3)
		defer cancel()
		now := time.Now()
		return s.store.TakeSimulationLease(c, wsID, holder, now, now.Add(simLeaseTTL))
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
		t := time.NewTicker(simLeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ok, err := take()
				switch {
				case err != nil:
					s.log.WarnContext(ctx, "renewing the simulation lease", "workspace_id", wsID, "error", err)
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
		c, stop := context.WithTimeout(context.WithoutCancel(parent), simLeaseTTL/3)
		defer stop()
		if err := s.store.ReleaseSimulationLease(c, wsID, holder); err != nil {
			s.log.WarnContext(parent, "releasing the simulation lease", "workspace_id", wsID, "error", err)
		}
	}, nil
}

// errLeaseLost ends a simulation whose lease another run took.
var errLeaseLost = errors.New("simulation lease lost")
