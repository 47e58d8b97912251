package cancelflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strconv"

	"holdfast"
)

// Actions an Applier carries out.
const (
	ActionAccept = "accept" // apply the session's offer
	ActionCancel = "cancel" // cancel the subscription at period end
)

// ApplyRequest is one outcome to carry out at the billing provider.
type ApplyRequest struct {
	WorkspaceID  string
	SessionID    string
	Customer     string // Stripe customer id (authenticated by the auth hash)
	Subscription string // Stripe subscription id
	Action       string // ActionAccept or ActionCancel
	// Offer is the offer being accepted, with a pause's Months and
	// ResumesAt resolved; nil for ActionCancel.
	Offer *holdfast.Offer
	// Attempt counts earlier definite rejections of this session's outcome
	// (see Rejected); it is part of the idempotency keys.
	Attempt int
}

// Rejected wraps a provider error that definitely changed nothing (Stripe
// answered 4xx, other than a 409 conflict or a 429). The session's next
// attempt then uses fresh idempotency keys: reusing them would only replay
// the cached rejection, even after the merchant fixed its cause. Errors
// that leave it open whether the change happened (timeouts, 5xx) are not
// Rejected, so a retry reuses the keys and cannot apply anything twice.
type Rejected struct{ Err error }

func (r *Rejected) Error() string { return r.Err.Error() }

// Unwrap exposes the *holdfast.Error inside, for the API's error rendering.
func (r *Rejected) Unwrap() error { return r.Err }

// Applier carries out a session outcome at the billing provider. It returns
// what it did; on error nothing may be recorded as saved, so the session
// stays in progress and the customer can retry. Errors are *holdfast.Error
// with a message fit for the customer's screen.
type Applier interface {
	Apply(ctx context.Context, req ApplyRequest) (*holdfast.AppliedChange, error)
}

// step is one provider request: the Stripe path and form parameters exactly
// as sent, and an idempotency key derived from the session, the action and
// the parameters. Deriving (not generating) the key means a retry of the
// same accept after a crash or timeout replays Stripe's first answer instead
// of applying twice, while a different request of the same session (another
// offer after the customer changed their reason) gets its own key.
type step struct {
	name   string // coupon | subscription
	method string
	path   string
	params url.Values
	key    string
}

// plan lists the provider requests for req. itemID is the subscription item
// a downgrade replaces (known only after reading the subscription; "" in
// test mode, where nothing is read).
func plan(req ApplyRequest, itemID string) []step {
	subPath := "/v1/subscriptions/" + req.Subscription
	var steps []step
	update := url.Values{}
	if req.Action == ActionCancel {
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
			c.Set("name", strconv.Itoa(o.PercentOff)+"% off for "+strconv.Itoa(o.DurationMonths)+" months (Holdfast save offer)")
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

func newStep(req ApplyRequest, action, name, path string, params url.Values) step {
	sum := sha256.Sum256([]byte("POST " + path + "?" + params.Encode()))
	key := "holdfast-" + req.SessionID + "-" + action + "-" + name + "-" + hex.EncodeToString(sum[:6])
	if req.Attempt > 0 {
		key += "-" + strconv.Itoa(req.Attempt)
	}
	return step{name: name, method: "POST", path: path, params: params, key: key}
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

// simApplier is test mode's provider (SPEC §9): no call leaves the process;
// the requests live mode would send are recorded on the session instead.
type simApplier struct{}

// Apply records the plan without calling anyone.
func (simApplier) Apply(_ context.Context, req ApplyRequest) (*holdfast.AppliedChange, error) {
	return record("simulated", plan(req, "")), nil
}
