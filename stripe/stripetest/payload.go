package stripetest

import (
	"encoding/json"
	"net/http"
	"time"

	stripego "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"holdfast"
)

// Builders of Stripe-shaped objects (Stripe's field names, id prefixes and
// the shapes of the API version stripe-go v85 pins). Each returns a fresh
// map the test may change before use.

// ID returns a Stripe-style id: prefix + 14 base62 characters ("cus_…").
func ID(prefix string) string { return prefix + holdfast.RandomBase62(14) }

// Customer is a customer object; metadata may be nil.
func Customer(id, email, name string, created time.Time, metadata map[string]any) map[string]any {
	if metadata == nil {
		metadata = map[string]any{}
	}
	return map[string]any{
		"id": id, "object": "customer", "email": email, "name": name, "created": created.Unix(), "livemode": false,
		"metadata": metadata, "address": nil, "currency": "usd", "delinquent": false, "description": nil,
		"invoice_settings": map[string]any{"default_payment_method": nil, "custom_fields": nil, "footer": nil},
	}
}

// Subscription is a one-item subscription for unitAmount×1 per interval.
func Subscription(id, customer, status string, unitAmount int64, currency, interval string, periodEnd time.Time) map[string]any {
	price := map[string]any{"id": ID("price_"), "object": "price", "currency": currency, "unit_amount": unitAmount,
		"product": ID("prod_"), "recurring": map[string]any{"interval": interval, "interval_count": 1}, "type": "recurring"}
	item := map[string]any{"id": ID("si_"), "object": "subscription_item", "price": price, "quantity": 1,
		"current_period_start": periodEnd.AddDate(0, -1, 0).Unix(), "current_period_end": periodEnd.Unix(), "subscription": id}
	return map[string]any{
		"id": id, "object": "subscription", "customer": customer, "status": status, "currency": currency,
		"items":                map[string]any{"object": "list", "data": []any{item}, "has_more": false, "url": "/v1/subscription_items?subscription=" + id},
		"cancel_at_period_end": false, "canceled_at": nil, "pause_collection": nil, "discounts": []any{},
		"default_payment_method": nil, "cancellation_details": map[string]any{"reason": nil, "comment": nil, "feedback": nil},
		"created": periodEnd.AddDate(0, -1, 0).Unix(), "livemode": false, "metadata": map[string]any{},
	}
}

// Invoice is an open subscription invoice whose first automatic payment
// failed (attempted, attempt_count 1), in the shape of current API versions:
// the subscription under parent.subscription_details and the payment intent
// under payments.
func Invoice(id, customer, subscription, paymentIntent string, amount int64, currency string) map[string]any {
	inv := map[string]any{
		"id": id, "object": "invoice", "customer": customer, "customer_email": nil, "customer_name": nil,
		"status": "open", "attempted": true, "attempt_count": 1, "amount_due": amount, "amount_paid": 0,
		"amount_remaining": amount, "total": amount, "currency": currency, "collection_method": "charge_automatically",
		"hosted_invoice_url": "https://invoice.stripe.com/i/acct_test/" + id, "livemode": false, "created": time.Now().Unix(),
		"parent": map[string]any{"type": "subscription_details", "subscription_details": map[string]any{"subscription": subscription}},
	}
	if paymentIntent != "" {
		inv["payments"] = map[string]any{"object": "list", "has_more": false, "url": "/v1/invoice_payments", "data": []any{
			map[string]any{"id": ID("inpay_"), "object": "invoice_payment", "invoice": id, "status": "open",
				"payment": map[string]any{"type": "payment_intent", "payment_intent": paymentIntent}},
		}}
	}
	return inv
}

// PaymentIntent is a payment intent whose last attempt was declined with
// declineCode ("" for none).
func PaymentIntent(id, customer, charge, declineCode string, card map[string]any) map[string]any {
	pi := map[string]any{"id": id, "object": "payment_intent", "customer": customer, "status": "requires_payment_method",
		"latest_charge": charge, "livemode": false, "last_payment_error": nil}
	if declineCode != "" {
		pi["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": declineCode,
			"message": "Your card was declined.", "charge": charge, "payment_method": card}
	}
	return pi
}

// Charge is a failed card charge with the issuer's reason in outcome.reason.
func Charge(id, paymentIntent, declineCode string, card map[string]any) map[string]any {
	pmd := map[string]any{"type": "card", "card": card["card"]}
	return map[string]any{"id": id, "object": "charge", "status": "failed", "paid": false, "payment_intent": paymentIntent,
		"failure_code": "card_declined", "failure_message": "Your card was declined.", "payment_method": card["id"],
		"payment_method_details": pmd, "livemode": false,
		"outcome": map[string]any{"type": "issuer_declined", "network_status": "declined_by_network", "reason": declineCode,
			"seller_message": "The bank did not return any further details with this decline."}}
}

// PaymentMethod is a card payment method attached to customer.
func PaymentMethod(id, customer, brand, funding, fingerprint string) map[string]any {
	return map[string]any{"id": id, "object": "payment_method", "type": "card", "customer": customer, "livemode": false,
		"card": map[string]any{"brand": brand, "funding": funding, "fingerprint": fingerprint, "last4": "4242",
			"exp_month": 12, "exp_year": 2030, "country": "US"}}
}

// Event renders a Stripe event around object: id evt_…, the pinned API
// version, livemode set on the event and its object. previous may be nil.
func Event(id, typ string, livemode bool, created time.Time, object, previous map[string]any) []byte {
	object["livemode"] = livemode
	data := map[string]any{"object": object}
	if previous != nil {
		data["previous_attributes"] = previous
	}
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": stripego.APIVersion, "created": created.Unix(), "type": typ,
		"livemode": livemode, "pending_webhooks": 1, "data": data,
		"request": map[string]any{"id": nil, "idempotency_key": nil},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// Sign returns a Stripe-Signature header for payload signed with secret at
// t, made by stripe-go's own test-signing helper.
func Sign(payload []byte, secret string, t time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: t}).Header
}

// WriteDecline answers like Stripe does for a declined charge attempt
// (402 card_error with decline_code), e.g. from a POST /v1/invoices/{id}/pay
// handler.
func WriteDecline(w http.ResponseWriter, declineCode, message string) {
	WriteJSON(w, http.StatusPaymentRequired, map[string]any{"error": map[string]any{
		"type": "card_error", "code": "card_declined", "decline_code": declineCode, "message": message}})
}
