package holdfast

import (
	"encoding/json"
	"time"
)

// Event types of SPEC §8.
const (
	EventRecoveryStarted   = "recovery.started"
	EventRecoveryRecovered = "recovery.recovered"
	EventRecoveryLost      = "recovery.lost"
	EventRecoveryAbandoned = "recovery.abandoned"
	EventRetrySucceeded    = "payment.retry_succeeded"
	EventRetryFailed       = "payment.retry_failed"
	EventDunningSent       = "dunning.sent"
	EventProviderError     = "provider.error"
	EventCancelStarted     = "cancel_session.started"
	EventCancelSaved       = "cancel_session.saved"
	EventCancelCanceled    = "cancel_session.canceled"
	EventCancelAbandoned   = "cancel_session.abandoned"
	EventCustomerDeleted   = "customer.deleted"
	EventEndpointDisabled  = "webhook_endpoint.disabled"
	EventPing              = "ping"
)

// EventTypes lists every type a webhook endpoint may subscribe to.
var EventTypes = []string{
	EventRecoveryStarted, EventRecoveryRecovered, EventRecoveryLost, EventRecoveryAbandoned,
	EventRetrySucceeded, EventRetryFailed, EventDunningSent, EventProviderError,
	EventCancelStarted, EventCancelSaved, EventCancelCanceled, EventCancelAbandoned,
	EventCustomerDeleted, EventEndpointDisabled, EventPing,
	EventCardExpiringNoticeSent, EventCardUpdatedBeforeExpiry,
	EventExperimentStarted, EventExperimentStopped,
}

// Event is an entry of the event log that webhooks deliver.
type Event struct {
	ID          string          `json:"id"`
	Object      string          `json:"object"` // "event"
	Type        string          `json:"type"`
	Livemode    bool            `json:"livemode"`
	WorkspaceID string          `json:"-"`
	ObjectID    string          `json:"-"`
	Data        json.RawMessage `json:"data"` // {"object": …}
	CreatedAt   time.Time       `json:"created_at"`
}

// WebhookEndpoint receives events.
type WebhookEndpoint struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"` // "webhook_endpoint"
	Livemode       bool       `json:"livemode"`
	WorkspaceID    string     `json:"-"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Description    string     `json:"description"`
	Enabled        bool       `json:"enabled"`
	Secret         string     `json:"secret,omitempty"` // only on creation
	DisabledReason string     `json:"disabled_reason,omitempty"`
	FailingSince   *time.Time `json:"failing_since,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Delivery statuses: a delivery is pending until an attempt succeeds or its
// retries run out (failed).
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event owed to one endpoint, with its attempts.
type WebhookDelivery struct {
	ID             string                   `json:"id"`
	Object         string                   `json:"object"` // "webhook_delivery"
	Livemode       bool                     `json:"livemode"`
	Endpoint       string                   `json:"endpoint"`
	Event          string                   `json:"event"`
	EventType      string                   `json:"event_type,omitempty"`
	Status         string                   `json:"status"` // pending | succeeded | failed
	AttemptCount   int                      `json:"attempt_count"`
	NextAttemptAt  *time.Time               `json:"next_attempt_at"`
	LastStatusCode *int                     `json:"last_status_code"`
	LastError      string                   `json:"last_error,omitempty"`
	Attempts       []WebhookDeliveryAttempt `json:"attempts"`
	CreatedAt      time.Time                `json:"created_at"`
	UpdatedAt      time.Time                `json:"updated_at"`
}

// WebhookDeliveryAttempt is one HTTP request of a delivery.
type WebhookDeliveryAttempt struct {
	ID           string    `json:"id"`
	StatusCode   *int      `json:"status_code"`
	LatencyMS    int64     `json:"latency_ms"`
	ResponseBody string    `json:"response_body"`
	Error        string    `json:"error,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}
