// Package cancelflow runs the cancel flow of SPEC §7: the configurable survey
// and save offers, the session state machine with its offer-abuse guard and
// timeout, and applying outcomes through the billing provider (Stripe in live
// mode, a recording simulator in test mode).
package cancelflow

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"holdfast"
)

// Limits of a flow configuration.
const (
	MaxReasons            = 20
	MaxSessionTimeoutMins = 24 * 60
	MaxCooldownDays       = 3650
	MaxPauseMonths        = 12
	MaxDiscountMonths     = 36
	maxLabel              = 200
	maxMessage            = 1000
	maxProviderID         = 255
)

var reasonIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Allowed enumerations, first value is the default.
var (
	resumeBehaviors = []string{"auto", "manual"}
	pauseBehaviors  = []string{"void", "keep_as_draft", "mark_uncollectible"}
	prorations      = []string{"create_prorations", "none", "always_invoice"}
)

// ValidateFlow checks a flow configuration and returns a normalized copy
// with defaults filled in (pause resume behavior, pause behavior, proration).
// Returns EVALIDATION naming the offending field, e.g.
// "reasons[2].offer.percent_off".
func ValidateFlow(f *holdfast.CancelFlow) (*holdfast.CancelFlow, error) {
	out := *f
	if len(f.Reasons) > MaxReasons {
		return nil, holdfast.ParamError("reasons", "A cancel flow has at most %d reasons.", MaxReasons)
	}
	out.Reasons = make([]holdfast.CancelReason, len(f.Reasons))
	seen := map[string]bool{}
	for i, r := range f.Reasons {
		p := fmt.Sprintf("reasons[%d]", i)
		if !reasonIDPattern.MatchString(r.ID) {
			return nil, holdfast.ParamError(p+".id", "Reason ids are 1-64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit.")
		}
		if seen[r.ID] {
			return nil, holdfast.ParamError(p+".id", "Reason id %q is used twice.", r.ID)
		}
		seen[r.ID] = true
		if err := checkText(p+".label", r.Label, maxLabel, true); err != nil {
			return nil, err
		}
		out.Reasons[i] = holdfast.CancelReason{ID: r.ID, Label: strings.TrimSpace(r.Label)}
		if r.Offer != nil {
			o, err := validateOffer(p+".offer", *r.Offer)
			if err != nil {
				return nil, err
			}
			out.Reasons[i].Offer = &o
		}
	}
	if f.SessionTimeoutMinutes < 1 || f.SessionTimeoutMinutes > MaxSessionTimeoutMins {
		return nil, holdfast.ParamError("session_timeout_minutes", "session_timeout_minutes must be between 1 and %d.", MaxSessionTimeoutMins)
	}
	if f.DiscountCooldownDays < 0 || f.DiscountCooldownDays > MaxCooldownDays {
		return nil, holdfast.ParamError("discount_cooldown_days", "discount_cooldown_days must be between 0 (guard off) and %d.", MaxCooldownDays)
	}
	return &out, nil
}

// validateOffer checks one offer: the fields its type needs are present and
// in range, and fields of other types are absent (a pause with a coupon is
// a configuration mistake worth reporting, not silently ignoring).
func validateOffer(p string, o holdfast.Offer) (holdfast.Offer, error) {
	if err := checkText(p+".message", o.Message, maxMessage, o.Type == holdfast.OfferOther); err != nil {
		return o, err
	}
	o.Message = strings.TrimSpace(o.Message)
	if o.Months != 0 || o.ResumesAt != nil {
		field := "months"
		if o.ResumesAt != nil {
			field = "resumes_at"
		}
		return o, holdfast.ParamError(p+"."+field, "%s is set when a pause is accepted, not in the flow configuration.", field)
	}
	// used lists the fields the offer's type may set.
	var used map[string]bool
	set := map[string]bool{
		"coupon": o.CouponID != "", "percent_off": o.PercentOff != 0, "duration_months": o.DurationMonths != 0,
		"max_months": o.MaxMonths != 0, "resume_behavior": o.ResumeBehavior != "", "behavior": o.Behavior != "",
		"price": o.PriceID != "", "proration_behavior": o.Proration != "",
	}
	var err error
	switch o.Type {
	case holdfast.OfferDiscount:
		used = map[string]bool{"coupon": true, "percent_off": true, "duration_months": true}
		switch {
		case o.PercentOff < 1 || o.PercentOff > 100:
			return o, holdfast.ParamError(p+".percent_off", "A discount needs percent_off between 1 and 100.")
		case o.DurationMonths < 1 || o.DurationMonths > MaxDiscountMonths:
			return o, holdfast.ParamError(p+".duration_months", "A discount needs duration_months between 1 and %d.", MaxDiscountMonths)
		}
		err = checkProviderID(p+".coupon", o.CouponID)
	case holdfast.OfferPause:
		used = map[string]bool{"max_months": true, "resume_behavior": true, "behavior": true}
		if o.MaxMonths < 1 || o.MaxMonths > MaxPauseMonths {
			return o, holdfast.ParamError(p+".max_months", "A pause needs max_months between 1 and %d.", MaxPauseMonths)
		}
		if o.ResumeBehavior, err = oneOf(p+".resume_behavior", o.ResumeBehavior, resumeBehaviors); err != nil {
			return o, err
		}
		o.Behavior, err = oneOf(p+".behavior", o.Behavior, pauseBehaviors)
	case holdfast.OfferDowngrade:
		used = map[string]bool{"price": true, "proration_behavior": true}
		if o.PriceID == "" {
			return o, holdfast.ParamError(p+".price", "A downgrade needs the Stripe price id to switch to.")
		}
		if err = checkProviderID(p+".price", o.PriceID); err != nil {
			return o, err
		}
		o.Proration, err = oneOf(p+".proration_behavior", o.Proration, prorations)
	case holdfast.OfferOther:
		// message only (checked above): free text or how the team will get in touch.
	default:
		return o, holdfast.ParamError(p+".type", "Offer type must be one of: discount, pause, downgrade, other.")
	}
	if err != nil {
		return o, err
	}
	for _, f := range []string{"coupon", "percent_off", "duration_months", "max_months", "resume_behavior", "behavior", "price", "proration_behavior"} {
		if set[f] && !used[f] {
			return o, holdfast.ParamError(p+"."+f, "%s does not apply to a %s offer.", f, o.Type)
		}
	}
	return o, nil
}

func checkText(param, s string, max int, required bool) error {
	t := strings.TrimSpace(s)
	if required && t == "" {
		return holdfast.ParamError(param, "%s is required.", param)
	}
	if utf8.RuneCountInString(t) > max {
		return holdfast.ParamError(param, "%s is longer than %d characters.", param, max)
	}
	return nil
}

// checkProviderID accepts an optional Stripe id: printable ASCII, no spaces.
func checkProviderID(param, s string) error {
	if len(s) > maxProviderID {
		return holdfast.ParamError(param, "%s is longer than %d characters.", param, maxProviderID)
	}
	for _, c := range s {
		if c <= ' ' || c > '~' {
			return holdfast.ParamError(param, "%s must be a Stripe id (no spaces or special characters).", param)
		}
	}
	return nil
}

// oneOf validates an optional enumeration, defaulting to its first value.
func oneOf(param, v string, allowed []string) (string, error) {
	if v == "" {
		return allowed[0], nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", holdfast.ParamError(param, "%s must be one of: %s.", param, strings.Join(allowed, ", "))
}
