package holdfast

import "time"

// Campaign step actions.
const (
	ActionRetry = "retry"
	ActionEmail = "email"
)

// CampaignStep is one step of a playbook; after_hours counts from the moment
// the recovery opened (SPEC §11).
type CampaignStep struct {
	AfterHours int            `json:"after_hours"`
	Action     string         `json:"action"`
	Template   *EmailTemplate `json:"template,omitempty"`
}

// EmailTemplate is a dunning email in Go template syntax.
type EmailTemplate struct {
	Name    string `json:"name,omitempty"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// CampaignFilters decide which failed payments a campaign takes.
type CampaignFilters struct {
	Currency    string `json:"currency,omitempty"`
	MinAmount   *int64 `json:"min_amount,omitempty"`
	MaxAmount   *int64 `json:"max_amount,omitempty"`
	CustomerTag string `json:"customer_tag,omitempty"`
}

// Campaign is a recovery playbook.
type Campaign struct {
	ID           string          `json:"id"`
	Object       string          `json:"object"` // "campaign"
	Livemode     bool            `json:"livemode"`
	WorkspaceID  string          `json:"-"`
	Name         string          `json:"name"`
	IsDefault    bool            `json:"is_default"`
	Priority     int             `json:"priority"`
	Steps        []CampaignStep  `json:"steps"`
	MaxRetries   int             `json:"max_retries"`
	SmartRetries bool            `json:"smart_retries"`
	Filters      CampaignFilters `json:"filters"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// Matches reports whether the campaign's filters accept a payment.
func (c *Campaign) Matches(amount int64, currency string, tags []string) bool {
	return c.Filters.Match(amount, currency, tags)
}

// Match reports whether the filters accept a payment (experiments share them).
func (f CampaignFilters) Match(amount int64, currency string, tags []string) bool {
	if f.Currency != "" && f.Currency != currency {
		return false
	}
	if f.MinAmount != nil && amount < *f.MinAmount {
		return false
	}
	if f.MaxAmount != nil && amount > *f.MaxAmount {
		return false
	}
	if f.CustomerTag != "" {
		found := false
		for _, t := range tags {
			if t == f.CustomerTag {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
