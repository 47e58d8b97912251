package engine

import (
	"time"

	"holdfast"
	"holdfast/engine/policy"
)

// The planner decides a recovery's next action from its state. It is a pure
// function (no database, no clock) so every rule is tested with tables.
//
// Steps run in order on two tracks: emails at opened + after_hours, and
// retries. A retry step runs no earlier than its after_hours; with smart
// retries the policy places it (paydays, transient hours, morning in the
// customer's zone, network limits), and a step the policy declines (a dead or
// expired card, a spent budget) is skipped when its time comes. A card update
// retries at once, outside the steps and the budget. For never-retry and
// needs-customer declines the card-update email goes out at once, using the
// next email step (or a built-in template when none is left). When both
// tracks are done the recovery is lost.

type actionKind int

const (
	actLost      actionKind = iota // steps exhausted
	actEmail                       // send email step Step
	actCardEmail                   // send the card-update email now (Step = email step used, or -1)
	actRetry                       // automatic retry for retry step Step
	actCardRetry                   // retry at once on the customer's new card
	actSkipRetry                   // pass retry step Step without charging
)

func (k actionKind) String() string {
	return [...]string{"lost", "email", "card_email", "retry", "card_retry", "skip_retry"}[k]
}

// planInput is a recovery's state as the planner sees it.
type planInput struct {
	Now         time.Time
	Opened      time.Time
	Playbook    holdfast.Campaign
	EmailCursor int
	RetryCursor int
	RetriesUsed int
	CardEmailed bool
	// Decline is the latest decline; Card the card a retry would charge;
	// History every attempt on the customer's cards (with the opening failure).
	Decline  policy.Decline
	Card     policy.Card
	History  []policy.Attempt
	Location *time.Location
	// CardChanged: a new payment method arrived after the last charge.
	CardChanged bool
	// PlannedRetry is the retry time an earlier pass chose (payment
	// next_retry_at). Once it has come, the retry runs: asking the policy
	// again later would move a "soon" retry a few minutes on each time.
	PlannedRetry *time.Time
	// Unguarded: a blind campaign ignores the card-network guard
	// (Config.Unguarded, simulation only).
	Unguarded bool
}

// plannedAction is the planner's answer: do Kind at At (now when At <= Now).
type plannedAction struct {
	Kind actionKind
	Step int
	At   time.Time
	// NextRetry is when the next charge is planned, for payment.next_retry_at.
	NextRetry *time.Time
	// AwaitingCard: no automatic retry until the customer changes the card.
	AwaitingCard bool
	Reason       string
}

// retryGrace bounds how far the policy may push a campaign's retries past
// its last step, so a recovery ends within a few days of its playbook.
const retryGrace = 72 * time.Hour

func plan(in planInput) plannedAction {
	pb := in.Playbook
	pin := policy.Input{Now: in.Now, Opened: in.Opened, Decline: in.Decline, Card: in.Card, History: in.History,
		Location: in.Location, RetriesUsed: in.RetriesUsed, MaxRetries: pb.MaxRetries}

	var cands []plannedAction
	if in.CardChanged {
		pin.CardChangedSinceDecline = true
		if d := policy.Next(pin); d.Retry {
			cands = append(cands, plannedAction{Kind: actCardRetry, Step: -1, At: d.At, Reason: d.Reason})
		}
		pin.CardChangedSinceDecline = false
	}
	d := policy.Next(pin)
	awaiting := needsNewCard(in, d)
	if awaiting && !in.CardEmailed && len(cands) == 0 {
		return plannedAction{Kind: actCardEmail, Step: nextStep(pb.Steps, in.EmailCursor, holdfast.ActionEmail),
			At: in.Now, AwaitingCard: true, Reason: "card-update email: " + d.Reason}
	}
	if e := nextStep(pb.Steps, in.EmailCursor, holdfast.ActionEmail); e >= 0 {
		cands = append(cands, plannedAction{Kind: actEmail, Step: e, At: stepTime(in.Opened, pb.Steps[e])})
	}
	if r := nextStep(pb.Steps, in.RetryCursor, holdfast.ActionRetry); r >= 0 {
		cands = append(cands, retryCandidate(in, pin, d, r))
	}
	if len(cands) == 0 {
		return plannedAction{Kind: actLost, Step: -1, At: in.Now, AwaitingCard: awaiting, Reason: "every step of the campaign has run"}
	}
	best := cands[0]
	for _, c := range cands[1:] {
		if c.At.Before(best.At) {
			best = c
		}
	}
	for _, c := range cands {
		if c.Kind == actRetry || c.Kind == actCardRetry {
			if best.NextRetry == nil || c.At.Before(*best.NextRetry) {
				at := c.At
				best.NextRetry = &at
			}
		}
	}
	best.AwaitingCard = awaiting && !in.CardChanged
	return best
}

// retryCandidate places retry step r.
func retryCandidate(in planInput, pin policy.Input, d policy.Decision, r int) plannedAction {
	pb := in.Playbook
	t := stepTime(in.Opened, pb.Steps[r])
	skip := plannedAction{Kind: actSkipRetry, Step: r, At: t}
	if in.RetriesUsed >= pb.MaxRetries {
		skip.Reason = "automatic retry budget spent"
		return skip
	}
	if !pb.SmartRetries {
		// A blind schedule still obeys the card networks' hard limits.
		if in.Unguarded {
			return plannedAction{Kind: actRetry, Step: r, At: maxTime(t, in.Now), Reason: "scheduled retry (unguarded)"}
		}
		at, ok := policy.EarliestAllowed(maxTime(t, in.Now), in.Card, in.History)
		if !ok {
			skip.Reason = "the card answered never-retry"
			return skip
		}
		return plannedAction{Kind: actRetry, Step: r, At: at, Reason: "scheduled retry"}
	}
	if !d.Retry {
		skip.Reason = d.Reason
		return skip
	}
	at := maxTime(t, d.At)
	if p := in.PlannedRetry; p != nil && !p.After(in.Now) && !t.After(in.Now) {
		at = in.Now
	}
	if deadline := stepTime(in.Opened, pb.Steps[len(pb.Steps)-1]).Add(retryGrace); at.After(deadline) {
		at = maxTime(deadline, in.Now)
		if allowed, ok := policy.EarliestAllowed(at, in.Card, in.History); ok {
			at = allowed
		}
	}
	return plannedAction{Kind: actRetry, Step: r, At: at, Reason: d.Reason}
}

// needsNewCard reports whether no automatic retry may run until the customer
// changes the card: a never-retry or needs-customer decline, or a card whose
// last answer was never-retry. It holds for blind campaigns too (SPEC §11:
// the card-update email goes out for these classes whatever the campaign).
func needsNewCard(in planInput, d policy.Decision) bool {
	if d.EmailNow {
		return true
	}
	switch policy.Classify(in.Decline) {
	case policy.ClassNeverRetry, policy.ClassNeedsCustomer:
		return true
	}
	_, ok := policy.EarliestAllowed(in.Now, in.Card, in.History)
	return !ok
}

// nextStep returns the index of the first step at or after from with the
// action, or -1.
func nextStep(steps []holdfast.CampaignStep, from int, action string) int {
	for i := max(from, 0); i < len(steps); i++ {
		if steps[i].Action == action {
			return i
		}
	}
	return -1
}

// stepTime is when a step is due: after_hours counts from the opening.
func stepTime(opened time.Time, s holdfast.CampaignStep) time.Time {
	return opened.Add(time.Duration(s.AfterHours) * time.Hour)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
