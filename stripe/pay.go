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
		// Nothing was sent, so the answer is certain: this attempt failed.
		return holdfast.PayResult{Decline: holdfast.Decline{FailureCode: "stripe_api_key_missing",
			Message: "No Stripe API key is configured for this workspace's live mode."}}, nil
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

// payError turns a failed pay into a definite decline or, when the outcome
// is unknown (network trouble, Stripe outage, rate limit), an error that
// makes the engine send the same request again later.
func payError(err error) (holdfast.PayResult, error) {
	se := AsStripeError(err)
	if se == nil {
		return holdfast.PayResult{}, err
	}
	if se.Type == stripego.ErrorTypeInvalidRequest && se.Code == "invoice_already_paid" {
		return holdfast.PayResult{Succeeded: true}, nil
	}
	switch Classify(err) {
	case ClassDecline:
		return holdfast.PayResult{Decline: DeclineOf(se)}, nil
	case ClassRefused:
		if se.Type != stripego.ErrorTypeInvalidRequest {
			return holdfast.PayResult{}, err
		}
		// The request itself was refused (invoice voided, no payment method…):
		// nothing was charged, and sending it again would not change that.
		d := DeclineOf(se)
		d.FailureCode = first(string(se.Code), "invalid_request")
		return holdfast.PayResult{Decline: d}, nil
	}
	return holdfast.PayResult{}, err
}
