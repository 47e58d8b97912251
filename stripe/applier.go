package stripe

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
)

// Apply carries out a live cancel-session outcome: it reads the subscription
// (it must belong to the authenticated customer and still be alive), then
// sends the planned requests (offer.go) in order.
func (p *Provider) Apply(ctx context.Context, req holdfast.ApplyRequest) (*holdfast.AppliedChange, error) {
	if len(plan(req, "")) == 0 {
		return record("stripe", nil), nil // "other": nothing to change at Stripe
	}
	sc, err := p.client(ctx, req.WorkspaceID, holdfast.ModeLive)
	if err != nil {
		return nil, err
	}
	if sc == nil {
		return nil, holdfast.Errorf(holdfast.ECONFLICT, "This workspace has no live Stripe API key, so the change cannot be applied; the session is still in progress. "+
			"Set one with `holdfast workspace update %s --stripe-api-key live=sk_live_…`.", req.WorkspaceID)
	}
	sub, err := sc.V1Subscriptions.Retrieve(ctx, req.Subscription, nil)
	if err != nil {
		return nil, p.applyError(req, err)
	}
	if sub.Customer == nil || sub.Customer.ID != req.Customer {
		return nil, holdfast.ParamError("subscription", "Subscription %s does not belong to customer %s.", req.Subscription, req.Customer)
	}
	if sub.Status == stripego.SubscriptionStatusCanceled || sub.Status == stripego.SubscriptionStatusIncompleteExpired {
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
		if err := checkParams(req.Subscription, s.params, s.key); err != nil {
			return nil, err
		}
	}
	for _, s := range steps {
		if err := send(ctx, sc, req, s); err != nil {
			return nil, p.applyError(req, err)
		}
	}
	return record("stripe", steps), nil
}

// send performs one planned step with stripe-go's typed parameters built
// from the same values the plan records.
func send(ctx context.Context, sc *stripego.Client, req holdfast.ApplyRequest, s step) error {
	v := s.params
	switch s.name {
	case "coupon":
		p := &stripego.CouponCreateParams{ID: stripego.String(v.Get("id")), Duration: stripego.String(v.Get("duration")), Name: stripego.String(v.Get("name"))}
		pct, _ := strconv.ParseFloat(v.Get("percent_off"), 64)
		months, _ := strconv.ParseInt(v.Get("duration_in_months"), 10, 64)
		p.PercentOff, p.DurationInMonths = stripego.Float64(pct), stripego.Int64(months)
		setIdempotencyKey(&p.Params, s.key)
		_, err := sc.V1Coupons.Create(ctx, p)
		if se := AsStripeError(err); se != nil && se.Code == stripego.ErrorCodeResourceAlreadyExists {
			return nil // created by an earlier session with the same terms
		}
		return err
	case "subscription":
		p := &stripego.SubscriptionUpdateParams{}
		if c := v.Get("discounts[0][coupon]"); c != "" {
			p.Discounts = []*stripego.SubscriptionUpdateDiscountParams{{Coupon: stripego.String(c)}}
		}
		if b := v.Get("pause_collection[behavior]"); b != "" {
			p.PauseCollection = &stripego.SubscriptionUpdatePauseCollectionParams{Behavior: stripego.String(b)}
			if r := v.Get("pause_collection[resumes_at]"); r != "" {
				ts, _ := strconv.ParseInt(r, 10, 64)
				p.PauseCollection.ResumesAt = stripego.Int64(ts)
			}
		}
		if price := v.Get("items[0][price]"); price != "" {
			item := &stripego.SubscriptionUpdateItemParams{Price: stripego.String(price)}
			if id := v.Get("items[0][id]"); id != "" {
				item.ID = stripego.String(id)
			}
			p.Items = []*stripego.SubscriptionUpdateItemParams{item}
			p.ProrationBehavior = stripego.String(v.Get("proration_behavior"))
		}
		if v.Get("cancel_at_period_end") == "true" {
			p.CancelAtPeriodEnd = stripego.Bool(true)
		}
		setIdempotencyKey(&p.Params, s.key)
		_, err := sc.V1Subscriptions.Update(ctx, req.Subscription, p)
		return err
	}
	return errors.New("stripe: unknown cancel-flow step " + s.name)
}

// applyError turns a failed cancel-flow call into a plain message the
// customer can act on (retry, or contact the merchant) with Stripe's request
// id, never Stripe's own text; Stripe's full answer goes to the log and, as
// the failure's Detail, to the session and the dashboard. A refusal or
// decline (Classify) is holdfast.Rejected: nothing changed, so the next
// attempt uses fresh keys.
func (p *Provider) applyError(req holdfast.ApplyRequest, err error) error {
	d := *ProviderErrorOf(err)
	p.log.Warn("cancel flow: stripe call failed", "session", req.SessionID, "workspace", req.WorkspaceID,
		"class", Classify(err), "status", d.HTTPStatus, "type", d.Type, "code", d.Code, "request_id", d.RequestID, "err", err)
	se := AsStripeError(err)
	if se == nil {
		return &holdfast.ProviderFailure{Detail: d, Err: holdfast.Errorf(holdfast.ECONFLICT,
			"Stripe could not be reached, so the change was not applied; the session is still in progress. Please try again.")}
	}
	var out *holdfast.Error
	if se.HTTPStatusCode == http.StatusNotFound && se.Code == stripego.ErrorCodeResourceMissing && strings.Contains(se.Msg, req.Subscription) {
		out = holdfast.ParamError("subscription", "Stripe has no subscription %s%s.", req.Subscription, requestRef(err))
	} else {
		out = holdfast.Errorf(holdfast.ECONFLICT, "Stripe could not apply the change%s. The session is still in progress; please try again, or contact us if it keeps failing.",
			requestRef(err))
	}
	f := &holdfast.ProviderFailure{Err: out, Detail: d}
	if c := Classify(err); c == ClassRefused || (c == ClassDecline && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 &&
		se.HTTPStatusCode != http.StatusConflict && se.HTTPStatusCode != http.StatusTooManyRequests) {
		return &holdfast.Rejected{Err: f}
	}
	return f
}
