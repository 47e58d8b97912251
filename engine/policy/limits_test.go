package policy

import (
	"strings"
	"testing"
	"time"

	"holdfast"
)

var (
	visaCard = Card{Fingerprint: "fp_visa", Brand: "visa", Funding: "credit"}
	mcCard   = Card{Fingerprint: "fp_mc", Brand: "mastercard", Funding: "credit"}
	amexCard = Card{Fingerprint: "fp_amex", Brand: "amex", Funding: "credit"}
	t0       = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday
)

// failures returns n failed attempts on card, the first at start, spaced by step.
func failures(card Card, n int, start time.Time, step time.Duration) []Attempt {
	out := make([]Attempt, n)
	for i := range out {
		out[i] = Attempt{At: start.Add(time.Duration(i) * step), Fingerprint: card.Fingerprint,
			Brand: card.Brand, Outcome: OutcomeFailed, Decline: Decline{Code: "insufficient_funds"}}
	}
	return out
}

func with(h []Attempt, f func(*Attempt)) []Attempt {
	out := append([]Attempt(nil), h...)
	for i := range out {
		f(&out[i])
	}
	return out
}

func TestCheckNetworkLimits(t *testing.T) {
	t.Parallel()
	hour := time.Hour
	cases := []struct {
		name    string
		now     time.Time
		card    Card
		history []Attempt
		refused string // substring of the message; "" = allowed
	}{
		{"OKEmpty", t0, visaCard, nil, ""},
		{"OKVisa15thAllowed", t0.Add(29 * day), visaCard, failures(visaCard, 14, t0, hour), ""},
		{"ErrVisa16thRefused", t0.Add(29 * day), visaCard, failures(visaCard, 15, t0, hour), "15 attempts per card in 30 days"},
		{"OKVisaWindowSlidesExactly30Days", t0.Add(30 * day), visaCard, failures(visaCard, 15, t0, hour), ""},
		{"ErrVisaWindowOneSecondShort", t0.Add(30*day - time.Second), visaCard, failures(visaCard, 15, t0, hour), "Visa"},
		{"OKVisaOtherFingerprintNotCounted", t0.Add(day), Card{Fingerprint: "fp_other", Brand: "visa"}, failures(visaCard, 15, t0, hour), ""},
		{"OKVisaRefusedNotCounted", t0.Add(day), visaCard,
			append(failures(visaCard, 14, t0, hour), Attempt{At: t0.Add(20 * hour), Fingerprint: "fp_visa", Outcome: OutcomeRefused}), ""},
		{"ErrVisaManualCounted", t0.Add(day), visaCard,
			with(failures(visaCard, 15, t0, hour), func(a *Attempt) { a.Manual = true }), "15 attempts"},
		{"ErrVisaSucceededCounted", t0.Add(day), visaCard,
			with(failures(visaCard, 15, t0, hour), func(a *Attempt) { a.Outcome = OutcomeSucceeded }), "15 attempts"},
		{"ErrVisaHistoryUnordered", t0.Add(day), visaCard, reverse(failures(visaCard, 15, t0, hour)), "15 attempts"},
		{"ErrVisaFutureAttemptsCount", t0, visaCard, failures(visaCard, 15, t0.Add(hour), hour), "15 attempts"},
		{"OKMastercard10thAllowed", t0.Add(10 * hour), mcCard, failures(mcCard, 9, t0, hour), ""},
		{"ErrMastercard11thIn24h", t0.Add(10 * hour), mcCard, failures(mcCard, 10, t0, hour), "10 attempts per card in 24 hours"},
		{"OKMastercard24hSlides", t0.Add(24 * hour), mcCard, failures(mcCard, 10, t0, time.Minute), ""},
		{"ErrMastercard24hOneSecondShort", t0.Add(24*hour - time.Second), mcCard, failures(mcCard, 10, t0, 0), "24 hours"},
		{"OKMastercard35thIn30d", t0.Add(29 * day), mcCard, failures(mcCard, 34, t0, 20*hour), ""},
		{"ErrMastercard36thIn30d", t0.Add(29*day + 12*hour), mcCard, failures(mcCard, 35, t0, 19*hour), "35 attempts per card in 30 days"},
		{"OKMastercard35In30dSlides", t0.Add(30 * day), mcCard, failures(mcCard, 35, t0, 0), ""},
		{"OKMastercardNot15Rule", t0.Add(29 * day), mcCard, failures(mcCard, 20, t0, day), ""},
		{"ErrAmexUsesVisaRule", t0.Add(day), amexCard, failures(amexCard, 15, t0, hour), "Visa rules"},
		{"ErrBrandFromHistory", t0.Add(10 * hour), Card{Fingerprint: "fp_mc"}, failures(mcCard, 10, t0, hour), "Mastercard"},
		{"ErrBrandUppercase", t0.Add(10 * hour), Card{Fingerprint: "fp_mc", Brand: "MasterCard"}, failures(mcCard, 10, t0, hour), "24 hours"},
		{"ErrNeverRetryLockout", t0.Add(60 * day), visaCard, []Attempt{
			{At: t0, Fingerprint: "fp_visa", Outcome: OutcomeFailed, Decline: Decline{Code: "stolen_card"}},
		}, "never-retry decline (stolen_card)"},
		{"ErrLockoutByAdvice", t0.Add(day), visaCard, []Attempt{
			{At: t0, Fingerprint: "fp_visa", Outcome: OutcomeFailed, Decline: Decline{Code: "generic_decline", AdviceCode: "do_not_try_again"}},
		}, "advice do_not_try_again"},
		{"ErrLockoutByMAC", t0.Add(day), mcCard, []Attempt{
			{At: t0, Fingerprint: "fp_mc", Outcome: OutcomeFailed, Decline: Decline{Code: "generic_decline", NetworkAdviceCode: "21"}},
		}, "Mastercard advice code 21"},
		{"ErrLockoutLastAnswerAmongOthers", t0.Add(day), visaCard, []Attempt{
			{At: t0.Add(2 * hour), Fingerprint: "fp_visa", Outcome: OutcomeFailed, Decline: Decline{Code: "lost_card"}},
			{At: t0, Fingerprint: "fp_visa", Outcome: OutcomeSucceeded},
			{At: t0.Add(3 * hour), Fingerprint: "fp_visa", Outcome: OutcomeRefused},
		}, "lost_card"},
		{"OKLockoutLiftedByLaterSuccess", t0.Add(day), visaCard, []Attempt{
			{At: t0, Fingerprint: "fp_visa", Outcome: OutcomeFailed, Decline: Decline{Code: "lost_card"}},
			{At: t0.Add(hour), Fingerprint: "fp_visa", Outcome: OutcomeSucceeded},
		}, ""},
		{"OKLockoutOnOtherCardOnly", t0.Add(day), visaCard, []Attempt{
			{At: t0, Fingerprint: "fp_other", Outcome: OutcomeFailed, Decline: Decline{Code: "lost_card"}},
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := CheckNetworkLimits(c.now, c.card, c.history)
			if c.refused == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := holdfast.AsError(err)
			if !ok || e.Code != holdfast.ECONFLICT {
				t.Fatalf("err = %v, want ECONFLICT", err)
			}
			if !strings.Contains(e.Message, c.refused) {
				t.Errorf("message %q does not mention %q", e.Message, c.refused)
			}
		})
	}
}

func TestEarliestAllowed(t *testing.T) {
	t.Parallel()
	hour := time.Hour
	cases := []struct {
		name    string
		now     time.Time
		card    Card
		history []Attempt
		want    time.Time
		locked  bool
	}{
		{"UnderLimitIsNow", t0.Add(day), visaCard, failures(visaCard, 14, t0, hour), t0.Add(day), false},
		{"VisaOldestLeaves", t0.Add(day), visaCard, failures(visaCard, 15, t0, hour), t0.Add(30 * day), false},
		{"VisaUsesFifteenthNewest", t0.Add(day), visaCard, failures(visaCard, 17, t0, hour), t0.Add(2*hour + 30*day), false},
		{"Mastercard24h", t0.Add(10 * hour), mcCard, failures(mcCard, 10, t0, hour), t0.Add(24 * hour), false},
		{"MastercardBothRulesLatestWins", t0.Add(29 * day), mcCard,
			append(failures(mcCard, 24, t0, day/2), failures(mcCard, 10, t0.Add(29*day-10*hour), hour)...),
			t0.Add(29*day - 10*hour + 24*hour), false},
		{"Mastercard30dAfter24h", t0.Add(29 * day), mcCard,
			append(failures(mcCard, 30, t0, 2*hour), failures(mcCard, 5, t0.Add(28*day), hour)...),
			t0.Add(30 * day), false},
		{"Locked", t0, visaCard, []Attempt{{At: t0, Fingerprint: "fp_visa", Outcome: OutcomeFailed, Decline: Decline{Code: "fraudulent"}}}, time.Time{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, ok := EarliestAllowed(c.now, c.card, c.history)
			if ok == c.locked {
				t.Fatalf("ok = %v, want %v", ok, !c.locked)
			}
			if !got.Equal(c.want) {
				t.Fatalf("EarliestAllowed = %v, want %v", got, c.want)
			}
			if ok {
				if err := CheckNetworkLimits(got, c.card, c.history); err != nil {
					t.Errorf("not allowed at the earliest allowed time: %v", err)
				}
				if err := CheckNetworkLimits(got.Add(-time.Second), c.card, c.history); got.After(c.now) && err == nil {
					t.Errorf("allowed a second before the earliest allowed time")
				}
			}
		})
	}
}

func reverse(h []Attempt) []Attempt {
	out := make([]Attempt, len(h))
	for i, a := range h {
		out[len(h)-1-i] = a
	}
	return out
}
