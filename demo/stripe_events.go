package demo

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
)

// Stripe-shaped events, signed with the demo workspace's test-mode webhook
// secret and handed to the real ingester exactly as POST
// /hooks/stripe/:workspace_id would: signature check, idempotency, ordering,
// mirroring and the engine calls all run as in production.

// eventID names the next event (planned in order, sent maybe in parallel).
func (g *gen) eventID() string {
	g.events++
	return fmt.Sprintf("evt_demo_%s_%06d", g.ws.ID[len(holdfast.PrefixWorkspace):], g.events)
}

// sendEvent wraps object in an event of type typ and applies it.
func (g *gen) sendEvent(ctx context.Context, id, typ string, object map[string]any) error {
	now, err := g.now(ctx)
	if err != nil {
		return err
	}
	object["livemode"] = false
	payload, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": stripego.APIVersion, "created": now.Unix(), "type": typ, "livemode": false,
		"pending_webhooks": 1, "data": map[string]any{"object": object}, "request": map[string]any{"id": nil, "idempotency_key": nil},
	})
	if err != nil {
		return err
	}
	if _, err := g.ingester.HandleWebhook(ctx, g.ws.ID, payload, signStripe(payload, g.hookSecret, time.Now())); err != nil {
		return fmt.Errorf("demo: %s: %w", typ, err)
	}
	return nil
}

// signStripe builds a Stripe-Signature header (t=…,v1=HMAC-SHA256 of "t.payload").
func signStripe(payload []byte, secret string, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(payload)))
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// cardObject is a card payment method of customer c.
func cardObject(pm string, c *customer) map[string]any {
	return map[string]any{"id": pm, "object": "payment_method", "type": "card", "customer": c.ProviderID,
		"card": map[string]any{"brand": c.Brand, "funding": c.Funding, "fingerprint": c.Fingerprint, "last4": c.Last4,
			"exp_month": demoExpMonth, "exp_year": demoExpYear}}
}

// Every demo card expires at the end of demoExpMonth/demoExpYear.
const demoExpMonth, demoExpYear = 12, 2029

// card is the customer's current card.
func (c *customer) card() holdfast.Card {
	return holdfast.Card{PaymentMethod: c.PaymentMethod, Fingerprint: c.Fingerprint, Brand: c.Brand, Funding: c.Funding,
		Last4: c.Last4, ExpMonth: demoExpMonth, ExpYear: demoExpYear}
}

// failedInvoice is an open subscription invoice whose automatic payment was
// declined, with the payment intent (and its last_payment_error) expanded.
func failedInvoice(inv string, c *customer, d decline, pi, ch string) map[string]any {
	pm := cardObject(c.PaymentMethod, c)
	return map[string]any{
		"id": inv, "object": "invoice", "customer": c.ProviderID, "customer_email": c.Email, "customer_name": c.Name,
		"subscription": c.Subscription, "status": "open", "attempted": true, "attempt_count": 1,
		"amount_due": c.Plan.Amount, "amount_paid": 0, "amount_remaining": c.Plan.Amount, "total": c.Plan.Amount,
		"currency": c.Plan.Currency, "collection_method": "charge_automatically", "billing_reason": "subscription_cycle",
		"hosted_invoice_url": "https://invoice.stripe.com/i/acct_demo/" + inv,
		"payment_intent": map[string]any{"id": pi, "object": "payment_intent", "customer": c.ProviderID, "status": "requires_payment_method",
			"latest_charge": ch, "payment_method": pm, "last_payment_error": map[string]any{"type": "card_error", "code": d.Failure,
				"decline_code": d.Code, "message": d.Message, "charge": ch, "payment_method": pm}},
		"charge": ch,
	}
}

// settledInvoice is an invoice that reached a final state (paid or void).
func settledInvoice(inv string, c *customer, status string) map[string]any {
	o := map[string]any{"id": inv, "object": "invoice", "customer": c.ProviderID, "subscription": c.Subscription, "status": status,
		"amount_due": c.Plan.Amount, "currency": c.Plan.Currency, "amount_remaining": 0, "amount_paid": 0}
	if status == "paid" {
		o["amount_paid"], o["paid"] = c.Plan.Amount, true
	}
	return o
}
