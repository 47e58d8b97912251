package holdfast

// Defaults of a cancel flow.
const (
	DefaultSessionTimeoutMinutes = 30
	DefaultDiscountCooldownDays  = 90
)

// DefaultCancelFlow is the flow every workspace starts with, in each mode.
// It asks why the customer is leaving and makes at most one offer for the
// answer. Reasons that fit a pause come first: a pause keeps the full price
// and is cheaper for the merchant than a discount, so it is offered wherever
// the reason allows (pause before discount). The discount needs no Stripe
// coupon id: the live applier creates a matching coupon on first use.
// Downgrades need a target price only the merchant knows, so none is preset.
func DefaultCancelFlow(livemode bool) *CancelFlow {
	return &CancelFlow{
		Object:   "cancel_flow",
		Livemode: livemode,
		Reasons: []CancelReason{
			{ID: "not_using", Label: "I'm not using it enough", Offer: &Offer{
				Type: OfferPause, MaxMonths: 3, ResumeBehavior: "auto", Behavior: "void",
				Message: "Take a break instead: nothing is charged while paused, and your data stays."}},
			{ID: "temporary", Label: "I only need it part of the year", Offer: &Offer{
				Type: OfferPause, MaxMonths: 3, ResumeBehavior: "auto", Behavior: "void",
				Message: "Pause now and pick up where you left off."}},
			{ID: "too_expensive", Label: "It's too expensive", Offer: &Offer{
				Type: OfferDiscount, PercentOff: 25, DurationMonths: 3,
				Message: "Stay and pay 25% less for the next three months."}},
			{ID: "missing_features", Label: "It's missing something I need", Offer: &Offer{
				Type: OfferOther, Message: "Tell us what is missing: our team will get in touch personally."}},
			{ID: "switching", Label: "I'm switching to another product"},
			{ID: "other", Label: "Something else"},
		},
		SessionTimeoutMinutes: DefaultSessionTimeoutMinutes,
		DiscountCooldownDays:  DefaultDiscountCooldownDays,
	}
}
