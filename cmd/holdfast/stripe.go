package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"holdfast"
	"holdfast/store"
	"holdfast/stripe"
)

type stripeCmd struct {
	Sync stripeSyncCmd `cmd:"" help:"Backfill customers, subscriptions and open failed invoices from Stripe."`
}

type stripeSyncCmd struct {
	Workspace     string `required:"" help:"Workspace id (ws_…)."`
	Mode          string `required:"" enum:"live,test" help:"live or test: which of the workspace's Stripe API keys to use."`
	JSON          bool   `name:"json" help:"Print a JSON summary to stdout."`
	StripeAPIBase string `name:"stripe-api-base" help:"Stripe API base URL without /v1 (env HOLDFAST_STRIPE_API_BASE)." default:"https://api.stripe.com"`
	PublicURL     string `name:"public-url" help:"Public base URL for links in emails the engine sends for backfilled failures (env HOLDFAST_PUBLIC_URL); defaults to http://ADDR like serve."`
	Addr          string `name:"addr" help:"The server's listen address, the links' base without --public-url (env HOLDFAST_ADDR)." default:"127.0.0.1:8080"`
	SMTPURL       string `name:"smtp-url" help:"SMTP server for those emails (env HOLDFAST_SMTP_URL)."`
	MailFrom      string `name:"mail-from" help:"From address of those emails (env HOLDFAST_MAIL_FROM)." default:"Holdfast <billing@localhost>"`
}

// Run backfills one workspace mode. A progress line per page goes to stderr;
// the summary goes to stdout (JSON with --json). Open failed invoices are
// handed to the same recovery engine serve runs (its scheduled work then
// happens in serve), so the command builds the full wiring without starting
// any background worker.
func (c *stripeSyncCmd) Run(e *env) error {
	mode, _ := holdfast.ParseMode(c.Mode)
	publicURL, err := linkBase(c.PublicURL, c.Addr)
	for _, err := range []error{checkBaseURL("--stripe-api-base", c.StripeAPIBase), err, checkMail(c.SMTPURL, c.MailFrom)} {
		if err != nil {
			return err
		}
	}
	st, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.GetWorkspace(e.ctx, c.Workspace); err != nil {
		return err
	}
	log := e.logger()
	cfg := &serveConfig{Addr: c.Addr, StripeAPIBase: c.StripeAPIBase, PublicURL: publicURL, SMTPURL: c.SMTPURL, MailFrom: c.MailFrom}
	w, err := wire(e.ctx, e, st, cfg, holdfast.RealClock{}, log, prometheus.NewRegistry())
	if err != nil {
		return err
	}
	in := newIngester(w, st, cfg, holdfast.RealClock{}, log)
	started := time.Now()
	res, err := in.Sync(e.ctx, stripe.SyncOptions{WorkspaceID: c.Workspace, Mode: mode, Progress: func(p stripe.SyncProgress) {
		fmt.Fprintf(e.stderr, "stripe sync %s %s: %s, page %d — %d customers, %d subscriptions, %d failed invoices\n",
			c.Workspace, mode, p.Stage, p.Pages, p.Customers, p.Subscriptions, p.Invoices)
	}})
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(e.stdout, map[string]any{"object": "stripe_sync", "workspace": c.Workspace, "mode": mode,
			"customers": res.Customers, "subscriptions": res.Subscriptions, "invoices": res.Invoices, "pages": res.Pages,
			"duration_ms": time.Since(started).Milliseconds()})
	}
	fmt.Fprintf(e.stdout, "synced %d customers, %d subscriptions, %d open failed invoices (%d pages)\n",
		res.Customers, res.Subscriptions, res.Invoices, res.Pages)
	return nil
}

// wireStripe mounts the Stripe webhook receiver. Call it after the engine is
// wired: the ingester reports payment failures and outcomes to it.
func wireStripe(w *wiring, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger) *stripe.Ingester {
	in := newIngester(w, st, cfg, clock, log)
	w.services.Stripe = in
	return in
}

// newIngester builds the ingester over the wired recovery engine. Without an
// engine, events that need one fail (Stripe redelivers them later) instead
// of being dropped.
func newIngester(w *wiring, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger) *stripe.Ingester {
	return stripe.NewIngester(stripe.Config{Store: st, Events: w.services.Recovery, Clock: clock, Logger: log, APIBase: cfg.StripeAPIBase})
}
