package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/engine"
	"holdfast/experiment"
	"holdfast/store"
)

// TestExperimentScenario walks the experiments API over real HTTP: create
// (scopes, validation, one running at a time), recoveries opened by the
// engine get sticky arms, per-arm results, list, events, stop.
func TestExperimentScenario(t *testing.T) {
	t.Parallel()
	var eng *engine.Engine
	e := apitest.New(t, "sqlite", func(cfg *api.Config) {
		exps := experiment.New(cfg.Store)
		eng = engine.New(engine.Config{Store: cfg.Store, SigningKey: []byte("k"), Chooser: exps})
		cfg.Services.Engine, cfg.Services.Recovery, cfg.Services.Experiments = eng, eng, exps
	})
	ctx := context.Background()
	w := e.Workspace("exp")
	write := e.Key(w.ID, holdfast.ModeTest, holdfast.ScopeRead, holdfast.ScopeWrite)
	read := e.Key(w.ID, holdfast.ModeTest, holdfast.ScopeRead)
	var camps []string
	for i := range 2 {
		r := e.Do("POST", "/v1/campaigns", write, map[string]any{"name": fmt.Sprintf("arm %d", i), "max_retries": 2,
			"steps": []map[string]any{{"after_hours": 24, "action": "retry"}, {"after_hours": 72, "action": "retry"}}})
		if r.Status != 200 {
			t.Fatalf("create campaign: %d %s", r.Status, r.Body)
		}
		camps = append(camps, r.JSON["id"].(string))
	}
	body := map[string]any{"name": "A/B", "arms": []map[string]any{{"campaign": camps[0], "weight": 1}, {"campaign": camps[1], "weight": 1}}}
	for _, c := range []struct {
		name   string
		token  string
		body   any
		status int
		code   string
		param  string
	}{
		{"ReadScope", read, body, 403, "insufficient_scope", ""},
		{"MissingName", write, map[string]any{"arms": body["arms"]}, 400, "invalid_request", ""},
		{"OneArm", write, map[string]any{"name": "x", "arms": []map[string]any{{"campaign": camps[0]}}}, 422, "validation_error", "arms"},
		{"UnknownCampaign", write, map[string]any{"name": "x", "arms": []map[string]any{{"campaign": camps[0]}, {"campaign": "cmp_nope"}}}, 422, "validation_error", "arms[1].campaign"},
		{"BadWeight", write, map[string]any{"name": "x", "arms": []map[string]any{{"campaign": camps[0], "weight": 0}, {"campaign": camps[1]}}}, 422, "validation_error", "arms[0].weight"},
		{"UnknownField", write, map[string]any{"name": "x", "arms": body["arms"], "bogus": 1}, 422, "validation_error", "bogus"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do("POST", "/v1/experiments", c.token, c.body)
			if r.Status != c.status || r.ErrorCode() != c.code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, c.status, c.code)
			}
			if c.param != "" && r.ErrorField("param") != c.param {
				t.Fatalf("param = %v, want %s", r.ErrorField("param"), c.param)
			}
		})
	}
	r := e.Do("POST", "/v1/experiments", write, body)
	if r.Status != 200 || r.JSON["status"] != "running" || len(r.JSON["results"].([]any)) != 2 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.JSON["id"].(string)
	if r := e.Do("POST", "/v1/experiments", write, body); r.Status != 409 || r.ErrorCode() != "state_conflict" {
		t.Fatalf("second running experiment: %d %s", r.Status, r.Body)
	}
	// Six customers, two failed invoices each: each customer's recoveries share an arm.
	for k := range 6 {
		email := fmt.Sprintf("c%d@example.com", k)
		ch, err := e.Store.UpsertCustomer(ctx, w.ID, holdfast.ModeTest, store.CustomerSnapshot{ProviderID: fmt.Sprintf("cus_s%d", k), Email: &email}, w.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			if _, err := eng.InvoiceFailed(ctx, holdfast.InvoiceFailure{WorkspaceID: w.ID, Mode: holdfast.ModeTest, Invoice: fmt.Sprintf("in_%d_%d", k, j),
				Customer: ch.Customer.ID, Amount: 1000, Currency: "usd", Decline: holdfast.Decline{Code: "insufficient_funds"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	recs := e.Do("GET", "/api/v1/campaigns?limit=100", read, nil)
	byCustomer := map[string]map[string]bool{}
	for _, rec := range recs.Data() {
		c := rec["customer"].(string)
		if byCustomer[c] == nil {
			byCustomer[c] = map[string]bool{}
		}
		byCustomer[c][rec["campaign"].(string)] = true
	}
	if len(byCustomer) != 6 {
		t.Fatalf("recoveries of %d customers, want 6", len(byCustomer))
	}
	for c, cs := range byCustomer {
		if len(cs) != 1 || !(cs[camps[0]] || cs[camps[1]]) {
			t.Fatalf("customer %s ran campaigns %v", c, cs)
		}
	}
	if r := e.Do("POST", "/v1/test_helpers/advance_clock", write, map[string]any{"seconds": 5 * 86400}); r.Status != 200 {
		t.Fatalf("advance: %d %s", r.Status, r.Body)
	}
	got := e.Do("GET", "/v1/experiments/"+id, read, nil)
	if got.Status != 200 {
		t.Fatalf("get: %d %s", got.Status, got.Body)
	}
	total, charges := 0.0, 0.0
	for _, a := range got.JSON["results"].([]any) {
		arm := a.(map[string]any)
		total += arm["recoveries"].(float64)
		charges += arm["charges"].(float64)
	}
	if total != 12 || charges < 12 {
		t.Fatalf("results count %v recoveries and %v charges, want 12 and at least 12: %s", total, charges, got.Body)
	}
	if l := e.Do("GET", "/v1/experiments", read, nil); l.Status != 200 || len(l.Data()) != 1 {
		t.Fatalf("list: %d %s", l.Status, l.Body)
	}
	if s := e.Do("POST", "/v1/experiments/"+id+"/stop", write, nil); s.Status != 200 || s.JSON["status"] != "stopped" || s.JSON["stopped_at"] == nil {
		t.Fatalf("stop: %d %s", s.Status, s.Body)
	}
	if s := e.Do("POST", "/v1/experiments/"+id+"/stop", write, nil); s.Status != 409 {
		t.Fatalf("second stop: %d %s", s.Status, s.Body)
	}
	for _, typ := range []string{holdfast.EventExperimentStarted, holdfast.EventExperimentStopped} {
		if ev := e.Do("GET", "/v1/events?type="+typ, read, nil); ev.Status != 200 || len(ev.Data()) != 1 {
			t.Fatalf("events %s: %d %s", typ, ev.Status, ev.Body)
		}
	}
	other := e.Key(e.Workspace("other").ID, holdfast.ModeTest, holdfast.ScopeRead)
	if r := e.Do("GET", "/v1/experiments/"+id, other, nil); r.Status != 404 {
		t.Fatalf("another workspace: %d", r.Status)
	}
}

// TestSimulationAPI: POST /v1/simulations runs the simulator (analytics
// scope, bounded n) and answers with the CLI's report.
func TestSimulationAPI(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, "sqlite")
	w := e.Workspace("sim")
	an := e.Key(w.ID, holdfast.ModeTest, holdfast.ScopeAnalytics)
	read := e.Key(w.ID, holdfast.ModeTest, holdfast.ScopeRead, holdfast.ScopeWrite)
	for _, c := range []struct {
		name   string
		token  string
		body   any
		status int
		param  string
	}{
		{"NoAnalyticsScope", read, map[string]any{"n": 10}, 403, ""},
		{"TooMany", an, map[string]any{"n": 5001}, 422, "n"},
		{"UnknownStrategy", an, map[string]any{"strategies": []string{"yolo"}}, 422, "strategies[0]"},
		{"OtherCampaign", an, map[string]any{"campaigns": []string{"cmp_nope"}}, 422, "campaigns[0]"},
		{"OtherWorkspace", an, map[string]any{"population": "ws_other"}, 422, "population"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do("POST", "/v1/simulations", c.token, c.body)
			if r.Status != c.status || (c.param != "" && r.ErrorField("param") != c.param) {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
		})
	}
	// A run on another node holds the workspace's lease: 409 here until it ends.
	now := time.Now()
	if ok, err := e.Store.TakeSimulationLease(context.Background(), w.ID, "other-node", now, now.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("take lease: %v %v", ok, err)
	}
	if r := e.Do("POST", "/v1/simulations", an, map[string]any{"n": 10}); r.Status != 409 || !strings.Contains(string(r.Body), "already running") {
		t.Fatalf("while another node simulates: %d %s", r.Status, r.Body)
	}
	if err := e.Store.ReleaseSimulationLease(context.Background(), w.ID, "other-node"); err != nil {
		t.Fatal(err)
	}
	r := e.Do("POST", "/v1/simulations", an, map[string]any{"n": 40, "seed": 2, "strategies": []string{"emails-only", "fixed-4x7d"}})
	if r.Status != 200 || r.JSON["object"] != "simulation" || r.JSON["n"].(float64) != 40 {
		t.Fatalf("simulate: %d %s", r.Status, r.Body)
	}
	ss := r.JSON["strategies"].([]any)
	if len(ss) != 2 || ss[0].(map[string]any)["name"] != "emails-only" || ss[1].(map[string]any)["charges"].(float64) == 0 {
		t.Fatalf("strategies: %v", ss)
	}
}

// The run releases its lease when it ends: the next run is not refused.
func TestSimulationReleasesLease(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, "sqlite")
	w := e.Workspace("sim")
	an := e.Key(w.ID, holdfast.ModeTest, holdfast.ScopeAnalytics)
	for i := range 2 {
		if r := e.Do("POST", "/v1/simulations", an, map[string]any{"n": 5, "strategies": []string{"emails-only"}}); r.Status != 200 {
			t.Fatalf("run %d: %d %s", i, r.Status, r.Body)
		}
	}
	if ok, err := e.Store.TakeSimulationLease(context.Background(), w.ID, "probe", time.Now(), time.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("the lease was still held after the runs: %v %v", ok, err)
	}
}
