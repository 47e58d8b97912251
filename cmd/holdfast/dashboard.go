package main

import (
	"context"
	"fmt"
	"log/slog"

	"holdfast"
	"holdfast/api"
	"holdfast/dashboard"
	"holdfast/demo"
	"holdfast/mail"
	"holdfast/store"
	"holdfast/webhook"
)

// wireDashboard mounts the dashboard at "/" and "/dashboard/…" (and, under
// --demo, the demo's webhook sinks). Its SMTP
// test uses --smtp-url like the engine; resend (nil when no webhook worker
// is wired) backs the delivery log's re-send button.
func wireDashboard(w *wiring, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger,
	resend func(ctx context.Context, wsID string, mode holdfast.Mode, endpointID, deliveryID string) error) (*dashboard.Dashboard, error) {
	var mailer mail.Sender
	if cfg.SMTPURL != "" {
		s, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return nil, fmt.Errorf("--smtp-url: %w", err)
		}
		mailer = s
	}
	d := dashboard.New(dashboard.Config{
		Store: st, Clock: clock, Logger: log, PublicURL: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies,
		Mailer: mailer, Services: dashboard.Services{ResendDelivery: resend, PutCardExpiry: w.engine.PutCardExpirySettings},
		AllowLoopbackWebhooks: cfg.AllowLoopbackWebhooks,
	})
	w.notFound = d.NotFound()
	for _, p := range dashboard.Patterns {
		w.mounts = append(w.mounts, api.Mount{Pattern: p, Handler: d})
	}
	if cfg.Demo {
		for _, p := range demo.SinkPatterns {
			w.mounts = append(w.mounts, api.Mount{Pattern: p, Handler: demo.SinkHandler(), Quiet: true})
		}
	}
	return d, nil
}

// resendWith backs the delivery log's re-send button with the webhook
// worker: one attempt now, recorded like any other.
func resendWith(wk *webhook.Worker) func(ctx context.Context, wsID string, mode holdfast.Mode, endpointID, deliveryID string) error {
	return func(ctx context.Context, wsID string, mode holdfast.Mode, endpointID, deliveryID string) error {
		_, err := wk.Send(ctx, wsID, mode, endpointID, deliveryID)
		return err
	}
}
