// Package demo builds the workspace `holdfast serve --demo` shows: a test-mode
// business with a few thousand customers and two months of history —
// failed payments across decline codes, recoveries in every state, cancel
// sessions of every outcome and webhook deliveries. History is made the way
// production makes it: signed Stripe events into the real ingester, the
// real recovery engine running its campaigns as the workspace's test clock
// advances, and the cancel-flow service. Nothing writes final rows directly
// except the bulk customer mirror, which goes through the ingester's own
// store writers.
package demo

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"holdfast"
	"holdfast/cancelflow"
	"holdfast/store"
)

// Engine is what the generator needs of the recovery engine (*engine.Engine).
type Engine interface {
	holdfast.RecoveryEvents
	// AdvanceClock moves the test clock and runs the work that became due.
	AdvanceClock(ctx context.Context, wsID string, d time.Duration) (time.Time, error)
}

// Config configures Ensure. Zero values get defaults.
type Config struct {
	Store  *store.Store
	Engine Engine
	Cancel *cancelflow.Service
	Clock  holdfast.Clock // real time
	Logger *slog.Logger
	// SinkBase is where this server answers (http://127.0.0.1:PORT): the demo's
	// webhook endpoints point at its /demo/webhook-sink receivers.
	SinkBase string
	// Customers, Days and FailuresPerDay size the history (defaults 2500,
	// 60, and 5 failures a day on SQLite, 3 on PostgreSQL).
	Customers      int
	Days           int
	FailuresPerDay int
	// SessionsPerDay is the number of cancel sessions a day (default 4 on
	// SQLite, 3 on PostgreSQL).
	SessionsPerDay int
	// Seed makes the simulated business reproducible (default 1).
	Seed uint64
	// Progress, when set, is told how many days are done.
	Progress func(day, days int)
}

func (c *Config) defaults() {
	c.Clock = cmp.Or[holdfast.Clock](c.Clock, holdfast.RealClock{})
	c.Logger = cmp.Or(c.Logger, slog.Default())
	c.Customers = cmp.Or(c.Customers, 2500)
	c.Days = cmp.Or(c.Days, 60)
	// Each engine job is a few transactions, and PostgreSQL spends longer
	// per commit than SQLite; a somewhat quieter history there keeps the
	// first start about as quick (still a few hundred failed payments).
	perDay, sessions := 5, 4
	if c.Store != nil && c.Store.Dialect() == store.Postgres {
		perDay, sessions = 3, 3
	}
	c.FailuresPerDay = cmp.Or(c.FailuresPerDay, perDay)
	c.SessionsPerDay = cmp.Or(c.SessionsPerDay, sessions)
	c.Seed = cmp.Or(c.Seed, uint64(1))
}

// Result describes the demo workspace.
type Result struct {
	Workspace *holdfast.Workspace
	// Created is true when this call created and filled the workspace.
	Created bool
	// Incomplete is true when an earlier generation was interrupted.
	Incomplete bool
	Summary    Summary
}

// Summary counts what generation produced.
type Summary struct {
	Customers      int
	Failures       int
	CancelSessions int
	StripeEvents   int
	Elapsed        time.Duration
}

// generatedMarker is a workspace secret set when generation finished, so a
// restart neither regenerates nor mistakes a half-built demo for a whole one.
const generatedMarker = "demo_generated"

// Ensure returns the demo workspace, creating and filling it the first
// time. Running it again finds the same workspace and adds nothing.
func Ensure(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	st := cfg.Store
	ws, err := st.DemoWorkspace(ctx)
	if err == nil {
		done, err := st.WorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, generatedMarker)
		if err != nil {
			return nil, err
		}
		return &Result{Workspace: ws, Incomplete: done == ""}, nil
	}
	if holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return nil, err
	}
	now := cfg.Clock.Now()
	ws = &holdfast.Workspace{Name: "Demo Co", Plan: "enterprise", IsDemo: true, Timezone: "America/New_York"}
	if err := st.CreateWorkspace(ctx, ws, now); err != nil {
		return nil, err
	}
	// The history ends now: the test clock starts Days in the past and the
	// generator advances it back to the present.
	if _, err := st.AdvanceTestClock(ctx, ws.ID, -time.Duration(cfg.Days)*24*time.Hour, now); err != nil {
		return nil, err
	}
	g, err := newGen(ctx, cfg, ws)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	if err := g.run(ctx); err != nil {
		return nil, err
	}
	if err := st.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, generatedMarker, "1", cfg.Clock.Now()); err != nil {
		return nil, err
	}
	return &Result{Workspace: ws, Created: true, Summary: Summary{Customers: len(g.customers), Failures: g.failures,
		CancelSessions: g.sessions, StripeEvents: g.events, Elapsed: time.Since(started)}}, nil
}
