package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"holdfast"
)

const subscriptionCols = `id, workspace_id, livemode, provider_id, customer_id, provider_customer_id, status, price_id, product_id,
	amount, currency, billing_interval, current_period_end, cancel_at_period_end, canceled_at, pause_collection, discount,
	default_payment_method, provider_updated_at, created_at, updated_at`

func scanSubscription(row interface{ Scan(...any) error }) (*holdfast.Subscription, error) {
	var (
		sub               holdfast.Subscription
		customer          sql.NullString
		periodEnd, cancAt sql.NullInt64
		pause, discount   sql.NullString
		created, updated  int64
	)
	if err := row.Scan(&sub.ID, &sub.WorkspaceID, &sub.Livemode, &sub.ProviderID, &customer, &sub.ProviderCustomerID, &sub.Status,
		&sub.PriceID, &sub.ProductID, &sub.Amount, &sub.Currency, &sub.Interval, &periodEnd, &sub.CancelAtPeriodEnd, &cancAt,
		&pause, &discount, &sub.DefaultPaymentMethod, &sub.ProviderUpdatedAt, &created, &updated); err != nil {
		return nil, err
	}
	sub.Object = "subscription"
	sub.Customer = customer.String
	sub.CurrentPeriodEnd, sub.CanceledAt = timePtr(periodEnd), timePtr(cancAt)
	if pause.Valid && pause.String != "" && pause.String != "null" {
		_ = json.Unmarshal([]byte(pause.String), &sub.PauseCollection)
	}
	if discount.Valid && discount.String != "" && discount.String != "null" {
		_ = json.Unmarshal([]byte(discount.String), &sub.Discount)
	}
	sub.CreatedAt, sub.UpdatedAt = holdfast.FromMicros(created), holdfast.FromMicros(updated)
	return &sub, nil
}

// SubscriptionByProviderID returns a mirrored subscription by Stripe id; ENOTFOUND otherwise.
func (s *Store) SubscriptionByProviderID(ctx context.Context, wsID string, mode holdfast.Mode, providerID string) (*holdfast.Subscription, error) {
	sub, err := scanSubscription(s.queryRow(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE workspace_id = ? AND livemode = ? AND provider_id = ?`,
		wsID, mode.Livemode(), providerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("subscription", providerID)
	}
	return sub, err
}

// CustomerSubscriptions lists a customer's subscriptions, newest first.
func (s *Store) CustomerSubscriptions(ctx context.Context, customerID string) ([]holdfast.Subscription, error) {
	rows, err := s.query(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE customer_id = ? ORDER BY created_at DESC, id DESC`, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []holdfast.Subscription{}
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *sub)
	}
	return out, rows.Err()
}
