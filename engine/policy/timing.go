package policy

import (
	"encoding/binary"
	"hash/fnv"
	"time"
)

// The morning window in the customer's time zone: retries that are not "soon"
// land between 06:00 and 07:59 local, when overnight batch settlement is done
// and before the customer starts spending.
const (
	morningStartHour = 6
	morningMinutes   = 120
)

// minuteSteps are strides through the morning window. Each is coprime to 120,
// so stepping visits every minute of the window before repeating.
var minuteSteps = []int{7, 11, 13, 17, 19, 23, 29, 31}

// planner places one retry. It carries the time zone, the deterministic jitter
// seed and the clock times already used, so each rule stays a small function.
type planner struct {
	loc   *time.Location
	seed  uint64
	debit bool
	// taken holds the local clock times (minute of day) of earlier attempts on
	// this payment, which a retry must not repeat.
	taken map[int]bool
}

// newPlanner seeds the jitter from the recovery's opening time and the retry
// index: deterministic, so tests are stable and every engine process agrees,
// yet different for each retry and each recovery.
func newPlanner(in Input, index int) *planner {
	h := fnv.New64a()
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(in.Opened.UnixNano()))
	binary.BigEndian.PutUint64(buf[8:], uint64(index))
	h.Write(buf[:])
	p := &planner{
		loc:   location(in.Location),
		seed:  h.Sum64(),
		debit: normalize(in.Card.Funding) == "debit",
		taken: map[int]bool{},
	}
	p.take(in.Opened)
	for _, a := range paymentAttempts(in) {
		p.take(a.At)
	}
	return p
}

// location treats a nil zone as UTC.
func location(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// clock is the local minute of day of t, the "clock time" retries must vary.
func (p *planner) clock(t time.Time) int {
	l := t.In(p.loc)
	return l.Hour()*60 + l.Minute()
}

func (p *planner) take(t time.Time) { p.taken[p.clock(t)] = true }

// weekendBlocked says whether t falls on a day debit retries skip: debit
// balances move on business days, so a weekend retry meets the same balance.
func (p *planner) weekendBlocked(t time.Time) bool {
	if !p.debit {
		return false
	}
	wd := t.In(p.loc).Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// slotOnDay returns a free morning minute on the local date of day that is not
// before notBefore. The jittered minute comes first; on a clash the search
// strides through the window so it never repeats an earlier clock time.
func (p *planner) slotOnDay(day, notBefore time.Time) (time.Time, bool) {
	l := day.In(p.loc)
	start := time.Date(l.Year(), l.Month(), l.Day(), morningStartHour, 0, 0, 0, p.loc)
	first := int(p.seed % morningMinutes)
	step := minuteSteps[(p.seed>>8)%uint64(len(minuteSteps))]
	for k := range morningMinutes {
		s := start.Add(time.Duration((first+k*step)%morningMinutes) * time.Minute)
		if !s.Before(notBefore) && !p.taken[p.clock(s)] {
			return s, true
		}
	}
	return time.Time{}, false
}

// morning returns the first free morning slot at or after t, skipping weekends
// for debit cards. A morning retry may wait up to a day past its nominal time
// rather than run earlier than the schedule says.
func (p *planner) morning(t time.Time) time.Time {
	l := t.In(p.loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), 12, 0, 0, 0, p.loc)
	// Two weeks always hold a free weekday morning: 120 minutes a day cannot all
	// be taken by the attempts the network limits let through.
	for range 14 {
		if !p.weekendBlocked(day) {
			if s, ok := p.slotOnDay(day, t); ok {
				return s
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return t
}

// soon places a retry that should not wait for the morning (transient, ≤ 24 h):
// at t plus a few minutes of jitter, stepping on past any used clock time. A
// debit retry that lands on a weekend moves to Monday morning.
func (p *planner) soon(t time.Time) time.Time {
	s := t.Add(time.Duration(3+(p.seed>>16)%25) * time.Minute)
	step := time.Duration(minuteSteps[(p.seed>>24)%uint64(len(minuteSteps))]) * time.Minute
	for range 24 * 60 {
		if !p.taken[p.clock(s)] {
			break
		}
		s = s.Add(step)
	}
	if p.weekendBlocked(s) {
		return p.morning(s)
	}
	return s
}

// paymentAttempts are the attempts on this payment: the policy sees the
// customer's whole history, so those made since the recovery opened stand in
// for them. Attempts on the customer's other payments in that span only make
// the clock-time rule a little stricter.
func paymentAttempts(in Input) []Attempt {
	var out []Attempt
	for _, a := range in.History {
		if !a.At.Before(in.Opened) {
			out = append(out, a)
		}
	}
	return out
}

// lastAttempt is when this payment was last charged: its latest attempt that
// reached the network, else the opening failure.
func lastAttempt(in Input) time.Time {
	last := in.Opened
	for _, a := range paymentAttempts(in) {
		if a.Outcome != OutcomeRefused && a.At.After(last) && !a.At.After(in.Now) {
			last = a.At
		}
	}
	return last
}
