package stripe

import (
	"context"
	"strings"
	"time"

	"holdfast/store"
)

// Subscription events mirror the subscription; customer.subscription.deleted
// of a subscription that ended unpaid also ends its recoveries as lost.

// subscriptionSnapshot reads a Stripe subscription object. Prices and period
// ends are read from the items (API versions since 2025-03-31 keep
// current_period_end there) and from the legacy top-level fields.
func subscriptionSnapshot(o obj, at time.Time) store.SubscriptionSnapshot {
	snap := store.SubscriptionSnapshot{
		ProviderID:           o.id("id"),
		ProviderCustomerID:   o.id("customer"),
		Status:               o.str("status"),
		Currency:             strings.ToLower(o.str("currency")),
		CurrentPeriodEnd:     o.time("current_period_end"),
		CancelAtPeriodEnd:    o.bool("cancel_at_period_end"),
		CanceledAt:           o.time("canceled_at"),
		DefaultPaymentMethod: o.id("default_payment_method"),
		ProviderTime:         at,
	}
	items := o.list("items")
	if len(items) == 0 && o.obj("plan") != nil {
		items = []obj{{"plan": map[string]any(o.obj("plan")), "quantity": o.get("quantity")}}
	}
	for i, it := range items {
		price := it.obj("price")
		if price == nil {
			price = it.obj("plan")
		}
		qty := int64(1)
		if it.get("quantity") != nil {
			qty = it.int("quantity")
		}
		snap.Amount += qty * first64(price.int("unit_amount"), price.int("amount"))
		if i == 0 {
			snap.PriceID = first(it.id("price"), it.id("plan"))
			snap.ProductID = price.id("product")
			snap.Interval = first(price.str("recurring", "interval"), price.str("interval"))
			snap.Currency = first(snap.Currency, strings.ToLower(price.str("currency")))
		}
		if snap.CurrentPeriodEnd == nil {
			snap.CurrentPeriodEnd = it.time("current_period_end")
		}
	}
	if p := o.obj("pause_collection"); p != nil {
		snap.PauseCollection = map[string]any(p)
	}
	snap.Discount = subscriptionDiscount(o)
	return snap
}

// subscriptionDiscount reads `discount` (one object, older versions) or
// `discounts` (ids or objects, newer versions); nil when there is none.
func subscriptionDiscount(o obj) map[string]any {
	if d := o.obj("discount"); d != nil {
		return map[string]any(d)
	}
	arr, _ := o.get("discounts").([]any)
	for _, e := range arr {
		switch v := e.(type) {
		case map[string]any:
			return v
		case string:
			return map[string]any{"id": v, "object": "discount"}
		}
	}
	return nil
}

func first64(vals ...int64) int64 {
	for _, v := range vals {
		if v != 0 {
			return v
		}
	}
	return 0
}

func applySubscription(ctx context.Context, c *call) error {
	snap := subscriptionSnapshot(c.ev.Object, c.ev.Created)
	if snap.ProviderID == "" {
		return nil
	}
	customerID := ""
	if snap.ProviderCustomerID != "" {
		cus, err := c.in.store.EnsureCustomer(ctx, c.ws, c.mode, snap.ProviderCustomerID, nil, nil, c.now)
		if err != nil {
			return err
		}
		if !cus.Deleted {
			customerID = cus.ID
		}
	}
	ch, err := c.in.store.UpsertSubscription(ctx, c.ws, c.mode, customerID, snap, c.now)
	if err != nil {
		return err
	}
	if err := c.in.fail("mirrored"); err != nil {
		return err
	}
	if ch.Applied {
		// The next renewal decides whether the card expires before it.
		if err := c.billingChanged(ctx, customerID); err != nil {
			return err
		}
	}
	if c.ev.Type != "customer.subscription.deleted" {
		return nil
	}
	// Whether or not this (possibly late) snapshot was applied, a deleted
	// subscription is gone for good; if it ended unpaid, its recoveries are lost.
	unpaid, err := c.endedUnpaid(ctx, ch)
	if err != nil || !unpaid {
		return err
	}
	eng, err := c.engine()
	if err != nil {
		return err
	}
	return eng.SubscriptionEndedUnpaid(ctx, c.ws, c.mode, snap.ProviderID, c.now)
}

// endedUnpaid decides whether a deleted subscription ended for non-payment:
// Stripe says so (cancellation_details.reason = payment_failed), it was
// past_due/unpaid before, or one of its invoices is still under recovery.
func (c *call) endedUnpaid(ctx context.Context, ch *store.SubscriptionChange) (bool, error) {
	if c.ev.Object.str("cancellation_details", "reason") == "payment_failed" {
		return true, nil
	}
	for _, s := range []string{c.ev.Previous.str("status"), prevStatus(ch)} {
		switch s {
		case "past_due", "unpaid", "incomplete":
			return true, nil
		}
	}
	return c.in.store.SubscriptionHasPendingPayment(ctx, c.ws, c.mode, c.ev.Object.id("id"))
}

func prevStatus(ch *store.SubscriptionChange) string {
	if ch.Previous == nil {
		return ""
	}
	return ch.Previous.Status
}
