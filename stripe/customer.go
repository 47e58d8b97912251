package stripe

import (
	"context"
	"strings"
	"time"

	"holdfast"
	"holdfast/store"
)

// Customer events: customer.created|updated mirror the customer,
// customer.deleted tombstones it, and payment_method.attached or a changed
// invoice_settings.default_payment_method tells the engine the card changed.

// TagsMetadataKey is the Stripe customer metadata key whose comma-separated
// value becomes the customer's Holdfast tags (campaign filters, list filters).
const TagsMetadataKey = "holdfast_tags"

// customerSnapshot reads a Stripe customer object.
func customerSnapshot(o obj, at time.Time) store.CustomerSnapshot {
	meta := o.stringMap("metadata")
	return store.CustomerSnapshot{
		ProviderID:           o.id("id"),
		Email:                email(o),
		Name:                 o.strPtr("name"),
		Metadata:             meta,
		Tags:                 splitTags(meta[TagsMetadataKey]),
		Timezone:             customerTimezone(meta, o.obj("address")),
		DefaultPaymentMethod: o.id("invoice_settings", "default_payment_method"),
		ProviderTime:         at,
	}
}

// email returns the customer's email; one longer than Stripe allows (512)
// is treated as absent rather than indexed.
func email(o obj) *string {
	e := o.strPtr("email")
	if e != nil && len(*e) > 512 {
		return nil
	}
	return e
}

// splitTags splits holdfast_tags ("vip, beta") into tags, dropping blanks and
// tags longer than 100 characters.
func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" && len(t) <= 100 {
			out = append(out, t)
		}
	}
	return out
}

// paymentMethodCard reads the card of a payment method object (or an id).
func paymentMethodCard(o obj, path ...string) holdfast.Card {
	pm := o.obj(path...)
	return holdfast.Card{
		PaymentMethod: o.id(path...),
		Fingerprint:   pm.str("card", "fingerprint"),
		Brand:         pm.str("card", "brand"),
		Funding:       pm.str("card", "funding"),
	}
}

func applyCustomer(ctx context.Context, c *call) error {
	snap := customerSnapshot(c.ev.Object, c.ev.Created)
	snap.Created = c.ev.Type == "customer.created"
	if snap.ProviderID == "" {
		return nil // nothing to mirror: recorded so Stripe stops resending it
	}
	ch, err := c.in.store.UpsertCustomer(ctx, c.ws, c.mode, snap, c.now)
	if err != nil {
		return err
	}
	if err := c.in.fail("mirrored"); err != nil {
		return err
	}
	card, mirrored, err := c.mirrorDefaultCard(ctx, ch, snap)
	if err != nil {
		return err
	}
	changed, err := c.cardChanged(ctx, ch, snap.DefaultPaymentMethod)
	if err != nil {
		return err
	}
	// A snapshot applied to the customer whose card a newer
	// payment_method.attached already replaced is not a card update.
	if changed && (mirrored || !ch.Applied) {
		eng, err := c.engine()
		if err != nil {
			return err
		}
		if err := eng.CardUpdated(ctx, c.ws, c.mode, ch.Customer.ID, card, c.now); err != nil {
			return err
		}
	}
	if mirrored || changed {
		return c.billingChanged(ctx, ch.Customer.ID)
	}
	return nil
}

// mirrorDefaultCard makes the snapshot's default payment method the
// customer's card, with the details of the expanded object or of the payment
// method mirrored earlier (blank when Stripe never described it). It returns
// that card and whether it became the customer's card.
func (c *call) mirrorDefaultCard(ctx context.Context, ch *store.CustomerChange, snap store.CustomerSnapshot) (holdfast.Card, bool, error) {
	card, _, err := c.mirrorPaymentMethod(ctx, c.ev.Object.obj("invoice_settings", "default_payment_method"),
		snap.DefaultPaymentMethod, snap.ProviderID)
	if err != nil || !ch.Applied || ch.Customer.Deleted || snap.DefaultPaymentMethod == "" {
		return card, false, err
	}
	keep := ""
	if ch.Previous != nil {
		keep = ch.Previous.DefaultPaymentMethod
	}
	ok, err := c.in.store.MirrorCustomerCard(ctx, ch.Customer.ID, card, c.ev.Created, keep)
	return card, ok, err
}

// cardChanged decides whether a customer event is a card update (SPEC §11: a
// customer.updated whose invoice_settings.default_payment_method changed).
// Stripe says what changed in previous_attributes, and that is trusted first:
// the mirrored default may have been moved by the engine itself (a
// payment_method.attached it recorded), so comparing with the row alone would
// mistake an unrelated update for a card change. A late event that reports
// the change still counts when its card is the current one. Without
// previous_attributes the snapshot is compared with the last one mirrored.
// A stub made from an invoice (provider_updated_at 0) never knew the old
// default card, but the card that failed is known: a default that is not
// the failing card of any of the customer's pending payments is a new card.
func (c *call) cardChanged(ctx context.Context, ch *store.CustomerChange, pm string) (bool, error) {
	if pm == "" || ch.Customer.Deleted {
		return false, nil
	}
	if c.ev.Type == "customer.updated" && c.ev.Previous != nil {
		_, changed := c.ev.Previous.obj("invoice_settings")["default_payment_method"]
		return changed && (ch.Applied || ch.Customer.DefaultPaymentMethod == pm), nil
	}
	prev := ch.Previous
	if !ch.Applied || prev == nil {
		return false, nil
	}
	if prev.ProviderUpdatedAt > 0 {
		return pm != prev.DefaultPaymentMethod, nil
	}
	return c.notAFailingCard(ctx, ch.Customer.ID, pm)
}

// notAFailingCard reports whether a customer has pending payments and pm is
// not the card any of them failed on.
func (c *call) notAFailingCard(ctx context.Context, customerID, pm string) (bool, error) {
	l, err := c.in.store.ListPayments(ctx, c.ws, c.mode, store.PaymentFilter{Status: holdfast.PaymentPending, Customer: customerID}, store.ListQuery{Limit: 100})
	if err != nil || len(l.Data) == 0 {
		return false, err
	}
	for _, p := range l.Data {
		if p.PaymentMethod == pm {
			return false, nil
		}
	}
	return true, nil
}

// deleteCustomer erases a customer deleted at Stripe exactly like DELETE
// /v1/customers/:id does (holdfast.DeleteCustomer: personal data gone, in-flight
// recoveries abandoned, customer.deleted recorded). A customer never mirrored
// gets a tombstone instead, so a late customer.created cannot bring it back.
func deleteCustomer(ctx context.Context, c *call) error {
	id := c.ev.Object.id("id")
	if id == "" {
		return nil
	}
	cus, err := c.in.store.CustomerByProviderID(ctx, c.ws, c.mode, id)
	switch {
	case holdfast.ErrorCode(err) == holdfast.ENOTFOUND:
		_, err = c.in.store.TombstoneCustomer(ctx, c.ws, c.mode, id, c.ev.Created, c.now)
		return err
	case err != nil:
		return err
	case cus.Deleted:
		return nil
	}
	eng, err := c.engine()
	if err != nil {
		return err
	}
	_, err = holdfast.DeleteCustomer(ctx, c.in.store, eng, c.ws, c.mode, cus.ID, c.now)
	return err
}

func paymentMethodAttached(ctx context.Context, c *call) error {
	pm := c.ev.Object
	customer := pm.id("customer")
	if customer == "" {
		return nil
	}
	cus, err := c.in.store.CustomerByProviderID(ctx, c.ws, c.mode, customer)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return nil // not mirrored: it has no failed payments to retry
	} else if err != nil {
		return err
	}
	if cus.Deleted {
		return nil
	}
	card, _, err := c.mirrorPaymentMethod(ctx, pm, "", customer)
	if err != nil {
		return err
	}
	// The attached card becomes the customer's card unless a newer event
	// already set another: a late or repeated attach changes nothing.
	if ok, err := c.in.store.MirrorCustomerCard(ctx, cus.ID, card, c.ev.Created, ""); err != nil || !ok {
		return err
	}
	eng, err := c.engine()
	if err != nil {
		return err
	}
	if err := eng.CardUpdated(ctx, c.ws, c.mode, cus.ID, card, c.now); err != nil {
		return err
	}
	return c.billingChanged(ctx, cus.ID)
}
