package policy

import (
	"fmt"
	"slices"
	"time"

	"holdfast"
)

// limit is one network rule: at most Max attempts per card in any Window.
type limit struct {
	Max    int
	Window time.Duration
	// Text names the rule in error messages.
	Text string
}

// Per-brand retry limits (SPEC §6), counted per card fingerprint. Brands the
// networks have not told us about get the Visa rule, the stricter one over 30 days.
var (
	visaLimits = []limit{
		{Max: 15, Window: 30 * 24 * time.Hour, Text: "at most 15 attempts per card in 30 days"},
	}
	mastercardLimits = []limit{
		{Max: 10, Window: 24 * time.Hour, Text: "at most 10 attempts per card in 24 hours"},
		{Max: 35, Window: 30 * 24 * time.Hour, Text: "at most 35 attempts per card in 30 days"},
	}
)

// limitsFor picks the rules for a card's brand.
func limitsFor(brand string) (string, []limit) {
	if b := normalize(brand); b == "mastercard" {
		return "Mastercard", mastercardLimits
	} else if b == "visa" {
		return "Visa", visaLimits
	}
	return "this card's network (Visa rules)", visaLimits
}

// CheckNetworkLimits reports whether an attempt on card is allowed at now, given
// the customer's attempt history. Every attempt that reached the network counts,
// manual ones included; refused ones do not. Returns nil when allowed, else an
// *holdfast.Error with code ECONFLICT whose message names the rule.
func CheckNetworkLimits(now time.Time, card Card, history []Attempt) error {
	if d, ok := lockout(card, history); ok {
		return holdfast.Errorf(holdfast.ECONFLICT,
			"No more attempts are allowed on this card: its last answer was a never-retry decline (%s). A new payment method is needed.",
			describeDecline(d))
	}
	name, rules := limitsFor(brandOf(card, history))
	times := attemptTimes(card, history)
	for _, r := range rules {
		if next, ok := ruleAllows(now, r, times); !ok {
			return holdfast.Errorf(holdfast.ECONFLICT,
				"Card network limit reached: %s allows %s. The next attempt is allowed at %s.",
				name, r.Text, next.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// EarliestAllowed returns the first instant at or after now when an attempt on
// card passes CheckNetworkLimits. ok is false when the card is locked out by a
// never-retry answer, which no amount of waiting lifts.
func EarliestAllowed(now time.Time, card Card, history []Attempt) (at time.Time, ok bool) {
	if _, locked := lockout(card, history); locked {
		return time.Time{}, false
	}
	_, rules := limitsFor(brandOf(card, history))
	times := attemptTimes(card, history)
	at = now
	for _, r := range rules {
		// Each rule only gets easier as time passes, so the latest of the
		// rules' earliest instants satisfies all of them.
		if next, allowed := ruleAllows(now, r, times); !allowed && next.After(at) {
			at = next
		}
	}
	return at, true
}

// ruleAllows checks one rule at t. times is sorted newest first. An attempt
// counts while it is less than Window old; attempts after t (clock skew) count
// too, which keeps the check conservative and monotone in t. When refused, next
// is the instant the oldest attempt that matters leaves the window.
func ruleAllows(t time.Time, r limit, times []time.Time) (next time.Time, ok bool) {
	if len(times) < r.Max {
		return t, true
	}
	// With times newest first, the attempt at index Max-1 is the one that must
	// fall out of the window for a new attempt to be the Max-th.
	edge := times[r.Max-1].Add(r.Window)
	if !t.Before(edge) {
		return t, true
	}
	return edge, false
}

// attemptTimes lists, newest first, when the card was charged: attempts with the
// card's fingerprint that reached the network. An empty fingerprint matches only
// attempts without one, so unknown cards are still limited among themselves.
func attemptTimes(card Card, history []Attempt) []time.Time {
	var times []time.Time
	for _, a := range history {
		if a.Fingerprint == card.Fingerprint && a.Outcome != OutcomeRefused {
			times = append(times, a.At)
		}
	}
	slices.SortFunc(times, func(x, y time.Time) int { return y.Compare(x) })
	return times
}

// lockout reports whether the card's last answer was a never-retry decline, and
// returns that decline. A later success or ordinary decline lifts the lockout.
func lockout(card Card, history []Attempt) (Decline, bool) {
	var last *Attempt
	for i := range history {
		a := &history[i]
		if a.Fingerprint != card.Fingerprint || a.Outcome == OutcomeRefused {
			continue
		}
		// On a tie the never-retry answer wins: attempts are begun one at a
		// time per card, so two at one instant can only be a coarse clock,
		// and the safe reading is that the card is dead.
		if last == nil || a.At.After(last.At) ||
			(a.At.Equal(last.At) && a.Outcome == OutcomeFailed && Classify(a.Decline) == ClassNeverRetry) {
			last = a
		}
	}
	if last == nil || last.Outcome != OutcomeFailed || Classify(last.Decline) != ClassNeverRetry {
		return Decline{}, false
	}
	return last.Decline, true
}

// brandOf is the card's brand, or the brand history recorded for its
// fingerprint when the caller does not know it.
func brandOf(card Card, history []Attempt) string {
	if card.Brand != "" {
		return card.Brand
	}
	for _, a := range history {
		if a.Fingerprint == card.Fingerprint && a.Brand != "" {
			return a.Brand
		}
	}
	return ""
}

// describeDecline names the answer that locked a card, for messages.
func describeDecline(d Decline) string {
	switch {
	case d.NetworkAdviceCode != "" && macClass(d.NetworkAdviceCode) == ClassNeverRetry:
		return fmt.Sprintf("Mastercard advice code %s", d.NetworkAdviceCode)
	case normalize(d.AdviceCode) == "do_not_try_again":
		return "advice do_not_try_again"
	}
	return d.Code
}
