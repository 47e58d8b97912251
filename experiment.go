package holdfast

import (
	"context"
	"time"
)

// Experiment statuses.
const (
	ExperimentRunning = "running"
	ExperimentStopped = "stopped"
)

// PrefixExperiment starts every experiment id.
const PrefixExperiment = "exp_"

// Event types of experiments.
const (
	EventExperimentStarted = "experiment.started"
	EventExperimentStopped = "experiment.stopped"
)

// Experiment is a live A/B test of campaigns: while it runs, each recovery
// that opens and matches its filters runs the campaign of an arm drawn at
// random by weight, the same arm for every recovery of a customer.
type Experiment struct {
	ID          string          `json:"id"`
	Object      string          `json:"object"` // "experiment"
	Livemode    bool            `json:"livemode"`
	WorkspaceID string          `json:"-"`
	Name        string          `json:"name"`
	Status      string          `json:"status"`
	Arms        []ExperimentArm `json:"arms"`
	Filters     CampaignFilters `json:"filters"`
	StartedAt   time.Time       `json:"started_at"`
	StoppedAt   *time.Time      `json:"stopped_at"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	// Results is filled by GET /v1/experiments/:id.
	Results []ArmResult `json:"results,omitempty"`
}

// ExperimentArm is one campaign under test and its share of recoveries.
type ExperimentArm struct {
	Campaign string `json:"campaign"`
	Weight   int    `json:"weight"`
}

// ArmResult is how an arm's recoveries went.
type ArmResult struct {
	Arm                int           `json:"arm"`
	Campaign           string        `json:"campaign"`
	Weight             int           `json:"weight"`
	Recoveries         int           `json:"recoveries"`
	InFlight           int           `json:"in_flight"`
	Recovered          int           `json:"recovered"`
	RecoveredRate      *float64      `json:"recovered_rate"`
	RecoveredRevenue   []MoneyAmount `json:"recovered_revenue"`
	Charges            int           `json:"charges"`
	ChargesPerRecovery *float64      `json:"charges_per_recovery"`
	// DifferenceFromFirst is this arm's recovered rate minus the first
	// arm's, with its 95 % interval (Newcombe's method); nil for the first
	// arm and while either arm has no recoveries.
	DifferenceFromFirst *RateDifference `json:"difference_from_first"`
}

// MoneyAmount is an amount in minor units of a currency.
type MoneyAmount struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// RateDifference is a difference of two rates with its 95 % interval.
type RateDifference struct {
	Difference float64 `json:"difference"`
	Low        float64 `json:"ci95_low"`
	High       float64 `json:"ci95_high"`
}

// RecoveryOpening describes a recovery about to open, for a CampaignChooser.
type RecoveryOpening struct {
	WorkspaceID string
	Mode        Mode
	RecoveryID  string
	// CustomerKey identifies the customer for sticky assignment: our
	// customer id, else the provider's, else the payment's invoice.
	CustomerKey string
	Amount      int64
	Currency    string
	Tags        []string
	Now         time.Time
}

// CampaignChooser may pick the campaign of a recovery about to open (a
// running experiment's arm). It runs in the opening's transaction (ctx) and
// returns nil to leave the choice to the campaigns' own filters.
type CampaignChooser interface {
	ChooseCampaign(ctx context.Context, o RecoveryOpening) (*Campaign, error)
}
