// Package policy is the smart-retry policy of the recovery engine (SPEC §6): it
// classifies declines, decides when the next automatic retry should run, and
// enforces the card networks' retry limits.
//
// Everything here is a pure function of its inputs: no database, no I/O and no
// time.Now. The engine passes the current time (from the workspace's clock, which
// in test mode is the test clock) and the attempt history, so the whole policy is
// tested with tables instead of sleeps, and two engine processes asking the same
// question get the same answer.
package policy

import "time"

// Class is what a decline says about retrying.
type Class string

// The decline classes of SPEC §6's smart-retry table.
const (
	// ClassNeverRetry: the card must not be charged again (lost, stolen, fraud,
	// advice do_not_try_again, Mastercard MAC 03/21).
	ClassNeverRetry Class = "never_retry"
	// ClassNeedsCustomer: only the customer can fix it (expired card, bad CVC, 3DS).
	ClassNeedsCustomer Class = "needs_customer"
	// ClassFunds: not enough money now; retry around paydays.
	ClassFunds Class = "funds"
	// ClassTransient: a passing fault at the issuer or network; retry soon.
	ClassTransient Class = "transient"
	// ClassAmbiguous: a generic or unknown decline; a few retries over a week.
	ClassAmbiguous Class = "ambiguous"
	// ClassNone is the zero Class, for callers that have no decline yet.
	// Classify never returns it: a failed payment with no code is ambiguous.
	ClassNone Class = ""
)

// Decline is the provider's answer to a failed charge.
type Decline struct {
	// Code is Stripe's decline_code (or failure_code when there is no decline_code).
	Code string
	// AdviceCode is Stripe's advice_code: do_not_try_again, confirm_card_data,
	// try_again_later.
	AdviceCode string
	// NetworkAdviceCode is the Mastercard merchant advice code, e.g. "03", "21", "24".
	NetworkAdviceCode string
}

// Card is the payment method a retry would charge.
type Card struct {
	// Fingerprint identifies the card number across payment methods; the network
	// limits are counted per fingerprint.
	Fingerprint string
	// Brand is lowercase as Stripe spells it: "visa", "mastercard", "amex", …
	Brand string
	// Funding is "credit", "debit", "prepaid" or "unknown".
	Funding string
}

// Attempt outcomes, as stored on payment_attempt.outcome.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	// OutcomeRefused marks an attempt Holdfast refused to send (a network limit):
	// it never reached the card network, so it counts toward nothing.
	OutcomeRefused = "refused"
)

// Attempt is one past charge attempt on one of the customer's cards.
type Attempt struct {
	At          time.Time
	Fingerprint string
	Brand       string
	// Outcome is OutcomeSucceeded, OutcomeFailed or OutcomeRefused.
	Outcome string
	// Decline is the provider's answer when Outcome is failed.
	Decline Decline
	// Manual is true for POST /v1/payments/:id/retry: it counts toward the
	// network limits but not toward the campaign's budget.
	Manual bool
}

// Input is everything Next needs to decide the next automatic retry.
type Input struct {
	Now time.Time
	// Opened is when the recovery opened (the first failure); the funds and
	// ambiguous schedules count from it, and it seeds the jitter.
	Opened time.Time
	// Decline is the latest decline on this payment.
	Decline Decline
	// Card is the card a retry would use now.
	Card Card
	// History is every attempt on this customer's cards (all payments), any order.
	History []Attempt
	// Location is the customer's time zone, else the workspace's; nil means UTC.
	Location *time.Location
	// RetriesUsed counts the automatic (non-manual) retries this recovery made.
	RetriesUsed int
	// MaxRetries is the campaign's budget of automatic retries.
	MaxRetries int
	// CardChangedSinceDecline is true when a new payment method was attached (or
	// made default) after the latest decline.
	CardChangedSinceDecline bool
}

// Decision is Next's answer.
type Decision struct {
	// Retry is true when an automatic retry should run at At.
	Retry bool
	// At is when to retry; never before Input.Now. Zero when Retry is false.
	At time.Time
	// EmailNow asks for the card-update email now (never-retry and
	// needs-customer declines). It is a level, not an edge: the engine sends the
	// email once per recovery however often Next repeats it.
	EmailNow bool
	// GiveUp is true when the budget or the class's schedule is spent: no more
	// automatic retries; the campaign's remaining emails ask for a new card.
	GiveUp bool
	// Reason explains the decision in a sentence, for logs and the dashboard.
	Reason string
}
