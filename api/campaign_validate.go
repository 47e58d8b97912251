package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"holdfast"
	"holdfast/mail"
)

// Campaign bodies are read field by field from raw JSON so every failure
// names its exact place, e.g. steps[2].after_hours: a missing required field
// is a 400 invalid_request, a present but invalid one a 422 validation_error.

// Campaign limits.
const (
	maxCampaignName  = 200
	maxCampaignSteps = 50
	maxAfterHours    = 24 * 365
	maxMaxRetries    = 20
	maxPriority      = 1000
)

var currencyRE = regexp.MustCompile(`^[a-z]{3}$`)

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
// creating) and validates the result.
func (b *campaignBody) apply(c *holdfast.Campaign, creating bool) error {
	if creating {
		for _, f := range []struct {
			raw  json.RawMessage
			name string
		}{{b.Name, "name"}, {b.Steps, "steps"}} {
			if f.raw == nil {
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
		if c.Name == "" || utf8.RuneCountInString(c.Name) > maxCampaignName {
			return holdfast.ParamError("name", "name must be 1 to %d characters.", maxCampaignName)
		}
	}
	if b.IsDefault != nil {
		if c.IsDefault, err = jsonBool(b.IsDefault, "is_default"); err != nil {
			return err
		}
	}
	if b.Priority != nil {
		if c.Priority, err = jsonInt(b.Priority, "priority", -maxPriority, maxPriority); err != nil {
			return err
		}
	}
	if b.MaxRetries != nil {
		if c.MaxRetries, err = jsonInt(b.MaxRetries, "max_retries", 0, maxMaxRetries); err != nil {
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
	if len(items) == 0 || len(items) > maxCampaignSteps {
		return nil, holdfast.ParamError("steps", "steps must hold 1 to %d steps.", maxCampaignSteps)
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
		if sb.AfterHours == nil {
			return nil, missing(at + ".after_hours")
		}
		if sb.Action == nil {
			return nil, missing(at + ".action")
		}
		st := &steps[i]
		var err error
		if st.AfterHours, err = jsonInt(sb.AfterHours, at+".after_hours", 0, maxAfterHours); err != nil {
			return nil, err
		}
		if i > 0 && st.AfterHours < steps[i-1].AfterHours {
			return nil, holdfast.ParamError(at+".after_hours", "%s.after_hours must not be less than the previous step's (%d): steps run in order, counted from the moment the recovery opened.", at, steps[i-1].AfterHours)
		}
		if st.Action, err = jsonString(sb.Action, at+".action"); err != nil {
			return nil, err
		}
		switch st.Action {
		case holdfast.ActionRetry:
			if sb.Template != nil && !isNull(sb.Template) {
				return nil, holdfast.ParamError(at+".template", "Only email steps take a template.")
			}
		case holdfast.ActionEmail:
			if sb.Template == nil || isNull(sb.Template) {
				return nil, missing(at + ".template")
			}
			if st.Template, err = parseTemplate(sb.Template, at+".template"); err != nil {
				return nil, err
			}
		default:
			return nil, holdfast.ParamError(at+".action", "%s.action must be one of: retry, email.", at)
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
		if f.raw == nil {
			return nil, missing(at + "." + f.name)
		}
		if *f.dst, err = jsonString(f.raw, at+"."+f.name); err != nil {
			return nil, err
		}
	}
	if err := mail.Validate(mail.Template{Subject: t.Subject, Body: t.Body}); err != nil {
		if e, ok := holdfast.AsError(err); ok && e.Param != "" {
			return nil, holdfast.ParamError(at+"."+e.Param, "%s", e.Message)
		}
		return nil, err
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
		if !currencyRE.MatchString(f.Currency) {
			return f, holdfast.ParamError("filters.currency", "filters.currency must be a three-letter ISO currency code like usd.")
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
		n, err := jsonInt64(a.raw, a.name, 0, math.MaxInt64)
		if err != nil {
			return f, err
		}
		*a.dst = &n
	}
	if f.MinAmount != nil && f.MaxAmount != nil && *f.MaxAmount < *f.MinAmount {
		return f, holdfast.ParamError("filters.max_amount", "filters.max_amount must not be less than filters.min_amount.")
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

func missing(param string) error {
	return &holdfast.Error{Code: holdfast.EINVALID, Param: param, Message: "Missing required param: " + param + "."}
}

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

func jsonInt(raw json.RawMessage, param string, lo, hi int) (int, error) {
	n, err := jsonInt64(raw, param, int64(lo), int64(hi))
	return int(n), err
}

// jsonInt64 accepts a JSON number with an integral value in [lo, hi].
func jsonInt64(raw json.RawMessage, param string, lo, hi int64) (int64, error) {
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
	if v < lo || v > hi {
		return 0, holdfast.ParamError(param, "%s must be between %d and %d.", param, lo, hi)
	}
	return v, nil
}
