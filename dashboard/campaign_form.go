package dashboard

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"holdfast"
	"holdfast/mail"
)

// Limits of the campaign form; the same bounds a playbook needs to make
// sense (steps within 90 days, at most 15 retries as Visa allows a card in
// 30 days).
const (
	maxCampaignName = 200
	maxSteps        = 20
	maxAfterHours   = 90 * 24
	maxRetriesLimit = 15
	maxPriority     = 1000
	blankStepRows   = 2
)

var currencyPattern = regexp.MustCompile(`^[a-z]{3}$`)

// campaignForm is the campaign editor's state: what was typed (so a form
// with errors comes back as the user left it) and the errors by field.
type campaignForm struct {
	ID           string
	Name         string
	Priority     string
	MaxRetries   string
	SmartRetries bool
	IsDefault    bool
	WasDefault   bool
	Currency     string
	MinAmount    string
	MaxAmount    string
	CustomerTag  string
	Steps        []stepForm
	Errors       map[string]string
}

type stepForm struct {
	Index      int
	AfterHours string
	Action     string
	Name       string
	Subject    string
	Body       string
}

// Err returns the message for a field ("steps[2].after_hours").
func (f *campaignForm) Err(field string) string { return f.Errors[field] }

// formFromCampaign fills the editor from a stored campaign, plus blank rows
// for new steps.
func formFromCampaign(c *holdfast.Campaign) *campaignForm {
	f := &campaignForm{ID: c.ID, Name: c.Name, Priority: strconv.Itoa(c.Priority), MaxRetries: strconv.Itoa(c.MaxRetries),
		SmartRetries: c.SmartRetries, IsDefault: c.IsDefault, WasDefault: c.IsDefault, Currency: c.Filters.Currency,
		CustomerTag: c.Filters.CustomerTag, Errors: map[string]string{}}
	if c.Filters.MinAmount != nil {
		f.MinAmount = strconv.FormatInt(*c.Filters.MinAmount, 10)
	}
	if c.Filters.MaxAmount != nil {
		f.MaxAmount = strconv.FormatInt(*c.Filters.MaxAmount, 10)
	}
	for i, s := range c.Steps {
		sf := stepForm{Index: i, AfterHours: strconv.Itoa(s.AfterHours), Action: s.Action}
		if s.Template != nil {
			sf.Name, sf.Subject, sf.Body = s.Template.Name, s.Template.Subject, s.Template.Body
		}
		f.Steps = append(f.Steps, sf)
	}
	f.padSteps()
	return f
}

func (f *campaignForm) padSteps() {
	for range blankStepRows {
		if len(f.Steps) >= maxSteps {
			break
		}
		f.Steps = append(f.Steps, stepForm{Index: len(f.Steps)})
	}
}

// parseCampaignForm reads a posted campaign form into f and, when every
// field is valid, into c. Errors are collected for every field, not just
// the first, so the user can fix them in one go.
func parseCampaignForm(r *http.Request, f *campaignForm, c *holdfast.Campaign) bool {
	f.Errors = map[string]string{}
	v := r.PostForm
	f.Name = strings.TrimSpace(v.Get("name"))
	f.Priority, f.MaxRetries = strings.TrimSpace(v.Get("priority")), strings.TrimSpace(v.Get("max_retries"))
	f.SmartRetries, f.IsDefault = v.Get("smart_retries") == "on", v.Get("is_default") == "on" || f.WasDefault
	f.Currency = strings.ToLower(strings.TrimSpace(v.Get("filters.currency")))
	f.MinAmount, f.MaxAmount = strings.TrimSpace(v.Get("filters.min_amount")), strings.TrimSpace(v.Get("filters.max_amount"))
	f.CustomerTag = strings.TrimSpace(v.Get("filters.customer_tag"))

	switch {
	case f.Name == "":
		f.Errors["name"] = "Give the campaign a name."
	case len(f.Name) > maxCampaignName:
		f.Errors["name"] = fmt.Sprintf("Use at most %d characters.", maxCampaignName)
	}
	c.Name, c.SmartRetries, c.IsDefault = f.Name, f.SmartRetries, f.IsDefault
	c.Priority = intField(f, "priority", f.Priority, 0, 0, maxPriority)
	c.MaxRetries = intField(f, "max_retries", f.MaxRetries, 6, 0, maxRetriesLimit)
	c.Filters = holdfast.CampaignFilters{CustomerTag: f.CustomerTag}
	if f.Currency != "" {
		if !currencyPattern.MatchString(f.Currency) {
			f.Errors["filters.currency"] = "Use a three-letter ISO currency code such as usd."
		}
		c.Filters.Currency = f.Currency
	}
	c.Filters.MinAmount = amountField(f, "filters.min_amount", f.MinAmount)
	c.Filters.MaxAmount = amountField(f, "filters.max_amount", f.MaxAmount)
	if c.Filters.MinAmount != nil && c.Filters.MaxAmount != nil && *c.Filters.MinAmount > *c.Filters.MaxAmount {
		f.Errors["filters.max_amount"] = "The maximum must not be below the minimum."
	}
	parseSteps(r, f, c)
	return len(f.Errors) == 0
}

// parseSteps reads the step rows; a row whose action is empty is unused.
func parseSteps(r *http.Request, f *campaignForm, c *holdfast.Campaign) {
	f.Steps, c.Steps = nil, []holdfast.CampaignStep{}
	prev := -1
	for i := 0; i < maxSteps+blankStepRows; i++ {
		p := fmt.Sprintf("steps[%d].", i)
		if !r.PostForm.Has(p + "action") {
			break
		}
		sf := stepForm{Index: len(f.Steps), AfterHours: strings.TrimSpace(r.PostFormValue(p + "after_hours")),
			Action: r.PostFormValue(p + "action"), Name: strings.TrimSpace(r.PostFormValue(p + "name")),
			Subject: r.PostFormValue(p + "subject"), Body: r.PostFormValue(p + "body")}
		if sf.Action == "" {
			continue
		}
		q := fmt.Sprintf("steps[%d].", sf.Index)
		f.Steps = append(f.Steps, sf)
		step := holdfast.CampaignStep{Action: sf.Action, AfterHours: intField(f, q+"after_hours", sf.AfterHours, -1, 0, maxAfterHours)}
		if step.AfterHours < prev && f.Errors[q+"after_hours"] == "" {
			f.Errors[q+"after_hours"] = "Steps run in order: this one cannot come before the previous step."
		}
		prev = max(prev, step.AfterHours)
		switch sf.Action {
		case holdfast.ActionRetry:
		case holdfast.ActionEmail:
			t := mail.Template{Subject: sf.Subject, Body: sf.Body}
			if err := mail.Validate(t); err != nil {
				he, _ := holdfast.AsError(err)
				f.Errors[q+he.Param] = he.Message
			}
			step.Template = &holdfast.EmailTemplate{Name: sf.Name, Subject: sf.Subject, Body: sf.Body}
		default:
			f.Errors[q+"action"] = "Choose retry or email."
		}
		c.Steps = append(c.Steps, step)
	}
	if len(c.Steps) == 0 {
		f.Errors["steps"] = "Add at least one step."
	}
	if len(c.Steps) > maxSteps {
		f.Errors["steps"] = fmt.Sprintf("A campaign has at most %d steps.", maxSteps)
	}
	f.padSteps()
}

// intField parses a whole number in [lo, hi]; blank means def (or an
// error when def is negative, i.e. required).
func intField(f *campaignForm, field, s string, def, lo, hi int) int {
	if s == "" && def >= 0 {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		f.Errors[field] = fmt.Sprintf("Enter a whole number from %d to %d.", lo, hi)
		return 0
	}
	return n
}

// amountField parses an optional non-negative amount in minor units.
func amountField(f *campaignForm, field, s string) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		f.Errors[field] = "Enter an amount in minor units (cents), 0 or more."
		return nil
	}
	return &n
}
