package cancelflow

import (
	"context"
	"time"

	"holdfast"
)

// The offer-abuse guard: a customer who accepted a discount in the last
// discount_cooldown_days (default 90) is not offered one again, or "start a
// cancel flow" becomes a way to renew a discount every few months. Only
// accepted discounts count: a discount that was shown and declined (or a
// session closed without an answer) cost the merchant nothing. Other offers
// are not limited: pausing twice costs the merchant nothing either. A
// cooldown of 0 turns the guard off.

// Withheld says why a customer's discount offers are withheld right now.
type Withheld struct {
	// AcceptedAt is when the customer last accepted a discount.
	AcceptedAt time.Time
	// Until is when the cooldown ends and discounts are offered again.
	Until time.Time
	// CooldownDays is the flow's discount_cooldown_days.
	CooldownDays int
}

// discountBlocked reports whether cs's customer accepted a discount in
// another session within the flow's cooldown.
func (s *Service) discountBlocked(ctx context.Context, flow *holdfast.CancelFlow, cs *holdfast.CancelSession, now time.Time) (bool, error) {
	w, err := s.withheld(ctx, flow, cs.WorkspaceID, holdfast.ModeOf(cs.Livemode), cs.Customer, cs.ID, now)
	return w != nil, err
}

// DiscountWithheld returns why a new cancel session of customer (a Stripe
// id) would get no discount offer at now (the mode's clock), or nil when
// discounts would be offered.
func (s *Service) DiscountWithheld(ctx context.Context, wsID string, mode holdfast.Mode, customer string, now time.Time) (*Withheld, error) {
	flow, err := s.st.CancelFlow(ctx, wsID, mode)
	if err != nil {
		return nil, err
	}
	return s.withheld(ctx, flow, wsID, mode, customer, "", now)
}

func (s *Service) withheld(ctx context.Context, flow *holdfast.CancelFlow, wsID string, mode holdfast.Mode, customer, excludeID string, now time.Time) (*Withheld, error) {
	if flow.DiscountCooldownDays <= 0 {
		return nil, nil
	}
	at, err := s.st.LastDiscountAccepted(ctx, wsID, mode, customer, excludeID)
	if err != nil || at == nil {
		return nil, err
	}
	until := at.AddDate(0, 0, flow.DiscountCooldownDays)
	if !now.Before(until) {
		return nil, nil
	}
	return &Withheld{AcceptedAt: *at, Until: until, CooldownDays: flow.DiscountCooldownDays}, nil
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
