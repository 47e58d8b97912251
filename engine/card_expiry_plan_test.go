package engine

import (
	"testing"
	"time"
)

// TestPlanCardNotices is the pure notice schedule: a card of January 2027
// (works through Jan 31), days_before [30, 7], a renewal after it.
func TestPlanCardNotices(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	feb1 := utc(2027, 2, 1, 0, 0)
	renewal := []time.Time{utc(2027, 2, 15, 0, 0)}
	base := func(now time.Time) cardPlanIn {
		return cardPlanIn{now: now, enabled: true, days: []int{30, 7}, month: 1, year: 2027, loc: time.UTC,
			renewals: renewal, noticed: map[int]bool{}}
	}
	cases := []struct {
		name string
		in   func() cardPlanIn
		want cardPlanOut
	}{
		{"BeforeTheFirst", func() cardPlanIn { return base(utc(2026, 12, 1, 10, 0)) }, cardPlanOut{next: utc(2027, 1, 1, 9, 0)}},
		{"AtThirtyDays", func() cardPlanIn { return base(utc(2027, 1, 1, 9, 0)) }, cardPlanOut{send: 30, next: utc(2027, 1, 24, 9, 0)}},
		{"ThirtySentWaitsForSeven", func() cardPlanIn {
			in := base(utc(2027, 1, 1, 9, 5))
			in.noticed[30], in.unsettled = true, true
			return in
		}, cardPlanOut{next: utc(2027, 1, 24, 9, 0)}},
		{"LateInTheMorningSendsNow", func() cardPlanIn { return base(utc(2027, 1, 10, 10, 0)) }, cardPlanOut{send: 30, next: utc(2027, 1, 24, 9, 0)}},
		{"LateInTheAfternoonWaitsForMorning", func() cardPlanIn { return base(utc(2027, 1, 10, 15, 0)) }, cardPlanOut{next: utc(2027, 1, 11, 9, 0)}},
		{"BothPassedSendsOnlyTheLatest", func() cardPlanIn { return base(utc(2027, 1, 25, 9, 30)) }, cardPlanOut{send: 7}},
		{"NeverAnOlderAfterANewer", func() cardPlanIn {
			in := base(utc(2027, 1, 25, 10, 0))
			in.noticed[7], in.unsettled = true, true
			return in
		}, cardPlanOut{next: feb1}},
		{"RenewalBeforeExpiry", func() cardPlanIn {
			in := base(utc(2026, 12, 1, 10, 0))
			in.renewals = []time.Time{utc(2027, 1, 15, 0, 0)}
			return in
		}, cardPlanOut{}},
		{"RenewalExactlyAtExpiry", func() cardPlanIn {
			in := base(utc(2026, 12, 1, 10, 0))
			in.renewals = []time.Time{feb1}
			return in
		}, cardPlanOut{next: utc(2027, 1, 1, 9, 0)}},
		{"NoSubscription", func() cardPlanIn {
			in := base(utc(2026, 12, 1, 10, 0))
			in.renewals = nil
			return in
		}, cardPlanOut{}},
		{"DisabledStillSettles", func() cardPlanIn {
			in := base(utc(2027, 1, 2, 10, 0))
			in.enabled, in.noticed[30], in.unsettled = false, true, true
			return in
		}, cardPlanOut{next: feb1}},
		{"ExpiredSettles", func() cardPlanIn {
			in := base(utc(2027, 2, 2, 10, 0))
			in.noticed[30], in.noticed[7], in.unsettled = true, true, true
			return in
		}, cardPlanOut{settleExpired: true}},
		{"NoCard", func() cardPlanIn {
			in := base(utc(2026, 12, 1, 10, 0))
			in.month, in.year = 0, 0
			return in
		}, cardPlanOut{}},
		{"CustomerMorning", func() cardPlanIn {
			in := base(utc(2026, 12, 1, 10, 0))
			in.loc = ny
			in.renewals = []time.Time{utc(2027, 3, 1, 0, 0)}
			return in
		}, cardPlanOut{next: time.Date(2027, 1, 1, 9, 0, 0, 0, ny)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			got := planCardNotices(in)
			got.expiresAt = time.Time{} // checked below
			if got.send != tc.want.send || !got.next.Equal(tc.want.next) || got.settleExpired != tc.want.settleExpired {
				t.Fatalf("plan = %+v, want %+v", got, tc.want)
			}
			if tc.name == "CustomerMorning" {
				if exp := planCardNotices(in).expiresAt; !exp.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, ny)) {
					t.Fatalf("expiresAt %v", exp)
				}
			}
		})
	}
}
