package cancelflow

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"holdfast"
)

// The session state machine:
//
//	in_progress ──respond──▶ in_progress (reason + offer; may respond again)
//	in_progress ──accept───▶ saved_discount | saved_pause | saved_downgrade | saved_other
//	in_progress ──cancel───▶ canceled
//	in_progress ──timeout──▶ abandoned
//
// Every terminal state is "completed"; any call on a completed session is
// ECONFLICT. A session past its expires_at is abandoned the moment anything
// touches it (or when the sweep or the test clock gets there first).

const maxFeedback = 5000

// Start opens a session for a Stripe customer and subscription after checking
// the widget auth hash. It returns the session with the reasons to show, each
// with the offer it would get (discounts already removed when the abuse guard
// applies). Errors: EVALIDATION (customer, subscription missing or foreign
// subscription), EAUTHHASH.
func (s *Service) Start(ctx context.Context, ws *holdfast.Workspace, mode holdfast.Mode, now time.Time, customer, subscription, authHash string) (*holdfast.CancelSession, error) {
	now = trunc(now)
	customer, subscription = strings.TrimSpace(customer), strings.TrimSpace(subscription)
	if customer == "" {
		return nil, holdfast.ParamError("customer", "customer (the Stripe customer id) is required.")
	}
	if subscription == "" {
		return nil, holdfast.ParamError("subscription", "subscription (the Stripe subscription id) is required.")
	}
	// The auth hash comes before anything else about the customer: nothing
	// is looked up for a caller who has not proven who they act for.
	if err := CheckAuthHash(ws.WidgetSecret, customer, authHash); err != nil {
		return nil, err
	}
	if err := checkProviderID("customer", customer); err != nil {
		return nil, err
	}
	if err := checkProviderID("subscription", subscription); err != nil {
		return nil, err
	}
	flow, err := s.st.CancelFlow(ctx, ws.ID, mode)
	if err != nil {
		return nil, err
	}
	cs := &holdfast.CancelSession{ID: holdfast.NewID(holdfast.PrefixCancelSession), Object: "cancel_session", WorkspaceID: ws.ID,
		Livemode: mode.Livemode(), Customer: customer, Subscription: subscription, Status: holdfast.SessionInProgress,
		ExpiresAt: now.Add(time.Duration(flow.SessionTimeoutMinutes) * time.Minute), CreatedAt: now}
	// Customers and subscriptions unknown to the mirror are fine (Stripe ids
	// are taken as given); a mirrored subscription of someone else is not.
	if c, err := s.st.CustomerByProviderID(ctx, ws.ID, mode, customer); err == nil && !c.Deleted {
		cs.CustomerID = c.ID
	} else if err != nil && holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return nil, err
	}
	if sub, err := s.st.SubscriptionByProviderID(ctx, ws.ID, mode, subscription); err == nil {
		if sub.ProviderCustomerID != "" && sub.ProviderCustomerID != customer {
			return nil, holdfast.ParamError("subscription", "Subscription %s does not belong to customer %s.", subscription, customer)
		}
	} else if holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return nil, err
	}
	blocked, err := s.discountBlocked(ctx, flow, cs, now)
	if err != nil {
		return nil, err
	}
	err = s.st.InTx(ctx, func(ctx context.Context) error {
		if err := s.st.CreateCancelSession(ctx, cs); err != nil {
			return err
		}
		if err := s.st.ScheduleJob(ctx, timeoutJob(cs), now); err != nil {
			return err
		}
		_, err := s.st.RecordEvent(ctx, ws.ID, mode, holdfast.EventCancelStarted, cs.ID, cs, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	cs.Reasons = make([]holdfast.CancelReason, len(flow.Reasons))
	for i, r := range flow.Reasons {
		cs.Reasons[i] = holdfast.CancelReason{ID: r.ID, Label: r.Label, Offer: guardOffer(r.Offer, blocked)}
	}
	return cs, nil
}

// Respond records the customer's reason (and optional feedback) and presents
// the offer configured for it, or none. Responding again while the session
// is in progress replaces the reason and the offer: the customer went back
// in the widget and changed their answer; the session still holds exactly
// one offer, the last one shown, and only that one can be accepted. Each
// respond also restarts the session timeout.
func (s *Service) Respond(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, id, reason string, feedback *string) (*holdfast.CancelSession, error) {
	now = trunc(now)
	cs, err := s.open(ctx, wsID, mode, now, id)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, holdfast.ParamError("reason", "reason (the id of a survey reason) is required.")
	}
	if feedback != nil && utf8.RuneCountInString(*feedback) > maxFeedback {
		return nil, holdfast.ParamError("feedback", "feedback is longer than %d characters.", maxFeedback)
	}
	flow, err := s.st.CancelFlow(ctx, wsID, mode)
	if err != nil {
		return nil, err
	}
	var picked *holdfast.CancelReason
	for i := range flow.Reasons {
		if flow.Reasons[i].ID == reason {
			picked = &flow.Reasons[i]
		}
	}
	if picked == nil {
		return nil, holdfast.ParamError("reason", "Unknown reason %q; use the id of one of the session's reasons.", reason)
	}
	blocked, err := s.discountBlocked(ctx, flow, cs, now)
	if err != nil {
		return nil, err
	}
	cs.Reason = &picked.ID
	if feedback != nil {
		f := strings.TrimSpace(*feedback)
		cs.Feedback = &f
	}
	cs.Offer = guardOffer(picked.Offer, blocked)
	cs.RespondedAt = &now
	cs.ExpiresAt = now.Add(time.Duration(flow.SessionTimeoutMinutes) * time.Minute)
	var discountAt *time.Time
	if cs.Offer != nil && cs.Offer.Type == holdfast.OfferDiscount {
		discountAt = &now
	}
	err = s.st.InTx(ctx, func(ctx context.Context) error {
		if err := s.st.UpdateCancelSession(ctx, cs, discountAt, now); err != nil {
			return err
		}
		return s.st.ScheduleJob(ctx, timeoutJob(cs), now) // the timeout restarts
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// Accept applies the presented offer through the provider and completes the
// session as saved_<type>. months picks a pause length (0 = the offer's
// max_months). Errors: ECONFLICT before respond, without an offer, on a
// completed or expired session, or when the provider refused (the session
// then stays in progress); EVALIDATION for a bad months.
func (s *Service) Accept(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, id string, months int) (*holdfast.CancelSession, error) {
	now = trunc(now)
	cs, err := s.open(ctx, wsID, mode, now, id)
	if err != nil {
		return nil, err
	}
	if cs.Reason == nil {
		return nil, holdfast.Errorf(holdfast.ECONFLICT, "Cancel session %s has no reason yet: respond before accepting an offer.", id)
	}
	if cs.Offer == nil {
		return nil, holdfast.Errorf(holdfast.ECONFLICT, "Cancel session %s has no offer to accept for reason %q.", id, *cs.Reason)
	}
	offer := *cs.Offer
	if offer.Type == holdfast.OfferPause {
		if months == 0 {
			months = offer.MaxMonths
		}
		if months < 1 || months > offer.MaxMonths {
			return nil, holdfast.ParamError("months", "months must be between 1 and %d for this pause.", offer.MaxMonths)
		}
		offer.Months = months
		if offer.ResumeBehavior != "manual" {
			// From the moment the offer was shown, not now: a retried accept
			// then sends identical parameters under the same idempotency key.
			r := cs.RespondedAt.AddDate(0, months, 0).UTC()
			offer.ResumesAt = &r
		}
	} else if months != 0 {
		return nil, holdfast.ParamError("months", "months applies only to a pause offer.")
	}
	applied, err := s.apply(ctx, cs, ApplyRequest{Action: ActionAccept, Offer: &offer}, now)
	if err != nil {
		return nil, err
	}
	outcome := "saved_" + offer.Type
	cs.AcceptedOffer = &offer
	return s.complete(ctx, cs, outcome, applied, holdfast.EventCancelSaved, now, now)
}

// Cancel cancels the subscription at period end through the provider and
// completes the session as canceled. Errors as for Accept.
func (s *Service) Cancel(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, id string) (*holdfast.CancelSession, error) {
	now = trunc(now)
	cs, err := s.open(ctx, wsID, mode, now, id)
	if err != nil {
		return nil, err
	}
	applied, err := s.apply(ctx, cs, ApplyRequest{Action: ActionCancel}, now)
	if err != nil {
		return nil, err
	}
	return s.complete(ctx, cs, holdfast.OutcomeCanceled, applied, holdfast.EventCancelCanceled, now, now)
}

// apply carries out req for cs through its mode's provider. A definite
// rejection is counted on the session so the next attempt uses fresh
// idempotency keys; the session stays in progress either way.
func (s *Service) apply(ctx context.Context, cs *holdfast.CancelSession, req ApplyRequest, now time.Time) (*holdfast.AppliedChange, error) {
	req.WorkspaceID, req.SessionID, req.Customer, req.Subscription, req.Attempt = cs.WorkspaceID, cs.ID, cs.Customer, cs.Subscription, cs.ApplyAttempt
	applied, err := s.applier(holdfast.ModeOf(cs.Livemode)).Apply(ctx, req)
	var rej *Rejected
	definite := errors.As(err, &rej)
	var pf *holdfast.ProviderFailure
	switch {
	case errors.As(err, &pf):
		// The provider's full answer is the merchant's (session, dashboard);
		// the caller's error carries only the plain message.
		d := pf.Detail
		d.OccurredAt = now
		if rerr := s.st.RecordCancelSessionProviderError(ctx, cs, &d, definite, now); rerr != nil && holdfast.ErrorCode(rerr) != holdfast.ECONFLICT {
			s.log.Error("cancel flow: record provider error", "session", cs.ID, "err", rerr)
		}
	case definite:
		if berr := s.st.BumpCancelSessionAttempt(ctx, cs, now); berr != nil && holdfast.ErrorCode(berr) != holdfast.ECONFLICT {
			s.log.Error("cancel flow: count provider rejection", "session", cs.ID, "err", berr)
		}
	}
	return applied, err
}

// Get returns a session as of now: an expired one reads as abandoned (At);
// a read never writes, the timeout job records the abandonment.
func (s *Service) Get(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, id string) (*holdfast.CancelSession, error) {
	cs, err := s.st.GetCancelSession(ctx, wsID, mode, id)
	if err != nil {
		return nil, err
	}
	return cs.At(trunc(now)), nil
}

// open loads a session that may still change: ENOTFOUND, or ECONFLICT when
// it is completed or has just expired (it is abandoned then).
func (s *Service) open(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, id string) (*holdfast.CancelSession, error) {
	cs, err := s.st.GetCancelSession(ctx, wsID, mode, id)
	if err != nil {
		return nil, err
	}
	if cs.Status != holdfast.SessionInProgress {
		return nil, completedError(cs)
	}
	if !now.Before(cs.ExpiresAt) {
		if err := s.abandon(ctx, cs, now); err != nil && holdfast.ErrorCode(err) != holdfast.ECONFLICT {
			return nil, err
		}
		return nil, holdfast.Errorf(holdfast.ECONFLICT, "Cancel session %s timed out at %s and was abandoned; start a new session.",
			cs.ID, cs.ExpiresAt.Format(time.RFC3339))
	}
	return cs, nil
}

func completedError(cs *holdfast.CancelSession) error {
	outcome := ""
	if cs.Outcome != nil {
		outcome = *cs.Outcome
	}
	return holdfast.Errorf(holdfast.ECONFLICT, "Cancel session %s is already completed (outcome %s).", cs.ID, outcome)
}

// complete moves an in-progress session to its outcome and records the
// event in the same transaction. A concurrent call that finished the session
// first wins; this one gets ECONFLICT (and any provider call it made used the
// same idempotency key, so nothing was applied twice).
func (s *Service) complete(ctx context.Context, cs *holdfast.CancelSession, outcome string, applied *holdfast.AppliedChange, event string, completedAt, now time.Time) (*holdfast.CancelSession, error) {
	cs.Status, cs.Outcome, cs.Applied, cs.CompletedAt = holdfast.SessionCompleted, &outcome, applied, &completedAt
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		if err := s.st.UpdateCancelSession(ctx, cs, nil, now); err != nil {
			return err
		}
		if err := s.st.DeleteJob(ctx, timeoutKey(cs.ID)); err != nil {
			return err
		}
		_, err := s.st.RecordEvent(ctx, cs.WorkspaceID, holdfast.ModeOf(cs.Livemode), event, cs.ID, cs, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}
