package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"holdfast"
	"holdfast/cancelflow"
	"holdfast/dashboard"
	"holdfast/demo"
	"holdfast/store"
)

// demoEmail is the demo workspace's dashboard login.
const demoEmail = "demo@holdfast.example"

// setupDemo creates the demo workspace once, filled with simulated history
// by package demo, and prints every start: the dashboard URL, the demo
// login with a fresh password, and a fresh test key (passwords and tokens
// are stored hashed, so an old one cannot be shown again).
func setupDemo(ctx context.Context, e *env, st *store.Store, w *wiring, base string) error {
	log := e.logger()
	sinkBase := base
	if u, err := url.Parse(base); err == nil {
		if _, port, err := net.SplitHostPort(u.Host); err == nil {
			sinkBase = "http://127.0.0.1:" + port // the sinks are this server; test-mode webhooks may use plain http to loopback
		}
	}
	if _, err := st.DemoWorkspace(ctx); holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		fmt.Fprintln(e.stdout, "Generating the demo workspace (two months of simulated history, a few seconds)...")
	}
	res, err := demo.Ensure(ctx, demo.Config{
		Store: st, Engine: w.engine, Cancel: cancelflow.New(cancelflow.Config{Store: st, Logger: log}), Logger: log, SinkBase: sinkBase,
		Progress: func(day, days int) {
			if day%15 == 0 {
				log.Info("demo history", "day", day, "of", days)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	ws := res.Workspace
	if res.Created {
		s := res.Summary
		log.Info("demo generated", "customers", s.Customers, "failed_payments", s.Failures, "cancel_sessions", s.CancelSessions,
			"stripe_events", s.StripeEvents, "elapsed", s.Elapsed.Round(time.Millisecond))
	}
	if res.Incomplete {
		log.Warn("the demo workspace's history was interrupted while being generated; delete the database to start over", "workspace", ws.ID)
	}
	password, err := demoLogin(ctx, st, ws)
	if err != nil {
		return err
	}
	now := time.Now()
	k := &holdfast.APIKey{WorkspaceID: ws.ID, Mode: holdfast.ModeTest, Kind: holdfast.KindSecret, Name: "demo",
		Scopes: []holdfast.Scope{holdfast.ScopeAdmin}}
	if err := st.CreateKey(ctx, k, now); err != nil {
		return err
	}
	state := "existing"
	if res.Created {
		state = "new"
	}
	fmt.Fprintf(e.stdout, "\nHoldfast demo (%s workspace %s, test mode)\n", state, ws.ID)
	fmt.Fprintf(e.stdout, "  Dashboard:       %s/\n", base)
	fmt.Fprintf(e.stdout, "  Demo login:      %s  password: %s\n", demoEmail, password)
	fmt.Fprintf(e.stdout, "  Test secret key: %s\n", k.Token)
	fmt.Fprintf(e.stdout, "  Cancel flow:     %s/demo/cancel\n", base)
	fmt.Fprintf(e.stdout, "  Try:             curl -H 'Authorization: Bearer %s' %s/v1/auth/me\n\n", k.Token, base)
	return nil
}

// demoLogin creates the demo dashboard user, or gives the existing one a
// new password, and returns the password.
func demoLogin(ctx context.Context, st *store.Store, ws *holdfast.Workspace) (string, error) {
	password := holdfast.RandomBase62(16)
	hash, err := dashboard.HashPassword(password)
	if err != nil {
		return "", err
	}
	u, err := st.UserByEmail(ctx, demoEmail)
	switch {
	case holdfast.ErrorCode(err) == holdfast.ENOTFOUND:
		err = st.CreateUser(ctx, &holdfast.User{WorkspaceID: ws.ID, Email: demoEmail}, hash, "", time.Time{}, time.Now())
	case err != nil:
	case u.WorkspaceID != ws.ID:
		err = holdfast.Errorf(holdfast.ECONFLICT, "the demo login %s belongs to another workspace", demoEmail)
	default:
		err = st.SetUserPassword(ctx, u.ID, hash, time.Now())
	}
	return password, err
}
