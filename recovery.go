package holdfast

import "time"

// Recovery statuses.
const (
	RecoveryInFlight  = "in_flight"
	RecoveryRecovered = "recovered"
	RecoveryLost      = "lost"
	RecoveryAbandoned = "abandoned"
)

// Recovery is one run of a campaign on one payment ("campaign" in /api/v1).
type Recovery struct {
	ID              string           `json:"id"`
	Object          string           `json:"object"` // "recovery"
	Livemode        bool             `json:"livemode"`
	WorkspaceID     string           `json:"-"`
	Status          string           `json:"status"`
	Payment         string           `json:"payment"`
	Customer        string           `json:"customer"`
	Campaign        string           `json:"campaign"`
	Amount          int64            `json:"amount"`
	Currency        string           `json:"currency"`
	StepIndex       int              `json:"step_index"`
	RetriesUsed     int              `json:"retries_used"`
	EmailsSent      int              `json:"emails_sent"`
	AwaitingCard    bool             `json:"awaiting_card"`
	RecoveredBy     string           `json:"recovered_by,omitempty"`
	StartedAt       time.Time        `json:"started_at"`
	EndedAt         *time.Time       `json:"ended_at"`
	NextActionAt    *time.Time       `json:"next_action_at"`
	CreatedAt       time.Time        `json:"created_at"`
	UpdatedAt       time.Time        `json:"updated_at"`
	PaymentAttempts []PaymentAttempt `json:"payment_attempts,omitempty"`
	DunningSends    []DunningSend    `json:"dunning_sends,omitempty"`
}

// Dunning send statuses.
const (
	SendQueued = "queued"
	SendSent   = "sent"
	SendFailed = "failed"
)

// DunningSend is one dunning email.
type DunningSend struct {
	ID          string     `json:"id"`
	Object      string     `json:"object"` // "dunning_send"
	Livemode    bool       `json:"livemode"`
	WorkspaceID string     `json:"-"`
	Recovery    string     `json:"recovery"`
	Payment     string     `json:"payment"`
	Customer    string     `json:"customer"`
	Channel     string     `json:"channel"`
	To          string     `json:"to"`
	Subject     string     `json:"subject"`
	BodyText    string     `json:"-"`
	BodyHTML    string     `json:"-"`
	Template    string     `json:"template"`
	Status      string     `json:"status"`
	Error       string     `json:"error,omitempty"`
	Attempts    int        `json:"-"`
	SentAt      *time.Time `json:"sent_at"`
	ClickedAt   *time.Time `json:"clicked_at"`
	CreatedAt   time.Time  `json:"created_at"`
}
