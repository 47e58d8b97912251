package engine

import (
	"testing"
	"time"

	"holdfast"
	"holdfast/engine/policy"
)

func TestPlan(t *testing.T) {
	opened := t0
	smart := *holdfast.DefaultCampaign("ws", holdfast.ModeTest, t0)
	blind := smart
	blind.SmartRetries = false
	at := func(h float64) time.Time { return opened.Add(time.Duration(h * float64(time.Hour))) }
	card := policy.Card{Fingerprint: "fp", Brand: "visa"}
	past := at(0.5)
	cases := []struct {
		name     string
		in       planInput
		kind     actionKind
		step     int
		due      bool // At <= Now
		awaiting bool
		exactly  time.Time // when set, the action's time
		within   time.Duration
	}{
		{name: "FirstEmailBeforeTransientRetry", in: planInput{Now: opened, Playbook: smart, Decline: policy.Decline{Code: "processing_error"}},
			kind: actEmail, step: 1},
		{name: "TransientRetrySoon", in: planInput{Now: at(1), Playbook: smart, EmailCursor: 2, Decline: policy.Decline{Code: "processing_error"}},
			kind: actRetry, step: 0},
		{name: "EmailBeforeFundsRetry", in: planInput{Now: at(0.5), Playbook: smart, RetryCursor: 0, Decline: policy.Decline{Code: "insufficient_funds"}},
			kind: actEmail, step: 1},
		{name: "NeverRetryEmailsAtOnce", in: planInput{Now: opened, Playbook: smart, Decline: policy.Decline{Code: "stolen_card"}},
			kind: actCardEmail, step: 1, due: true, awaiting: true},
		{name: "NeverRetrySkipsRetrySteps", in: planInput{Now: at(60), Playbook: smart, EmailCursor: 2, RetryCursor: 2, CardEmailed: true,
			Decline: policy.Decline{Code: "stolen_card"}}, kind: actSkipRetry, step: 2, due: true, awaiting: true},
		{name: "CardChangedRetriesAtOnce", in: planInput{Now: at(47), Playbook: smart, EmailCursor: 2, RetryCursor: 2, CardEmailed: true,
			Decline: policy.Decline{Code: "stolen_card"}, Card: policy.Card{Fingerprint: "fp_new"}, CardChanged: true},
			kind: actCardRetry, step: -1, due: true},
		{name: "BudgetSpent", in: planInput{Now: at(250), Playbook: smart, EmailCursor: 5, RetryCursor: 4, RetriesUsed: 5,
			Decline: policy.Decline{Code: "insufficient_funds"}}, kind: actSkipRetry, step: 4, due: true},
		{name: "AmbiguousGivesUpAfterAWeek", in: planInput{Now: at(240), Playbook: smart, EmailCursor: 6, RetryCursor: 4, RetriesUsed: 3,
			Decline: policy.Decline{Code: "do_not_honor"}}, kind: actSkipRetry, step: 4, due: true},
		{name: "BlindRetryAtStepTime", in: planInput{Now: at(47), Playbook: blind, EmailCursor: 2, RetryCursor: 2, RetriesUsed: 1,
			Decline: policy.Decline{Code: "insufficient_funds"}, Card: card}, kind: actRetry, step: 2, exactly: at(48)},
		{name: "PlannedRetryRunsWhenDue", in: planInput{Now: at(1), Playbook: smart, EmailCursor: 2, PlannedRetry: &past,
			Decline: policy.Decline{Code: "processing_error"}}, kind: actRetry, step: 0, due: true},
		{name: "AllStepsDoneIsLost", in: planInput{Now: at(600), Playbook: smart, EmailCursor: 9, RetryCursor: 9},
			kind: actLost, step: -1, due: true},
		{name: "EmptyPlaybookIsLost", in: planInput{Now: opened, Playbook: holdfast.Campaign{}}, kind: actLost, step: -1, due: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Opened = opened
			if tc.in.Card == (policy.Card{}) {
				tc.in.Card = card
			}
			got := plan(tc.in)
			due := !got.At.After(tc.in.Now)
			if got.Kind != tc.kind || got.Step != tc.step || due != tc.due || got.AwaitingCard != tc.awaiting {
				t.Fatalf("plan = %s step %d at %v (now %v) awaiting %v; want %s step %d due=%v awaiting %v (%s)",
					got.Kind, got.Step, got.At, tc.in.Now, got.AwaitingCard, tc.kind, tc.step, tc.due, tc.awaiting, got.Reason)
			}
			if !tc.exactly.IsZero() && !got.At.Equal(tc.exactly) {
				t.Fatalf("at %v, want %v", got.At, tc.exactly)
			}
			if tc.within > 0 && got.At.Sub(tc.in.Now) > tc.within {
				t.Fatalf("at %v, more than %v after %v", got.At, tc.within, tc.in.Now)
			}
			if got.Kind == actRetry && !due && got.At.Sub(tc.in.Now) > 30*24*time.Hour {
				t.Fatalf("retry planned a month out: %v", got.At)
			}
		})
	}
}
