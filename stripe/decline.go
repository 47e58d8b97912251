package stripe

import (
	"context"

	"holdfast"
)

// Decline details: charge.failed and payment_intent.payment_failed carry the
// issuer's answer; they are kept (store.SaveDecline) under the payment
// intent, charge and invoice ids, and handed to the engine, so the payment
// gets them whether they arrive before or after invoice.payment_failed.

// declineFromPaymentIntent reads last_payment_error (and an expanded
// latest_charge) of a payment intent.
func declineFromPaymentIntent(pi obj) (holdfast.Decline, holdfast.Card) {
	lpe := pi.obj("last_payment_error")
	d := holdfast.Decline{
		Code:              lpe.str("decline_code"),
		FailureCode:       lpe.str("code"),
		AdviceCode:        lpe.str("advice_code"),
		NetworkAdviceCode: lpe.str("network_advice_code"),
		Message:           lpe.str("message"),
	}
	card := paymentMethodCard(lpe, "payment_method")
	if card.PaymentMethod == "" {
		card = paymentMethodCard(pi, "payment_method")
	}
	if ch := pi.obj("latest_charge"); ch != nil {
		cd, cc := declineFromCharge(ch)
		d, card = mergeDecline(d, cd), mergeCard(card, cc)
	}
	return d, card
}

// declineFromCharge reads a failed charge. Charges have no decline_code
// field: the issuer's reason is outcome.reason, and failure_code names it
// directly for the specific failures (expired_card, incorrect_cvc, …).
func declineFromCharge(ch obj) (holdfast.Decline, holdfast.Card) {
	failure := ch.str("failure_code")
	code := ch.str("outcome", "reason")
	if code == "" && failure != "card_declined" {
		code = failure
	}
	d := holdfast.Decline{
		Code:              code,
		FailureCode:       failure,
		AdviceCode:        ch.str("outcome", "advice_code"),
		NetworkAdviceCode: ch.str("outcome", "network_advice_code"),
		Message:           ch.str("failure_message"),
	}
	card := holdfast.Card{
		PaymentMethod: ch.id("payment_method"),
		Fingerprint:   ch.str("payment_method_details", "card", "fingerprint"),
		Brand:         ch.str("payment_method_details", "card", "brand"),
		Funding:       ch.str("payment_method_details", "card", "funding"),
	}
	return d, card
}

// mergeDecline fills the empty fields of a from b.
func mergeDecline(a, b holdfast.Decline) holdfast.Decline {
	a.Code = first(a.Code, b.Code)
	a.FailureCode = first(a.FailureCode, b.FailureCode)
	a.AdviceCode = first(a.AdviceCode, b.AdviceCode)
	a.NetworkAdviceCode = first(a.NetworkAdviceCode, b.NetworkAdviceCode)
	a.Message = first(a.Message, b.Message)
	return a
}

// mergeCard fills the empty fields of a from b.
func mergeCard(a, b holdfast.Card) holdfast.Card {
	a.PaymentMethod = first(a.PaymentMethod, b.PaymentMethod)
	a.Fingerprint = first(a.Fingerprint, b.Fingerprint)
	a.Brand = first(a.Brand, b.Brand)
	a.Funding = first(a.Funding, b.Funding)
	return a
}

func declineReported(ctx context.Context, c *call) error {
	o := c.ev.Object
	r := holdfast.DeclineReport{WorkspaceID: c.ws, Mode: c.mode, Invoice: o.id("invoice"), ProviderTime: c.ev.Created}
	if c.ev.Type == "charge.failed" {
		r.Decline, r.Card = declineFromCharge(o)
		r.Charge, r.PaymentIntent = o.id("id"), o.id("payment_intent")
	} else {
		r.Decline, r.Card = declineFromPaymentIntent(o)
		r.PaymentIntent = o.id("id")
		r.Charge = first(o.id("latest_charge"), o.id("last_payment_error", "charge"))
	}
	if r.Invoice == "" && r.PaymentIntent == "" && r.Charge == "" {
		return nil
	}
	if err := c.in.store.SaveDecline(ctx, c.ws, c.mode, []string{r.Invoice, r.PaymentIntent, r.Charge}, r.Decline, r.Card, c.ev.Created, c.now); err != nil {
		return err
	}
	if err := c.in.fail("mirrored"); err != nil {
		return err
	}
	eng, err := c.engine()
	if err != nil {
		return err
	}
	return eng.DeclineReported(ctx, r)
}
