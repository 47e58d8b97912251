// Package campaign holds the one set of rules a recovery campaign (a
// playbook) must satisfy. The API (POST/PUT /v1/campaigns) and the
// dashboard's campaign editor both use it, so a campaign one accepts the
// other accepts too, with the same messages.
//
// Every failure is a *holdfast.Error whose Param names the exact place, as
// the API reports it: "name", "steps[2].after_hours",
// "steps[1].template.body", "filters.max_amount". Failures are
// EVALIDATION (422), except an email step without a template, which is the
// API's "missing required param" (EINVALID, 400).
//
// The Check functions each cover one field. The API calls them as it reads
// each field of a body, so the first error it reports is the first bad
// field in body order; Validate and Problems run them all in that order.
package campaign

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"holdfast"
	"holdfast/mail"
)

// Limits of a campaign.
const (
	MaxName       = 200      // characters in a name
	MaxSteps      = 50       // steps in a playbook
	MaxAfterHours = 24 * 365 // a step runs at most a year after the recovery opened
	MaxRetries    = 20       // max_retries
	MaxPriority   = 1000     // priority is within ±MaxPriority
)

// DefaultMaxRetries is a new campaign's max_retries when it names none (the
// API, the dashboard's form, a simulator campaign file).
const DefaultMaxRetries = 8

var currencyRE = regexp.MustCompile(`^[a-z]{3}$`)

// Validate returns the first rule c breaks, in the order the API reads a
// body, or nil when c is a valid campaign.
func Validate(c *holdfast.Campaign) error {
	if p := Problems(c); len(p) > 0 {
		return p[0]
	}
	return nil
}

// Problems lists every rule c breaks, at most one per param, in the order
// the API reads a body, so a form can show them all at once.
func Problems(c *holdfast.Campaign) []*holdfast.Error {
	var out []*holdfast.Error
	seen := map[string]bool{}
	add := func(err error) {
		if e, ok := holdfast.AsError(err); ok && !seen[e.Param] {
			seen[e.Param] = true
			out = append(out, e)
		}
	}
	add(CheckName(c.Name))
	add(CheckPriority(c.Priority))
	add(CheckMaxRetries(c.MaxRetries))
	add(CheckStepCount(len(c.Steps)))
	for i := range c.Steps {
		add(CheckAfterHours(c.Steps, i))
		add(CheckStep(c.Steps, i))
	}
	f := c.Filters
	if f.Currency != "" { // no currency: any currency matches
		add(CheckCurrency(f.Currency))
	}
	if f.MinAmount != nil {
		add(CheckAmount("filters.min_amount", *f.MinAmount))
	}
	if f.MaxAmount != nil {
		add(CheckAmount("filters.max_amount", *f.MaxAmount))
	}
	add(CheckAmountRange(f))
	return out
}

// CheckName requires a name of 1 to MaxName characters (callers trim it).
func CheckName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > MaxName {
		return holdfast.ParamError("name", "name must be 1 to %d characters.", MaxName)
	}
	return nil
}

// CheckPriority bounds priority to ±MaxPriority.
func CheckPriority(n int) error { return between("priority", int64(n), -MaxPriority, MaxPriority) }

// CheckMaxRetries bounds max_retries to [0, MaxRetries].
func CheckMaxRetries(n int) error { return between("max_retries", int64(n), 0, MaxRetries) }

// CheckStepCount requires 1 to MaxSteps steps.
func CheckStepCount(n int) error {
	if n == 0 || n > MaxSteps {
		return holdfast.ParamError("steps", "steps must hold 1 to %d steps.", MaxSteps)
	}
	return nil
}

// CheckAfterHours bounds steps[i].after_hours to [0, MaxAfterHours] and
// requires it not to be less than the previous step's: every step counts
// from the moment the recovery opened, so steps run in list order.
func CheckAfterHours(steps []holdfast.CampaignStep, i int) error {
	at := fmt.Sprintf("steps[%d]", i)
	if err := between(at+".after_hours", int64(steps[i].AfterHours), 0, MaxAfterHours); err != nil {
		return err
	}
	if i > 0 && steps[i].AfterHours < steps[i-1].AfterHours {
		return holdfast.ParamError(at+".after_hours", "%s.after_hours must not be less than the previous step's (%d): steps run in order, counted from the moment the recovery opened.", at, steps[i-1].AfterHours)
	}
	return nil
}

// CheckStep checks steps[i]'s action and template: retry steps take no
// template; email steps need one that renders (mail.Validate, with its
// param placed under steps[i].template).
func CheckStep(steps []holdfast.CampaignStep, i int) error {
	at := fmt.Sprintf("steps[%d]", i)
	st := steps[i]
	switch st.Action {
	case holdfast.ActionRetry:
		if st.Template != nil {
			return holdfast.ParamError(at+".template", "Only email steps take a template.")
		}
	case holdfast.ActionEmail:
		if st.Template == nil {
			return holdfast.MissingParam(at + ".template")
		}
		if err := mail.Validate(mail.Template{Subject: st.Template.Subject, Body: st.Template.Body}); err != nil {
			if e, ok := holdfast.AsError(err); ok && e.Param != "" {
				return holdfast.ParamError(at+".template."+e.Param, "%s", e.Message)
			}
			return err
		}
	default:
		return holdfast.ParamError(at+".action", "%s.action must be one of: retry, email.", at)
	}
	return nil
}

// CheckCurrency requires a lowercase three-letter ISO code (callers
// normalize case and spaces first).
func CheckCurrency(currency string) error {
	if !currencyRE.MatchString(currency) {
		return holdfast.ParamError("filters.currency", "filters.currency must be a three-letter ISO currency code like usd.")
	}
	return nil
}

// CheckAmount requires a filter amount (param filters.min_amount or
// filters.max_amount) not to be negative.
func CheckAmount(param string, n int64) error { return between(param, n, 0, math.MaxInt64) }

// CheckAmountRange requires max_amount not to be below min_amount when
// both are set.
func CheckAmountRange(f holdfast.CampaignFilters) error {
	if f.MinAmount != nil && f.MaxAmount != nil && *f.MaxAmount < *f.MinAmount {
		return holdfast.ParamError("filters.max_amount", "filters.max_amount must not be less than filters.min_amount.")
	}
	return nil
}

// between is the bounds rule of every integer field.
func between(param string, n, lo, hi int64) error {
	if n < lo || n > hi {
		return holdfast.ParamError(param, "%s must be between %d and %d.", param, lo, hi)
	}
	return nil
}
