package policy

import (
	"testing"
	"time"
)

// runRecovery plays a recovery to its end: each retry Next asks for fails the
// same way and is recorded, until Next stops retrying.
func runRecovery(t *testing.T, in Input) []time.Time {
	t.Helper()
	var retries []time.Time
	for range 50 {
		d := Next(in)
		if !d.Retry {
			return retries
		}
		if d.At.Before(in.Now) {
			t.Fatalf("retry %d at %v is before now %v", len(retries)+1, d.At, in.Now)
		}
		retries = append(retries, d.At)
		in.History = append(in.History, Attempt{At: d.At, Fingerprint: in.Card.Fingerprint,
			Brand: in.Card.Brand, Outcome: OutcomeFailed, Decline: in.Decline})
		in.Now = d.At
		in.RetriesUsed++
	}
	t.Fatalf("recovery never ended")
	return nil
}

// TestRetriesVaryClockTime plays whole recoveries and checks that no two
// attempts on the payment (the opening failure included) share a local HH:MM,
// that they are at least an hour apart, and that every retry the rules place
// in the morning is there.
func TestRetriesVaryClockTime(t *testing.T) {
	t.Parallel()
	zones := []string{"UTC", "America/New_York", "Asia/Tokyo", "Australia/Sydney"}
	codes := []Decline{{Code: "processing_error"}, {NetworkAdviceCode: "26"}, {Code: "insufficient_funds"}, {Code: "do_not_honor"}}
	for _, zone := range zones {
		for _, code := range codes {
			for _, funding := range []string{"credit", "debit"} {
				t.Run(zone+"/"+string(Classify(code))+code.NetworkAdviceCode+"/"+funding, func(t *testing.T) {
					t.Parallel()
					loc := mustZone(t, zone)
					in := input("")
					in.Decline, in.Location, in.Card.Funding = code, loc, funding
					// Open at exactly 07:00 local, inside the morning window.
					l := t0.In(loc)
					in.Opened = time.Date(l.Year(), l.Month(), l.Day(), 7, 0, 0, 0, loc)
					in.Now = in.Opened
					retries := runRecovery(t, in)
					if len(retries) < 3 {
						t.Fatalf("only %d retries", len(retries))
					}
					seen := map[string]bool{in.Opened.In(loc).Format("15:04"): true}
					last := in.Opened
					for i, at := range retries {
						hm := at.In(loc).Format("15:04")
						if seen[hm] {
							t.Errorf("retry %d at %v repeats clock time %s (all: %v)", i+1, at.In(loc), hm, retries)
						}
						seen[hm] = true
						if at.Sub(last) < time.Hour {
							t.Errorf("retry %d at %v is within an hour of %v", i+1, at, last)
						}
						last = at
						soon := Classify(code) == ClassTransient && i < 2
						if !soon && !inMorning(at, loc) {
							t.Errorf("retry %d at %v is not in the morning", i+1, at.In(loc))
						}
						if wd := at.In(loc).Weekday(); funding == "debit" && (wd == time.Saturday || wd == time.Sunday) {
							t.Errorf("debit retry %d on a %s", i+1, wd)
						}
					}
				})
			}
		}
	}
}

// TestClockClashMovesRetry: when the jittered minute is one an earlier attempt
// used, the retry takes another minute, still within its rule.
func TestClockClashMovesRetry(t *testing.T) {
	t.Parallel()
	t.Run("Morning", func(t *testing.T) {
		t.Parallel()
		in := input("do_not_honor")
		in.Now = t0.Add(22 * time.Hour) // Tuesday 08:00
		first := Next(in).At
		// A manual attempt on Tuesday at the clock time Wednesday's retry chose.
		in.History = []Attempt{{At: first.Add(-day), Fingerprint: "fp_visa", Outcome: OutcomeFailed, Manual: true}}
		d := Next(in)
		if d.At.Format("15:04") == first.Format("15:04") || !inMorning(d.At, time.UTC) || d.At.YearDay() != first.YearDay() {
			t.Errorf("retry at %v, want another morning minute than %v on the same day", d.At, first)
		}
	})
	t.Run("Soon", func(t *testing.T) {
		t.Parallel()
		in := input("processing_error")
		in.Opened = t0.Add(-30 * time.Hour)
		in.RetriesUsed = 1
		in.History = failures(visaCard, 1, t0, 0)
		first := Next(in).At
		in.History = append(in.History, Attempt{At: first.Add(-2 * day), Fingerprint: "fp_visa", Outcome: OutcomeFailed})
		d := Next(in)
		due := t0.Add(24 * time.Hour)
		if d.At.Format("15:04") == first.Format("15:04") || d.At.Before(due) || d.At.After(due.Add(time.Hour)) {
			t.Errorf("retry at %v, want another minute than %v, soon after %v", d.At, first, due)
		}
	})
	t.Run("Exactly24hLaterNeverSameMinute", func(t *testing.T) {
		t.Parallel()
		for i := range 200 {
			in := input("try_again_later")
			in.Opened = t0.Add(time.Duration(i) * 7 * time.Minute)
			in.Now, in.RetriesUsed = in.Opened, 1
			d := Next(in)
			if d.At.Format("15:04") == in.Opened.Format("15:04") {
				t.Fatalf("opened %v: 24 h retry at the same clock time %v", in.Opened, d.At)
			}
		}
	})
}

func TestDebitSkipsWeekend(t *testing.T) {
	t.Parallel()
	saturday := time.Date(2026, 3, 7, 10, 0, 0, 0, time.UTC)
	// Opened before dawn, an ambiguous decline's 1 d retry is due on Sunday
	// before the morning window, so a credit card retries on Sunday morning.
	saturdayDawn := time.Date(2026, 3, 7, 5, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		code     string
		opened   time.Time
		funding  string
		wantDate string
		morning  bool
	}{
		{"TransientCreditSaturday", "processing_error", saturday, "credit", "2026-03-07", false},
		{"TransientDebitMonday", "processing_error", saturday, "debit", "2026-03-09", true},
		{"AmbiguousCreditSunday", "generic_decline", saturdayDawn, "credit", "2026-03-08", true},
		{"AmbiguousDebitMonday", "generic_decline", saturdayDawn, "debit", "2026-03-09", true},
		{"AmbiguousDebitWeekday", "generic_decline", t0, "debit", "2026-03-04", true},
		{"PrepaidIsNotDebit", "generic_decline", saturdayDawn, "prepaid", "2026-03-08", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := input(c.code)
			in.Opened, in.Now, in.Card.Funding = c.opened, c.opened, c.funding
			d := Next(in)
			if !d.Retry || d.At.Format(time.DateOnly) != c.wantDate || inMorning(d.At, time.UTC) != c.morning {
				t.Errorf("Next = %+v, want %s (morning %v)", d, c.wantDate, c.morning)
			}
		})
	}
}

// TestNextIsPure: the same input gives the same answer, whatever the order of
// the history, and a retry is never placed before now.
func TestNextIsPure(t *testing.T) {
	t.Parallel()
	in := input("insufficient_funds")
	in.Location = mustZone(t, "Asia/Tokyo")
	in.History = append(failures(visaCard, 5, t0.Add(-3*day), 7*time.Hour), failures(mcCard, 3, t0.Add(time.Hour), time.Hour)...)
	in.Now = t0.Add(4 * time.Hour)
	want := Next(in)
	rev := in
	rev.History = reverse(in.History)
	if got := Next(rev); got != want {
		t.Errorf("reordered history: %+v, want %+v", got, want)
	}
	late := in
	late.Now = t0.Add(40 * day)
	if d := Next(late); !d.Retry || d.At.Before(late.Now) {
		t.Errorf("late pass: %+v, want a retry after %v", d, late.Now)
	}
}

// TestJitterSpreadsRecoveries: recoveries opened at different times do not all
// retry at the same offset or minute, so retries do not arrive at the
// provider in bursts; the same recovery always gets the same answer.
func TestJitterSpreadsRecoveries(t *testing.T) {
	t.Parallel()
	soonOffsets, morningMinutes := map[time.Duration]bool{}, map[int]bool{}
	for i := range 50 {
		in := input("processing_error")
		in.Opened = t0.Add(time.Duration(i) * time.Second)
		in.Now = in.Opened
		d := Next(in)
		if again := Next(in); again != d {
			t.Fatalf("same input, different answers: %+v, %+v", d, again)
		}
		soonOffsets[d.At.Sub(in.Opened.Add(time.Hour))] = true
		in.Decline = Decline{Code: "generic_decline"}
		morningMinutes[Next(in).At.Minute()] = true
	}
	if len(soonOffsets) < 10 || len(morningMinutes) < 10 {
		t.Errorf("50 recoveries used %d soon offsets and %d morning minutes, want ≥ 10 of each",
			len(soonOffsets), len(morningMinutes))
	}
}
