package stripe_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// recorder is a RecoveryEvents that remembers the calls it got. Calls made in
// a transaction that later rolls back stay recorded, so crash tests put their
// failpoint before the engine call.
type recorder struct {
	mu    sync.Mutex
	calls []recorded
}

type recorded struct {
	Method   string
	Ref      string // invoice, subscription or customer id the call is about
	Failure  holdfast.InvoiceFailure
	Decline  holdfast.DeclineReport
	Card     holdfast.Card
	Reason   string
	Customer string
}

func (r *recorder) add(c recorded) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}

func (r *recorder) all(method string) []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []recorded
	for _, c := range r.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (r *recorder) InvoiceFailed(_ context.Context, f holdfast.InvoiceFailure) (*holdfast.Payment, error) {
	r.add(recorded{Method: "InvoiceFailed", Ref: f.Invoice, Failure: f, Customer: f.Customer})
	return &holdfast.Payment{Invoice: f.Invoice}, nil
}

func (r *recorder) DeclineReported(_ context.Context, d holdfast.DeclineReport) error {
	r.add(recorded{Method: "DeclineReported", Ref: d.PaymentIntent, Decline: d})
	return nil
}

func (r *recorder) InvoicePaid(_ context.Context, _ string, _ holdfast.Mode, invoice string, _ time.Time) error {
	r.add(recorded{Method: "InvoicePaid", Ref: invoice})
	return nil
}

func (r *recorder) InvoiceLost(_ context.Context, _ string, _ holdfast.Mode, invoice, reason string, _ time.Time) error {
	r.add(recorded{Method: "InvoiceLost", Ref: invoice, Reason: reason})
	return nil
}

func (r *recorder) SubscriptionEndedUnpaid(_ context.Context, _ string, _ holdfast.Mode, sub string, _ time.Time) error {
	r.add(recorded{Method: "SubscriptionEndedUnpaid", Ref: sub})
	return nil
}

func (r *recorder) CardUpdated(_ context.Context, _ string, _ holdfast.Mode, customerID string, card holdfast.Card, _ time.Time) error {
	r.add(recorded{Method: "CardUpdated", Ref: customerID, Card: card, Customer: customerID})
	return nil
}

func (r *recorder) CustomerDeleted(_ context.Context, _ string, _ holdfast.Mode, customerID string, _ time.Time) error {
	r.add(recorded{Method: "CustomerDeleted", Ref: customerID, Customer: customerID})
	return nil
}

// Signing secrets of the test workspace.
const (
	testSecret = "whsec_test_9vQz3kRk2cYqR7nLh1sT"
	liveSecret = "whsec_live_Pq8sN4mB6xV2cZ1aW3eR"
)

// env is a workspace with both signing secrets, an ingester and its recorder.
type env struct {
	t   testing.TB
	st  *store.Store
	ws  string
	in  *stripe.Ingester
	rec *recorder
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t testing.TB, st *store.Store, opts ...func(*stripe.Config)) *env {
	t.Helper()
	ctx := context.Background()
	w := &holdfast.Workspace{Name: "Ingest test"}
	if err := st.CreateWorkspace(ctx, w, time.Now()); err != nil {
		t.Fatal(err)
	}
	for mode, secret := range map[holdfast.Mode]string{holdfast.ModeTest: testSecret, holdfast.ModeLive: liveSecret} {
		if err := st.SetWorkspaceSecret(ctx, w.ID, mode, store.SecretStripeWebhook, secret, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	cfg := stripe.Config{Store: st, Events: rec, Logger: quietLogger()}
	for _, o := range opts {
		o(&cfg)
	}
	return &env{t: t, st: st, ws: w.ID, in: stripe.NewIngester(cfg), rec: rec}
}

// each runs fn on SQLite and (when configured) PostgreSQL with a fresh env.
func each(t *testing.T, fn func(t *testing.T, e *env), opts ...func(*stripe.Config)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) { fn(t, newEnv(t, st, opts...)) })
}

// deliver signs payload with the secret of its mode now and hands it to the
// ingester, as Stripe's delivery would.
func (e *env) deliver(payload []byte, livemode bool) (string, error) {
	secret := testSecret
	if livemode {
		secret = liveSecret
	}
	return e.in.HandleWebhook(context.Background(), e.ws, payload, stripetest.Sign(payload, secret, time.Now()))
}

// must delivers and fails the test on an error, returning the outcome.
func (e *env) must(payload []byte, livemode bool) string {
	e.t.Helper()
	out, err := e.deliver(payload, livemode)
	if err != nil {
		e.t.Fatalf("deliver: %v", err)
	}
	return out
}

// event builds a test-mode event of typ around object, created at created.
func event(typ string, created time.Time, object map[string]any) []byte {
	return stripetest.Event(stripetest.ID("evt_"), typ, false, created, object, nil)
}

func (e *env) customer(providerID string, mode holdfast.Mode) *holdfast.Customer {
	e.t.Helper()
	c, err := e.st.CustomerByProviderID(context.Background(), e.ws, mode, providerID)
	if err != nil {
		e.t.Fatalf("customer %s: %v", providerID, err)
	}
	return c
}

func (e *env) subscription(providerID string) *holdfast.Subscription {
	e.t.Helper()
	s, err := e.st.SubscriptionByProviderID(context.Background(), e.ws, holdfast.ModeTest, providerID)
	if err != nil {
		e.t.Fatalf("subscription %s: %v", providerID, err)
	}
	return s
}

func (e *env) providerEvents() int {
	e.t.Helper()
	n, err := e.st.CountProviderEvents(context.Background(), e.ws)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

var base = time.Now().Add(-time.Hour).Truncate(time.Second)
