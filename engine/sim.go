package engine

import (
	"context"
	"strings"
	"time"

	"holdfast"
)

// TestOutcomesKey is the customer metadata key listing simulated outcomes
// (SPEC §9), e.g. "insufficient_funds,succeeded".
const TestOutcomesKey = "holdfast_test_outcomes"

// simProvider simulates retries of test-mode payments (SPEC §9), in order:
//
//  1. the retry succeeds if the customer's default payment method changed
//     after the payment's last failure (its opening or latest failed attempt);
//  2. else the next entry of the customer's holdfast_test_outcomes metadata
//     is used: "succeeded", or a decline code to fail with. The cursor is the
//     number of earlier simulated attempts on the payment that reached the
//     simulator, so the list is replayed per payment;
//  3. else the retry fails with the payment's decline code.
//
// It has no side effects, so the engine runs it inside its own transaction.
type simProvider struct{}

// Pay decides a simulated retry.
func (simProvider) Pay(_ context.Context, req PayRequest) (PayResult, error) {
	p := req.Payment
	lastFailure := p.CreatedAt
	cursor := 0
	for _, a := range req.Previous {
		if a.ID == req.Attempt.ID {
			continue
		}
		if a.Outcome == holdfast.OutcomeSucceeded || a.Outcome == holdfast.OutcomeFailed {
			cursor++
		}
		if a.Outcome == holdfast.OutcomeFailed && a.CreatedAt.After(lastFailure) {
			lastFailure = a.CreatedAt
		}
	}
	c := req.Customer
	if c != nil && c.CardUpdatedAt != nil && c.CardUpdatedAt.After(lastFailure) {
		return PayResult{Succeeded: true}, nil
	}
	if c != nil {
		if list := outcomes(c.Metadata[TestOutcomesKey]); cursor < len(list) {
			if next := list[cursor]; next == "succeeded" || next == "success" {
				return PayResult{Succeeded: true}, nil
			} else {
				return PayResult{Decline: holdfast.Decline{Code: next, FailureCode: "card_declined",
					Message: "Simulated decline: " + next + "."}}, nil
			}
		}
	}
	return PayResult{Decline: holdfast.Decline{
		Code: p.DeclineCode, FailureCode: orDefault(p.FailureCode, "card_declined"), AdviceCode: p.AdviceCode,
		NetworkAdviceCode: p.NetworkAdviceCode, Message: orDefault(p.FailureMessage, "Your card was declined."),
	}}, nil
}

// outcomes splits a comma list, dropping blanks.
func outcomes(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// after reports whether t is set and later than u.
func after(t *time.Time, u time.Time) bool { return t != nil && t.After(u) }
