package policy

import (
	"fmt"
	"time"
)

// Schedules by retry index (SPEC §6). Transient waits count from the previous
// attempt — the Mastercard MAC 24–30 schedule, which plain transient codes
// share; funds fallbacks and ambiguous waits count from the opening, so a slow
// engine pass does not stretch the whole recovery.
var (
	transientWaits = []time.Duration{time.Hour, 24 * time.Hour, 2 * day, 4 * day, 6 * day, 8 * day, 10 * day}
	fundsFallbacks = []time.Duration{2 * day, 5 * day, 10 * day}
	ambiguousWaits = []time.Duration{1 * day, 3 * day, 7 * day}
)

const (
	day = 24 * time.Hour
	// soonLimit: transient waits up to this long run when due, not next morning.
	soonLimit = 24 * time.Hour
	// minGap keeps any automatic retry at least this far from the payment's
	// previous attempt, manual ones included.
	minGap = time.Hour
)

// Next decides when, and whether, the next automatic retry should run. In order:
//
//  1. A card change since the latest decline retries at once (or as soon as the
//     network limits allow). It is the customer's doing, not the campaign's, so
//     it runs even when the automatic budget is spent.
//  2. Never-retry and needs-customer declines, and a card whose last answer was
//     never-retry, get no retry: EmailNow asks for a new card.
//  3. A spent budget (RetriesUsed >= MaxRetries) gives up.
//  4. The class's schedule gives a time (or gives up when it is exhausted),
//     placed by the timing rules, then moved past any network limit.
//
// Timing rules: never before Now nor within an hour of the previous attempt; a
// local clock time (HH:MM) no earlier attempt on the payment used, chosen by a
// deterministic jitter seeded from Opened and the retry index; early morning
// (06:00–07:59 local) except for transient waits of up to 24 h; no Saturday or
// Sunday for debit cards (Monday morning instead).
func Next(in Input) Decision {
	if in.CardChangedSinceDecline {
		return cardChanged(in)
	}
	class := Classify(in.Decline)
	switch class {
	case ClassNeverRetry:
		return Decision{EmailNow: true, Reason: "never_retry decline: no retry on this card until a new payment method is added"}
	case ClassNeedsCustomer:
		return Decision{EmailNow: true, Reason: "needs_customer decline: no blind retry; waiting for the customer to update the card"}
	}
	if d, locked := lockout(in.Card, in.History); locked {
		return Decision{EmailNow: true, Reason: fmt.Sprintf("card locked by an earlier never-retry answer (%s): waiting for a new payment method", describeDecline(d))}
	}
	if in.RetriesUsed >= in.MaxRetries {
		return Decision{GiveUp: true, Reason: fmt.Sprintf("budget spent: %d of %d automatic retries used", in.RetriesUsed, max(in.MaxRetries, 0))}
	}
	idx := max(in.RetriesUsed, 0)
	p := newPlanner(in, idx)
	floor := maxTime(in.Now, lastAttempt(in).Add(minGap))
	var (
		at     time.Time
		soon   bool
		reason string
	)
	switch class {
	case ClassTransient:
		if idx >= len(transientWaits) {
			return Decision{GiveUp: true, Reason: fmt.Sprintf("transient schedule exhausted after %d retries", len(transientWaits))}
		}
		wait := transientWaits[idx]
		due := maxTime(lastAttempt(in).Add(wait), floor)
		if soon = wait <= soonLimit; soon {
			at = p.soon(due)
		} else {
			at = p.morning(due)
		}
		reason = fmt.Sprintf("transient decline: retry %d, %s after the previous attempt", idx+1, human(wait))
	case ClassFunds:
		at, reason = fundsRetry(in, p, idx, floor)
	default:
		if idx >= len(ambiguousWaits) {
			return Decision{GiveUp: true, Reason: fmt.Sprintf("ambiguous decline: %d retries over a week made; ask for a new card", len(ambiguousWaits))}
		}
		wait := ambiguousWaits[idx]
		at = p.morning(maxTime(in.Opened.Add(wait), floor))
		reason = fmt.Sprintf("ambiguous decline: retry %d, %s after the opening", idx+1, human(wait))
	}
	at, pushed := p.withinLimits(in, at, soon)
	if pushed {
		reason += "; moved later by the card network's retry limit"
	}
	return Decision{Retry: true, At: maxTime(at, in.Now), Reason: reason}
}

// fundsRetry picks the earlier of the next payday morning and the fallback
// (2 d / 5 d / 10 d after the opening, morning-aligned): paydays are when the
// money is likeliest to be there, and the fallback keeps a payday two weeks off
// from stalling the recovery. Past the fallbacks only paydays remain.
//
// At most one funds retry per local day: money that was not there an hour
// ago is not there now, so a retry never shares a day with the previous
// retry (two steps that both wait for the same payday take that morning and
// the next payday, not two slots of the same morning). The opening failure
// does not count: a failure in the night before a payday morning still gets
// that morning.
func fundsRetry(in Input, p *planner, idx int, floor time.Time) (time.Time, string) {
	if last := lastAttempt(in).In(p.loc); last.After(in.Opened) {
		floor = maxTime(floor, time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, p.loc))
	}
	payday, ok := p.paydayMorning(floor)
	if idx < len(fundsFallbacks) {
		fb := p.morning(maxTime(in.Opened.Add(fundsFallbacks[idx]), floor))
		if !ok || fb.Before(payday) {
			return fb, fmt.Sprintf("insufficient funds: retry %d, %s after the opening (before the next payday)", idx+1, human(fundsFallbacks[idx]))
		}
	}
	if !ok {
		return p.morning(floor), fmt.Sprintf("insufficient funds: retry %d, next morning", idx+1)
	}
	return payday, fmt.Sprintf("insufficient funds: retry %d, the morning after a payday", idx+1)
}

// cardChanged retries at once on the new card, unless the network limits say
// later or the card is one that answered never-retry.
func cardChanged(in Input) Decision {
	at, ok := EarliestAllowed(in.Now, in.Card, in.History)
	if !ok {
		return Decision{EmailNow: true, Reason: "the new payment method is a card that answered never-retry; waiting for another"}
	}
	reason := "payment method changed: retry at once"
	if at.After(in.Now) {
		reason = "payment method changed: retry as soon as the card network's retry limit allows"
	}
	return Decision{Retry: true, At: at, Reason: reason}
}

// withinLimits moves at past the network limits, re-placing it by the timing
// rules after each move. Both steps only move forward and the limits only get
// easier with time, so this settles within two rounds; the final limit step
// makes the limits win should the timing rules ever disagree.
func (p *planner) withinLimits(in Input, at time.Time, soon bool) (time.Time, bool) {
	pushed := false
	for range 4 {
		allowed, _ := EarliestAllowed(at, in.Card, in.History)
		if !allowed.After(at) {
			return at, pushed
		}
		pushed = true
		if soon {
			at = p.soon(allowed)
		} else {
			at = p.morning(allowed)
		}
	}
	at, _ = EarliestAllowed(at, in.Card, in.History)
	return at, pushed
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// human prints a schedule wait as "1 h" or "2 d", as SPEC writes them.
func human(d time.Duration) string {
	if d%day == 0 {
		return fmt.Sprintf("%d d", d/day)
	}
	return fmt.Sprintf("%d h", d/time.Hour)
}
