package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"holdfast"
	"holdfast/campaign"
)

// Campaign bodies are read field by field from raw JSON so every failure
// names its exact place, e.g. steps[2].after_hours: a missing required field
// is a 400 invalid_request, a present but invalid one a 422 validation_error.
// This file only decodes; the rules are package campaign's (shared with the
// dashboard), checked as each field is read so the first error reported is
// the first bad field of the body.

// campaignBody is a POST/PUT /v1/campaigns body. Read-only fields of the
// campaign object are accepted and ignored, so a client can PUT back what it
// got from a GET.
type campaignBody struct {
	Name         json.RawMessage `json:"name"`
	IsDefault    json.RawMessage `json:"is_default"`
	Priority     json.RawMessage `json:"priority"`
	Steps        json.RawMessage `json:"steps"`
	MaxRetries   json.RawMessage `json:"max_retries"`
	SmartRetries json.RawMessage `json:"smart_retries"`
	Filters      json.RawMessage `json:"filters"`

	ID        json.RawMessage `json:"id"`
	Object    json.RawMessage `json:"object"`
	Livemode  json.RawMessage `json:"livemode"`
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
}

// apply writes the fields present in b onto c (all of them required when
// creating), checking each against the campaign rules.
func (b *campaignBody) apply(c *holdfast.Campaign, creating bool) error {
	if creating {
		for _, f := range []struct {
			raw  json.RawMessage
			name string
		}{{b.Name, "name"}, {b.Steps, "steps"}} {
			if f.raw == nil || isNull(f.raw) {
				return missing(f.name)
			}
		}
	}
	var err error
	if b.Name != nil {
		if c.Name, err = jsonString(b.Name, "name"); err != nil {
			return err
		}
		c.Name = strings.TrimSpace(c.Name)
		if err := campaign.CheckName(c.Name); err != nil {
			return err
		}
	}
	if b.IsDefault != nil {
		if c.IsDefault, err = jsonBool(b.IsDefault, "is_default"); err != nil {
			return err
		}
	}
	if b.Priority != nil {
		if c.Priority, err = jsonInt(b.Priority, "priority"); err != nil {
			return err
		}
		if err := campaign.CheckPriority(c.Priority); err != nil {
			return err
		}
	}
	if b.MaxRetries != nil {
		if c.MaxRetries, err = jsonInt(b.MaxRetries, "max_retries"); err != nil {
			return err
		}
		if err := campaign.CheckMaxRetries(c.MaxRetries); err != nil {
			return err
		}
	}
	if b.SmartRetries != nil {
		if c.SmartRetries, err = jsonBool(b.SmartRetries, "smart_retries"); err != nil {
			return err
		}
	}
	if b.Steps != nil {
		if c.Steps, err = parseSteps(b.Steps); err != nil {
			return err
		}
	}
	if b.Filters != nil {
		if c.Filters, err = parseFilters(b.Filters, c.Filters); err != nil {
			return err
		}
	}
	return nil
}

func parseSteps(raw json.RawMessage) ([]holdfast.CampaignStep, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || isNull(raw) {
		return nil, holdfast.ParamError("steps", "steps must be an array of steps.")
	}
	if err := campaign.CheckStepCount(len(items)); err != nil {
		return nil, err
	}
	steps := make([]holdfast.CampaignStep, len(items))
	for i, item := range items {
		at := fmt.Sprintf("steps[%d]", i)
		var sb struct {
			AfterHours json.RawMessage `json:"after_hours"`
			Action     json.RawMessage `json:"action"`
			Template   json.RawMessage `json:"template"`
		}
		if err := strictObject(item, at, &sb); err != nil {
			return nil, err
		}
		if sb.AfterHours == nil || isNull(sb.AfterHours) {
			return nil, missing(at + ".after_hours")
		}
		if sb.Action == nil || isNull(sb.Action) {
			return nil, missing(at + ".action")
		}
		st := &steps[i]
		var err error
		if st.AfterHours, err = jsonInt(sb.AfterHours, at+".after_hours"); err != nil {
			return nil, err
		}
		if err := campaign.CheckAfterHours(steps, i); err != nil {
			return nil, err
		}
		if st.Action, err = jsonString(sb.Action, at+".action"); err != nil {
			return nil, err
		}
		given := sb.Template != nil && !isNull(sb.Template)
		switch {
		case given && st.Action == holdfast.ActionEmail:
			if st.Template, err = parseTemplate(sb.Template, at+".template"); err != nil {
				return nil, err
			}
		case given:
			// Any other action takes no template, whatever it holds:
			// CheckStep rejects the step for having one.
			st.Template = &holdfast.EmailTemplate{}
		}
		if err := campaign.CheckStep(steps, i); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

func parseTemplate(raw json.RawMessage, at string) (*holdfast.EmailTemplate, error) {
	var tb struct {
		Name    json.RawMessage `json:"name"`
		Subject json.RawMessage `json:"subject"`
		Body    json.RawMessage `json:"body"`
	}
	if err := strictObject(raw, at, &tb); err != nil {
		return nil, err
	}
	t := &holdfast.EmailTemplate{}
	var err error
	if tb.Name != nil && !isNull(tb.Name) {
		if t.Name, err = jsonString(tb.Name, at+".name"); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		raw  json.RawMessage
		name string
		dst  *string
	}{{tb.Subject, "subject", &t.Subject}, {tb.Body, "body", &t.Body}} {
		if f.raw == nil || isNull(f.raw) {
			return nil, missing(at + "." + f.name)
		}
		if *f.dst, err = jsonString(f.raw, at+"."+f.name); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func parseFilters(raw json.RawMessage, f holdfast.CampaignFilters) (holdfast.CampaignFilters, error) {
	if isNull(raw) {
		return holdfast.CampaignFilters{}, nil
	}
	var fb struct {
		Currency    json.RawMessage `json:"currency"`
		MinAmount   json.RawMessage `json:"min_amount"`
		MaxAmount   json.RawMessage `json:"max_amount"`
		CustomerTag json.RawMessage `json:"customer_tag"`
	}
	if err := strictObject(raw, "filters", &fb); err != nil {
		return f, err
	}
	// filters is replaced as a whole: what is absent no longer filters.
	f = holdfast.CampaignFilters{}
	var err error
	if fb.Currency != nil && !isNull(fb.Currency) {
		if f.Currency, err = jsonString(fb.Currency, "filters.currency"); err != nil {
			return f, err
		}
		f.Currency = strings.ToLower(strings.TrimSpace(f.Currency))
		if err := campaign.CheckCurrency(f.Currency); err != nil {
			return f, err
		}
	}
	for _, a := range []struct {
		raw  json.RawMessage
		name string
		dst  **int64
	}{{fb.MinAmount, "filters.min_amount", &f.MinAmount}, {fb.MaxAmount, "filters.max_amount", &f.MaxAmount}} {
		if a.raw == nil || isNull(a.raw) {
			continue
		}
		n, err := jsonInt64(a.raw, a.name)
		if err != nil {
			return f, err
		}
		if err := campaign.CheckAmount(a.name, n); err != nil {
			return f, err
		}
		*a.dst = &n
	}
	if err := campaign.CheckAmountRange(f); err != nil {
		return f, err
	}
	if fb.CustomerTag != nil && !isNull(fb.CustomerTag) {
		if f.CustomerTag, err = jsonString(fb.CustomerTag, "filters.customer_tag"); err != nil {
			return f, err
		}
		f.CustomerTag = strings.TrimSpace(f.CustomerTag)
	}
	return f, nil
}

// strictObject decodes an object rejecting unknown fields, naming them under at.
func strictObject(raw json.RawMessage, at string, v any) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return holdfast.ParamError(at, "%s must be an object.", at)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			f = strings.Trim(f, `"`)
			return holdfast.ParamError(at+"."+f, "Unknown field %q.", f)
		}
		return holdfast.ParamError(at, "%s must be an object.", at)
	}
	return nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func missing(param string) error { return holdfast.MissingParam(param) }

func jsonString(raw json.RawMessage, param string) (string, error) {
	var s string
	if isNull(raw) || json.Unmarshal(raw, &s) != nil {
		return "", holdfast.ParamError(param, "%s must be a string.", param)
	}
	return s, nil
}

func jsonBool(raw json.RawMessage, param string) (bool, error) {
	var b bool
	if isNull(raw) || json.Unmarshal(raw, &b) != nil {
		return false, holdfast.ParamError(param, "%s must be a boolean.", param)
	}
	return b, nil
}

// jsonInt is jsonInt64 as an int (64 bits on every platform holdfast
// builds for); the campaign rules bound it well within.
func jsonInt(raw json.RawMessage, param string) (int, error) {
	n, err := jsonInt64(raw, param)
	return int(n), err
}

// jsonInt64 accepts a JSON number with an integral value; the campaign
// rules bound it.
func jsonInt64(raw json.RawMessage, param string) (int64, error) {
	t := bytes.TrimSpace(raw)
	var n json.Number
	if len(t) == 0 || t[0] == '"' || json.Unmarshal(t, &n) != nil {
		return 0, holdfast.ParamError(param, "%s must be an integer.", param)
	}
	v, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f > math.MaxInt64 {
			return 0, holdfast.ParamError(param, "%s must be an integer.", param)
		}
		v = int64(f)
	}
	return v, nil
}
