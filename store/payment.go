package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"holdfast"
)

const paymentCols = `id, workspace_id, livemode, customer_id, provider_customer_id, subscription, invoice, payment_intent, charge,
	amount, currency, status, decline_code, failure_code, advice_code, network_advice_code, failure_message,
	card_fingerprint, card_brand, card_funding, payment_method, hosted_invoice_url, attempt_count, next_retry_at,
	recovery_id, provider_updated_at, created_at, updated_at, provider_error`

func scanPayment(row interface{ Scan(...any) error }) (*holdfast.Payment, error) {
	var (
		p                holdfast.Payment
		customer, recID  sql.NullString
		nextRetry        sql.NullInt64
		created, updated int64
		providerErr      string
	)
	if err := row.Scan(&p.ID, &p.WorkspaceID, &p.Livemode, &customer, &p.ProviderCustomerID, &p.Subscription, &p.Invoice,
		&p.PaymentIntent, &p.Charge, &p.Amount, &p.Currency, &p.Status, &p.DeclineCode, &p.FailureCode, &p.AdviceCode,
		&p.NetworkAdviceCode, &p.FailureMessage, &p.CardFingerprint, &p.CardBrand, &p.CardFunding, &p.PaymentMethod,
		&p.HostedInvoiceURL, &p.AttemptCount, &nextRetry, &recID, &p.ProviderUpdatedAt, &created, &updated,
		&providerErr); err != nil {
		return nil, err
	}
	p.Object = "payment"
	p.Customer, p.Recovery = customer.String, recID.String
	p.NextRetryAt = timePtr(nextRetry)
	p.CreatedAt, p.UpdatedAt = holdfast.FromMicros(created), holdfast.FromMicros(updated)
	pe, err := scanProviderError(providerErr)
	if err != nil {
		return nil, fmt.Errorf("payment %s: %w", p.ID, err)
	}
	p.ProviderError = pe
	return &p, nil
}

// GetPayment returns a payment of a workspace and mode; ENOTFOUND otherwise.
func (s *Store) GetPayment(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Payment, error) {
	p, err := scanPayment(s.queryRow(ctx, `SELECT `+paymentCols+` FROM payments WHERE id = ? AND workspace_id = ? AND livemode = ?`,
		id, wsID, mode.Livemode()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("payment", id)
	}
	return p, err
}

// PaymentByInvoice returns the payment of a Stripe invoice; ENOTFOUND otherwise.
func (s *Store) PaymentByInvoice(ctx context.Context, wsID string, mode holdfast.Mode, invoice string) (*holdfast.Payment, error) {
	p, err := scanPayment(s.queryRow(ctx, `SELECT `+paymentCols+` FROM payments WHERE workspace_id = ? AND livemode = ? AND invoice = ?`,
		wsID, mode.Livemode(), invoice))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("payment", invoice)
	}
	return p, err
}

const attemptCols = `id, workspace_id, livemode, payment_id, recovery_id, customer_id, initiator, state, outcome, decline_code,
	failure_code, advice_code, network_advice_code, failure_message, card_fingerprint, card_brand, idempotency_key,
	created_at, completed_at`

func scanAttempt(row interface{ Scan(...any) error }) (*holdfast.PaymentAttempt, error) {
	var (
		a                 holdfast.PaymentAttempt
		recID, customerID sql.NullString
		created           int64
		completed         sql.NullInt64
	)
	if err := row.Scan(&a.ID, &a.WorkspaceID, &a.Livemode, &a.Payment, &recID, &customerID, &a.Initiator, &a.State, &a.Outcome,
		&a.DeclineCode, &a.FailureCode, &a.AdviceCode, &a.NetworkAdviceCode, &a.FailureMessage, &a.CardFingerprint,
		&a.CardBrand, &a.IdempotencyKey, &created, &completed); err != nil {
		return nil, err
	}
	a.Object = "payment_attempt"
	a.Recovery, a.Customer = recID.String, customerID.String
	a.CreatedAt = holdfast.FromMicros(created)
	a.CompletedAt = timePtr(completed)
	return &a, nil
}

// PaymentAttempts lists a payment's attempts, oldest first.
func (s *Store) PaymentAttempts(ctx context.Context, paymentID string) ([]holdfast.PaymentAttempt, error) {
	return s.attemptsWhere(ctx, `payment_id = ?`, paymentID)
}

// RecoveryAttempts lists a recovery's attempts, oldest first.
func (s *Store) RecoveryAttempts(ctx context.Context, recoveryID string) ([]holdfast.PaymentAttempt, error) {
	return s.attemptsWhere(ctx, `recovery_id = ?`, recoveryID)
}

func (s *Store) attemptsWhere(ctx context.Context, cond string, args ...any) ([]holdfast.PaymentAttempt, error) {
	rows, err := s.query(ctx, `SELECT `+attemptCols+` FROM payment_attempts WHERE `+cond+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []holdfast.PaymentAttempt{}
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// providerErrorJSON is a payment's provider error as stored (empty for none).
func providerErrorJSON(e *holdfast.ProviderError) string {
	if e == nil {
		return ""
	}
	b, _ := json.Marshal(e)
	return string(b)
}

// scanProviderError reads a stored provider error (empty is none).
func scanProviderError(raw string) (*holdfast.ProviderError, error) {
	if raw == "" {
		return nil, nil
	}
	pe := &holdfast.ProviderError{}
	if err := json.Unmarshal([]byte(raw), pe); err != nil {
		return nil, fmt.Errorf("provider_error: %w", err)
	}
	return pe, nil
}
