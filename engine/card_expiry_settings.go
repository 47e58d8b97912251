package engine

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"holdfast"
	"holdfast/mail"
)

// The expiring-card notice configuration (GET/PUT /v1/card_expiry_notices
// and its dashboard page).

// Limits of the configuration.
const (
	MaxCardExpiryThresholds = 5
	MaxCardExpiryDays       = 365
	maxCardTemplateBytes    = 20000
)

// CardExpirySettings returns a mode's configuration (defaults when unset).
func (e *Engine) CardExpirySettings(ctx context.Context, wsID string, mode holdfast.Mode) (holdfast.CardExpirySettings, error) {
	return e.st.CardExpirySettings(ctx, wsID, mode)
}

// ValidateCardExpiry checks a configuration; it returns EVALIDATION with the
// JSON path of the field as Param (days_before, days_before[1],
// template.subject, template.body).
func ValidateCardExpiry(s *holdfast.CardExpirySettings) error {
	if len(s.DaysBefore) == 0 || len(s.DaysBefore) > MaxCardExpiryThresholds {
		return holdfast.ParamError("days_before", "days_before must list 1 to %d numbers of days.", MaxCardExpiryThresholds)
	}
	seen := map[int]bool{}
	for i, d := range s.DaysBefore {
		param := "days_before[" + strconv.Itoa(i) + "]"
		if d < 1 || d > MaxCardExpiryDays {
			return holdfast.ParamError(param, "%s must be between 1 and %d.", param, MaxCardExpiryDays)
		}
		if seen[d] {
			return holdfast.ParamError(param, "%s repeats %d.", param, d)
		}
		seen[d] = true
	}
	slices.SortFunc(s.DaysBefore, func(a, b int) int { return b - a })
	t := mail.Template{Subject: s.Template.Subject, Body: s.Template.Body}
	if len(t.Subject) > maxCardTemplateBytes || len(t.Body) > maxCardTemplateBytes {
		return holdfast.ParamError("template.body", "The template is too long (at most %d bytes per part).", maxCardTemplateBytes)
	}
	if err := mail.ValidateCard(t); err != nil {
		if he, ok := holdfast.AsError(err); ok {
			return &holdfast.Error{Code: he.Code, Param: "template." + he.Param, Message: "template." + he.Param + ": " + he.Message}
		}
		return err
	}
	return nil
}

// PutCardExpirySettings applies a patch to a mode's configuration, validates
// and saves it, and plans every customer's notices again.
func (e *Engine) PutCardExpirySettings(ctx context.Context, wsID string, mode holdfast.Mode, p holdfast.CardExpiryPatch) (holdfast.CardExpirySettings, error) {
	var out holdfast.CardExpirySettings
	err := e.st.InTx(ctx, func(ctx context.Context) error {
		s, err := e.st.CardExpirySettings(ctx, wsID, mode)
		if err != nil {
			return err
		}
		if p.Enabled != nil {
			s.Enabled = *p.Enabled
		}
		if p.DaysBefore != nil {
			s.DaysBefore = append([]int{}, p.DaysBefore...)
		}
		if p.Subject != nil {
			s.Template.Subject = strings.TrimSpace(*p.Subject)
		}
		if p.Body != nil {
			s.Template.Body = *p.Body
		}
		if err := ValidateCardExpiry(&s); err != nil {
			return err
		}
		now, err := e.modeNow(ctx, wsID, mode)
		if err != nil {
			return err
		}
		if err := e.st.PutCardExpirySettings(ctx, wsID, mode, s, now); err != nil {
			return err
		}
		if err := e.ReplanCardExpiry(ctx, wsID, mode); err != nil {
			return err
		}
		out, err = e.st.CardExpirySettings(ctx, wsID, mode)
		return err
	})
	return out, err
}
