package api

import (
	"context"
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
const simLeaseTTL = 30 * time.Second

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
	release, err := s.takeSimulationLease(r.Context(), p.Workspace.ID)
	if err != nil {
		return err
	}
	defer release()
	rep, err := sim.Run(r.Context(), o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// takeSimulationLease takes the workspace's simulation lease (409 when
// another run, on any node, has it) and keeps renewing it until release.
func (s *Server) takeSimulationLease(ctx context.Context, wsID string) (release func(), err error) {
	holder := holdfast.RandomBase62(16)
	now := s.now()
	ok, err := s.store.TakeSimulationLease(ctx, wsID, holder, now, now.Add(simLeaseTTL))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, holdfast.Errorf(holdfast.ECONFLICT, "A simulation of this workspace is already running; try again when it has finished.")
	}
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
				now := s.now()
				if _, err := s.store.TakeSimulationLease(context.WithoutCancel(ctx), wsID, holder, now, now.Add(simLeaseTTL)); err != nil {
					s.log.WarnContext(ctx, "renewing the simulation lease", "workspace_id", wsID, "error", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		if err := s.store.ReleaseSimulationLease(context.WithoutCancel(ctx), wsID, holder); err != nil {
			s.log.WarnContext(ctx, "releasing the simulation lease", "workspace_id", wsID, "error", err)
		}
	}, nil
}
