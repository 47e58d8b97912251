package store

import (
	"context"
	"time"

	"holdfast"
)

// RecordCardUpdate stores a customer's new default payment method and when it
// changed (in the mode's clock): the engine retries at once, and the test-mode
// simulator counts any update after a failure as a working card.
func (s *Store) RecordCardUpdate(ctx context.Context, customerID string, card holdfast.Card, at time.Time) error {
	// A new payment method replaces the card details wholesale (blank ones
	// included: the old fingerprint belongs to the old card); a report without
	// any identity only stamps the time.
	same := card.PaymentMethod == "" && card.Fingerprint == ""
	_, err := s.exec(ctx, `UPDATE customers SET
		default_payment_method = CASE WHEN ? = '' THEN default_payment_method ELSE ? END,
		card_fingerprint = CASE WHEN ? THEN card_fingerprint ELSE ? END,
		card_brand = CASE WHEN ? THEN card_brand ELSE ? END,
		card_funding = CASE WHEN ? THEN card_funding ELSE ? END,
		card_last4 = CASE WHEN ? THEN card_last4 ELSE ? END,
		card_exp_month = CASE WHEN ? THEN card_exp_month ELSE ? END,
		card_exp_year = CASE WHEN ? THEN card_exp_year ELSE ? END,
		card_expires_at = CASE WHEN ? THEN card_expires_at ELSE ? END,
		card_updated_at = ? WHERE id = ?`,
		card.PaymentMethod, card.PaymentMethod, same, card.Fingerprint, same, card.Brand,
		same, card.Funding, same, card.Last4, same, card.ExpMonth, same, card.ExpYear, same, cardExpiresAt(card),
		holdfast.Micros(at), customerID)
	return err
}

// CustomerAny returns a customer by our id, deleted ones included (the engine
// still needs the time zone and card of an erased customer's payment).
func (s *Store) CustomerAny(ctx context.Context, id string) (*holdfast.Customer, error) {
	c, err := scanCustomer(s.queryRow(ctx, `SELECT `+customerCols+` FROM customers WHERE id = ?`, id))
	if err != nil {
		return nil, engNotFound(err, "customer", id)
	}
	return c, nil
}
