package campaign_test

import (
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/campaign"
)

func valid() *holdfast.Campaign {
	lo, hi := int64(100), int64(5000)
	return &holdfast.Campaign{
		Name: "High value", Priority: 10, MaxRetries: 4,
		Steps: []holdfast.CampaignStep{
			{AfterHours: 0, Action: holdfast.ActionRetry},
			{AfterHours: 24, Action: holdfast.ActionEmail, Template: &holdfast.EmailTemplate{Subject: "Payment failed", Body: "Update at {{.UpdateURL}}"}},
			{AfterHours: 24, Action: holdfast.ActionRetry},
		},
		Filters: holdfast.CampaignFilters{Currency: "usd", MinAmount: &lo, MaxAmount: &hi},
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(c *holdfast.Campaign)
		code   string // "" for valid
		param  string
		msg    string // substring of the message
	}{
		{"OK", func(c *holdfast.Campaign) {}, "", "", ""},
		{"OKNoFilters", func(c *holdfast.Campaign) { c.Filters = holdfast.CampaignFilters{} }, "", "", ""},
		{"OKBounds", func(c *holdfast.Campaign) {
			c.Name, c.Priority, c.MaxRetries = strings.Repeat("é", campaign.MaxName), -campaign.MaxPriority, campaign.MaxRetries
			c.Steps[2].AfterHours = campaign.MaxAfterHours
		}, "", "", ""},
		{"ErrNameBlank", func(c *holdfast.Campaign) { c.Name = " " }, holdfast.EVALIDATION, "name", "name must be 1 to 200 characters."},
		{"ErrNameLong", func(c *holdfast.Campaign) { c.Name = strings.Repeat("é", campaign.MaxName+1) }, holdfast.EVALIDATION, "name", "1 to 200"},
		{"ErrPriority", func(c *holdfast.Campaign) { c.Priority = 1001 }, holdfast.EVALIDATION, "priority", "priority must be between -1000 and 1000."},
		{"ErrMaxRetries", func(c *holdfast.Campaign) { c.MaxRetries = -1 }, holdfast.EVALIDATION, "max_retries", "max_retries must be between 0 and 20."},
		{"ErrNoSteps", func(c *holdfast.Campaign) { c.Steps = nil }, holdfast.EVALIDATION, "steps", "steps must hold 1 to 50 steps."},
		{"ErrTooManySteps", func(c *holdfast.Campaign) {
			c.Steps = make([]holdfast.CampaignStep, campaign.MaxSteps+1)
			for i := range c.Steps {
				c.Steps[i].Action = holdfast.ActionRetry
			}
		}, holdfast.EVALIDATION, "steps", "1 to 50"},
		{"ErrAfterHoursRange", func(c *holdfast.Campaign) { c.Steps[2].AfterHours = campaign.MaxAfterHours + 1 }, holdfast.EVALIDATION, "steps[2].after_hours", "steps[2].after_hours must be between 0 and 8760."},
		{"ErrAfterHoursOrder", func(c *holdfast.Campaign) { c.Steps[2].AfterHours = 23 }, holdfast.EVALIDATION, "steps[2].after_hours", "less than the previous step's (24)"},
		{"ErrAction", func(c *holdfast.Campaign) { c.Steps[0].Action = "call" }, holdfast.EVALIDATION, "steps[0].action", "steps[0].action must be one of: retry, email."},
		{"ErrRetryWithTemplate", func(c *holdfast.Campaign) { c.Steps[0].Template = &holdfast.EmailTemplate{} }, holdfast.EVALIDATION, "steps[0].template", "Only email steps take a template."},
		{"ErrEmailWithoutTemplate", func(c *holdfast.Campaign) { c.Steps[1].Template = nil }, holdfast.EINVALID, "steps[1].template", "Missing required param: steps[1].template."},
		{"ErrTemplateSubject", func(c *holdfast.Campaign) { c.Steps[1].Template.Subject = "" }, holdfast.EVALIDATION, "steps[1].template.subject", "subject is required"},
		{"ErrTemplateBody", func(c *holdfast.Campaign) { c.Steps[1].Template.Body = "Hi {{.Nope}}" }, holdfast.EVALIDATION, "steps[1].template.body", "Nope"},
		{"ErrCurrency", func(c *holdfast.Campaign) { c.Filters.Currency = "USD" }, holdfast.EVALIDATION, "filters.currency", "three-letter ISO currency code"},
		{"ErrMinAmount", func(c *holdfast.Campaign) { n := int64(-1); c.Filters.MinAmount = &n }, holdfast.EVALIDATION, "filters.min_amount", "filters.min_amount must be between 0 and"},
		{"ErrAmountRange", func(c *holdfast.Campaign) { n := int64(99); c.Filters.MaxAmount = &n }, holdfast.EVALIDATION, "filters.max_amount", "filters.max_amount must not be less than filters.min_amount."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(c)
			err := campaign.Validate(c)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e, ok := holdfast.AsError(err)
			if !ok || e.Code != tc.code || e.Param != tc.param || !strings.Contains(e.Message, tc.msg) {
				t.Fatalf("got %v; want code %s param %s message with %q", err, tc.code, tc.param, tc.msg)
			}
		})
	}
}

// TestProblems checks that a form gets every broken field at once, one
// error per param, first in the order Validate reports.
func TestProblems(t *testing.T) {
	c := valid()
	c.Name, c.MaxRetries = "", 99
	c.Steps[1].AfterHours = campaign.MaxAfterHours + 1 // out of range, and step 2 now comes before it
	c.Steps[1].Template.Body = "{{.Nope}}"
	c.Filters.Currency = "dollars"
	var got []string
	for _, e := range campaign.Problems(c) {
		got = append(got, e.Param)
	}
	want := []string{"name", "max_retries", "steps[1].after_hours", "steps[1].template.body", "steps[2].after_hours", "filters.currency"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("params %v, want %v", got, want)
	}
	if e, _ := holdfast.AsError(campaign.Validate(c)); e == nil || e.Param != want[0] {
		t.Fatalf("Validate: %v, want the first problem (%s)", e, want[0])
	}
	if p := campaign.Problems(valid()); len(p) != 0 {
		t.Fatalf("valid campaign has problems: %v", p)
	}
}

// The default campaign every workspace starts with passes the rules a
// user's campaign must pass, and its retry budget is exactly its retry steps
// (a budget below them would silently drop the last retries).
func TestDefaultCampaignIsValid(t *testing.T) {
	for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
		c := holdfast.DefaultCampaign("ws_x", mode, time.Now())
		if err := campaign.Validate(c); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		retries := 0
		for _, s := range c.Steps {
			if s.Action == holdfast.ActionRetry {
				retries++
			}
		}
		if retries == 0 || retries != c.MaxRetries {
			t.Fatalf("%s: %d retry steps, max_retries %d", mode, retries, c.MaxRetries)
		}
	}
}
