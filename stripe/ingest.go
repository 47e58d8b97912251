package stripe

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"holdfast"
	"holdfast/store"
)

// Config configures an Ingester. Zero values get defaults.
type Config struct {
	Store *store.Store
	// Events is the recovery engine. Every call joins the transaction that
	// records the Stripe event, so a failure and its recovery commit together.
	Events holdfast.RecoveryEvents
	// Clock is real time; test mode adds each workspace's test-clock offset.
	Clock  holdfast.Clock
	Logger *slog.Logger
	// APIBase is the Stripe API base without /v1 (HOLDFAST_STRIPE_API_BASE);
	// "" means Stripe itself.
	APIBase string
	// HTTPClient carries Stripe API calls (decline look-ups, sync); nil means
	// a client with a 30-second timeout.
	HTTPClient *http.Client
	// Tolerance is the accepted age of a Stripe-Signature (default 5 min).
	Tolerance time.Duration
}

// Ingester turns Stripe webhooks and backfills into mirrored customers and
// subscriptions and into calls on the recovery engine.
type Ingester struct {
	store     *store.Store
	events    holdfast.RecoveryEvents
	clock     holdfast.Clock
	log       *slog.Logger
	apiBase   string
	http      *http.Client
	tolerance time.Duration
	secrets   secretCache

	// failpoint, when set (tests only), is called between the writes of an
	// event; an error aborts the event's transaction as a crash would.
	failpoint func(step string) error
}

// NewIngester builds an Ingester from cfg.
func NewIngester(cfg Config) *Ingester {
	return &Ingester{
		store:     cfg.Store,
		events:    cfg.Events,
		clock:     cmp.Or[holdfast.Clock](cfg.Clock, holdfast.RealClock{}),
		log:       cmp.Or(cfg.Logger, slog.Default()),
		apiBase:   cfg.APIBase,
		http:      cfg.HTTPClient,
		tolerance: cmp.Or(cfg.Tolerance, DefaultTolerance),
	}
}

// Webhook outcomes reported by HandleWebhook.
const (
	OutcomeProcessed = "processed" // applied now
	OutcomeDuplicate = "duplicate" // this event id was applied before: nothing changed
	OutcomeIgnored   = "ignored"   // a type Holdfast does not handle
)

// HandleWebhook verifies and applies one Stripe webhook delivery for a
// workspace. It returns EINVALID for a missing, malformed, stale or
// non-matching signature and for a body that is not a Stripe event (nothing
// is stored then), ETOOLARGE for a body over MaxPayloadBytes, and an internal
// error when the database fails, so that Stripe redelivers the event.
func (in *Ingester) HandleWebhook(ctx context.Context, wsID string, payload []byte, signature string) (string, error) {
	ev, mode, err := in.verify(ctx, wsID, payload, signature)
	if err != nil {
		return "", err
	}
	return in.Apply(ctx, wsID, mode, ev)
}

// Apply applies a verified event in one transaction: it records the event id
// (a duplicate stops here), mirrors the object and calls the engine. A crash
// anywhere rolls all of it back, and Stripe's redelivery then applies it once.
func (in *Ingester) Apply(ctx context.Context, wsID string, mode holdfast.Mode, ev *Event) (string, error) {
	h := handlers[ev.Type]
	if h == nil {
		return OutcomeIgnored, nil
	}
	c := &call{in: in, ws: wsID, mode: mode, ev: ev}
	if pre, ok := prepares[ev.Type]; ok {
		seen, err := in.store.ProviderEventSeen(ctx, wsID, ev.ID)
		if err != nil {
			return "", err
		}
		if seen {
			return OutcomeDuplicate, nil
		}
		pre(ctx, c) // network look-ups stay outside the transaction
	}
	var outcome string
	err := in.retryTx(ctx, func(ctx context.Context) error {
		// One statement records the event id and reads the mode's clock.
		fresh, now, err := in.store.ClaimProviderEvent(ctx, wsID, mode, ev.ID, ev.Type, ev.Created, in.clock.Now())
		if err != nil {
			return err
		}
		c.now = now
		if !fresh {
			outcome = OutcomeDuplicate
			return nil
		}
		if err := in.fail("recorded"); err != nil {
			return err
		}
		outcome = OutcomeProcessed
		if err := h(ctx, c); err != nil {
			return err
		}
		return in.fail("applied") // after the engine's writes, before the commit
	})
	if err != nil {
		return "", err
	}
	return outcome, nil
}

// call is one event being applied.
type call struct {
	in   *Ingester
	ws   string
	mode holdfast.Mode
	ev   *Event
	now  time.Time // the mode's clock: test mode follows the workspace test clock
	// fetched holds decline details looked up through the Stripe API before
	// the transaction (live mode only).
	fetched *invoiceInfo
}

// now returns the current time of a workspace's mode.
func (in *Ingester) now(ctx context.Context, wsID string, mode holdfast.Mode) (time.Time, error) {
	return holdfast.ModeNow(ctx, in.clock, in.store, wsID, mode)
}

// engine returns the recovery engine, or an error that makes Stripe redeliver
// the event later when none is wired (never drop a payment failure).
func (c *call) engine() (holdfast.RecoveryEvents, error) {
	if c.in.events == nil {
		return nil, errors.New("stripe: no recovery engine configured")
	}
	return c.in.events, nil
}

// fail runs the test failpoint.
func (in *Ingester) fail(step string) error {
	if in.failpoint == nil {
		return nil
	}
	return in.failpoint(step)
}

// retryTx runs fn in a transaction, retrying a few times when PostgreSQL
// aborts it for a deadlock or a serialization conflict between two events
// about the same objects.
func (in *Ingester) retryTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if in.store.InTransaction(ctx) {
		return fn(ctx) // the caller owns the transaction and its retries
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = in.store.InTx(ctx, fn); !store.Retryable(err) {
			return err
		}
		in.log.Warn("stripe event transaction conflict; retrying", "err", err)
	}
	return err
}
