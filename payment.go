package holdfast

import "time"

// Payment statuses.
const (
	PaymentPending   = "pending"
	PaymentRecovered = "recovered"
	PaymentFailed    = "failed"
	PaymentCanceled  = "canceled"
)

// Payment is one failed invoice under recovery.
type Payment struct {
	ID                 string     `json:"id"`
	Object             string     `json:"object"` // "payment"
	Livemode           bool       `json:"livemode"`
	WorkspaceID        string     `json:"-"`
	Customer           string     `json:"customer"`
	ProviderCustomerID string     `json:"provider_customer"`
	Subscription       string     `json:"subscription"`
	Invoice            string     `json:"invoice"`
	PaymentIntent      string     `json:"payment_intent,omitempty"`
	Charge             string     `json:"charge,omitempty"`
	Amount             int64      `json:"amount"`
	Currency           string     `json:"currency"`
	Status             string     `json:"status"`
	DeclineCode        string     `json:"decline_code"`
	FailureCode        string     `json:"failure_code"`
	AdviceCode         string     `json:"advice_code"`
	NetworkAdviceCode  string     `json:"network_advice_code"`
	FailureMessage     string     `json:"failure_message"`
	CardFingerprint    string     `json:"-"`
	CardBrand          string     `json:"card_brand,omitempty"`
	CardFunding        string     `json:"card_funding,omitempty"`
	PaymentMethod      string     `json:"payment_method,omitempty"`
	HostedInvoiceURL   string     `json:"hosted_invoice_url,omitempty"`
	AttemptCount       int        `json:"attempt_count"`
	NextRetryAt        *time.Time `json:"next_retry_at"`
	// ProviderError is the latest failed call to the billing provider while
	// retrying this payment (not a decline: see ProviderError); nil once the
	// card network answered again.
	ProviderError     *ProviderError   `json:"provider_error"`
	Recovery          string           `json:"recovery"`
	Attempts          []PaymentAttempt `json:"attempts,omitempty"`
	ProviderUpdatedAt int64            `json:"-"`
	CreatedAt         time.Time        `json:"created_at"`
	UpdatedAt         time.Time        `json:"updated_at"`
}

// Attempt initiators and outcomes.
const (
	InitiatorSchedule   = "schedule"
	InitiatorManual     = "manual"
	InitiatorCardUpdate = "card_update"

	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	OutcomeRefused   = "refused"
)

// Attempt states: an attempt is stored as started, with its idempotency key,
// and committed before the provider is called; it is completed (done, with
// its outcome) in the transaction that applies the result. A started attempt
// found after a crash is driven again with the same key.
const (
	AttemptStarted = "started"
	AttemptDone    = "done"
)

// PaymentAttempt is one retry of a payment through the provider.
type PaymentAttempt struct {
	ID                string     `json:"id"`
	Object            string     `json:"object"` // "payment_attempt"
	Livemode          bool       `json:"livemode"`
	WorkspaceID       string     `json:"-"`
	Payment           string     `json:"payment"`
	Recovery          string     `json:"recovery,omitempty"`
	Customer          string     `json:"-"`
	Initiator         string     `json:"initiator"`
	State             string     `json:"-"` // started | done
	Outcome           string     `json:"outcome"`
	DeclineCode       string     `json:"decline_code"`
	FailureCode       string     `json:"failure_code,omitempty"`
	AdviceCode        string     `json:"advice_code,omitempty"`
	NetworkAdviceCode string     `json:"network_advice_code,omitempty"`
	FailureMessage    string     `json:"failure_message,omitempty"`
	CardFingerprint   string     `json:"-"`
	CardBrand         string     `json:"card_brand,omitempty"`
	IdempotencyKey    string     `json:"idempotency_key"`
	CreatedAt         time.Time  `json:"created_at"`
	CompletedAt       *time.Time `json:"completed_at,omitempty"`
}
