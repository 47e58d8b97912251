package main

import (
	"context"
	"log/slog"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/webhook"
)

// wireWebhooks builds the outbound-webhook worker: it runs in the background
// for every serve process (with PostgreSQL several share the deliveries),
// answers the API's test pings and manual re-sends, and identifies itself as
// Holdfast-Webhooks/<version>.
func wireWebhooks(w *wiring, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger) *webhook.Worker {
	wk := webhook.NewWorker(webhook.Config{
		Store: st, Clock: clock, Logger: log, UserAgent: "Holdfast-Webhooks/" + version,
		AllowLoopback: cfg.AllowLoopbackWebhooks,
	})
	w.services.Webhooks = wk
	w.background = append(w.background, wk.Start)
	w.stops = append(w.stops, wk.Stop)
	return wk
}

// runDueHook adapts the worker to an advance_clock hook: test-mode
// deliveries the advance made due are sent before advance_clock answers.
func runDueHook(wk *webhook.Worker) func(context.Context, string, time.Time) error {
	return func(ctx context.Context, wsID string, _ time.Time) error {
		return wk.RunDue(ctx, wsID, holdfast.ModeTest)
	}
}
