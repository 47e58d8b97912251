package stripe

import (
	"net/url"
	"strconv"
	"unicode/utf8"

	"holdfast"
)

// Stripe's documented limits for the string parameters Holdfast sends, from
// Stripe's OpenAPI description of the pinned API version (the maxLength of
// each parameter in spec3.json, as shipped with stripe-mock v0.203.0) and
// Stripe's idempotency documentation. docs/stripe.md lists them per call;
// limits_test.go checks every call against them.
const (
	// MaxIDLength bounds every object id Holdfast sends, in a path or a
	// parameter: invoice, payment intent, charge, subscription, subscription
	// item, price, coupon, customer, payment method, starting_after.
	MaxIDLength = 5000
	// MaxCouponNameLength bounds a coupon's name ("Max length: 40").
	MaxCouponNameLength = 40
	// MaxIdempotencyKeyLength bounds the Idempotency-Key header ("up to 255
	// characters long").
	MaxIdempotencyKeyLength = 255
	// MaxListLimit is the largest page a list returns (limit 1–100).
	MaxListLimit = 100
)

// idLimitParams are the form parameters of the calls Holdfast makes that
// carry an object id.
var idLimitParams = map[string]bool{
	"id": true, "discounts[0][coupon]": true, "items[0][id]": true, "items[0][price]": true,
	"payment_method": true, "customer": true, "starting_after": true,
}

// checkID refuses an object id Stripe would refuse for its length, naming
// param, before anything is sent.
func checkID(param, id string) error {
	if n := utf8.RuneCountInString(id); n > MaxIDLength {
		return holdfast.ParamError(param, "%s is %d characters long; Stripe accepts at most %d.", param, n, MaxIDLength)
	}
	return nil
}

// checkParams checks a planned request's path id, parameters and
// idempotency key against Stripe's limits.
func checkParams(pathID string, params url.Values, key string) error {
	if err := checkID("id", pathID); err != nil {
		return err
	}
	for name, vals := range params {
		for _, v := range vals {
			if idLimitParams[name] {
				if err := checkID(name, v); err != nil {
					return err
				}
			}
			if name == "name" && utf8.RuneCountInString(v) > MaxCouponNameLength {
				return holdfast.ParamError(name, "The coupon name is longer than Stripe's limit of %d characters.", MaxCouponNameLength)
			}
		}
	}
	if len(key) > MaxIdempotencyKeyLength {
		return holdfast.Errorf(holdfast.EINTERNAL, "idempotency key of %d characters exceeds Stripe's %d", len(key), MaxIdempotencyKeyLength)
	}
	return nil
}

// couponName is the display name of a generated discount coupon, e.g.
// "20% off for 3 months (Holdfast)": within MaxCouponNameLength for every
// valid offer (1–100 %, 1–MaxDiscountMonths months); cut to it otherwise.
func couponName(percent, months int) string {
	unit := " months"
	if months == 1 {
		unit = " month"
	}
	name := strconv.Itoa(percent) + "% off for " + strconv.Itoa(months) + unit + " (Holdfast)"
	if utf8.RuneCountInString(name) > MaxCouponNameLength {
		name = string([]rune(name)[:MaxCouponNameLength])
	}
	return name
}
