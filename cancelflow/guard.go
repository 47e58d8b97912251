package cancelflow

import (
	"context"
	"time"

	"holdfast"
)

// The offer-abuse guard: a customer who was shown a discount in the last
// discount_cooldown_days (default 90) does not see one again, or "start a
// cancel flow" becomes a way to renew a discount every few months. Other
// offers are not limited: pausing twice costs the merchant nothing. A
// cooldown of 0 turns the guard off.

// discountBlocked reports whether cs's customer saw a discount in another
// session within the flow's cooldown.
func (s *Service) discountBlocked(ctx context.Context, flow *holdfast.CancelFlow, cs *holdfast.CancelSession, now time.Time) (bool, error) {
	if flow.DiscountCooldownDays <= 0 {
		return false, nil
	}
	since := now.AddDate(0, 0, -flow.DiscountCooldownDays)
	return s.st.DiscountOfferedSince(ctx, cs.WorkspaceID, holdfast.ModeOf(cs.Livemode), cs.Customer, since, cs.ID)
}

// guardOffer returns a copy of o, or nil when o is a discount and discounts
// are blocked for this customer (the reason then simply has no offer).
func guardOffer(o *holdfast.Offer, blocked bool) *holdfast.Offer {
	if o == nil || (blocked && o.Type == holdfast.OfferDiscount) {
		return nil
	}
	c := *o
	return &c
}
