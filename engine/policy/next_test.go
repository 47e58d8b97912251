package policy

import (
	"strings"
	"testing"
	"time"
)

// input is a recovery opened at t0 (Monday 10:00 UTC) on a Visa credit card,
// asked at the moment it opened, with budget to spare.
func input(code string) Input {
	return Input{Now: t0, Opened: t0, Decline: Decline{Code: code}, Card: visaCard, MaxRetries: 10}
}

// inMorning reports whether t is 06:00–07:59 in loc.
func inMorning(t time.Time, loc *time.Location) bool {
	h := t.In(loc).Hour()
	return h == 6 || h == 7
}

func TestNextNoRetry(t *testing.T) {
	t.Parallel()
	lockedVisa := []Attempt{{At: t0.Add(-day), Fingerprint: "fp_visa", Outcome: OutcomeFailed, Decline: Decline{Code: "lost_card"}}}
	cases := []struct {
		name   string
		in     func(*Input)
		email  bool
		giveUp bool
	}{
		{"NeverRetry", func(in *Input) { in.Decline = Decline{Code: "stolen_card"} }, true, false},
		{"NeverRetryByAdvice", func(in *Input) { in.Decline = Decline{Code: "insufficient_funds", AdviceCode: "do_not_try_again"} }, true, false},
		{"NeverRetryByMAC", func(in *Input) { in.Decline = Decline{Code: "try_again_later", NetworkAdviceCode: "03"} }, true, false},
		{"NeverRetryBudgetSpentStillEmails", func(in *Input) { in.Decline = Decline{Code: "fraudulent"}; in.RetriesUsed = 10 }, true, false},
		{"NeedsCustomer", func(in *Input) { in.Decline = Decline{Code: "expired_card"} }, true, false},
		{"NeedsCustomerByAdvice", func(in *Input) { in.Decline = Decline{Code: "generic_decline", AdviceCode: "confirm_card_data"} }, true, false},
		{"CardLockedByEarlierAnswer", func(in *Input) { in.Decline = Decline{Code: "try_again_later"}; in.History = lockedVisa }, true, false},
		{"CardChangedToLockedCard", func(in *Input) {
			in.Decline = Decline{Code: "expired_card"}
			in.CardChangedSinceDecline = true
			in.History = lockedVisa
		}, true, false},
		{"BudgetSpent", func(in *Input) { in.RetriesUsed, in.MaxRetries = 3, 3 }, false, true},
		{"BudgetOverspent", func(in *Input) { in.RetriesUsed, in.MaxRetries = 4, 3 }, false, true},
		{"BudgetZero", func(in *Input) { in.MaxRetries = 0 }, false, true},
		{"AmbiguousScheduleExhausted", func(in *Input) { in.RetriesUsed = 3 }, false, true},
		{"TransientScheduleExhausted", func(in *Input) { in.Decline = Decline{Code: "processing_error"}; in.RetriesUsed = 7 }, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := input("generic_decline")
			c.in(&in)
			d := Next(in)
			if d.Retry || !d.At.IsZero() || d.EmailNow != c.email || d.GiveUp != c.giveUp || d.Reason == "" {
				t.Errorf("Next = %+v, want no retry, EmailNow=%v, GiveUp=%v, a reason", d, c.email, c.giveUp)
			}
		})
	}
}

func TestNextCardChanged(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   func(*Input)
		want time.Time
	}{
		{"NeverRetry", func(in *Input) { in.Decline = Decline{Code: "lost_card"} }, t0},
		{"NeedsCustomer", func(in *Input) { in.Decline = Decline{Code: "incorrect_cvc"} }, t0},
		{"Funds", func(in *Input) { in.Decline = Decline{Code: "insufficient_funds"} }, t0},
		{"BudgetSpent", func(in *Input) { in.RetriesUsed, in.MaxRetries = 3, 3 }, t0},
		{"NewCardNotLockedByOldCard", func(in *Input) {
			in.Card = mcCard
			in.History = []Attempt{{At: t0.Add(-time.Hour), Fingerprint: "fp_visa", Outcome: OutcomeFailed, Decline: Decline{Code: "lost_card"}}}
		}, t0},
		{"WaitsForNetworkLimit", func(in *Input) {
			in.Card = mcCard
			in.History = failures(mcCard, 10, t0.Add(-20*time.Hour), time.Hour)
		}, t0.Add(4 * time.Hour)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := input("generic_decline")
			in.CardChangedSinceDecline = true
			c.in(&in)
			d := Next(in)
			if !d.Retry || !d.At.Equal(c.want) || d.EmailNow || d.GiveUp {
				t.Errorf("Next = %+v, want retry at %v", d, c.want)
			}
		})
	}
}

// TestNextSchedules walks each class's schedule by retry index. The previous
// attempt on the payment is at prev (Monday 15:00 UTC, a scheduled retry).
func TestNextSchedules(t *testing.T) {
	t.Parallel()
	prev := t0.Add(5 * time.Hour)
	cases := []struct {
		name  string
		code  Decline
		index int
		due   time.Time // nominal time before timing rules
		soon  bool      // placed within half an hour of due instead of next morning
	}{
		{"Transient1h", Decline{Code: "processing_error"}, 0, prev.Add(time.Hour), true},
		{"Transient24h", Decline{Code: "try_again_later"}, 1, prev.Add(24 * time.Hour), true},
		{"Transient2d", Decline{Code: "issuer_not_available"}, 2, prev.Add(2 * day), false},
		{"Transient4d", Decline{Code: "reenter_transaction"}, 3, prev.Add(4 * day), false},
		{"MAC24Transient6d", Decline{Code: "generic_decline", NetworkAdviceCode: "24"}, 4, prev.Add(6 * day), false},
		{"MAC30Transient8d", Decline{Code: "insufficient_funds", NetworkAdviceCode: "30"}, 5, prev.Add(8 * day), false},
		{"AdviceTransient10d", Decline{Code: "do_not_honor", AdviceCode: "try_again_later"}, 6, prev.Add(10 * day), false},
		{"Ambiguous1d", Decline{Code: "do_not_honor"}, 0, t0.Add(1 * day), false},
		{"Ambiguous3d", Decline{Code: "card_velocity_exceeded"}, 1, t0.Add(3 * day), false},
		{"Ambiguous7d", Decline{Code: "some_new_code"}, 2, t0.Add(7 * day), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := input("")
			in.Decline = c.code
			in.RetriesUsed = c.index
			in.Now = prev
			in.History = failures(visaCard, 1, prev, 0)
			d := Next(in)
			if !d.Retry || d.GiveUp || d.EmailNow {
				t.Fatalf("Next = %+v, want a retry", d)
			}
			if d.At.Before(c.due) {
				t.Errorf("At = %v, before the schedule's %v", d.At, c.due)
			}
			if c.soon {
				if lim := c.due.Add(30 * time.Minute); d.At.After(lim) {
					t.Errorf("At = %v, want soon: by %v", d.At, lim)
				}
				return
			}
			if lim := c.due.Add(day); !inMorning(d.At, time.UTC) || !d.At.Before(lim) {
				t.Errorf("At = %v, want the first morning after %v", d.At, c.due)
			}
		})
	}
}

// TestNextNetworkLimitsMoveRetry: a retry the limits forbid moves to when they
// allow it, still by the timing rules; manual attempts count.
func TestNextNetworkLimitsMoveRetry(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    Input
		edge  time.Time
		check func(time.Time) bool
	}{
		{"VisaManualAttemptsCount", func() Input {
			in := input("generic_decline")
			in.History = with(failures(visaCard, 15, t0.Add(-25*day), time.Hour), func(a *Attempt) { a.Manual = true })
			return in
		}(), t0.Add(5 * day), func(at time.Time) bool { return inMorning(at, time.UTC) }},
		{"MastercardSoonRetryWaits24h", func() Input {
			in := input("processing_error")
			in.Card = mcCard
			in.Opened = t0.Add(-20 * time.Hour)
			in.History = failures(mcCard, 10, in.Opened, time.Hour)
			return in
		}(), t0.Add(4 * time.Hour), func(at time.Time) bool { return at.Before(t0.Add(4*time.Hour + 30*time.Minute)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := Next(c.in)
			if !d.Retry || d.At.Before(c.edge) || !c.check(d.At) || !strings.Contains(d.Reason, "limit") {
				t.Fatalf("Next = %+v, want a retry placed after %v", d, c.edge)
			}
			if err := CheckNetworkLimits(d.At, c.in.Card, c.in.History); err != nil {
				t.Errorf("retry at %v breaks the limits: %v", d.At, err)
			}
		})
	}
}
