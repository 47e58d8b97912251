package holdfast

import "time"

// Cancel session statuses and outcomes.
const (
	SessionInProgress = "in_progress"
	SessionCompleted  = "completed"

	OutcomeSavedDiscount  = "saved_discount"
	OutcomeSavedPause     = "saved_pause"
	OutcomeSavedDowngrade = "saved_downgrade"
	OutcomeSavedOther     = "saved_other"
	OutcomeCanceled       = "canceled"
	OutcomeAbandoned      = "abandoned"
)

// Offer types of a cancel-flow reason.
const (
	OfferDiscount  = "discount"
	OfferPause     = "pause"
	OfferDowngrade = "downgrade"
	OfferOther     = "other"
)

// Offer is a save offer (discount, pause, downgrade, other). Which fields
// apply depends on Type; cancelflow.ValidateFlow enforces the combinations.
type Offer struct {
	Type           string `json:"type"`
	CouponID       string `json:"coupon,omitempty"`
	PercentOff     int    `json:"percent_off,omitempty"`
	DurationMonths int    `json:"duration_months,omitempty"`
	MaxMonths      int    `json:"max_months,omitempty"`
	// ResumeBehavior of a pause: "auto" (Stripe resumes collection at
	// resumes_at) or "manual" (paused until the merchant resumes it).
	ResumeBehavior string `json:"resume_behavior,omitempty"`
	// Behavior is Stripe's pause_collection.behavior for invoices during a
	// pause: void (default), keep_as_draft or mark_uncollectible.
	Behavior  string `json:"behavior,omitempty"`
	PriceID   string `json:"price,omitempty"`
	Proration string `json:"proration_behavior,omitempty"`
	Message   string `json:"message,omitempty"`
	// Months and ResumesAt are set on an accepted pause: how long the
	// customer chose and when collection resumes (nil for manual resume).
	Months    int        `json:"months,omitempty"`
	ResumesAt *time.Time `json:"resumes_at,omitempty"`
}

// ProviderAction is one change made (or, in test mode, simulated) at the
// billing provider to carry out a cancel-session outcome.
type ProviderAction struct {
	Method         string            `json:"method"`
	Path           string            `json:"path"`
	Params         map[string]string `json:"params,omitempty"`
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
}

// AppliedChange records how an outcome reached the provider: "stripe" for
// live calls, "simulated" for test mode, which makes no provider call.
type AppliedChange struct {
	Provider string           `json:"provider"`
	Actions  []ProviderAction `json:"actions"`
}

// CancelReason is one survey answer and its offer.
type CancelReason struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Offer *Offer `json:"offer"`
}

// CancelFlow is a workspace's cancel-flow configuration for one mode.
type CancelFlow struct {
	Object                string         `json:"object"` // "cancel_flow"
	Livemode              bool           `json:"livemode"`
	Reasons               []CancelReason `json:"reasons"`
	SessionTimeoutMinutes int            `json:"session_timeout_minutes"`
	DiscountCooldownDays  int            `json:"discount_cooldown_days"`
	UpdatedAt             *time.Time     `json:"updated_at"`
}

// CancelSession is one customer's pass through the cancel flow.
type CancelSession struct {
	ID            string         `json:"id"`
	Object        string         `json:"object"` // "cancel_session"
	Livemode      bool           `json:"livemode"`
	WorkspaceID   string         `json:"-"`
	CustomerID    string         `json:"-"`
	Customer      string         `json:"customer"`
	Subscription  string         `json:"subscription"`
	Status        string         `json:"status"`
	Outcome       *string        `json:"outcome"`
	Reason        *string        `json:"reason"`
	Feedback      *string        `json:"feedback"`
	Offer         *Offer         `json:"offer"`
	AcceptedOffer *Offer         `json:"accepted_offer"`
	Reasons       []CancelReason `json:"reasons,omitempty"`
	Applied       *AppliedChange `json:"applied"`
	// ProviderError is the billing provider's full answer to the latest
	// failed attempt to apply an outcome (nil when none failed; the
	// provider's message even for declines). Secret keys
	// and the dashboard see it; widget (publishable-key) answers omit it.
	ProviderError *ProviderError `json:"provider_error,omitempty"`
	RespondedAt   *time.Time     `json:"-"`
	ApplyAttempt  int            `json:"-"` // provider rejections so far (part of idempotency keys)
	ExpiresAt     time.Time      `json:"expires_at"`
	CompletedAt   *time.Time     `json:"completed_at"`
	CreatedAt     time.Time      `json:"created_at"`
}

// At is the session as a reader sees it at now: one still in progress past
// its expires_at reads as abandoned at that moment, as its timeout job (or
// the next write that touches it) records it. Reads never write.
func (cs *CancelSession) At(now time.Time) *CancelSession {
	if cs == nil || cs.Status != SessionInProgress || now.Before(cs.ExpiresAt) {
		return cs
	}
	v := *cs
	outcome, at := OutcomeAbandoned, cs.ExpiresAt
	v.Status, v.Outcome, v.CompletedAt = SessionCompleted, &outcome, &at
	return &v
}
