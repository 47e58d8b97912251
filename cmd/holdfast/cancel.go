package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"holdfast"
	"holdfast/api"
	"holdfast/cancelflow"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/widget"
)

// Stripe ids the demo page runs the cancel flow for. They need not exist in
// the mirror: the widget takes Stripe ids as given, and test mode only
// simulates what it would change at Stripe.
const (
	demoCancelCustomer     = "cus_demo_cancel_flow"
	demoCancelSubscription = "sub_demo_cancel_flow"
)

// wireCancel adds the cancel flow: the API service, GET /widget.js always,
// and GET /demo/cancel under serve --demo. Session timeouts run as engine
// jobs (wire: HandleJob).
func wireCancel(w *wiring, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger) *cancelflow.Service {
	svc := cancelflow.New(cancelflow.Config{Store: st, Logger: log, Live: w.stripe, Test: stripe.SimulatedApplier{}})
	w.services.Cancel = svc
	w.mounts = append(w.mounts, api.Mount{Pattern: "/widget.js", Handler: widget.ScriptHandler()})
	if cfg.Demo {
		w.mounts = append(w.mounts, api.Mount{Pattern: "/demo/cancel", Handler: &demoCancelPage{st: st, svc: svc, clock: clock, log: log}})
	}
	return svc
}

// demoCancelPage serves the widget demo for the demo workspace. serve
// creates that workspace after the routes are built, so the page resolves
// it on first use; the publishable key is the demo's one publishable key
// (kept across restarts, see demoKey), while the auth hash is
// computed per request so a rotated widget secret takes effect at once.
type demoCancelPage struct {
	st    *store.Store
	svc   *cancelflow.Service
	clock holdfast.Clock
	log   *slog.Logger

	mu    sync.Mutex
	wsID  string
	token string
}

func (p *demoCancelPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, token, err := p.demo(r.Context())
	if err != nil {
		p.log.Error("demo cancel page", "err", err)
		http.Error(w, "The demo workspace is not ready; start the server with --demo.", http.StatusServiceUnavailable)
		return
	}
	cfg := widget.DemoConfig{
		PublishableKey: token,
		Customer:       demoCancelCustomer,
		Subscription:   demoCancelSubscription,
		AuthHash:       cancelflow.AuthHash(ws.WidgetSecret, demoCancelCustomer),
	}
	if err := p.explainOffers(r.Context(), ws.ID, &cfg); err != nil {
		p.log.Error("demo cancel page", "err", err)
		http.Error(w, "The demo cancel flow could not be read.", http.StatusInternalServerError)
		return
	}
	widget.DemoPageHandler(cfg).ServeHTTP(w, r)
}

// explainOffers tells the demo page about the discount cooldown: whether a
// discount is withheld from the demo customer right now, and why.
func (p *demoCancelPage) explainOffers(ctx context.Context, wsID string, cfg *widget.DemoConfig) error {
	flow, err := p.svc.Flow(ctx, wsID, holdfast.ModeTest)
	if err != nil {
		return err
	}
	cfg.CooldownDays = flow.DiscountCooldownDays
	now, err := holdfast.ModeNow(ctx, p.clock, p.st, wsID, holdfast.ModeTest)
	if err != nil {
		return err
	}
	wh, err := p.svc.DiscountWithheld(ctx, wsID, holdfast.ModeTest, demoCancelCustomer, now)
	if err != nil || wh == nil {
		return err
	}
	cfg.Withheld = fmt.Sprintf("No discount will be offered: this customer accepted one on %s, and the cancel flow's discount cooldown "+
		"is %d days, so discounts come back on %s (test clock). Other offers still show. Change the cooldown in the dashboard "+
		"(Cancel flow; 0 turns it off) or advance the test clock.",
		wh.AcceptedAt.UTC().Format("2006-01-02"), wh.CooldownDays, wh.Until.UTC().Format("2006-01-02"))
	return nil
}

// demo returns the demo workspace (fresh, for its current widget secret)
// and the page's publishable test key: the demo's one publishable key,
// which serve --demo keeps across restarts.
func (p *demoCancelPage) demo(ctx context.Context) (*holdfast.Workspace, string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wsID != "" {
		ws, err := p.st.GetWorkspace(ctx, p.wsID)
		return ws, p.token, err
	}
	ws, err := p.st.DemoWorkspace(ctx)
	if err != nil {
		return nil, "", err
	}
	token, err := demoKey(ctx, p.st, ws.ID, holdfast.KindPublishable, p.clock.Now())
	if err != nil {
		return nil, "", err
	}
	p.wsID, p.token = ws.ID, token
	return ws, token, nil
}
