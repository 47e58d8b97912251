package demo_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/cancelflow"
	"holdfast/demo"
	"holdfast/engine"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/webhook"
)

// run wires the real engine, cancel flow and webhook worker the way serve
// does (advance_clock abandons timed-out sessions and sends due deliveries)
// and runs Ensure.
func run(t *testing.T, st *store.Store, cfg demo.Config) *demo.Result {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	for _, p := range demo.SinkPatterns {
		mux.Handle(p, demo.SinkHandler())
	}
	sink := httptest.NewServer(mux)
	t.Cleanup(sink.Close)
	cancel := cancelflow.New(cancelflow.Config{Store: st, Logger: log, Test: stripe.SimulatedApplier{}})
	// The sinks are on loopback: consent on, as serve --demo gives it.
	wk := webhook.NewWorker(webhook.Config{Store: st, Logger: log, AllowLoopback: true})
	eng := engine.New(engine.Config{Store: st, Logger: log, SigningKey: []byte("k"), PublicURL: "http://127.0.0.1"})
	eng.OnAdvance(func(ctx context.Context, wsID string, now time.Time) error {
		_, err := cancel.AbandonExpired(ctx, wsID, holdfast.ModeTest, now)
		return err
	})
	eng.OnAdvance(func(ctx context.Context, wsID string, _ time.Time) error {
		return wk.RunDue(ctx, wsID, holdfast.ModeTest)
	})
	cfg.Store, cfg.Engine, cfg.Cancel, cfg.Logger, cfg.SinkBase = st, eng, cancel, log, sink.URL
	res, err := demo.Ensure(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestEnsureBuildsALivingHistory: a small demo has recoveries in every
// state, cancel sessions of every outcome, failures across decline codes
// and webhook deliveries, all made through the engine and ingester; a
// second Ensure finds the workspace and adds nothing.
func TestEnsureBuildsALivingHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cfg := demo.Config{Customers: 300, Days: 30, FailuresPerDay: 8, SessionsPerDay: 8, Seed: 7}
		res := run(t, st, cfg)
		if !res.Created || res.Workspace == nil || !res.Workspace.IsDemo {
			t.Fatalf("result %+v", res)
		}
		ws := res.Workspace
		stats, err := st.Stats(ctx, ws.ID, holdfast.ModeTest, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("summary %+v stats %+v", res.Summary, stats)
		c := stats.Campaigns
		for name, n := range map[string]int64{"in_flight": c.InFlight, "recovered": c.Recovered, "lost": c.Lost, "abandoned": c.Abandoned} {
			if n == 0 {
				t.Errorf("no %s recoveries", name)
			}
		}
		cs := stats.CancelSessions
		for name, n := range map[string]int64{"saved_discount": cs.SavedDiscount, "saved_pause": cs.SavedPause,
			"saved_downgrade": cs.SavedDowngrade, "saved_other": cs.SavedOther, "canceled": cs.Canceled, "abandoned": cs.Abandoned} {
			if n == 0 {
				t.Errorf("no %s cancel sessions", name)
			}
		}
		if stats.Customers < 290 { // a few are deleted
			t.Errorf("customers %d", stats.Customers)
		}
		if len(stats.RecoveredRevenue) < 2 {
			t.Errorf("recovered revenue in %d currencies", len(stats.RecoveredRevenue))
		}
		// Every live customer has its card's details, not just a payment method id.
		custs, err := st.ListCustomers(ctx, ws.ID, holdfast.ModeTest, store.CustomerFilter{}, store.ListQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, cu := range custs.Data {
			if cu.Deleted {
				continue
			}
			if cu.DefaultPaymentMethod == "" || cu.CardBrand == "" || len(cu.CardLast4) != 4 || cu.CardExpYear == 0 || cu.CardFingerprint == "" {
				t.Fatalf("customer %s card: pm %q brand %q last4 %q exp %d/%d", cu.ID, cu.DefaultPaymentMethod, cu.CardBrand, cu.CardLast4, cu.CardExpMonth, cu.CardExpYear)
			}
		}
		pays, err := st.ListPayments(ctx, ws.ID, holdfast.ModeTest, store.PaymentFilter{}, store.ListQuery{Limit: 100, Count: true})
		if err != nil {
			t.Fatal(err)
		}
		codes := map[string]bool{}
		for _, p := range pays.Data {
			codes[p.DeclineCode] = true
		}
		if len(codes) < 6 {
			t.Errorf("decline codes %v", codes)
		}
		// The history spans the days, ending at the present of the test clock.
		off, _ := st.TestClockOffset(ctx, ws.ID)
		if off < -time.Hour || off > time.Hour {
			t.Errorf("test clock offset after generation %v", off)
		}
		// Failures are spread over the days (the 100 newest alone span several).
		if oldest := pays.Data[len(pays.Data)-1].CreatedAt; time.Since(oldest) < 3*24*time.Hour {
			t.Errorf("the 100th newest failure is only %v old", time.Since(oldest))
		}
		eps, err := st.ListWebhookEndpoints(ctx, ws.ID, holdfast.ModeTest, store.ListQuery{Limit: 10, Count: true})
		if err != nil || eps.Total != 2 {
			t.Fatalf("endpoints %d %v", eps.Total, err)
		}
		states := map[string]int{}
		flakyRetried := 0
		for _, ep := range eps.Data {
			ds, err := st.ListWebhookDeliveries(ctx, ws.ID, holdfast.ModeTest, ep.ID, store.DeliveryFilter{}, store.ListQuery{Limit: 100, Count: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds.Data {
				states[d.Status]++
				if strings.HasSuffix(ep.URL, demo.FlakySinkPath) && d.AttemptCount > 1 {
					flakyRetried++
				}
			}
		}
		// The flaky receiver refuses a quarter of the attempts independently:
		// some deliveries need a retry, and (almost) none fails for good.
		if states["succeeded"] == 0 || states["failed"] > 0 || flakyRetried == 0 {
			t.Errorf("delivery states %v, flaky deliveries retried %d", states, flakyRetried)
		}

		again := run(t, st, cfg)
		if again.Created || again.Incomplete || again.Workspace.ID != ws.ID {
			t.Fatalf("second Ensure: %+v", again)
		}
		stats2, _ := st.Stats(ctx, ws.ID, holdfast.ModeTest, nil, nil)
		if stats2.Customers != stats.Customers || stats2.Campaigns.InFlight+stats2.Campaigns.Recovered+stats2.Campaigns.Lost+stats2.Campaigns.Abandoned !=
			c.InFlight+c.Recovered+c.Lost+c.Abandoned {
			t.Fatalf("second Ensure changed the history: %+v vs %+v", stats2, stats)
		}
		all, _ := st.ListWorkspaces(ctx)
		if len(all) != 1 {
			t.Fatalf("%d workspaces", len(all))
		}
	})
}

// TestFlakySinkRefusesAQuarterOfAttempts: the same delivery sent again and
// again is refused about a quarter of the time, not always or never.
func TestFlakySinkRefusesAQuarterOfAttempts(t *testing.T) {
	srv := httptest.NewServer(demo.SeededSinkHandler(42))
	defer srv.Close()
	for _, c := range []struct {
		path     string
		min, max int
	}{{demo.FlakySinkPath, 70, 130}, {demo.SinkPath, 0, 0}} {
		refused := 0
		for range 400 {
			req, _ := http.NewRequest("POST", srv.URL+c.path, strings.NewReader(`{"id":"evt_1"}`))
			req.Header.Set("Holdfast-Signature", "t=1700000000,v1=abc") // identical every attempt
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			switch res.StatusCode {
			case http.StatusTooManyRequests:
				refused++
			case http.StatusOK:
			default:
				t.Fatalf("status %d", res.StatusCode)
			}
		}
		if refused < c.min || refused > c.max {
			t.Errorf("%s refused %d of 400 identical attempts, want %d..%d", c.path, refused, c.min, c.max)
		}
	}
}
