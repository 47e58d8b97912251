package dashboard

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"holdfast"
	"holdfast/campaign"
)

// blankStepRows is how many empty step rows the editor offers for new steps.
const blankStepRows = 2

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
		if len(f.Steps) >= campaign.MaxSteps {
			break
		}
		f.Steps = append(f.Steps, stepForm{Index: len(f.Steps)})
	}
}

// parseCampaignForm reads a posted campaign form into f and c, then checks c
// against the campaign rules the API uses (package campaign). Errors are
// collected for every field, not just the first, so the user can fix them in
// one go; a field that does not parse shows that instead of a rule.
func parseCampaignForm(r *http.Request, f *campaignForm, c *holdfast.Campaign) bool {
	f.Errors = map[string]string{}
	v := r.PostForm
	f.Name = strings.TrimSpace(v.Get("name"))
	f.Priority, f.MaxRetries = strings.TrimSpace(v.Get("priority")), strings.TrimSpace(v.Get("max_retries"))
	f.SmartRetries, f.IsDefault = v.Get("smart_retries") == "on", v.Get("is_default") == "on" || f.WasDefault
	f.Currency = strings.ToLower(strings.TrimSpace(v.Get("filters.currency")))
	f.MinAmount, f.MaxAmount = strings.TrimSpace(v.Get("filters.min_amount")), strings.TrimSpace(v.Get("filters.max_amount"))
	f.CustomerTag = strings.TrimSpace(v.Get("filters.customer_tag"))

	c.Name, c.SmartRetries, c.IsDefault = f.Name, f.SmartRetries, f.IsDefault
	c.Priority = intField(f, "priority", f.Priority, 0)
	c.MaxRetries = intField(f, "max_retries", f.MaxRetries, campaign.DefaultMaxRetries)
	c.Filters = holdfast.CampaignFilters{Currency: f.Currency, CustomerTag: f.CustomerTag}
	c.Filters.MinAmount = amountField(f, "filters.min_amount", f.MinAmount)
	c.Filters.MaxAmount = amountField(f, "filters.max_amount", f.MaxAmount)
	parseSteps(r, f, c)
	for _, e := range campaign.Problems(c) {
		if field := formField(e.Param); f.Errors[field] == "" {
			f.Errors[field] = e.Message
		}
	}
	return len(f.Errors) == 0
}

// formField is the editor field that shows the error of a campaign param.
// The form's field names are the API's params, except that a step's
// template fields sit on the step itself, and a step's template as a whole
// is decided by its action.
func formField(param string) string {
	if p, ok := strings.CutSuffix(param, ".template"); ok {
		return p + ".action"
	}
	return strings.Replace(param, ".template.", ".", 1)
}

// parseSteps reads the step rows; a row whose action is empty is unused.
func parseSteps(r *http.Request, f *campaignForm, c *holdfast.Campaign) {
	f.Steps, c.Steps = nil, []holdfast.CampaignStep{}
	for i := 0; i < campaign.MaxSteps+blankStepRows; i++ {
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
		step := holdfast.CampaignStep{Action: sf.Action, AfterHours: intField(f, q+"after_hours", sf.AfterHours, -1)}
		if sf.Action == holdfast.ActionEmail {
			step.Template = &holdfast.EmailTemplate{Name: sf.Name, Subject: sf.Subject, Body: sf.Body}
		}
		c.Steps = append(c.Steps, step)
	}
	f.padSteps()
}

// intField parses a whole number; blank means def (or an error when def
// is negative, i.e. required). The campaign rules bound it.
func intField(f *campaignForm, field, s string, def int) int {
	if s == "" && def >= 0 {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.Errors[field] = "Enter a whole number."
		return 0
	}
	return n
}

// amountField parses an optional amount in minor units.
func amountField(f *campaignForm, field, s string) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f.Errors[field] = "Enter an amount in minor units (cents), 0 or more."
		return nil
	}
	return &n
}
