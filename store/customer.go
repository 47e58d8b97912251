package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"holdfast"
)

// Row mapping for customers. Writes (upserts from Stripe, erasure) live
// beside their owners; every reader shares customerCols and scanCustomer.

const customerCols = `id, workspace_id, livemode, provider_id, email, name, metadata, tags, timezone, default_payment_method,
	card_fingerprint, card_brand, card_funding, card_updated_at, deleted_at, provider_updated_at, created_at, updated_at,
	card_last4, card_exp_month, card_exp_year, card_event_at`

func scanCustomer(row interface{ Scan(...any) error }) (*holdfast.Customer, error) {
	var (
		c                      holdfast.Customer
		email, name            sql.NullString
		meta, tags             string
		cardUpdated, deletedAt sql.NullInt64
		created, updated       int64
	)
	if err := row.Scan(&c.ID, &c.WorkspaceID, &c.Livemode, &c.ProviderID, &email, &name, &meta, &tags, &c.Timezone,
		&c.DefaultPaymentMethod, &c.CardFingerprint, &c.CardBrand, &c.CardFunding, &cardUpdated, &deletedAt,
		&c.ProviderUpdatedAt, &created, &updated, &c.CardLast4, &c.CardExpMonth, &c.CardExpYear, &c.CardEventAt); err != nil {
		return nil, err
	}
	c.Object = "customer"
	if email.Valid {
		c.Email = &email.String
	}
	if name.Valid {
		c.Name = &name.String
	}
	c.Metadata = map[string]string{}
	_ = json.Unmarshal([]byte(meta), &c.Metadata)
	c.Tags = []string{}
	_ = json.Unmarshal([]byte(tags), &c.Tags)
	c.CardUpdatedAt = timePtr(cardUpdated)
	c.Deleted = deletedAt.Valid
	c.Card = customerCard(&c)
	c.CreatedAt, c.UpdatedAt = holdfast.FromMicros(created), holdfast.FromMicros(updated)
	return &c, nil
}

// GetCustomer returns a live (not deleted) customer by our id within a
// workspace and mode; ENOTFOUND otherwise (including other modes/workspaces).
func (s *Store) GetCustomer(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Customer, error) {
	c, err := scanCustomer(s.queryRow(ctx, `SELECT `+customerCols+` FROM customers WHERE id = ? AND workspace_id = ? AND livemode = ? AND deleted_at IS NULL`,
		id, wsID, mode.Livemode()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("customer", id)
	}
	return c, err
}

// CustomerByProviderID returns a customer (deleted ones included, so
// out-of-order events can see the tombstone) by Stripe id; ENOTFOUND otherwise.
func (s *Store) CustomerByProviderID(ctx context.Context, wsID string, mode holdfast.Mode, providerID string) (*holdfast.Customer, error) {
	c, err := scanCustomer(s.queryRow(ctx, `SELECT `+customerCols+` FROM customers WHERE workspace_id = ? AND livemode = ? AND provider_id = ?`,
		wsID, mode.Livemode(), providerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("customer", providerID)
	}
	return c, err
}
