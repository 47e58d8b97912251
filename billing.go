package holdfast

import "context"

// The billing provider's side of the services. The recovery engine and the
// cancel flow state what they need from a billing provider here; package
// stripe implements it for live mode, and cmd/holdfast wires the two
// together, so no service imports the Stripe adapter. Test mode never calls
// a provider: the engine and the cancel flow simulate (SPEC §9).

// PaymentProvider charges an open invoice again (the engine's live mode).
type PaymentProvider interface {
	// Pay retries the invoice. A decline is a result (Succeeded false), not an
	// error; an error means the outcome is unknown (network, provider outage)
	// and the same request, with the same idempotency key, will be sent again.
	Pay(ctx context.Context, req PayRequest) (PayResult, error)
}

// PayRequest is one retry of one payment.
type PayRequest struct {
	WorkspaceID string
	Mode        Mode
	Invoice     string
	// IdempotencyKey is derived from the attempt ("hf_att_" + attempt id), so
	// a re-drive after a crash is recognised by the provider as the same call.
	IdempotencyKey string
	// PaymentMethod, when set, is the customer's new payment method to charge.
	PaymentMethod string
	Payment       *Payment
	Customer      *Customer // nil when the customer is not mirrored
	Attempt       *PaymentAttempt
	// Previous are the payment's earlier attempts, oldest first.
	Previous []PaymentAttempt
}

// PayResult is the provider's answer.
type PayResult struct {
	Succeeded bool
	Decline   Decline
}

// Actions an OfferApplier carries out.
const (
	ApplyAccept = "accept" // apply the session's offer
	ApplyCancel = "cancel" // cancel the subscription at period end
)

// ApplyRequest is one cancel-session outcome to carry out at the billing
// provider.
type ApplyRequest struct {
	WorkspaceID  string
	SessionID    string
	Customer     string // Stripe customer id (authenticated by the auth hash)
	Subscription string // Stripe subscription id
	Action       string // ApplyAccept or ApplyCancel
	// Offer is the offer being accepted, with a pause's Months and
	// ResumesAt resolved; nil for ApplyCancel.
	Offer *Offer
	// Attempt counts earlier definite rejections of this session's outcome
	// (see Rejected); it is part of the idempotency keys.
	Attempt int
}

// OfferApplier carries out a cancel-session outcome at the billing provider
// (the cancel flow's provider). It returns what it did; on error nothing may
// be recorded as saved, so the session stays in progress and the customer
// can retry. Errors are *Error with a message fit for the customer's screen.
type OfferApplier interface {
	Apply(ctx context.Context, req ApplyRequest) (*AppliedChange, error)
}

// Rejected wraps a provider error that definitely changed nothing (Stripe
// answered 4xx, other than a 409 conflict or a 429). The session's next
// attempt then uses fresh idempotency keys: reusing them would only replay
// the cached rejection, even after the merchant fixed its cause. Errors
// that leave it open whether the change happened (timeouts, 5xx) are not
// Rejected, so a retry reuses the keys and cannot apply anything twice.
type Rejected struct{ Err error }

func (r *Rejected) Error() string { return r.Err.Error() }

// Unwrap exposes the *Error inside, for the API's error rendering.
func (r *Rejected) Unwrap() error { return r.Err }

// PortalSessions opens Stripe customer-portal sessions: a one-time URL where
// the customer manages their payment methods, invoices and subscription,
// returning to returnURL when done. Package stripe's Provider implements it
// (POST /v1/billing_portal/sessions) with the workspace's Stripe API key of
// the mode; a test-mode workspace needs a test key (sk_test_…) for it.
type PortalSessions interface {
	CreatePortalSession(ctx context.Context, wsID string, mode Mode, customerID, returnURL string) (url string, err error)
}

// ProviderFailure is the error of a failed provider call whose answer may
// reach a customer (the cancel flow's widget): Err is the plain *Error fit
// for the customer's screen (a message and the provider's request id),
// Detail the provider's full answer for the merchant — the log, the session,
// the dashboard (OccurredAt is left for the caller, who knows the mode's
// clock).
type ProviderFailure struct {
	Err    error
	Detail ProviderError
}

func (f *ProviderFailure) Error() string { return f.Err.Error() }

// Unwrap exposes the *Error inside, for the API's error rendering.
func (f *ProviderFailure) Unwrap() error { return f.Err }
