package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"holdfast"
	"holdfast/cancelflow"
	"holdfast/dashboard"
	"holdfast/demo"
	"holdfast/store"
	"holdfast/stripe"
)

// demoEmail is the demo workspace's dashboard login.
const demoEmail = "demo@holdfast.example"

// Workspace secrets (encrypted at rest like the Stripe secrets) that let a
// restart print the same demo login and keys instead of minting new ones:
// passwords and tokens are otherwise stored only as hashes.
const (
	demoPasswordSecret     = "demo_password"
	demoSecretKeySecret    = "demo_secret_key"
	demoPubKeySecret       = "demo_publishable_key"
	demoSecretKeyName      = "demo"
	demoPublishableKeyName = "demo cancel-flow page"
)

// demoKeysMu serializes minting the demo keys: the demo cancel page may ask
// for the publishable key while serve is still setting the demo up.
var demoKeysMu sync.Mutex

// demoBanner is what serve --demo prints once the demo is ready.
type demoBanner struct {
	wsID, state, base   string
	password, resetHint string
	token               string
}

// setupDemo creates the demo workspace once, filled with simulated history
// by package demo. Every start reuses what exists: the same login and the
// same test key (at most one active demo key of each kind), and the demo's
// webhook endpoints follow the server to its current address. It returns
// the banner; serve prints it last, once nothing else is starting up.
func setupDemo(ctx context.Context, e *env, st *store.Store, w *wiring, base string, cfg *serveConfig) (*demoBanner, error) {
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
		Store: st, Engine: w.engine, Cancel: cancelflow.New(cancelflow.Config{Store: st, Logger: log, Test: stripe.SimulatedApplier{}}), Logger: log, SinkBase: sinkBase,
		Customers: cfg.DemoCustomers, Days: cfg.DemoDays,
		Progress: func(day, days int) {
			if day%15 == 0 && day < days {
				log.Info("demo history", "day", day, "of", days)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
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
	now := time.Now()
	if !res.Created {
		testNow, err := holdfast.ModeNow(ctx, holdfast.RealClock{}, st, ws.ID, holdfast.ModeTest)
		if err != nil {
			return nil, err
		}
		if n, err := demo.RepointSinks(ctx, st, ws.ID, sinkBase, testNow); err != nil {
			return nil, fmt.Errorf("demo: webhook endpoints: %w", err)
		} else if n > 0 {
			log.Info("demo webhook endpoints moved to this address", "endpoints", n, "base", sinkBase)
		}
	}
	b := &demoBanner{wsID: ws.ID, state: "existing", base: base}
	if res.Created {
		b.state = "new"
	}
	if b.password, err = demoLogin(ctx, st, ws, now); err != nil {
		return nil, err
	}
	if b.password == "" {
		b.resetHint = "(changed in the dashboard; for a new set-password link run: holdfast user reset --email " + demoEmail + ")"
	}
	if b.token, err = demoKey(ctx, st, ws.ID, holdfast.KindSecret, now); err != nil {
		return nil, err
	}
	// The cancel page's publishable key is settled now too, so a restart
	// never leaves a second one behind.
	if _, err := demoKey(ctx, st, ws.ID, holdfast.KindPublishable, now); err != nil {
		return nil, err
	}
	return b, nil
}

// print writes the banner to stdout.
func (b *demoBanner) print(e *env) {
	fmt.Fprintf(e.stdout, "\nHoldfast demo (%s workspace %s, test mode)\n", b.state, b.wsID)
	fmt.Fprintf(e.stdout, "  Dashboard:       %s/\n", b.base)
	if b.password != "" {
		fmt.Fprintf(e.stdout, "  Demo login:      %s  password: %s\n", demoEmail, b.password)
	} else {
		fmt.Fprintf(e.stdout, "  Demo login:      %s  password: %s\n", demoEmail, b.resetHint)
	}
	fmt.Fprintf(e.stdout, "  Test secret key: %s\n", b.token)
	fmt.Fprintf(e.stdout, "  Cancel flow:     %s/demo/cancel\n", b.base)
	fmt.Fprintf(e.stdout, "  Payment notice:  %s/demo/notice\n", b.base)
	fmt.Fprintf(e.stdout, "  Try:             curl -H 'Authorization: Bearer %s' %s/v1/auth/me\n", b.token, b.base)
	fmt.Fprintf(e.stdout, "  Restarting with the same database prints this same login and key.\n\n")
}

// demoLogin returns the demo user's password, creating the user on the
// first start. Later starts print the same password while it still signs
// in; if it was changed in the dashboard it returns "" and leaves it alone
// (the banner then says how to reset it).
func demoLogin(ctx context.Context, st *store.Store, ws *holdfast.Workspace, now time.Time) (string, error) {
	stored, err := st.WorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, demoPasswordSecret)
	if err != nil {
		return "", err
	}
	u, err := st.UserByEmail(ctx, demoEmail)
	switch {
	case holdfast.ErrorCode(err) == holdfast.ENOTFOUND:
	case err != nil:
		return "", err
	case u.WorkspaceID != ws.ID:
		return "", holdfast.Errorf(holdfast.ECONFLICT, "the demo login %s belongs to another workspace", demoEmail)
	case stored != "" && dashboard.VerifyPassword(u.PasswordHash, stored):
		return stored, nil
	case stored != "":
		return "", nil // the operator chose another password
	}
	// A new demo, or one made before the password was kept: set a fresh one.
	password := holdfast.RandomBase62(16)
	hash, err := dashboard.HashPassword(password)
	if err != nil {
		return "", err
	}
	if u == nil {
		err = st.CreateUser(ctx, &holdfast.User{WorkspaceID: ws.ID, Email: demoEmail}, hash, "", time.Time{}, now)
	} else {
		err = st.SetUserPassword(ctx, u.ID, hash, now)
	}
	if err != nil {
		return "", err
	}
	return password, st.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, demoPasswordSecret, password, now)
}

// demoKey returns the token of the demo's test key of one kind: the stored
// one while its key is still active, else a newly minted one. Any other
// active demo key of that kind (left by earlier versions) is revoked, so
// restarts never pile keys up.
func demoKey(ctx context.Context, st *store.Store, wsID string, kind holdfast.KeyKind, now time.Time) (string, error) {
	demoKeysMu.Lock()
	defer demoKeysMu.Unlock()
	secret, name, scopes := demoSecretKeySecret, demoSecretKeyName, []holdfast.Scope{holdfast.ScopeAdmin}
	if kind == holdfast.KindPublishable {
		secret, name, scopes = demoPubKeySecret, demoPublishableKeyName, []holdfast.Scope{}
	}
	token, err := st.WorkspaceSecret(ctx, wsID, holdfast.ModeTest, secret)
	if err != nil {
		return "", err
	}
	keep := ""
	if token != "" {
		rec, err := st.KeyByTokenHash(ctx, holdfast.HashToken(token))
		switch {
		case holdfast.ErrorCode(err) == holdfast.ENOTFOUND:
		case err != nil:
			return "", err
		case rec.WorkspaceID == wsID && rec.RevokedAt == nil && (rec.ExpiresAt == nil || rec.ExpiresAt.After(now)):
			keep = rec.ID
		}
	}
	if keep == "" {
		k := &holdfast.APIKey{WorkspaceID: wsID, Mode: holdfast.ModeTest, Kind: kind, Name: name, Scopes: scopes}
		if err := st.CreateKey(ctx, k, now); err != nil {
			return "", err
		}
		if err := st.SetWorkspaceSecret(ctx, wsID, holdfast.ModeTest, secret, k.Token, now); err != nil {
			return "", err
		}
		token, keep = k.Token, k.ID
	}
	keys, err := st.ListKeys(ctx, wsID)
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		active := k.RevokedAt == nil || k.RevokedAt.After(now)
		if k.ID != keep && k.Kind == kind && k.Mode == holdfast.ModeTest && k.Name == name && active {
			if _, err := st.RevokeKey(ctx, k.ID, now); err != nil {
				return "", err
			}
		}
	}
	return token, nil
}
