package holdfast

import (
	"fmt"
	"time"
)

// ProviderError is a failed call to the billing provider that is not an
// answer from the card network: Stripe refused the request (401/403 — a bad
// or restricted key, 400 invalid_request_error), asked to slow down (429),
// failed (5xx), or could not be reached. Nothing was charged, so it is not a
// card attempt: the engine keeps the attempt started and sends it again with
// backoff under the same idempotency key, counts it toward neither the card
// networks' limits nor the campaign's budget, shows it on the payment
// (`provider_error`) and emits provider.error. Only an answer from the card
// network (a Stripe card_error) is a decline.
type ProviderError struct {
	// Message is the provider's own message (e.g. Stripe's "Invalid API Key
	// provided: sk_live_****abcd"), or the network error.
	Message string `json:"message"`
	// Type and Code are Stripe's error type and code, when it answered.
	Type string `json:"type,omitempty"`
	Code string `json:"code,omitempty"`
	// HTTPStatus is the provider's HTTP status; 0 when it did not answer.
	HTTPStatus int `json:"http_status"`
	// RequestID is Stripe's request id, for the merchant's support ticket.
	RequestID string `json:"request_id,omitempty"`
	// OccurredAt is when the call failed.
	OccurredAt time.Time `json:"occurred_at"`
}

func (e *ProviderError) Error() string {
	switch {
	case e.HTTPStatus != 0 && e.RequestID != "":
		return fmt.Sprintf("provider error (HTTP %d, request %s): %s", e.HTTPStatus, e.RequestID, e.Message)
	case e.HTTPStatus != 0:
		return fmt.Sprintf("provider error (HTTP %d): %s", e.HTTPStatus, e.Message)
	}
	return "provider error: " + e.Message
}
