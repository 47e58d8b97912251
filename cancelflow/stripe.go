package cancelflow

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/stripe/stripe-go/v85"

	"holdfast"
	"holdfast/store"
)

// stripeApplier is live mode's provider: it changes the subscription through
// the Stripe API with the workspace's live secret key.
type stripeApplier struct {
	st       *store.Store
	backends *stripe.Backends
	log      *slog.Logger
}

// NewStripeApplier returns live mode's Applier, with the Stripe client
// pointed at base (no /v1; tests use a local fake) and each workspace's live
// secret key from the store. maxRetries is stripe-go's own network retry
// count: retries reuse the request's idempotency key, so they are safe.
func NewStripeApplier(st *store.Store, base string, hc *http.Client, maxRetries int64, log *slog.Logger) Applier {
	base = strings.TrimSuffix(base, "/")
	if log == nil {
		log = slog.Default()
	}
	cfg := &stripe.BackendConfig{URL: stripe.String(base), HTTPClient: hc, MaxNetworkRetries: stripe.Int64(maxRetries),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	return &stripeApplier{st: st, backends: stripe.NewBackendsWithConfig(cfg), log: log}
}

// Apply reads the subscription (it must belong to the authenticated
// customer and still be alive), then sends the planned requests in order.
func (a *stripeApplier) Apply(ctx context.Context, req ApplyRequest) (*holdfast.AppliedChange, error) {
	if len(plan(req, "")) == 0 {
		return record("stripe", nil), nil // "other": nothing to change at Stripe
	}
	key, err := a.st.WorkspaceSecret(ctx, req.WorkspaceID, holdfast.ModeLive, store.SecretStripeAPIKey)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, holdfast.Errorf(holdfast.ECONFLICT, "This workspace has no live Stripe API key, so the change cannot be applied; the session is still in progress. "+
			"Set one with `holdfast workspace update %s --stripe-api-key live=sk_live_…`.", req.WorkspaceID)
	}
	sc := stripe.NewClient(key, stripe.WithBackends(a.backends))
	sub, err := sc.V1Subscriptions.Retrieve(ctx, req.Subscription, nil)
	if err != nil {
		return nil, a.providerError(req, err)
	}
	if sub.Customer == nil || sub.Customer.ID != req.Customer {
		return nil, holdfast.ParamError("subscription", "Subscription %s does not belong to customer %s.", req.Subscription, req.Customer)
	}
	if sub.Status == stripe.SubscriptionStatusCanceled || sub.Status == stripe.SubscriptionStatusIncompleteExpired {
		return nil, holdfast.Errorf(holdfast.ECONFLICT, "Subscription %s is already canceled at Stripe.", req.Subscription)
	}
	itemID := ""
	if sub.Items != nil && len(sub.Items.Data) > 0 {
		// A downgrade swaps the price of the first item; multi-item
		// subscriptions are out of scope for a one-click save offer.
		itemID = sub.Items.Data[0].ID
	}
	steps := plan(req, itemID)
	for _, s := range steps {
		if err := a.send(ctx, sc, req, s); err != nil {
			return nil, a.providerError(req, err)
		}
	}
	return record("stripe", steps), nil
}

// send performs one planned step with stripe-go's typed parameters built
// from the same values the plan records.
func (a *stripeApplier) send(ctx context.Context, sc *stripe.Client, req ApplyRequest, s step) error {
	v := s.params
	switch s.name {
	case "coupon":
		p := &stripe.CouponCreateParams{ID: stripe.String(v.Get("id")), Duration: stripe.String(v.Get("duration")), Name: stripe.String(v.Get("name"))}
		pct, _ := strconv.ParseFloat(v.Get("percent_off"), 64)
		months, _ := strconv.ParseInt(v.Get("duration_in_months"), 10, 64)
		p.PercentOff, p.DurationInMonths = stripe.Float64(pct), stripe.Int64(months)
		p.SetIdempotencyKey(s.key)
		_, err := sc.V1Coupons.Create(ctx, p)
		var se *stripe.Error
		if errors.As(err, &se) && se.Code == stripe.ErrorCodeResourceAlreadyExists {
			return nil // created by an earlier session with the same terms
		}
		return err
	case "subscription":
		p := &stripe.SubscriptionUpdateParams{}
		if c := v.Get("discounts[0][coupon]"); c != "" {
			p.Discounts = []*stripe.SubscriptionUpdateDiscountParams{{Coupon: stripe.String(c)}}
		}
		if b := v.Get("pause_collection[behavior]"); b != "" {
			p.PauseCollection = &stripe.SubscriptionUpdatePauseCollectionParams{Behavior: stripe.String(b)}
			if r := v.Get("pause_collection[resumes_at]"); r != "" {
				ts, _ := strconv.ParseInt(r, 10, 64)
				p.PauseCollection.ResumesAt = stripe.Int64(ts)
			}
		}
		if price := v.Get("items[0][price]"); price != "" {
			item := &stripe.SubscriptionUpdateItemParams{Price: stripe.String(price)}
			if id := v.Get("items[0][id]"); id != "" {
				item.ID = stripe.String(id)
			}
			p.Items = []*stripe.SubscriptionUpdateItemParams{item}
			p.ProrationBehavior = stripe.String(v.Get("proration_behavior"))
		}
		if v.Get("cancel_at_period_end") == "true" {
			p.CancelAtPeriodEnd = stripe.Bool(true)
		}
		p.SetIdempotencyKey(s.key)
		_, err := sc.V1Subscriptions.Update(ctx, req.Subscription, p)
		return err
	}
	return errors.New("cancelflow: unknown step " + s.name)
}

// providerError turns a Stripe failure into a message the customer can act
// on (retry, or contact the merchant) without leaking internals; the detail
// goes to the log.
func (a *stripeApplier) providerError(req ApplyRequest, err error) error {
	a.log.Warn("cancel flow: stripe call failed", "session", req.SessionID, "workspace", req.WorkspaceID, "err", err)
	var se *stripe.Error
	if errors.As(err, &se) {
		var out *holdfast.Error
		if se.HTTPStatusCode == http.StatusNotFound && se.Code == stripe.ErrorCodeResourceMissing && strings.Contains(se.Msg, req.Subscription) {
			out = holdfast.ParamError("subscription", "Stripe has no subscription %s.", req.Subscription)
		} else {
			msg := se.Msg
			if msg == "" || se.HTTPStatusCode >= 500 {
				msg = "Stripe is not available right now."
			}
			out = holdfast.Errorf(holdfast.ECONFLICT, "Stripe could not apply the change: %s The session is still in progress; please try again.", strings.TrimSpace(msg))
		}
		if se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusConflict && se.HTTPStatusCode != http.StatusTooManyRequests {
			return &Rejected{Err: out}
		}
		return out
	}
	return holdfast.Errorf(holdfast.ECONFLICT, "Stripe could not be reached, so the change was not applied; the session is still in progress. Please try again.")
}
