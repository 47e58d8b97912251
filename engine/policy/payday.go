package policy

import (
	"slices"
	"time"
)

// paydays lists the pay dates of a local month: the 1st, the 15th and the last
// business day (the last Monday–Friday; public holidays are not modelled). They
// come back in date order, as noon local so that adding days never trips over a
// daylight-saving change. The last business day is always after the 15th.
func paydays(year int, month time.Month, loc *time.Location) []time.Time {
	first := time.Date(year, month, 1, 12, 0, 0, 0, loc)
	fifteenth := time.Date(year, month, 15, 12, 0, 0, 0, loc)
	return []time.Time{first, fifteenth, lastBusinessDay(year, month, loc)}
}

// lastBusinessDay is the month's last weekday, at noon local.
func lastBusinessDay(year int, month time.Month, loc *time.Location) time.Time {
	// Day 0 of the next month is the last day of this one.
	d := time.Date(year, month+1, 0, 12, 0, 0, 0, loc)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// paydayMorning returns the first free "morning after a payday" slot at or after
// notBefore: the morning of the day after the 1st, the 15th or the last business
// day, in the customer's time zone — the first morning the pay has landed. For a
// debit card a payday morning that falls on a weekend moves to Monday. ok is
// false if no such slot exists within the next three months.
func (p *planner) paydayMorning(notBefore time.Time) (time.Time, bool) {
	l := notBefore.In(p.loc)
	// Start one month back: the last business day of the previous month has
	// its morning after on the 1st of this one (or the weekend after it).
	var mornings []time.Time
	for i := -1; i <= 3; i++ {
		y, m, _ := time.Date(l.Year(), l.Month()+time.Month(i), 1, 12, 0, 0, 0, p.loc).Date()
		for _, pd := range paydays(y, m, p.loc) {
			mornings = append(mornings, pd.AddDate(0, 0, 1))
		}
	}
	slices.SortFunc(mornings, func(a, b time.Time) int { return a.Compare(b) })
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, p.loc)
	for _, day := range mornings {
		for p.weekendBlocked(day) {
			day = day.AddDate(0, 0, 1)
		}
		if day.Before(today) {
			continue
		}
		if s, ok := p.slotOnDay(day, notBefore); ok {
			return s, true
		}
	}
	return time.Time{}, false
}
