package api

import (
	"net/http"
	"strings"

	"holdfast"
	"holdfast/sim"
)

// Bounds of POST /v1/simulations (the CLI has none of its own beyond sim's).
const (
	maxAPISimN    = 5000
	maxAPISimDays = 365
)

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
	o := sim.Options{N: 1000, Seed: 1, Days: 60, Model: sim.DefaultModel()}
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
	rep, err := sim.RunForWorkspace(r.Context(), s.store, p.Workspace.ID, o, s.log)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
