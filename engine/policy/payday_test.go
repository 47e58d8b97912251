package policy

import (
	"testing"
	"time"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestLastBusinessDay(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		year  int
		month time.Month
		want  int
	}{
		{"Jan2026FridayBeforeWeekend", 2026, time.January, 30},
		{"Feb2024Leap", 2024, time.February, 29},
		{"Feb2025Friday28", 2025, time.February, 28},
		{"Feb2026SaturdayEnd", 2026, time.February, 27},
		{"Feb2027SundayEnd", 2027, time.February, 26},
		{"May2026SundayEnd", 2026, time.May, 29},
		{"Aug2026Monday31", 2026, time.August, 31},
		{"Dec2026Thursday31", 2026, time.December, 31},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := lastBusinessDay(c.year, c.month, time.UTC)
			if got.Month() != c.month || got.Day() != c.want {
				t.Errorf("lastBusinessDay(%d, %s) = %s, want day %d", c.year, c.month, got.Format(time.DateOnly), c.want)
			}
		})
	}
}

// TestPaydayMornings lists the successive payday mornings from a start date:
// the day after the 1st, the 15th and the last business day.
func TestPaydayMornings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		start time.Time
		debit bool
		want  []string
	}{
		{"CreditAcrossYearEnd", time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC), false,
			[]string{"2027-01-01", "2027-01-02", "2027-01-16", "2027-01-30", "2027-02-02", "2027-02-16", "2027-02-27"}},
		{"DebitSkipsWeekends", time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC), true,
			[]string{"2027-01-01", "2027-01-04", "2027-01-18", "2027-02-01", "2027-02-02", "2027-02-16", "2027-03-01"}},
		{"CreditFebruaryLeap", time.Date(2024, 2, 16, 9, 0, 0, 0, time.UTC), false,
			[]string{"2024-03-01", "2024-03-02", "2024-03-16"}},
		{"CreditLastBusinessDayFriday", time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC), false,
			[]string{"2026-01-31", "2026-02-02", "2026-02-16", "2026-02-28", "2026-03-02"}},
		{"StartLateInThePaydayMorning", time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC), false,
			[]string{"2026-01-31"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := &planner{loc: time.UTC, seed: 12345, debit: c.debit, taken: map[int]bool{}}
			from := c.start
			for i, want := range c.want {
				got, ok := p.paydayMorning(from)
				if !ok {
					t.Fatalf("#%d: no payday morning after %v", i, from)
				}
				if got.Format(time.DateOnly) != want || !inMorning(got, time.UTC) {
					t.Fatalf("#%d after %v: got %v, want the morning of %s", i, from, got, want)
				}
				from = got.Add(time.Hour)
			}
		})
	}
}

// TestNextFunds checks the funds schedule: the earlier of the next payday
// morning and the 2 d / 5 d / 10 d fallback, in the customer's time zone.
func TestNextFunds(t *testing.T) {
	t.Parallel()
	newYork, tokyo := mustZone(t, "America/New_York"), mustZone(t, "Asia/Tokyo")
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		name     string
		loc      *time.Location
		opened   time.Time
		index    int
		prev     time.Time // last attempt and Now; zero = Opened
		debit    bool
		wantDate string // local date of the retry, in the morning window
	}{
		{"PaydayBeatsFallback", nil, utc(2026, 1, 14, 15), 0, time.Time{}, false, "2026-01-16"},
		{"Fallback2dBeatsPayday", nil, utc(2026, 1, 3, 10), 0, time.Time{}, false, "2026-01-06"},
		{"Fallback5d", nil, utc(2026, 1, 3, 10), 1, utc(2026, 1, 6, 7), false, "2026-01-09"},
		{"Fallback10d", nil, utc(2026, 1, 3, 10), 2, utc(2026, 1, 9, 7), false, "2026-01-14"},
		{"PaydayBeatsFallback10d", nil, utc(2026, 1, 10, 10), 2, utc(2026, 1, 15, 7), false, "2026-01-16"},
		{"PastFallbacksPaydayOnly", nil, utc(2026, 1, 3, 10), 3, utc(2026, 1, 14, 7), false, "2026-01-16"},
		{"LastBusinessDayFridayCredit", nil, utc(2026, 1, 29, 12), 0, time.Time{}, false, "2026-01-31"},
		{"LastBusinessDayFridayDebit", nil, utc(2026, 1, 29, 12), 0, time.Time{}, true, "2026-02-02"},
		{"MonthEndIntoNewYear", nil, utc(2026, 12, 30, 12), 0, time.Time{}, false, "2027-01-01"},
		{"FebruaryEnd", nil, utc(2026, 2, 26, 9), 0, time.Time{}, false, "2026-02-28"},
		{"FebruaryLeapEnd", nil, utc(2024, 2, 28, 9), 0, time.Time{}, false, "2024-03-01"},
		{"TokyoAlreadyThe16th", tokyo, utc(2026, 1, 15, 16), 0, time.Time{}, false, "2026-01-16"},
		{"UTCSameInstant", nil, utc(2026, 1, 15, 16), 0, time.Time{}, false, "2026-01-16"},
		{"NewYorkStillThe15th", newYork, utc(2026, 1, 16, 3), 0, time.Time{}, false, "2026-01-16"},
		{"NewYorkStillSaturdayDebit", newYork, utc(2026, 2, 1, 3), 0, time.Time{}, true, "2026-02-02"},
		{"NoSecondRetryOnThePaydayMorning", nil, utc(2026, 1, 3, 10), 4, utc(2026, 1, 16, 6), false, "2026-01-31"},
		{"RetryBeforeDawnUsesUpThatDay", nil, utc(2026, 1, 3, 10), 3, utc(2026, 1, 16, 4), false, "2026-01-31"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := input("insufficient_funds")
			in.Location, in.Opened, in.Now, in.RetriesUsed = c.loc, c.opened, c.opened, c.index
			if !c.prev.IsZero() {
				in.Now = c.prev
				in.History = failures(visaCard, 1, c.prev, 0)
			}
			if c.debit {
				in.Card.Funding = "debit"
			}
			d := Next(in)
			loc := location(c.loc)
			if !d.Retry || d.At.In(loc).Format(time.DateOnly) != c.wantDate || !inMorning(d.At, loc) {
				t.Fatalf("Next = %+v (local %v), want the morning of %s", d, d.At.In(loc), c.wantDate)
			}
		})
	}
}
