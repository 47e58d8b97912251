package sim

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"holdfast"
	"holdfast/engine"
)

// network is the simulated card network: the engine's test-mode provider
// (engine.Config.TestProvider). It answers each charge from the model with
// the payment's own random stream for that attempt number, and logs every
// charge that reached it for the independent rule checker.
type network struct {
	m    *Model
	seed uint64
	pop  func(i int) *payment // payment by index

	mu  sync.Mutex
	log []Charge
}

// Charge is one attempt that reached the card network.
type Charge struct {
	Payment     int       `json:"payment"`
	At          time.Time `json:"at"`
	Fingerprint string    `json:"fingerprint"`
	Brand       string    `json:"brand"`
	NewCard     bool      `json:"new_card"`
	Succeeded   bool      `json:"succeeded"`
	Code        string    `json:"code"` // decline code when it failed
}

var _ engine.Provider = (*network)(nil)

// Pay answers a charge. Hard declines never succeed on the same card; a
// charge on the customer's new card succeeds with new_card_success.
func (n *network) Pay(_ context.Context, req engine.PayRequest) (engine.PayResult, error) {
	idx, ok := paymentIndex(req.Invoice)
	if !ok {
		return engine.PayResult{Decline: holdfast.Decline{Code: "generic_decline", FailureCode: "card_declined"}}, nil
	}
	p := n.pop(idx)
	attempt := 1
	for _, a := range req.Previous {
		if a.ID != req.Attempt.ID && (a.Outcome == holdfast.OutcomeSucceeded || a.Outcome == holdfast.OutcomeFailed) {
			attempt++
		}
	}
	at := req.Attempt.CreatedAt
	newCard := req.Attempt.CardFingerprint == cardFingerprint(idx, 1)
	u := draws(n.seed, idx, streamRetry, attempt).Float64()
	var ok2 bool
	if newCard {
		ok2 = u < n.m.Customer.NewCardSuccess
	} else {
		ok2 = u < n.m.retryChance(p.prof, p.opened, at, attempt)
	}
	c := Charge{Payment: idx, At: at, Fingerprint: req.Attempt.CardFingerprint, Brand: req.Attempt.CardBrand, NewCard: newCard, Succeeded: ok2}
	res := engine.PayResult{Succeeded: ok2}
	if !ok2 {
		code := p.prof.Code
		if newCard {
			code = "generic_decline"
		}
		c.Code = code
		res.Decline = holdfast.Decline{Code: code, FailureCode: "card_declined", Message: "Simulated decline: " + code + "."}
	}
	n.mu.Lock()
	n.log = append(n.log, c)
	n.mu.Unlock()
	return res, nil
}

// retryChance is the chance a retry on the payment's own card succeeds (see RetryModel).
func (m *Model) retryChance(p Profile, opened, at time.Time, attempt int) float64 {
	r := m.Retry
	base := r.Success[p.Class]
	if base <= 0 || p.Class == ClassNeverRetry || p.Class == ClassNeedsCustomer {
		return 0
	}
	days := min(max(at.Sub(opened).Hours()/24, 0), 30)
	f := base * (1 + r.DaysEffect[p.Class]*days/30)
	loc := loadZone(p.Zone)
	if loc == nil {
		loc = time.UTC
	}
	local := at.In(loc)
	if p.Class == ClassFunds && r.PaydayEffect != 0 && afterPayday(local, r.PaydayDays) {
		f *= 1 + r.PaydayEffect
	}
	if h := local.Hour(); h >= 5 && h < 10 {
		f *= 1 + r.MorningEffect
	}
	for range attempt - 1 {
		f *= 1 - r.AttemptDecay
	}
	return min(max(f, 0), 0.99)
}

// afterPayday reports whether local falls on a payday (the 1st, the 15th,
// the last business day of the month) or within days after one. The card
// network's own calendar, written apart from the engine's policy.
func afterPayday(local time.Time, days int) bool {
	for back := 0; back <= days; back++ {
		d := local.AddDate(0, 0, -back)
		if d.Day() == 1 || d.Day() == 15 || isLastBusinessDay(d) {
			return true
		}
	}
	return false
}

func isLastBusinessDay(d time.Time) bool {
	last := time.Date(d.Year(), d.Month()+1, 0, 12, 0, 0, 0, d.Location())
	for last.Weekday() == time.Saturday || last.Weekday() == time.Sunday {
		last = last.AddDate(0, 0, -1)
	}
	return d.Day() == last.Day()
}

// Invoice and card names of simulated payment i.
func invoiceID(i int) string { return "in_sim_" + strconv.Itoa(i) }

func paymentIndex(invoice string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(invoice, "in_sim_"))
	return n, err == nil && strings.HasPrefix(invoice, "in_sim_")
}

// cardFingerprint names payment i's card k (0: the failing card, 1: the
// customer's new one).
func cardFingerprint(i, k int) string { return "fp_sim_" + strconv.Itoa(i) + "_" + strconv.Itoa(k) }
