package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"holdfast"
	"holdfast/cancelflow"
	"holdfast/store"
	"holdfast/stripe"
)

// wire builds the services behind the API. Each issue adds its service here.
func wire(ctx context.Context, e *env, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger, reg *prometheus.Registry) (*wiring, error) {
	w := &wiring{stripe: stripe.NewProvider(stripe.ProviderConfig{Store: st, APIBase: cfg.StripeAPIBase, Logger: log})}
	cancel := wireCancel(w, st, cfg, clock, log)
	eng, err := wireEngine(w, e, st, cfg, clock, log)
	if err != nil {
		return nil, err
	}
	// Cancel-session timeouts are jobs of the engine's one scheduler: its
	// runners abandon live and test sessions by their mode's clock, and
	// advance_clock runs the workspace's due ones in order with its other work.
	eng.HandleJob(cancelflow.JobTimeout, cancel.RunTimeout)
	// Last hook: the events recorded by the engine and the hooks above are
	// delivered before advance_clock answers.
	webhooks := wireWebhooks(w, st, cfg, clock, log)
	eng.OnAdvance(runDueHook(webhooks))
	wireStripe(w, st, cfg, clock, log) // after the engine: the ingester reports to it
	wireNoticeDemo(w, st, cfg, clock, log)
	if _, err := wireDashboard(w, st, cfg, clock, log, resendWith(webhooks)); err != nil {
		return nil, err
	}
	return w, nil
}
