package dashboard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/dashboard"
)

// TestExperimentsAndSimulate: the Experiments page shows an experiment's
// arms and, on request, the simulation of the same campaigns beside them;
// a campaign's "Simulate" compares it with the default and fixed-8x14d.
func TestExperimentsAndSimulate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *dashboard.Config) { c.SimulationSize = 20 })
	ctx := context.Background()
	ws := e.Workspace("Lab")
	e.user(ws.ID, "lab@example.com")
	b := e.browser()
	b.login("lab@example.com")
	b.toTest()
	if p := b.get("/dashboard/experiments"); p.Status != 200 || !strings.Contains(p.Body, "No experiments") {
		t.Fatalf("empty experiments page: %d %.300s", p.Status, p.Body)
	}
	var ids []string
	for _, name := range []string{"Gentle", "Firm"} {
		c := &holdfast.Campaign{WorkspaceID: ws.ID, Name: name, MaxRetries: 2, SmartRetries: true,
			Steps: []holdfast.CampaignStep{{AfterHours: 24, Action: holdfast.ActionRetry}}}
		if err := e.Store.CreateCampaign(ctx, c, time.Now()); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	x := &holdfast.Experiment{WorkspaceID: ws.ID, Name: "Gentle vs firm",
		Arms: []holdfast.ExperimentArm{{Campaign: ids[0], Weight: 1}, {Campaign: ids[1], Weight: 3}}}
	if err := e.Store.CreateExperiment(ctx, x, time.Now()); err != nil {
		t.Fatal(err)
	}
	p := b.get("/dashboard/experiments")
	if p.Status != 200 || !strings.Contains(p.Body, "Gentle vs firm") || !strings.Contains(p.Body, "Firm") || !strings.Contains(p.Body, "Simulate these campaigns") {
		t.Fatalf("experiments page: %d %.500s", p.Status, p.Body)
	}
	p = b.post("/dashboard/experiments", "/dashboard/experiments/"+x.ID+"/simulate", nil)
	if p.Status != 200 || !strings.Contains(p.Body, "Simulation of the same campaigns") || !strings.Contains(p.Body, "<svg class=\"simchart\"") {
		t.Fatalf("experiment simulation: %d %.500s", p.Status, p.Body)
	}
	p = b.post("/dashboard/campaigns/"+ids[0], "/dashboard/campaigns/"+ids[0]+"/simulate", nil)
	if p.Status != 200 || !strings.Contains(p.Body, "fixed-8x14d") || !strings.Contains(p.Body, "default") || !strings.Contains(p.Body, "Gentle") {
		t.Fatalf("campaign simulation: %d %.500s", p.Status, p.Body)
	}
	// A run on another node (or from the API) holds the workspace's lease:
	// the page says so instead of starting a second one.
	if ok, err := e.Store.TakeSimulationLease(ctx, ws.ID, "other-node", time.Now(), time.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("take lease: %v %v", ok, err)
	}
	if p := b.post("/dashboard/campaigns/"+ids[0], "/dashboard/campaigns/"+ids[0]+"/simulate", nil); p.Status != 409 || !strings.Contains(p.Body, "already running") {
		t.Fatalf("simulation while another runs: %d %.300s", p.Status, p.Body)
	}
	if err := e.Store.ReleaseSimulationLease(ctx, ws.ID, "other-node"); err != nil {
		t.Fatal(err)
	}
	other := e.Workspace("Other")
	e.user(other.ID, "other@example.com")
	ob := e.browser()
	ob.login("other@example.com")
	ob.toTest()
	if p := ob.post("/dashboard/experiments", "/dashboard/experiments/"+x.ID+"/simulate", nil); p.Status != 404 {
		t.Fatalf("another workspace's experiment: %d", p.Status)
	}
}
