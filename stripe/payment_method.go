package stripe

import (
	"context"
	"strings"

	"holdfast"
)

// The customer's default card (issue 15): payment_method.updated and
// payment_method.automatically_updated (Stripe's card account updater)
// refresh a mirrored payment method; when it is a customer's default card
// the customer's card follows, and the expiring-card notices are planned
// again (an updated card is a new card; the old one's notices stop).

// pmCard reads a payment method object: its id and what Stripe shows of its
// card. last4 is kept only when it is four digits, so nothing longer can
// ever be stored or shown.
func pmCard(pm obj) holdfast.Card {
	last4 := pm.str("card", "last4")
	if len(last4) != 4 || strings.Trim(last4, "0123456789") != "" {
		last4 = ""
	}
	month, year := int(pm.int("card", "exp_month")), int(pm.int("card", "exp_year"))
	if month < 1 || month > 12 || year < 1970 || year > 9999 {
		month, year = 0, 0
	}
	return holdfast.Card{
		PaymentMethod: pm.id("id"), Fingerprint: pm.str("card", "fingerprint"), Brand: pm.str("card", "brand"),
		Funding: pm.str("card", "funding"), Last4: last4, ExpMonth: month, ExpYear: year,
	}
}

// mirrorPaymentMethod stores a payment method object seen in an event (or an
// expanded default) and returns the freshest card known for it and whether
// this snapshot was the newest. A bare id is looked up among those mirrored.
func (c *call) mirrorPaymentMethod(ctx context.Context, pm obj, id, providerCustomer string) (holdfast.Card, bool, error) {
	if pm == nil {
		if id == "" {
			return holdfast.Card{}, false, nil
		}
		card, _, err := c.in.store.PaymentMethodCard(ctx, c.ws, c.mode, id)
		return card, false, err
	}
	card := pmCard(pm)
	if card.PaymentMethod == "" {
		return card, false, nil
	}
	if providerCustomer == "" {
		providerCustomer = pm.id("customer")
	}
	return c.in.store.UpsertPaymentMethod(ctx, c.ws, c.mode, providerCustomer, card, c.ev.Created, c.now)
}

// billingChanged tells the expiring-card notices that a customer's card or
// subscriptions changed; a no-op when the engine does not plan notices.
func (c *call) billingChanged(ctx context.Context, customerID string) error {
	n, ok := c.in.events.(holdfast.CardExpiryEvents)
	if !ok || customerID == "" {
		return nil
	}
	return n.CustomerBillingChanged(ctx, c.ws, c.mode, customerID)
}

func paymentMethodUpdated(ctx context.Context, c *call) error {
	pm := c.ev.Object
	card, applied, err := c.mirrorPaymentMethod(ctx, pm, "", "")
	if err != nil || !applied {
		return err // an older snapshot than the one stored changes nothing
	}
	customer := pm.id("customer")
	if customer == "" {
		return nil
	}
	cus, err := c.in.store.CustomerByProviderID(ctx, c.ws, c.mode, customer)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return nil // its details wait in payment_methods for the customer
	} else if err != nil || cus.Deleted {
		return err
	}
	isDefault, err := c.in.store.RefreshCustomerCard(ctx, cus.ID, card)
	if err != nil || !isDefault {
		return err
	}
	return c.billingChanged(ctx, cus.ID)
}
