package store

import (
	"context"
	"database/sql"
	"errors"

	"holdfast"
)

// ProviderAlert is what the dashboard warns about: pending payments whose
// latest call to the provider failed without a card answer (a revoked key,
// an outage), so a merchant finds out the same day.
type ProviderAlert struct {
	// Payments counts the pending payments with a provider error.
	Payments int
	// Payment is the one with the most recent error, and Error that error.
	Payment string
	Error   *holdfast.ProviderError
}

// ProviderAlert returns the provider-error summary of a workspace and mode;
// nil when no pending payment has one.
func (s *Store) ProviderAlert(ctx context.Context, wsID string, mode holdfast.Mode) (*ProviderAlert, error) {
	var (
		a   ProviderAlert
		raw string
	)
	err := s.queryRow(ctx, `SELECT id, provider_error FROM payments WHERE workspace_id = ? AND livemode = ? AND provider_error <> ''
		AND status = ? ORDER BY updated_at DESC LIMIT 1`, wsID, mode.Livemode(), holdfast.PaymentPending).Scan(&a.Payment, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM payments WHERE workspace_id = ? AND livemode = ? AND provider_error <> '' AND status = ?`,
		wsID, mode.Livemode(), holdfast.PaymentPending).Scan(&a.Payments); err != nil {
		return nil, err
	}
	p, err := scanProviderError(raw)
	a.Error = p
	return &a, err
}
