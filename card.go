package holdfast

import (
	"context"
	"time"
)

// Expiring-card notices and the in-app payment notice (issue 15): the cheapest
// recovery is the one that never has to happen.

// ID prefixes of the objects below.
const (
	PrefixCardNotice   = "cen_" // one expiring-card email
	PrefixNoticeAction = "cna_" // one view or click of the in-app notice
)

// Event types of expiring-card notices.
const (
	EventCardExpiringNoticeSent  = "card.expiring_notice_sent"
	EventCardUpdatedBeforeExpiry = "card.updated_before_expiry"
)

// CustomerCard is a customer's default card as the API shows it: what Stripe
// shows, never the card number.
type CustomerCard struct {
	PaymentMethod string `json:"payment_method"`
	Brand         string `json:"brand"`
	Funding       string `json:"funding"`
	Last4         string `json:"last4"`
	ExpMonth      int    `json:"exp_month"`
	ExpYear       int    `json:"exp_year"`
	Fingerprint   string `json:"fingerprint"`
}

// CardExpiresAt is the first instant after a card's expiry month in loc (nil:
// UTC): cards work through the last day of the month they show. ok is false
// for an unknown or impossible expiry.
func CardExpiresAt(month, year int, loc *time.Location) (time.Time, bool) {
	if month < 1 || month > 12 || year < 1970 || year > 9999 {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, loc), true
}

// Defaults of the expiring-card notice configuration.
var (
	DefaultCardExpiryDays     = []int{30, 7}
	DefaultCardExpirySubject  = "Your {{.CardBrand}} card ending in {{.CardLast4}} expires soon"
	DefaultCardExpiryTemplate = "Hi {{.CustomerName}},\n\n" +
		"The {{.CardBrand}} card ending in {{.CardLast4}} that pays for your {{.WorkspaceName}} subscription expires on {{.ExpiresOn}}, " +
		"before your next renewal.\n\n" +
		"Please update your payment method so your subscription keeps running without interruption:\n{{.UpdateURL}}\n\n" +
		"Thanks,\n{{.WorkspaceName}}\n"
)

// CardExpirySettings is the expiring-card notice configuration of one
// workspace and mode (GET/PUT /v1/card_expiry_notices).
type CardExpirySettings struct {
	Object     string        `json:"object"` // "card_expiry_notices"
	Livemode   bool          `json:"livemode"`
	Enabled    bool          `json:"enabled"`
	DaysBefore []int         `json:"days_before"` // descending, distinct
	Template   EmailTemplate `json:"template"`
	UpdatedAt  *time.Time    `json:"updated_at"`
}

// DefaultCardExpirySettings are the settings of a mode nobody configured:
// off in live mode (a merchant turns them on), on in test mode.
func DefaultCardExpirySettings(mode Mode) CardExpirySettings {
	return CardExpirySettings{
		Object: "card_expiry_notices", Livemode: mode.Livemode(), Enabled: mode == ModeTest,
		DaysBefore: append([]int(nil), DefaultCardExpiryDays...),
		Template:   EmailTemplate{Subject: DefaultCardExpirySubject, Body: DefaultCardExpiryTemplate},
	}
}

// CardExpiryPatch is a PUT /v1/card_expiry_notices body: nil fields keep
// their current value.
type CardExpiryPatch struct {
	Enabled    *bool
	DaysBefore []int // nil: unchanged
	Subject    *string
	Body       *string
}

// Card expiry notice statuses (the send statuses) and outcomes.
const (
	CardOutcomeUpdated = "updated" // replaced or auto-updated before it expired
	CardOutcomeExpired = "expired" // expired unchanged
)

// CardExpiryNotice is one expiring-card email.
type CardExpiryNotice struct {
	ID            string     `json:"id"`
	Object        string     `json:"object"` // "card_expiry_notice"
	Livemode      bool       `json:"livemode"`
	WorkspaceID   string     `json:"-"`
	Customer      string     `json:"customer"`
	CardKey       string     `json:"-"`
	PaymentMethod string     `json:"payment_method"`
	Brand         string     `json:"card_brand"`
	Last4         string     `json:"card_last4"`
	ExpMonth      int        `json:"exp_month"`
	ExpYear       int        `json:"exp_year"`
	ExpiresAt     time.Time  `json:"expires_at"`
	DaysBefore    int        `json:"days_before"`
	To            string     `json:"to"`
	Subject       string     `json:"subject"`
	BodyText      string     `json:"-"`
	BodyHTML      string     `json:"-"`
	Status        string     `json:"status"` // queued | sent | failed
	Error         string     `json:"error,omitempty"`
	SentAt        *time.Time `json:"sent_at"`
	ClickedAt     *time.Time `json:"clicked_at"`
	Outcome       string     `json:"outcome"` // "", updated, expired
	OutcomeAt     *time.Time `json:"outcome_at"`
	CreatedAt     time.Time  `json:"created_at"`
}

// CardExpiryCounts is stats.card_expiry: notices sent in the period, and
// cards with a notice that were updated before they expired, or expired
// unchanged, in the period.
type CardExpiryCounts struct {
	NoticesSent          int64 `json:"notices_sent"`
	UpdatedBeforeExpiry  int64 `json:"updated_before_expiry"`
	ExpiredWithoutUpdate int64 `json:"expired_without_update"`
}

// InAppNoticeCounts is stats.in_app_notice: views and clicks of the in-app
// payment notice in the period, and recoveries started in the period that
// were recovered after a click on it.
type InAppNoticeCounts struct {
	Views     int64 `json:"views"`
	Clicks    int64 `json:"clicks"`
	Recovered int64 `json:"recovered"`
}

// RecoveredByInAppNotice is recovered_by of a recovery whose customer clicked
// the in-app payment notice before it was recovered.
const RecoveredByInAppNotice = "in_app_notice"

// In-app notice states (GET /v1/customer_notice).
const (
	NoticeOK            = "ok"
	NoticePaymentFailed = "payment_failed"
	NoticeCardExpiring  = "card_expiring"
)

// CustomerNotice is what the in-app payment notice shows a customer.
type CustomerNotice struct {
	Object       string     `json:"object"` // "customer_notice"
	Livemode     bool       `json:"livemode"`
	Customer     string     `json:"customer"` // the Stripe customer id asked about
	State        string     `json:"state"`
	AmountDue    *int64     `json:"amount_due"`
	Currency     *string    `json:"currency"`
	InvoiceDueAt *time.Time `json:"invoice_due_at"`
	UpdateURL    *string    `json:"update_url"`
	Card         *struct {
		Brand    string `json:"brand"`
		Last4    string `json:"last4"`
		ExpMonth int    `json:"exp_month"`
		ExpYear  int    `json:"exp_year"`
	} `json:"card,omitempty"`
	// Payment and Recovery name what a view or click is about (internal).
	Payment  string `json:"-"`
	Recovery string `json:"-"`
}

// CardExpiryEvents is what the Stripe ingester tells the expiring-card
// notices: a customer's default card or subscriptions changed, so its notice
// plan must be made again (and a replaced card that had notices counts as
// updated before expiry). It joins the transaction in ctx. Implemented by
// package engine, next to holdfast.RecoveryEvents.
type CardExpiryEvents interface {
	CustomerBillingChanged(ctx context.Context, wsID string, mode Mode, customerID string) error
}
