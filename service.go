package holdfast

import (
	"context"
	"time"
)

// Decline is what the provider said about a failed charge.
type Decline struct {
	Code              string `json:"decline_code"`        // e.g. insufficient_funds
	FailureCode       string `json:"failure_code"`        // e.g. card_declined
	AdviceCode        string `json:"advice_code"`         // Stripe advice_code
	NetworkAdviceCode string `json:"network_advice_code"` // Mastercard merchant advice code ("03", "24", …)
	Message           string `json:"failure_message"`
}

// Card describes the payment method a charge used.
type Card struct {
	PaymentMethod string // pm_…
	Fingerprint   string
	Brand         string // visa, mastercard, … (Stripe's lowercase names)
	Funding       string // credit, debit, prepaid, unknown
	Last4         string // the last four digits Stripe shows; never more
	ExpMonth      int    // 1..12; 0 when unknown
	ExpYear       int    // four digits; 0 when unknown
}

// InvoiceFailure is a failed invoice as the provider reported it
// (Stripe invoice.payment_failed).
type InvoiceFailure struct {
	WorkspaceID        string
	Mode               Mode
	Invoice            string // in_…
	Customer           string // our cus_… id; "" when the customer is not mirrored yet
	ProviderCustomerID string // cus_… at Stripe
	Subscription       string // sub_… at Stripe
	PaymentIntent      string
	Charge             string
	Amount             int64
	Currency           string
	HostedInvoiceURL   string
	Decline            Decline // may be empty: charge.failed / payment_intent.payment_failed often bring it
	Card               Card
	ProviderTime       time.Time // the event's `created`, for ordering only
}

// DeclineReport attaches decline details to a failed invoice's payment
// (Stripe charge.failed / payment_intent.payment_failed), whichever event
// arrives first; matching is by invoice, else payment intent, else charge.
type DeclineReport struct {
	WorkspaceID   string
	Mode          Mode
	Invoice       string
	PaymentIntent string
	Charge        string
	Decline       Decline
	Card          Card
	ProviderTime  time.Time
}

// RecoveryEvents is what the Stripe ingester tells the recovery engine. Every
// method joins the transaction carried by ctx (store.InTx), so the mirrored
// change and its consequence commit together. Implemented by package engine.
type RecoveryEvents interface {
	// InvoiceFailed opens a pending payment and its in-flight recovery exactly
	// once per invoice (later calls only fill in missing decline details).
	InvoiceFailed(ctx context.Context, f InvoiceFailure) (*Payment, error)
	// DeclineReported fills in decline details of an open payment; a no-op
	// when no payment matches yet (invoice.payment_failed will carry them).
	DeclineReported(ctx context.Context, d DeclineReport) error
	// InvoicePaid ends the invoice's recovery as recovered.
	InvoicePaid(ctx context.Context, wsID string, mode Mode, invoice string, at time.Time) error
	// InvoiceLost ends the invoice's recovery as lost (voided, uncollectible).
	InvoiceLost(ctx context.Context, wsID string, mode Mode, invoice, reason string, at time.Time) error
	// SubscriptionEndedUnpaid ends the subscription's in-flight recoveries as lost.
	SubscriptionEndedUnpaid(ctx context.Context, wsID string, mode Mode, subscription string, at time.Time) error
	// CardUpdated records a new payment method for a customer (our id) and
	// triggers an immediate retry of its pending payments.
	CardUpdated(ctx context.Context, wsID string, mode Mode, customerID string, card Card, at time.Time) error
	// CustomerDeleted ends the customer's in-flight recoveries as abandoned.
	CustomerDeleted(ctx context.Context, wsID string, mode Mode, customerID string, at time.Time) error
}
