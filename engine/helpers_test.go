package engine

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

// t0 is a Monday morning, so schedules in tests start from a known weekday.
var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// env is an engine over a fresh database with one workspace.
type env struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	e     *Engine
	clock *holdfast.ManualClock
	ws    *holdfast.Workspace
}

func newEnv(t *testing.T, st *store.Store, opts ...func(*Config)) *env {
	t.Helper()
	clock := holdfast.NewManualClock(t0)
	cfg := Config{Store: st, Clock: clock, PublicURL: "https://hf.example", SigningKey: []byte("k"), Lease: time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	v := &env{t: t, ctx: context.Background(), st: st, e: New(cfg), clock: clock}
	v.ws = &holdfast.Workspace{Name: "Acme"}
	if err := st.CreateWorkspace(v.ctx, v.ws, t0); err != nil {
		t.Fatal(err)
	}
	return v
}

// eachDB runs fn against every available database with a fresh env.
func eachDB(t *testing.T, fn func(t *testing.T, v *env), opts ...func(*Config)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st *store.Store) { fn(t, newEnv(t, st, opts...)) })
}

// eachStore runs fn against every available database.
func eachStore(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	storetest.Each(t, fn)
}

// customer mirrors a customer (as the ingester would).
type custOpt func(c map[string]any)

func withOutcomes(list string) custOpt {
	return func(c map[string]any) { c["metadata"] = map[string]string{TestOutcomesKey: list} }
}

func withTags(tags ...string) custOpt { return func(c map[string]any) { c["tags"] = tags } }

func (v *env) customer(mode holdfast.Mode, email string, opts ...custOpt) *holdfast.Customer {
	v.t.Helper()
	c := map[string]any{"metadata": map[string]string{}, "tags": []string{}}
	for _, o := range opts {
		o(c)
	}
	meta, _ := json.Marshal(c["metadata"])
	tags, _ := json.Marshal(c["tags"])
	id := holdfast.NewID(holdfast.PrefixCustomer)
	_, err := v.st.Conn(v.ctx).Exec(v.ctx, `INSERT INTO customers (id, workspace_id, livemode, provider_id, email, email_lower, name,
		metadata, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, v.ws.ID, mode.Livemode(), "cus_stripe_"+holdfast.RandomBase62(8), email, email, "Jane Doe", string(meta), string(tags),
		holdfast.Micros(t0), holdfast.Micros(t0))
	if err != nil {
		v.t.Fatal(err)
	}
	cust, err := v.st.GetCustomer(v.ctx, v.ws.ID, mode, id)
	if err != nil {
		v.t.Fatal(err)
	}
	return cust
}

// failure builds an invoice failure for a customer.
func (v *env) failure(mode holdfast.Mode, c *holdfast.Customer, code string) holdfast.InvoiceFailure {
	f := holdfast.InvoiceFailure{WorkspaceID: v.ws.ID, Mode: mode, Invoice: "in_" + holdfast.RandomBase62(10),
		Amount: 2500, Currency: "usd", HostedInvoiceURL: "https://invoice.stripe.com/i/x", Subscription: "sub_1",
		PaymentIntent: "pi_" + holdfast.RandomBase62(8),
		Decline:       holdfast.Decline{Code: code, FailureCode: "card_declined", Message: "declined"},
		Card:          holdfast.Card{PaymentMethod: "pm_old", Fingerprint: "fp_old", Brand: "visa", Funding: "credit"}}
	if c != nil {
		f.Customer, f.ProviderCustomerID = c.ID, c.ProviderID
	}
	return f
}

// open reports a failure inside a transaction, as the ingester does.
func (v *env) open(f holdfast.InvoiceFailure) *holdfast.Payment {
	v.t.Helper()
	var p *holdfast.Payment
	err := v.st.InTx(v.ctx, func(ctx context.Context) error {
		var err error
		p, err = v.e.InvoiceFailed(ctx, f)
		return err
	})
	if err != nil {
		v.t.Fatal(err)
	}
	return p
}

func (v *env) advance(d time.Duration) time.Time {
	v.t.Helper()
	now, err := v.e.AdvanceClock(v.ctx, v.ws.ID, d)
	if err != nil {
		v.t.Fatal(err)
	}
	return now
}

func (v *env) payment(mode holdfast.Mode, id string) *holdfast.Payment {
	v.t.Helper()
	p, err := v.e.paymentWithAttempts(v.ctx, v.ws.ID, mode, id)
	if err != nil {
		v.t.Fatal(err)
	}
	return p
}

func (v *env) recovery(mode holdfast.Mode, id string) *holdfast.Recovery {
	v.t.Helper()
	r, err := v.st.GetRecovery(v.ctx, v.ws.ID, mode, id)
	if err != nil {
		v.t.Fatal(err)
	}
	return r
}

func (v *env) sends(recID string) []holdfast.DunningSend {
	v.t.Helper()
	s, err := v.st.RecoverySends(v.ctx, recID)
	if err != nil {
		v.t.Fatal(err)
	}
	return s
}

// eventTypes lists the types of a workspace's events of one mode, oldest first.
func (v *env) eventTypes(mode holdfast.Mode) []string {
	v.t.Helper()
	rows, err := v.st.Conn(v.ctx).Query(v.ctx, `SELECT type FROM events WHERE workspace_id = ? AND livemode = ? ORDER BY created_at, id`,
		v.ws.ID, mode.Livemode())
	if err != nil {
		v.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// insertCampaign stores a campaign (the API's campaign writer is another package's).
func (v *env) insertCampaign(c *holdfast.Campaign) {
	v.t.Helper()
	steps, _ := json.Marshal(c.Steps)
	filters, _ := json.Marshal(c.Filters)
	_, err := v.st.Conn(v.ctx).Exec(v.ctx, `INSERT INTO campaigns (id, workspace_id, livemode, name, is_default, priority, steps,
		max_retries, smart_retries, filters, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, v.ws.ID, c.Livemode, c.Name, c.IsDefault, c.Priority, string(steps), c.MaxRetries, c.SmartRetries, string(filters),
		holdfast.Micros(t0), holdfast.Micros(t0))
	if err != nil {
		v.t.Fatal(err)
	}
}

// quietLogger drops engine logs (benchmarks).
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
