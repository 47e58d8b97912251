package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// The customer's default card (issue 15). Card details arrive from three
// kinds of Stripe events — payment_method.* (the payment method itself),
// customer.updated (which payment method is the default, often by id only) —
// and from sync. Two orderings keep late or repeated events harmless: a
// payment method's snapshot is replaced only by a newer one
// (payment_methods.provider_updated_at), and the customer's default card only
// by an event at least as new as the one that set it (customers.card_event_at).

// cardExpiresAt is the stored card_expires_at of a card: NULL when unknown.
func cardExpiresAt(c holdfast.Card) any {
	t, ok := holdfast.CardExpiresAt(c.ExpMonth, c.ExpYear, nil)
	if !ok {
		return nil
	}
	return holdfast.Micros(t)
}

// customerCard is the API's view of a customer's card; nil when none is known.
func customerCard(c *holdfast.Customer) *holdfast.CustomerCard {
	if c.DefaultPaymentMethod == "" && c.CardLast4 == "" && c.CardFingerprint == "" {
		return nil
	}
	return &holdfast.CustomerCard{
		PaymentMethod: c.DefaultPaymentMethod, Brand: c.CardBrand, Funding: c.CardFunding, Last4: c.CardLast4,
		ExpMonth: c.CardExpMonth, ExpYear: c.CardExpYear, Fingerprint: c.CardFingerprint,
	}
}

// CustomerCardOf returns a customer's default card as a holdfast.Card.
func CustomerCardOf(c *holdfast.Customer) holdfast.Card {
	return holdfast.Card{PaymentMethod: c.DefaultPaymentMethod, Fingerprint: c.CardFingerprint, Brand: c.CardBrand,
		Funding: c.CardFunding, Last4: c.CardLast4, ExpMonth: c.CardExpMonth, ExpYear: c.CardExpYear}
}

// UpsertPaymentMethod stores a card payment method as Stripe described it at
// `at`, unless a newer snapshot is stored (ties go to the later delivery). It
// returns the stored card afterwards and whether this snapshot was applied.
func (s *Store) UpsertPaymentMethod(ctx context.Context, wsID string, mode holdfast.Mode, providerCustomerID string, card holdfast.Card, at, now time.Time) (holdfast.Card, bool, error) {
	if card.PaymentMethod == "" {
		return card, false, nil
	}
	var (
		out     holdfast.Card
		applied bool
	)
	err := s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.exec(ctx, `INSERT INTO payment_methods (workspace_id, livemode, id, provider_customer_id, brand, funding, last4,
			exp_month, exp_year, fingerprint, provider_updated_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, livemode, id) DO UPDATE SET provider_customer_id = excluded.provider_customer_id,
				brand = excluded.brand, funding = excluded.funding, last4 = excluded.last4, exp_month = excluded.exp_month,
				exp_year = excluded.exp_year, fingerprint = excluded.fingerprint,
				provider_updated_at = excluded.provider_updated_at, updated_at = excluded.updated_at
			WHERE payment_methods.provider_updated_at <= excluded.provider_updated_at`,
			wsID, mode.Livemode(), card.PaymentMethod, providerCustomerID, card.Brand, card.Funding, card.Last4,
			card.ExpMonth, card.ExpYear, card.Fingerprint, holdfast.Micros(at), holdfast.Micros(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		applied = n == 1
		var ok bool
		out, ok, err = s.PaymentMethodCard(ctx, wsID, mode, card.PaymentMethod)
		if err == nil && !ok {
			err = errors.New("store: payment method vanished after upsert")
		}
		return err
	})
	return out, applied, err
}

// PaymentMethodCard returns a mirrored payment method's card; ok is false when
// Stripe never described it.
func (s *Store) PaymentMethodCard(ctx context.Context, wsID string, mode holdfast.Mode, id string) (holdfast.Card, bool, error) {
	c := holdfast.Card{PaymentMethod: id}
	err := s.queryRow(ctx, `SELECT brand, funding, last4, exp_month, exp_year, fingerprint FROM payment_methods
		WHERE workspace_id = ? AND livemode = ? AND id = ?`, wsID, mode.Livemode(), id).
		Scan(&c.Brand, &c.Funding, &c.Last4, &c.ExpMonth, &c.ExpYear, &c.Fingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	return c, err == nil, err
}

// MirrorCustomerCard makes card the customer's default card (payment method
// and details, blank details included) as of the Stripe event time `at`,
// unless the default was set by a newer event: then nothing changes and
// applied is false. keepPM, when not empty, is the default payment method to
// put back in that case (a customer snapshot that was itself applied may have
// moved the column already).
func (s *Store) MirrorCustomerCard(ctx context.Context, customerID string, card holdfast.Card, at time.Time, keepPM string) (bool, error) {
	res, err := s.exec(ctx, `UPDATE customers SET default_payment_method = ?, card_fingerprint = ?, card_brand = ?, card_funding = ?,
		card_last4 = ?, card_exp_month = ?, card_exp_year = ?, card_expires_at = ?, card_event_at = ?
		WHERE id = ? AND card_event_at <= ?`,
		card.PaymentMethod, card.Fingerprint, card.Brand, card.Funding, card.Last4, card.ExpMonth, card.ExpYear,
		cardExpiresAt(card), holdfast.Micros(at), customerID, holdfast.Micros(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 0 && keepPM != "" {
		_, err = s.exec(ctx, `UPDATE customers SET default_payment_method = ? WHERE id = ?`, keepPM, customerID)
	}
	return n == 1, err
}

// RefreshCustomerCard copies a payment method's current details onto the
// customer when it is the customer's default (payment_method.updated,
// payment_method.automatically_updated). It reports whether it was.
func (s *Store) RefreshCustomerCard(ctx context.Context, customerID string, card holdfast.Card) (bool, error) {
	res, err := s.exec(ctx, `UPDATE customers SET card_fingerprint = ?, card_brand = ?, card_funding = ?, card_last4 = ?,
		card_exp_month = ?, card_exp_year = ?, card_expires_at = ? WHERE id = ? AND default_payment_method = ? AND deleted_at IS NULL`,
		card.Fingerprint, card.Brand, card.Funding, card.Last4, card.ExpMonth, card.ExpYear, cardExpiresAt(card),
		customerID, card.PaymentMethod)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
