package cancelflow

import (
	"context"

	"holdfast"
)

// Actions an Applier carries out (holdfast.ApplyAccept, holdfast.ApplyCancel).
const (
	ActionAccept = holdfast.ApplyAccept // apply the session's offer
	ActionCancel = holdfast.ApplyCancel // cancel the subscription at period end
)

// Applier carries out a session outcome at the billing provider: live
// mode's is package stripe's Provider, test mode's stripe.SimulatedApplier
// (which records the requests live mode would send); cmd/holdfast wires
// both through Config. The types live in the root package so that the cancel
// flow does not import the Stripe adapter.
type Applier = holdfast.OfferApplier

// ApplyRequest is one outcome to carry out (holdfast.ApplyRequest).
type ApplyRequest = holdfast.ApplyRequest

// Rejected is a provider error that definitely changed nothing
// (holdfast.Rejected).
type Rejected = holdfast.Rejected

// noApplier is the applier of a mode the service was built without.
type noApplier struct{ mode holdfast.Mode }

func (n noApplier) Apply(context.Context, ApplyRequest) (*holdfast.AppliedChange, error) {
	return nil, holdfast.Errorf(holdfast.ECONFLICT, "No billing provider is configured for %s mode, so the change cannot be applied; the session is still in progress.", n.mode)
}
