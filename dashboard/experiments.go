package dashboard

import (
	"context"
	"net/http"

	"holdfast"
	"holdfast/experiment"
	"holdfast/sim"
)

// dashboardSimSeed seeds the dashboard's simulations (Config.SimulationSize payments).
const dashboardSimSeed = 1

type experimentRow struct {
	X       holdfast.Experiment
	Names   map[string]string // campaign id → name
	Sim     *sim.Report       // the simulation of the same campaigns, when asked for
	SimOpen bool
}

type experimentsData struct {
	Rows  []experimentRow
	Pager *pager
}

// experiments lists the workspace's experiments with their per-arm results.
func (d *Dashboard) experiments(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return d.renderExperiments(w, r, v, "", nil)
}

// experimentSimulate runs the simulation of an experiment's campaigns and
// shows it beside the experiment's live results.
func (d *Dashboard) experimentSimulate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	x, err := d.store.GetExperiment(r.Context(), v.ws.ID, v.Mode(), r.PathValue("id"))
	if err != nil {
		return err
	}
	var camps []*holdfast.Campaign
	for _, a := range x.Arms {
		c, err := d.store.GetCampaign(r.Context(), v.ws.ID, v.Mode(), a.Campaign)
		if err != nil {
			return err
		}
		camps = append(camps, c)
	}
	rep, err := d.simulateCampaigns(r.Context(), v.ws.ID, camps, false)
	if err != nil {
		return err
	}
	return d.renderExperiments(w, r, v, x.ID, rep)
}

func (d *Dashboard) renderExperiments(w http.ResponseWriter, r *http.Request, v *viewer, simFor string, rep *sim.Report) error {
	q, page := listQuery(r)
	list, err := d.store.ListExperiments(r.Context(), v.ws.ID, v.Mode(), q)
	if err != nil {
		return err
	}
	data := experimentsData{Pager: newPager(r, page, list.Total)}
	for _, x := range list.Data {
		counts, err := d.store.ExperimentArmCounts(r.Context(), x.ID)
		if err != nil {
			return err
		}
		x.Results = experiment.Results(x.Arms, counts)
		row := experimentRow{X: x, Names: map[string]string{}}
		for _, a := range x.Arms {
			if c, err := d.store.GetCampaign(r.Context(), v.ws.ID, v.Mode(), a.Campaign); err == nil {
				row.Names[a.Campaign] = c.Name
			}
		}
		if x.ID == simFor {
			row.Sim, row.SimOpen = rep, true
		}
		data.Rows = append(data.Rows, row)
	}
	return d.render(w, r, v, http.StatusOK, "experiments", "Experiments", "experiments", data)
}

type campaignSimData struct {
	Campaign *holdfast.Campaign
	Sim      *sim.Report
}

// campaignSimulate compares a campaign with the default campaign and
// fixed-8x14d on the default population, as a table and a chart.
func (d *Dashboard) campaignSimulate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	c, err := d.store.GetCampaign(r.Context(), v.ws.ID, v.Mode(), r.PathValue("id"))
	if err != nil {
		return err
	}
	rep, err := d.simulateCampaigns(r.Context(), v.ws.ID, []*holdfast.Campaign{c}, true)
	if err != nil {
		return err
	}
	return d.render(w, r, v, http.StatusOK, "campaign_simulation", "Simulate “"+c.Name+"”", "campaigns", campaignSimData{Campaign: c, Sim: rep},
		crumb{"Campaigns", Prefix + "/campaigns"}, crumb{c.Name, Prefix + "/campaigns/" + c.ID}, crumb{Label: "Simulate"})
}

// simulateCampaigns runs the campaigns (and, with baselines, the default
// campaign and fixed-8x14d) on the default population, as the API does: one
// run per workspace at a time across every node (a page opened twice gets
// the conflict page).
func (d *Dashboard) simulateCampaigns(ctx context.Context, wsID string, camps []*holdfast.Campaign, baselines bool) (*sim.Report, error) {
	var ss []sim.Strategy
	for _, c := range camps {
		s := sim.CampaignStrategy(c)
		s.Name = c.Name
		ss = append(ss, s)
	}
	if baselines {
		def, _ := sim.Builtin(sim.StrategyDefault)
		fix, _ := sim.Builtin(sim.StrategyFixed8x14)
		ss = append(ss, def, fix)
	}
	return sim.RunForWorkspace(ctx, d.store, wsID, sim.Options{Strategies: sim.UniqueNames(ss), N: d.simN, Seed: dashboardSimSeed}, d.log)
}

// Template helpers of the simulation table and chart.
func init() {
	funcs["pctv"] = func(r float64) string { return pct(&r) }
	funcs["mul"] = func(a, b int) int { return a * b }
	funcs["fdiv"] = func(a, b float64) float64 { return a / b }
	// bar is the width of a chart bar for a share v of full.
	funcs["bar"] = func(v float64, full int) int { return int(min(max(v, 0), 1) * float64(full)) }
}
