package stripe

import (
	"context"
	"net/url"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
)

var _ holdfast.PortalSessions = (*Provider)(nil)

// CreatePortalSession opens a customer-portal session with POST
// /v1/billing_portal/sessions (customer, return_url) and returns its URL.
// Errors: ECONFLICT when the workspace has no Stripe API key for mode, and
// ECONFLICT with a plain message and Stripe's request id when Stripe fails
// (its full error goes to the log; the message may reach a customer).
func (p *Provider) CreatePortalSession(ctx context.Context, wsID string, mode holdfast.Mode, customerID, returnURL string) (string, error) {
	if err := checkID("customer", customerID); err != nil {
		return "", err
	}
	if u, err := url.Parse(returnURL); returnURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		return "", holdfast.ParamError("return_url", "return_url must be an absolute http(s) URL.")
	}
	sc, err := p.client(ctx, wsID, mode)
	if err != nil {
		return "", err
	}
	if sc == nil {
		return "", holdfast.Errorf(holdfast.ECONFLICT, "This workspace has no %s Stripe API key, so no customer-portal session can be opened. "+
			"Set one with `holdfast workspace update %s --stripe-api-key %s=…`.", mode, wsID, mode)
	}
	params := &stripego.BillingPortalSessionCreateParams{Customer: stripego.String(customerID)}
	if returnURL != "" {
		params.ReturnURL = stripego.String(returnURL)
	}
	s, err := sc.V1BillingPortalSessions.Create(ctx, params)
	if err != nil {
		p.log.Warn("stripe billing portal session failed", "workspace", wsID, "mode", mode, "customer", customerID,
			"class", Classify(err), "request_id", RequestID(err), "err", err)
		return "", holdfast.Errorf(holdfast.ECONFLICT, "Stripe could not open a customer-portal session%s; please try again later.", requestRef(err))
	}
	return s.URL, nil
}
