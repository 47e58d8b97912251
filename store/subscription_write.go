package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// Subscription writes from Stripe. Ordering rule: a snapshot older than the
// stored one changes nothing, and an ended subscription (canceled,
// incomplete_expired) never returns to a live status, because Stripe never
// reactivates one — so a late customer.subscription.updated cannot undo a
// customer.subscription.deleted even when both carry the same second.

// SubscriptionSnapshot is a subscription as Stripe described it at ProviderTime.
type SubscriptionSnapshot struct {
	ProviderID           string
	ProviderCustomerID   string
	Status               string
	PriceID              string
	ProductID            string
	Amount               int64
	Currency             string
	Interval             string
	CurrentPeriodEnd     *time.Time
	CancelAtPeriodEnd    bool
	CanceledAt           *time.Time
	PauseCollection      map[string]any // nil: collection not paused
	Discount             map[string]any // nil: no discount
	DefaultPaymentMethod string
	ProviderTime         time.Time
}

// SubscriptionChange reports what UpsertSubscription did.
type SubscriptionChange struct {
	Subscription *holdfast.Subscription // the row after the call
	Previous     *holdfast.Subscription // nil when the call created it
	Applied      bool                   // false: the snapshot was older than the stored state
}

// SubscriptionEnded reports whether a Stripe status is final.
func SubscriptionEnded(status string) bool {
	return status == "canceled" || status == "incomplete_expired"
}

// UpsertSubscription mirrors a Stripe subscription snapshot under our
// customer customerID ("" when unknown), creating it (created_at = now) when new.
func (s *Store) UpsertSubscription(ctx context.Context, wsID string, mode holdfast.Mode, customerID string, snap SubscriptionSnapshot, now time.Time) (*SubscriptionChange, error) {
	var out *SubscriptionChange
	err := s.InTx(ctx, func(ctx context.Context) error {
		prev, err := s.ingestLockSubscription(ctx, wsID, mode, snap.ProviderID)
		if err != nil {
			return err
		}
		args := []any{ingestNullString(customerID), snap.ProviderCustomerID, snap.Status, snap.PriceID, snap.ProductID, snap.Amount,
			snap.Currency, snap.Interval, microsPtr(snap.CurrentPeriodEnd), snap.CancelAtPeriodEnd, microsPtr(snap.CanceledAt),
			ingestNullJSON(snap.PauseCollection), ingestNullJSON(snap.Discount), snap.DefaultPaymentMethod,
			holdfast.Micros(snap.ProviderTime), holdfast.Micros(now)}
		if prev == nil {
			res, err := s.exec(ctx, `INSERT INTO subscriptions (customer_id, provider_customer_id, status, price_id, product_id, amount,
				currency, billing_interval, current_period_end, cancel_at_period_end, canceled_at, pause_collection, discount,
				default_payment_method, provider_updated_at, updated_at, id, workspace_id, livemode, provider_id, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (workspace_id, livemode, provider_id) DO NOTHING`,
				append(args, holdfast.NewID(holdfast.PrefixSubscription), wsID, mode.Livemode(), snap.ProviderID, holdfast.Micros(now))...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			sub, err := s.ingestLockSubscription(ctx, wsID, mode, snap.ProviderID)
			if err == nil && sub == nil {
				err = errors.New("store: subscription vanished after insert")
			}
			if err != nil {
				return err
			}
			if n == 1 {
				out = &SubscriptionChange{Subscription: sub, Applied: true}
				return nil
			}
			prev = sub // a concurrent transaction inserted it first: update it instead
		}
		if prev.ProviderUpdatedAt > holdfast.Micros(snap.ProviderTime) || (SubscriptionEnded(prev.Status) && !SubscriptionEnded(snap.Status)) {
			out = &SubscriptionChange{Subscription: prev, Previous: prev}
			return nil
		}
		if customerID == "" {
			args[0] = ingestNullString(prev.Customer)
		}
		if _, err := s.exec(ctx, `UPDATE subscriptions SET customer_id = ?, provider_customer_id = ?, status = ?, price_id = ?,
			product_id = ?, amount = ?, currency = ?, billing_interval = ?, current_period_end = ?, cancel_at_period_end = ?,
			canceled_at = ?, pause_collection = ?, discount = ?, default_payment_method = ?, provider_updated_at = ?, updated_at = ?
			WHERE id = ?`, append(args, prev.ID)...); err != nil {
			return err
		}
		sub, err := s.ingestLockSubscription(ctx, wsID, mode, snap.ProviderID)
		out = &SubscriptionChange{Subscription: sub, Previous: prev, Applied: true}
		return err
	})
	return out, err
}

// SubscriptionHasPendingPayment reports whether a Stripe subscription has a
// failed payment still under recovery (status pending).
func (s *Store) SubscriptionHasPendingPayment(ctx context.Context, wsID string, mode holdfast.Mode, providerSubscriptionID string) (bool, error) {
	var one int
	err := s.queryRow(ctx, `SELECT 1 FROM payments WHERE workspace_id = ? AND livemode = ? AND subscription = ? AND status = ? LIMIT 1`,
		wsID, mode.Livemode(), providerSubscriptionID, holdfast.PaymentPending).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ingestLockSubscription reads a subscription by Stripe id, locking it on
// PostgreSQL until the transaction ends; nil when absent.
func (s *Store) ingestLockSubscription(ctx context.Context, wsID string, mode holdfast.Mode, providerID string) (*holdfast.Subscription, error) {
	q := `SELECT ` + subscriptionCols + ` FROM subscriptions WHERE workspace_id = ? AND livemode = ? AND provider_id = ?`
	if s.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	sub, err := scanSubscription(s.queryRow(ctx, q, wsID, mode.Livemode(), providerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return sub, err
}

// ingestNullJSON renders a JSON document, or NULL for an absent one.
func ingestNullJSON(m map[string]any) any {
	if m == nil {
		return nil
	}
	return ingestJSON(m, "{}")
}

// ingestNullString renders "" as NULL.
func ingestNullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
