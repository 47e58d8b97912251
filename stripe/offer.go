package stripe

import (
	"context"
	"net/url"
	"sort"
	"strconv"

	"holdfast"
)

// step is one cancel-flow request to Stripe: the path and form parameters
// exactly as sent, and its idempotency key (offerKey).
type step struct {
	name   string // coupon | subscription
	method string
	path   string
	params url.Values
	key    string
}

// plan lists the Stripe requests that carry out req. itemID is the
// subscription item a downgrade replaces (known only after reading the
// subscription; "" in test mode, where nothing is read).
func plan(req holdfast.ApplyRequest, itemID string) []step {
	subPath := "/v1/subscriptions/" + req.Subscription
	var steps []step
	update := url.Values{}
	if req.Action == holdfast.ApplyCancel {
		update.Set("cancel_at_period_end", "true")
		return []step{newStep(req, "cancel", "subscription", subPath, update)}
	}
	o := req.Offer
	switch o.Type {
	case holdfast.OfferDiscount:
		coupon := o.CouponID
		if coupon == "" {
			// No coupon configured: create one whose id names its terms, so
			// every session with the same terms shares one coupon.
			coupon = GeneratedCouponID(o.PercentOff, o.DurationMonths)
			c := url.Values{}
			c.Set("id", coupon)
			// Four decimals: how stripe-go encodes the float it sends, so
			// the recorded request is byte-for-byte the one on the wire.
			c.Set("percent_off", strconv.FormatFloat(float64(o.PercentOff), 'f', 4, 64))
			c.Set("duration", "repeating")
			c.Set("duration_in_months", strconv.Itoa(o.DurationMonths))
			c.Set("name", couponName(o.PercentOff, o.DurationMonths))
			steps = append(steps, newStep(req, "accept", "coupon", "/v1/coupons", c))
		}
		update.Set("discounts[0][coupon]", coupon)
	case holdfast.OfferPause:
		update.Set("pause_collection[behavior]", o.Behavior)
		if o.ResumesAt != nil {
			update.Set("pause_collection[resumes_at]", strconv.FormatInt(o.ResumesAt.Unix(), 10))
		}
	case holdfast.OfferDowngrade:
		if itemID != "" {
			update.Set("items[0][id]", itemID)
		}
		update.Set("items[0][price]", o.PriceID)
		update.Set("proration_behavior", o.Proration)
	default: // other: a promise to get in touch, nothing to change at Stripe
		return nil
	}
	return append(steps, newStep(req, "accept", "subscription", subPath, update))
}

func newStep(req holdfast.ApplyRequest, action, name, path string, params url.Values) step {
	return step{name: name, method: "POST", path: path, params: params, key: offerKey(req, action, name, path, params.Encode())}
}

// GeneratedCouponID is the id of the coupon the live applier creates for a
// discount configured without a Stripe coupon id.
func GeneratedCouponID(percent, months int) string {
	return "holdfast_" + strconv.Itoa(percent) + "off_" + strconv.Itoa(months) + "mo"
}

// record renders steps as provider actions.
func record(provider string, steps []step) *holdfast.AppliedChange {
	out := &holdfast.AppliedChange{Provider: provider, Actions: []holdfast.ProviderAction{}}
	for _, s := range steps {
		params := map[string]string{}
		keys := make([]string, 0, len(s.params))
		for k := range s.params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			params[k] = s.params.Get(k)
		}
		out.Actions = append(out.Actions, holdfast.ProviderAction{Method: s.method, Path: s.path, Params: params, IdempotencyKey: s.key})
	}
	return out
}

// SimulatedApplier is test mode's cancel-flow provider (SPEC §9): no call
// leaves the process; the requests live mode would send are recorded on the
// session instead (provider "simulated").
type SimulatedApplier struct{}

var _ holdfast.OfferApplier = SimulatedApplier{}

// Apply records the plan without calling anyone.
func (SimulatedApplier) Apply(_ context.Context, req holdfast.ApplyRequest) (*holdfast.AppliedChange, error) {
	return record("simulated", plan(req, "")), nil
}
