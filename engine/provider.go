package engine

import (
	"context"
	"errors"

	"holdfast"
)

// Provider charges an open invoice again. Live mode talks to Stripe; test
// mode simulates (SPEC §9).
type Provider interface {
	// Pay retries the invoice. A decline is a result (Succeeded false), not an
	// error; an error means the outcome is unknown (network, provider outage)
	// and the same request, with the same idempotency key, will be sent again.
	Pay(ctx context.Context, req PayRequest) (PayResult, error)
}

// PayRequest is one retry of one payment.
type PayRequest struct {
	WorkspaceID string
	Mode        holdfast.Mode
	Invoice     string
	// IdempotencyKey is derived from the attempt ("hf_att_" + attempt id), so
	// a re-drive after a crash is recognised by the provider as the same call.
	IdempotencyKey string
	// PaymentMethod, when set, is the customer's new payment method to charge.
	PaymentMethod string
	Payment       *holdfast.Payment
	Customer      *holdfast.Customer // nil when the customer is not mirrored
	Attempt       *holdfast.PaymentAttempt
	// Previous are the payment's earlier attempts, oldest first.
	Previous []holdfast.PaymentAttempt
}

// PayResult is the provider's answer.
type PayResult struct {
	Succeeded bool
	Decline   holdfast.Decline
}

// errCrash is returned by test hooks to simulate the process dying: the
// runner leaves the job exactly as it is, lease and all.
var errCrash = errors.New("engine: simulated crash")
