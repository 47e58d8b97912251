package stripe

import (
	"context"
	"errors"
	"net/http"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
	"holdfast/store"
)

// BillingPortal opens Stripe customer-portal sessions for the card-update
// links of expiring-card notices and of the in-app notice (live mode only:
// test mode shows a simulated page). POST /v1/billing_portal/sessions with
// flow_data[type]=payment_method_update, so the customer lands on the
// card form; return_url is left to the portal configuration's default.
type BillingPortal struct {
	Store   *store.Store
	APIBase string       // HOLDFAST_STRIPE_API_BASE; "" means Stripe
	HTTP    *http.Client // nil: a 30-second timeout client
}

// PortalSession creates a session for a Stripe customer with the
// workspace's live API key and returns its URL.
func (p *BillingPortal) PortalSession(ctx context.Context, wsID, providerCustomerID string) (string, error) {
	key, err := p.Store.WorkspaceSecret(ctx, wsID, holdfast.ModeLive, store.SecretStripeAPIKey)
	if err != nil {
		return "", err
	}
	if key == "" {
		return "", errors.New("stripe: the workspace has no live Stripe API key")
	}
	sc := NewClientWithHTTP(key, p.APIBase, p.HTTP)
	params := &stripego.BillingPortalSessionCreateParams{
		Customer: stripego.String(providerCustomerID),
		FlowData: &stripego.BillingPortalSessionCreateFlowDataParams{Type: stripego.String("payment_method_update")},
	}
	params.Context = ctx
	s, err := sc.V1BillingPortalSessions.Create(ctx, params)
	if err != nil {
		return "", err
	}
	if s.URL == "" {
		return "", errors.New("stripe: the portal session has no url")
	}
	return s.URL, nil
}
