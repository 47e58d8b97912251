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

// Offer is a save offer (discount, pause, downgrade, other).
type Offer struct {
	Type           string `json:"type"`
	CouponID       string `json:"coupon,omitempty"`
	PercentOff     int    `json:"percent_off,omitempty"`
	DurationMonths int    `json:"duration_months,omitempty"`
	MaxMonths      int    `json:"max_months,omitempty"`
	ResumeBehavior string `json:"resume_behavior,omitempty"`
	PriceID        string `json:"price,omitempty"`
	Proration      string `json:"proration_behavior,omitempty"`
	Message        string `json:"message,omitempty"`
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
	ExpiresAt     time.Time      `json:"expires_at"`
	CompletedAt   *time.Time     `json:"completed_at"`
	CreatedAt     time.Time      `json:"created_at"`
}
