package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"holdfast"
	"holdfast/campaign"
)

// Strategy is one way to run recoveries, compared with the others.
type Strategy struct {
	Name string `json:"name"`
	// Campaign is the playbook every simulated payment runs; nil is the
	// default "Smart recovery" campaign a new workspace gets.
	Campaign *holdfast.Campaign `json:"-"`
	// Unguarded runs a blind campaign without the engine's card-network
	// guard (engine.Config.Unguarded): what the schedule would do at a
	// biller that does not check the network rules.
	Unguarded   bool   `json:"unguarded,omitempty"`
	Description string `json:"description"`
}

// Built-in strategy names.
const (
	StrategyDefault   = "default"
	StrategyFixed8x14 = "fixed-8x14d"
	StrategyFixed4x7  = "fixed-4x7d"
	StrategyEmails    = "emails-only"
	StrategyUnguarded = "unguarded-8x14d"
)

// BuiltinNames lists the built-in strategies in help order.
var BuiltinNames = []string{StrategyDefault, StrategyFixed8x14, StrategyFixed4x7, StrategyEmails, StrategyUnguarded}

// defaultEmails are the default campaign's email steps, which the fixed
// strategies keep so that only the retries differ.
func defaultEmails() []holdfast.CampaignStep {
	var out []holdfast.CampaignStep
	for _, s := range holdfast.DefaultCampaign("", holdfast.ModeTest, DefaultStart).Steps {
		if s.Action == holdfast.ActionEmail {
			out = append(out, s)
		}
	}
	return out
}

// fixed is a blind schedule: n retries evenly over the days (the last on
// the last day), smart retries off, and the default campaign's emails.
func fixed(name string, n, days int) *holdfast.Campaign {
	steps := defaultEmails()
	gap := days * 24 / n
	for k := 1; k <= n; k++ {
		steps = append(steps, holdfast.CampaignStep{AfterHours: k * gap, Action: holdfast.ActionRetry})
	}
	sortSteps(steps)
	return &holdfast.Campaign{Name: name, Steps: steps, MaxRetries: n, SmartRetries: false}
}

func sortSteps(steps []holdfast.CampaignStep) {
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].AfterHours < steps[j].AfterHours })
}

// Builtin returns a built-in strategy by name.
func Builtin(name string) (Strategy, bool) {
	switch name {
	case StrategyDefault:
		return Strategy{Name: name, Description: "the default \"Smart recovery\" campaign (smart retries, five at most over four weeks, three emails)"}, true
	case StrategyFixed8x14:
		return Strategy{Name: name, Campaign: fixed(name, 8, 14),
			Description: "8 blind retries evenly over 14 days (every 42 h), the default campaign's emails; the engine's network guard stays on"}, true
	case StrategyFixed4x7:
		return Strategy{Name: name, Campaign: fixed(name, 4, 7),
			Description: "4 blind retries evenly over 7 days (every 42 h), the default campaign's emails; the engine's network guard stays on"}, true
	case StrategyEmails:
		return Strategy{Name: name, Campaign: &holdfast.Campaign{Name: name, Steps: defaultEmails(), MaxRetries: 0},
			Description: "the default campaign's emails and no automatic retries (card updates still retry)"}, true
	case StrategyUnguarded:
		return Strategy{Name: name, Campaign: fixed(name, 8, 14), Unguarded: true,
			Description: "fixed-8x14d without the network guard: it also retries hard declines, as a biller that ignores the network rules would"}, true
	}
	return Strategy{}, false
}

// CampaignStrategy wraps a stored campaign.
func CampaignStrategy(c *holdfast.Campaign) Strategy {
	return Strategy{Name: c.ID, Campaign: c, Description: fmt.Sprintf("campaign %s (%q)", c.ID, c.Name)}
}

// campaignFile is the POST /v1/campaigns body.
type campaignFile struct {
	Name         string                   `json:"name"`
	Steps        []holdfast.CampaignStep  `json:"steps"`
	MaxRetries   *int                     `json:"max_retries"`
	SmartRetries *bool                    `json:"smart_retries"`
	Priority     int                      `json:"priority"`
	Filters      holdfast.CampaignFilters `json:"filters"`
	IsDefault    bool                     `json:"is_default"`
}

// ParseCampaign reads a campaign in the POST /v1/campaigns shape and checks
// it with the API's own rules.
func ParseCampaign(b []byte) (*holdfast.Campaign, error) {
	var f campaignFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, holdfast.Errorf(holdfast.EINVALID, "campaign: %v", err)
	}
	c := &holdfast.Campaign{Name: f.Name, Steps: f.Steps, MaxRetries: campaign.DefaultMaxRetries, SmartRetries: true, Priority: f.Priority, Filters: f.Filters}
	if f.MaxRetries != nil {
		c.MaxRetries = *f.MaxRetries
	}
	if f.SmartRetries != nil {
		c.SmartRetries = *f.SmartRetries
	}
	if err := campaign.Validate(c); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadCampaignFile reads a campaign file; the strategy is named after the file.
func LoadCampaignFile(path string) (Strategy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Strategy{}, holdfast.Errorf(holdfast.EINVALID, "read campaign file: %v", err)
	}
	c, err := ParseCampaign(b)
	if err != nil {
		return Strategy{}, err
	}
	name := strings.TrimSuffix(path[strings.LastIndexAny(path, `/\`)+1:], ".json")
	return Strategy{Name: name, Campaign: c, Description: fmt.Sprintf("campaign file %s (%q)", path, c.Name)}, nil
}

// UniqueNames renames repeated strategy names (a#2, a#3) so results can be told apart.
func UniqueNames(ss []Strategy) []Strategy {
	seen := map[string]int{}
	out := slices.Clone(ss)
	for i := range out {
		seen[out[i].Name]++
		if n := seen[out[i].Name]; n > 1 {
			out[i].Name = fmt.Sprintf("%s#%d", out[i].Name, n)
		}
	}
	return out
}

// defaultCampaign is the default playbook a new workspace gets.
func defaultCampaign() *holdfast.Campaign {
	return holdfast.DefaultCampaign("", holdfast.ModeTest, DefaultStart)
}
