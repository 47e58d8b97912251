// Package sim is Holdfast's recovery lab (`holdfast simulate`): it runs the
// real recovery engine — campaign runner, smart-retry policy, network-limit
// checks, dunning schedule and test clock — in a throwaway SQLite database,
// against a simulated card network and simulated customers whose behavior
// comes from a versioned population model, and compares strategies side by
// side. Every strategy sees the same population and the same random draws
// (common random numbers): each draw is derived from (seed, payment, what is
// drawn, attempt or email number), never from a shared stream, so a
// difference between two strategies is the strategies' own.
package sim

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"time"

	"holdfast"
)

// Decline classes as the model names them (the card network's view; the
// engine classifies the same codes on its own).
const (
	ClassNeverRetry    = "never_retry"
	ClassNeedsCustomer = "needs_customer"
	ClassFunds         = "funds"
	ClassTransient     = "transient"
	ClassAmbiguous     = "ambiguous"
)

// Classes lists the decline classes in report order.
var Classes = []string{ClassFunds, ClassTransient, ClassAmbiguous, ClassNeedsCustomer, ClassNeverRetry}

//go:embed model/default.json
var defaultModelJSON []byte

// Model is the population model: who fails, how, and how the card network
// and the customers answer. docs/simulate.md describes every field.
type Model struct {
	Name        string            `json:"name"`
	Version     int               `json:"version"`
	Description string            `json:"description,omitempty"`
	Declines    []DeclineShare    `json:"declines"`
	Currencies  []CurrencyShare   `json:"currencies"`
	Brands      []BrandShare      `json:"brands"`
	Funding     []FundingShare    `json:"funding"`
	Timezones   []ZoneShare       `json:"timezones"`
	Retry       RetryModel        `json:"retry"`
	Customer    CustomerModel     `json:"customer"`
	Sources     map[string]string `json:"sources"`
}

// DeclineShare is one decline code's share of failures and its class.
type DeclineShare struct {
	Code  string  `json:"code"`
	Class string  `json:"class"`
	Share float64 `json:"share"`
}

// CurrencyShare is a currency's share of failures and its amounts.
type CurrencyShare struct {
	Currency string        `json:"currency"`
	Share    float64       `json:"share"`
	Amounts  []AmountShare `json:"amounts"`
}

// AmountShare is an invoice amount (minor units) and its share.
type AmountShare struct {
	Amount int64   `json:"amount"`
	Share  float64 `json:"share"`
}

// BrandShare is a card brand's share.
type BrandShare struct {
	Brand string  `json:"brand"`
	Share float64 `json:"share"`
}

// FundingShare is a card funding type's share.
type FundingShare struct {
	Funding string  `json:"funding"`
	Share   float64 `json:"share"`
}

// ZoneShare is a customer time zone's share.
type ZoneShare struct {
	Zone  string  `json:"zone"`
	Share float64 `json:"share"`
}

// RetryModel says how likely a retry on the same card succeeds:
//
//	p = success[class] × (1 + days_effect[class] × min(days since failure, 30)/30)
//	    × (1 + payday_effect, funds only, within payday_days after a payday)
//	    × (1 + morning_effect, 05:00–09:59 local) × (1 − attempt_decay)^(retry − 1)
//
// capped at 0.99. needs_customer and never_retry must be 0: a hard decline
// never succeeds on the same card. Every effect may be 0.
type RetryModel struct {
	Success       map[string]float64 `json:"success"`
	DaysEffect    map[string]float64 `json:"days_effect"`
	PaydayEffect  float64            `json:"payday_effect"`
	PaydayDays    int                `json:"payday_days"`
	MorningEffect float64            `json:"morning_effect"`
	AttemptDecay  float64            `json:"attempt_decay"`
}

// CustomerModel says how customers act.
type CustomerModel struct {
	// Click[n] is the chance the n-th email (0-based) is clicked; later
	// emails reuse the last entry.
	Click              []float64 `json:"click"`
	UpdateAfterClick   float64   `json:"update_after_click"`
	UpdateWithoutClick float64   `json:"update_without_click"`
	// NewCardSuccess is the chance a charge on the customer's new card succeeds.
	NewCardSuccess    float64 `json:"new_card_success"`
	ReactionMinHours  float64 `json:"reaction_min_hours"`
	ReactionMeanHours float64 `json:"reaction_mean_hours"`
	PayOnOwn          float64 `json:"pay_on_own"`
	PayOnOwnMeanDays  float64 `json:"pay_on_own_mean_days"`
	Cancel            float64 `json:"cancel"`
	CancelMeanDays    float64 `json:"cancel_mean_days"`
}

// DefaultModel returns the model shipped in sim/model/default.json.
func DefaultModel() *Model {
	m, err := ParseModel(defaultModelJSON)
	if err != nil {
		panic("sim: the shipped model is invalid: " + err.Error())
	}
	return m
}

// LoadModel reads and checks a model file.
func LoadModel(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, holdfast.Errorf(holdfast.EINVALID, "read model: %v", err)
	}
	return ParseModel(b)
}

// ParseModel decodes a model strictly (unknown fields are errors) and checks it.
func ParseModel(b []byte) (*Model, error) {
	var m Model
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, holdfast.Errorf(holdfast.EINVALID, "model: %v", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks shares, probabilities and the hard-decline rule.
func (m *Model) Validate() error {
	bad := func(param, format string, args ...any) error {
		return &holdfast.Error{Code: holdfast.EVALIDATION, Param: param, Message: "model: " + param + ": " + fmt.Sprintf(format, args...)}
	}
	if m.Version != 1 {
		return bad("version", "unsupported version %d (this build reads version 1)", m.Version)
	}
	valid := map[string]bool{}
	for _, c := range Classes {
		valid[c] = true
	}
	var shares []float64
	for i, d := range m.Declines {
		if d.Code == "" || !valid[d.Class] {
			return bad(fmt.Sprintf("declines[%d]", i), "needs a code and a class (one of %v)", Classes)
		}
		shares = append(shares, d.Share)
	}
	if err := checkShares("declines", shares); err != nil {
		return err
	}
	shares = shares[:0]
	for i, c := range m.Currencies {
		shares = append(shares, c.Share)
		var as []float64
		for _, a := range c.Amounts {
			if a.Amount <= 0 {
				return bad(fmt.Sprintf("currencies[%d].amounts", i), "amounts must be positive minor units")
			}
			as = append(as, a.Share)
		}
		if err := checkShares(fmt.Sprintf("currencies[%d].amounts", i), as); err != nil {
			return err
		}
	}
	if err := checkShares("currencies", shares); err != nil {
		return err
	}
	if err := checkShares("brands", sharesOf(m.Brands, func(b BrandShare) float64 { return b.Share })); err != nil {
		return err
	}
	if err := checkShares("funding", sharesOf(m.Funding, func(f FundingShare) float64 { return f.Share })); err != nil {
		return err
	}
	if err := checkShares("timezones", sharesOf(m.Timezones, func(z ZoneShare) float64 { return z.Share })); err != nil {
		return err
	}
	for i, z := range m.Timezones {
		if _, err := time.LoadLocation(z.Zone); err != nil {
			return bad(fmt.Sprintf("timezones[%d].zone", i), "unknown time zone %q", z.Zone)
		}
	}
	for k, v := range m.Retry.Success {
		if !valid[k] || v < 0 || v > 1 {
			return bad("retry.success."+k, "must be a decline class with a chance in [0, 1]")
		}
	}
	for _, hard := range []string{ClassNeverRetry, ClassNeedsCustomer} {
		if m.Retry.Success[hard] != 0 {
			return bad("retry.success."+hard, "must be 0: a hard decline never succeeds on the same card")
		}
	}
	for k, v := range m.Retry.DaysEffect {
		if !valid[k] || v < -1 {
			return bad("retry.days_effect."+k, "must be a decline class with an effect of at least -1")
		}
	}
	r := m.Retry
	if r.PaydayEffect < -1 || r.MorningEffect < -1 || r.AttemptDecay < 0 || r.AttemptDecay > 1 || r.PaydayDays < 0 {
		return bad("retry", "effects must be at least -1, attempt_decay in [0, 1], payday_days at least 0")
	}
	c := m.Customer
	for i, p := range c.Click {
		if p < 0 || p > 1 {
			return bad(fmt.Sprintf("customer.click[%d]", i), "must be a chance in [0, 1]")
		}
	}
	for name, p := range map[string]float64{"update_after_click": c.UpdateAfterClick, "update_without_click": c.UpdateWithoutClick,
		"new_card_success": c.NewCardSuccess, "pay_on_own": c.PayOnOwn, "cancel": c.Cancel} {
		if p < 0 || p > 1 || math.IsNaN(p) {
			return bad("customer."+name, "must be a chance in [0, 1]")
		}
	}
	if !(c.ReactionMinHours >= 1 && c.ReactionMinHours <= 24*MaxDays) { // NaN fails too
		return bad("customer.reaction_min_hours", "must be between 1 and %d (the simulator steps the clock by it)", 24*MaxDays)
	}
	if c.ReactionMeanHours < 0 || c.PayOnOwnMeanDays < 0 || c.CancelMeanDays < 0 {
		return bad("customer", "mean delays must not be negative")
	}
	return nil
}

func sharesOf[T any](xs []T, f func(T) float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// checkShares wants non-negative shares summing to 1 (±0.001).
func checkShares(param string, shares []float64) error {
	sum := 0.0
	for _, s := range shares {
		if s < 0 || math.IsNaN(s) {
			return &holdfast.Error{Code: holdfast.EVALIDATION, Param: param, Message: "model: " + param + ": shares must not be negative"}
		}
		sum += s
	}
	if len(shares) == 0 || math.Abs(sum-1) > 0.001 {
		return &holdfast.Error{Code: holdfast.EVALIDATION, Param: param, Message: fmt.Sprintf("model: %s: shares must sum to 1 (they sum to %.4f)", param, sum)}
	}
	return nil
}

// classOf is the model's class of a decline code; unknown codes are ambiguous.
func (m *Model) classOf(code string) string {
	for _, d := range m.Declines {
		if d.Code == code {
			return d.Class
		}
	}
	return ClassAmbiguous
}
