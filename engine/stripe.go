package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
	"holdfast/store"
	hfstripe "holdfast/stripe"
)

// stripeProvider retries live invoices with POST /v1/invoices/:id/pay
// through stripe-go, authenticated with the workspace's live API key and an
// idempotency key derived from the attempt. Stripe answers a repeated key
// with the original result, which is what makes re-driving a started attempt
// after a crash safe.
type stripeProvider struct {
	st   *store.Store
	base string
	hc   *http.Client

	mu      sync.Mutex
	clients map[string]*stripego.Client // by API key
}

func newStripeProvider(st *store.Store, base string, hc *http.Client) *stripeProvider {
	return &stripeProvider{st: st, base: base, hc: hc, clients: map[string]*stripego.Client{}}
}

// client returns a (cached) stripe-go client for an API key.
func (p *stripeProvider) client(key string) *stripego.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.clients[key]
	if !ok {
		c = hfstripe.NewClientWithHTTP(key, p.base, p.hc)
		p.clients[key] = c
	}
	return c
}

// Pay pays the invoice again.
func (p *stripeProvider) Pay(ctx context.Context, req PayRequest) (PayResult, error) {
	key, err := p.st.WorkspaceSecret(ctx, req.WorkspaceID, req.Mode, store.SecretStripeAPIKey)
	if err != nil {
		return PayResult{}, err
	}
	if key == "" {
		// Nothing was sent, so the answer is certain: this attempt failed.
		return PayResult{Decline: holdfast.Decline{FailureCode: "stripe_api_key_missing",
			Message: "No Stripe API key is configured for this workspace's live mode."}}, nil
	}
	params := &stripego.InvoicePayParams{}
	params.SetIdempotencyKey(req.IdempotencyKey)
	if req.PaymentMethod != "" {
		params.PaymentMethod = stripego.String(req.PaymentMethod)
	}
	inv, err := p.client(key).V1Invoices.Pay(ctx, req.Invoice, params)
	if err == nil {
		if inv.Status == stripego.InvoiceStatusPaid {
			return PayResult{Succeeded: true}, nil
		}
		return PayResult{Decline: holdfast.Decline{FailureCode: "invoice_not_paid",
			Message: fmt.Sprintf("Stripe left the invoice %s.", inv.Status)}}, nil
	}
	return payError(err)
}

// payError turns a stripe-go error into a definite decline or, when the
// outcome is unknown (network trouble, Stripe outage, rate limit), an error
// that makes the engine send the same request again later.
func payError(err error) (PayResult, error) {
	var se *stripego.Error
	if !errors.As(err, &se) {
		return PayResult{}, err
	}
	switch se.Type {
	case stripego.ErrorTypeCard:
		return PayResult{Decline: declineOf(se)}, nil
	case stripego.ErrorTypeInvalidRequest:
		if se.Code == "invoice_already_paid" {
			return PayResult{Succeeded: true}, nil
		}
		if se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode == http.StatusConflict {
			return PayResult{}, err
		}
		// The request itself was refused (invoice voided, no payment method…):
		// nothing was charged, and sending it again would not change that.
		d := declineOf(se)
		d.FailureCode = orDefault(string(se.Code), "invalid_request")
		return PayResult{Decline: d}, nil
	}
	return PayResult{}, err
}

// declineOf reads the decline details of a card error, including the
// advice codes stripe-go does not surface as fields.
func declineOf(se *stripego.Error) holdfast.Decline {
	d := holdfast.Decline{Code: string(se.DeclineCode), FailureCode: string(se.Code), Message: se.Msg}
	if se.LastResponse == nil {
		return d
	}
	var raw struct {
		Error struct {
			AdviceCode        string `json:"advice_code"`
			NetworkAdviceCode string `json:"network_advice_code"`
			DeclineCode       string `json:"decline_code"`
			PaymentIntent     struct {
				LastPaymentError struct {
					DeclineCode       string `json:"decline_code"`
					AdviceCode        string `json:"advice_code"`
					NetworkAdviceCode string `json:"network_advice_code"`
				} `json:"last_payment_error"`
			} `json:"payment_intent"`
		} `json:"error"`
	}
	if json.Unmarshal(se.LastResponse.RawJSON, &raw) != nil {
		return d
	}
	lpe := raw.Error.PaymentIntent.LastPaymentError
	d.Code = orDefault(orDefault(d.Code, raw.Error.DeclineCode), lpe.DeclineCode)
	d.AdviceCode = orDefault(raw.Error.AdviceCode, lpe.AdviceCode)
	d.NetworkAdviceCode = orDefault(raw.Error.NetworkAdviceCode, lpe.NetworkAdviceCode)
	return d
}
