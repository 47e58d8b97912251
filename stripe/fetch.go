package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
	"holdfast/store"
)

// fetchTimeout bounds the decline look-up a webhook waits for.
const fetchTimeout = 10 * time.Second

// client returns a Stripe client with the workspace's API key for a mode, or
// nil when none is configured.
func (in *Ingester) client(ctx context.Context, wsID string, mode holdfast.Mode) (*stripego.Client, error) {
	key, err := in.store.WorkspaceSecret(ctx, wsID, mode, store.SecretStripeAPIKey)
	if err != nil || key == "" {
		return nil, err
	}
	return NewClientWithHTTP(key, in.apiBase, in.http), nil
}

// fetchDecline completes a live invoice whose event carried no decline code:
// it retrieves the payment intent (or the charge; for API versions whose
// invoices no longer name either, first the invoice with its payments) and
// returns the invoice with the decline filled in. Any failure is logged and
// yields nil: a Stripe outage must not fail the webhook, the recovery opens
// with what the event said and charge.failed may still bring the code.
func (in *Ingester) fetchDecline(ctx context.Context, wsID string, inv invoiceInfo) *invoiceInfo {
	sc, err := in.client(ctx, wsID, holdfast.ModeLive)
	if err != nil || sc == nil {
		in.log.Warn("stripe decline look-up skipped: no live API key", "workspace", wsID, "invoice", inv.ID, "err", err)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	if inv.PaymentIntent == "" && inv.Charge == "" {
		p := &stripego.InvoiceRetrieveParams{}
		p.AddExpand("payments")
		got, err := sc.V1Invoices.Retrieve(ctx, inv.ID, p)
		o, perr := rawObj(err, func() *stripego.APIResponse { return got.LastResponse })
		if perr != nil {
			in.log.Warn("stripe invoice look-up failed", "workspace", wsID, "invoice", inv.ID, "err", perr)
			return nil
		}
		full := parseInvoice(o)
		inv.PaymentIntent, inv.Charge = full.PaymentIntent, full.Charge
		inv.Decline, inv.Card = mergeDecline(inv.Decline, full.Decline), mergeCard(inv.Card, full.Card)
	}
	var d holdfast.Decline
	var card holdfast.Card
	switch {
	case inv.PaymentIntent != "":
		p := &stripego.PaymentIntentRetrieveParams{}
		p.AddExpand("latest_charge")
		got, err := sc.V1PaymentIntents.Retrieve(ctx, inv.PaymentIntent, p)
		o, perr := rawObj(err, func() *stripego.APIResponse { return got.LastResponse })
		if perr != nil {
			in.log.Warn("stripe payment intent look-up failed", "workspace", wsID, "payment_intent", inv.PaymentIntent, "err", perr)
			return nil
		}
		d, card = declineFromPaymentIntent(o)
		inv.Charge = first(inv.Charge, o.id("latest_charge"))
	case inv.Charge != "":
		got, err := sc.V1Charges.Retrieve(ctx, inv.Charge, nil)
		o, perr := rawObj(err, func() *stripego.APIResponse { return got.LastResponse })
		if perr != nil {
			in.log.Warn("stripe charge look-up failed", "workspace", wsID, "charge", inv.Charge, "err", perr)
			return nil
		}
		d, card = declineFromCharge(o)
	default:
		return &inv
	}
	inv.Decline, inv.Card = mergeDecline(inv.Decline, d), mergeCard(inv.Card, card)
	return &inv
}

// rawObj decodes the raw JSON of a stripe-go response into an obj, so the
// same tolerant readers serve webhooks and API answers. resp is only called
// when err is nil.
func rawObj(err error, resp func() *stripego.APIResponse) (obj, error) {
	if err != nil {
		return nil, err
	}
	r := resp()
	if r == nil {
		return nil, errors.New("stripe: response without a body")
	}
	var o obj
	if err := json.Unmarshal(r.RawJSON, &o); err != nil {
		return nil, err
	}
	return o, nil
}
