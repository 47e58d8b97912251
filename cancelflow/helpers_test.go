package cancelflow_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"holdfast"
	"holdfast/cancelflow"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const stripeKey = "sk_test_fake_123"

// env is one service over a fresh database, with a fake Stripe for live mode.
type env struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	svc    *cancelflow.Service
	stripe *stripetest.Server
	ws     *holdfast.Workspace
}

// each runs fn per database with a fresh workspace whose live Stripe key is set.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		fn(t, e)
	})
}

func newEnv(t *testing.T, st *store.Store) *env {
	t.Helper()
	ctx := context.Background()
	fake := stripetest.NewWithKey(t, stripeKey)
	zero := int64(0)
	e := &env{t: t, ctx: ctx, st: st, stripe: fake,
		svc: cancelflow.New(cancelflow.Config{Store: st, Live: stripe.NewProvider(stripe.ProviderConfig{Store: st, APIBase: fake.URL, MaxNetworkRetries: &zero, Logger: slog.New(slog.DiscardHandler)}), Test: stripe.SimulatedApplier{}, Logger: slog.New(slog.DiscardHandler)})}
	e.ws = &holdfast.Workspace{Name: "Acme"}
	if err := st.CreateWorkspace(ctx, e.ws, t0); err != nil {
		t.Fatal(err)
	}
	if err := st.SetWorkspaceSecret(ctx, e.ws.ID, holdfast.ModeLive, store.SecretStripeAPIKey, stripeKey, t0); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) start(mode holdfast.Mode, now time.Time, customer, sub string) *holdfast.CancelSession {
	e.t.Helper()
	cs, err := e.svc.Start(e.ctx, e.ws, mode, now, customer, sub, cancelflow.AuthHash(e.ws.WidgetSecret, customer))
	if err != nil {
		e.t.Fatalf("start: %v", err)
	}
	return cs
}

func (e *env) respond(mode holdfast.Mode, now time.Time, id, reason string) *holdfast.CancelSession {
	e.t.Helper()
	cs, err := e.svc.Respond(e.ctx, e.ws.ID, mode, now, id, reason, nil)
	if err != nil {
		e.t.Fatalf("respond %s: %v", reason, err)
	}
	return cs
}

// setFlow replaces a mode's flow.
func (e *env) setFlow(mode holdfast.Mode, f *holdfast.CancelFlow) {
	e.t.Helper()
	if _, err := e.svc.PutFlow(e.ctx, e.ws.ID, mode, f, t0); err != nil {
		e.t.Fatal(err)
	}
}

// events lists the types of events recorded for an object, oldest first.
func (e *env) events(objectID string) []string {
	e.t.Helper()
	rows, err := e.st.Conn(e.ctx).Query(e.ctx, `SELECT type FROM events WHERE object_id = ? ORDER BY created_at, id`, objectID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if holdfast.ErrorCode(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func wantParam(t *testing.T, err error, param string) {
	t.Helper()
	he, ok := holdfast.AsError(err)
	if !ok || he.Code != holdfast.EVALIDATION || he.Param != param {
		t.Fatalf("want validation error on %q, got %v", param, err)
	}
}

// fullFlow has one reason per offer type plus one without an offer.
func fullFlow() *holdfast.CancelFlow {
	return &holdfast.CancelFlow{
		Reasons: []holdfast.CancelReason{
			{ID: "break", Label: "Need a break", Offer: &holdfast.Offer{Type: "pause", MaxMonths: 3}},
			{ID: "price", Label: "Too expensive", Offer: &holdfast.Offer{Type: "discount", CouponID: "SAVE20", PercentOff: 20, DurationMonths: 2}},
			{ID: "cheap", Label: "Want less", Offer: &holdfast.Offer{Type: "downgrade", PriceID: "price_basic"}},
			{ID: "features", Label: "Missing features", Offer: &holdfast.Offer{Type: "other", Message: "We will call you."}},
			{ID: "none", Label: "Just leaving"},
		},
		SessionTimeoutMinutes: 30, DiscountCooldownDays: 90,
	}
}
