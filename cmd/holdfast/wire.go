package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"holdfast"
	"holdfast/store"
	"holdfast/stripe"
)

// wire builds the services behind the API. Each issue adds its service here.
func wire(ctx context.Context, e *env, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger, reg *prometheus.Registry) (*wiring, error) {
	w := &wiring{stripe: stripe.NewProvider(stripe.ProviderConfig{Store: st, APIBase: cfg.StripeAPIBase, Logger: log})}
	// The engine's advance_clock must call cancel.AbandonExpired(ctx, wsID,
	// holdfast.ModeTest, newNow) so test-mode sessions time out with the clock.
	cancel := wireCancel(w, st, cfg, clock, log)
	eng, err := wireEngine(w, e, st, cfg, clock, log)
	if err != nil {
		return nil, err
	}
	eng.OnAdvance(abandonHook(cancel.AbandonExpired))
	// Last hook: the events recorded by the engine and the hooks above are
	// delivered before advance_clock answers.
	webhooks := wireWebhooks(w, st, cfg, clock, log)
	eng.OnAdvance(runDueHook(webhooks))
	wireStripe(w, st, cfg, clock, log) // after the engine: the ingester reports to it
	if _, err := wireDashboard(w, st, cfg, clock, log, resendWith(webhooks)); err != nil {
		return nil, err
	}
	return w, nil
}
