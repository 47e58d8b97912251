package store

import (
	"context"
	"time"

	"holdfast"
)

// Payment writes of the recovery engine. A payment is opened once per failed
// invoice (the (workspace, mode, invoice) key is unique) and then changed
// only by the engine, inside the transaction that also records the event.

// InsertPayment stores a new payment. Returns ECONFLICT when the invoice
// already has one (a concurrent opening won; read it with PaymentByInvoice).
func (s *Store) InsertPayment(ctx context.Context, p *holdfast.Payment) error {
	p.Object = "payment"
	_, err := s.exec(ctx, `INSERT INTO payments (`+paymentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.WorkspaceID, p.Livemode, engNull(p.Customer), p.ProviderCustomerID, p.Subscription, p.Invoice, p.PaymentIntent,
		p.Charge, p.Amount, p.Currency, p.Status, p.DeclineCode, p.FailureCode, p.AdviceCode, p.NetworkAdviceCode,
		p.FailureMessage, p.CardFingerprint, p.CardBrand, p.CardFunding, p.PaymentMethod, p.HostedInvoiceURL, p.AttemptCount,
		microsPtr(p.NextRetryAt), engNull(p.Recovery), p.ProviderUpdatedAt, holdfast.Micros(p.CreatedAt), holdfast.Micros(p.UpdatedAt),
		providerErrorJSON(p.ProviderError))
	if isUniqueViolation(err) {
		return holdfast.Errorf(holdfast.ECONFLICT, "invoice %s already has a payment", p.Invoice)
	}
	return err
}

// UpdatePayment writes every field the engine changes after opening.
func (s *Store) UpdatePayment(ctx context.Context, p *holdfast.Payment, now time.Time) error {
	p.UpdatedAt = holdfast.FromMicros(holdfast.Micros(now))
	_, err := s.exec(ctx, `UPDATE payments SET customer_id = ?, payment_intent = ?, charge = ?, status = ?, decline_code = ?,
		failure_code = ?, advice_code = ?, network_advice_code = ?, failure_message = ?, card_fingerprint = ?, card_brand = ?,
		card_funding = ?, payment_method = ?, hosted_invoice_url = ?, attempt_count = ?, next_retry_at = ?, recovery_id = ?,
		provider_error = ?, updated_at = ? WHERE id = ?`,
		engNull(p.Customer), p.PaymentIntent, p.Charge, p.Status, p.DeclineCode, p.FailureCode, p.AdviceCode,
		p.NetworkAdviceCode, p.FailureMessage, p.CardFingerprint, p.CardBrand, p.CardFunding, p.PaymentMethod,
		p.HostedInvoiceURL, p.AttemptCount, microsPtr(p.NextRetryAt), engNull(p.Recovery), providerErrorJSON(p.ProviderError),
		holdfast.Micros(now), p.ID)
	return err
}

// LockPayment reads a payment for update (row lock on PostgreSQL; SQLite
// transactions already hold the write lock). ENOTFOUND otherwise.
func (s *Store) LockPayment(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Payment, error) {
	p, err := scanPayment(s.queryRow(ctx, `SELECT `+paymentCols+` FROM payments WHERE id = ? AND workspace_id = ? AND livemode = ?`+s.forUpdate(),
		id, wsID, mode.Livemode()))
	if err != nil {
		return nil, engNotFound(err, "payment", id)
	}
	return p, nil
}

// PaymentByRef finds the payment a decline report is about: by invoice, else
// payment intent, else charge (empty references are skipped). ENOTFOUND when
// none matches.
func (s *Store) PaymentByRef(ctx context.Context, wsID string, mode holdfast.Mode, invoice, paymentIntent, charge string) (*holdfast.Payment, error) {
	for _, ref := range []struct{ col, val string }{{"invoice", invoice}, {"payment_intent", paymentIntent}, {"charge", charge}} {
		if ref.val == "" {
			continue
		}
		p, err := scanPayment(s.queryRow(ctx, `SELECT `+paymentCols+` FROM payments WHERE workspace_id = ? AND livemode = ? AND `+ref.col+` = ?
			ORDER BY created_at DESC LIMIT 1`, wsID, mode.Livemode(), ref.val))
		if err == nil {
			return p, nil
		}
		if err = engNotFound(err, "payment", ref.val); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			return nil, err
		}
	}
	return nil, holdfast.NotFound("payment", invoice+paymentIntent+charge)
}

// forUpdate is the row-lock suffix for reads that precede a write in the same
// transaction: PostgreSQL needs it, SQLite's immediate transactions are
// already exclusive.
func (s *Store) forUpdate() string {
	if s.dialect == Postgres {
		return ` FOR UPDATE`
	}
	return ``
}

// AdoptCustomerPayments links payments (and their recoveries and attempts)
// that were opened before their Stripe customer was mirrored to our customer.
func (s *Store) AdoptCustomerPayments(ctx context.Context, wsID string, mode holdfast.Mode, customerID, providerID string) error {
	if providerID == "" {
		return nil
	}
	sub := `SELECT id FROM payments WHERE workspace_id = ? AND livemode = ? AND provider_customer_id = ? AND customer_id IS NULL`
	args := []any{customerID, wsID, mode.Livemode(), providerID}
	if _, err := s.exec(ctx, `UPDATE recoveries SET customer_id = ? WHERE customer_id IS NULL AND payment_id IN (`+sub+`)`, args...); err != nil {
		return err
	}
	if _, err := s.exec(ctx, `UPDATE payment_attempts SET customer_id = ? WHERE customer_id IS NULL AND payment_id IN (`+sub+`)`, args...); err != nil {
		return err
	}
	_, err := s.exec(ctx, `UPDATE payments SET customer_id = ? WHERE workspace_id = ? AND livemode = ? AND provider_customer_id = ? AND customer_id IS NULL`, args...)
	return err
}
