package stripe

import (
	"context"
	"fmt"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
)

// Pay retries a live invoice with POST /v1/invoices/:id/pay, with the
// idempotency key derived from the attempt. Stripe answers a repeated key
// with the original result, which is what makes re-driving a started
// attempt after a crash safe.
func (p *Provider) Pay(ctx context.Context, req holdfast.PayRequest) (holdfast.PayResult, error) {
	sc, err := p.client(ctx, req.WorkspaceID, req.Mode)
	if err != nil {
		return holdfast.PayResult{}, err
	}
	if sc == nil {
		// Nothing was sent: the merchant has to configure a key first. Not a
		// card answer, so it is a provider error like a revoked key.
		return holdfast.PayResult{}, &holdfast.ProviderError{Code: "stripe_api_key_missing",
			Message: "No Stripe API key is configured for this workspace's live mode."}
	}
	for _, err := range []error{checkID("invoice", req.Invoice), checkID("payment_method", req.PaymentMethod)} {
		if he, ok := holdfast.AsError(err); ok {
			// Nothing was sent and Stripe would refuse it: certain, like a
			// missing key. (Ids come from Stripe, so this does not happen.)
			return holdfast.PayResult{Decline: holdfast.Decline{FailureCode: "stripe_parameter_too_long", Message: he.Message}}, nil
		}
	}
	params := &stripego.InvoicePayParams{}
	setIdempotencyKey(&params.Params, req.IdempotencyKey)
	if req.PaymentMethod != "" {
		params.PaymentMethod = stripego.String(req.PaymentMethod)
	}
	inv, err := sc.V1Invoices.Pay(ctx, req.Invoice, params)
	if err == nil {
		if inv.Status == stripego.InvoiceStatusPaid {
			return holdfast.PayResult{Succeeded: true}, nil
		}
		return holdfast.PayResult{Decline: holdfast.Decline{FailureCode: "invoice_not_paid",
			Message: fmt.Sprintf("Stripe left the invoice %s.", inv.Status)}}, nil
	}
	return payError(err)
}

// payError turns a failed pay into the card network's answer or a
// provider error (Classify decides which). Only a card_error is a decline —
// a card attempt. Anything else — 401/403 (a bad or restricted key), 400
// invalid_request_error, 409, 429, 5xx, a network failure — is a
// *holdfast.ProviderError: nothing was charged, and the engine sends the
// same request again later with the same idempotency key, outside the card
// networks' limits and the campaign's budget.
func payError(err error) (holdfast.PayResult, error) {
	se := AsStripeError(err)
	if se != nil && se.Type == stripego.ErrorTypeInvalidRequest && se.Code == "invoice_already_paid" {
		return holdfast.PayResult{Succeeded: true}, nil
	}
	if Classify(err) == ClassDecline {
		return holdfast.PayResult{Decline: DeclineOf(se)}, nil
	}
	return holdfast.PayResult{}, ProviderErrorOf(err)
}
