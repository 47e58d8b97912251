package sim

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"holdfast"
)

// Report is the result of a run: the same shape for `holdfast simulate
// --json` and POST /v1/simulations.
type Report struct {
	Object     string           `json:"object"` // "simulation"
	Model      ModelRef         `json:"model"`
	Population string           `json:"population"`
	Seed       uint64           `json:"seed"`
	N          int              `json:"n"`
	Days       int              `json:"days"`
	Start      time.Time        `json:"start"`
	DeclineMix []MixRow         `json:"decline_mix"`
	Strategies []StrategyResult `json:"strategies"`
	// Comparison answers the README's question when the run has both the
	// default campaign and fixed-8x14d.
	Comparison *Comparison `json:"comparison,omitempty"`
}

// ModelRef names the model a run used.
type ModelRef struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
}

// MixRow is one decline code's share of the simulated population.
type MixRow struct {
	Code  string  `json:"code"`
	Class string  `json:"class"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

// Rate is a count out of the payments with its 95 % (Wilson) interval.
type Rate struct {
	Count int     `json:"count"`
	Rate  float64 `json:"rate"`
	Low   float64 `json:"ci95_low"`
	High  float64 `json:"ci95_high"`
}

// Money is an amount in minor units of a currency.
type Money struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// ClassResult is a strategy's result on one decline class.
type ClassResult struct {
	Class             string  `json:"class"`
	Payments          int     `json:"payments"`
	Recovered         int     `json:"recovered"`
	Rate              float64 `json:"recovered_rate"`
	Charges           int     `json:"charges"`
	ChargesPerPayment float64 `json:"charges_per_payment"`
}

// StrategyResult is one strategy's line of the comparison.
type StrategyResult struct {
	Name                string        `json:"name"`
	Description         string        `json:"description"`
	Unguarded           bool          `json:"unguarded"`
	Campaign            *CampaignInfo `json:"campaign"`
	Payments            int           `json:"payments"`
	Recovered           Rate          `json:"recovered"`
	RecoveredByRetry    int           `json:"recovered_by_retry"`
	RecoveredByCustomer int           `json:"recovered_by_customer"`
	RecoveredRevenue    []Money       `json:"recovered_revenue"`
	Charges             int           `json:"charges"`
	ChargesPerPayment   float64       `json:"charges_per_payment"`
	ChargesPerRecovery  *float64      `json:"charges_per_recovery"`
	Emails              int           `json:"emails"`
	EmailsPerPayment    float64       `json:"emails_per_payment"`
	MedianDaysToRecover *float64      `json:"median_days_to_recover"`
	Violations          Violations    `json:"violations"`
	ByClass             []ClassResult `json:"by_class"`
}

// CampaignInfo is the playbook a strategy ran.
type CampaignInfo struct {
	Name         string                  `json:"name"`
	SmartRetries bool                    `json:"smart_retries"`
	MaxRetries   int                     `json:"max_retries"`
	Steps        []holdfast.CampaignStep `json:"steps"`
}

// Comparison is the README's verdict: does the default campaign recover at
// least as much as fixed-8x14d with at most half its charges and no
// network-rule violations?
type Comparison struct {
	Strategy              string  `json:"strategy"`
	Baseline              string  `json:"baseline"`
	RecoveredDifference   float64 `json:"recovered_rate_difference"`
	ChargesRatio          float64 `json:"charges_ratio"`
	RecoversAtLeastAsMuch bool    `json:"recovers_at_least_as_much"`
	AtMostHalfTheCharges  bool    `json:"at_most_half_the_charges"`
	ZeroViolations        bool    `json:"zero_violations"`
	Holds                 bool    `json:"holds"`
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// wilson is the 95 % Wilson score interval of k successes in n.
func wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 0
	}
	const z = 1.959963984540054
	p := float64(k) / float64(n)
	nf := float64(n)
	den := 1 + z*z/nf
	mid := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return max(0, mid-half), min(1, mid+half)
}

// NewRate builds a Rate of k out of n.
func NewRate(k, n int) Rate {
	lo, hi := wilson(k, n)
	r := Rate{Count: k, Low: round(lo, 4), High: round(hi, 4)}
	if n > 0 {
		r.Rate = round(float64(k)/float64(n), 4)
	}
	return r
}

// summarize turns one strategy's trace into its result.
func summarize(s Strategy, profiles []Profile, tr *Trace, m *Model) StrategyResult {
	res := StrategyResult{Name: s.Name, Description: s.Description, Unguarded: s.Unguarded, Payments: len(profiles)}
	c := s.Campaign
	if c == nil {
		def := defaultCampaign()
		c = def
	}
	res.Campaign = &CampaignInfo{Name: c.Name, SmartRetries: c.SmartRetries, MaxRetries: c.MaxRetries, Steps: c.Steps}
	charges := make([]int, len(profiles))
	for _, ch := range tr.Charges {
		charges[ch.Payment]++
	}
	revenue := map[string]int64{}
	classes := map[string]*ClassResult{}
	for _, cl := range Classes {
		classes[cl] = &ClassResult{Class: cl}
	}
	var recovered int
	var daysTo []float64
	for i, p := range profiles {
		cr := classes[p.Class]
		if cr == nil {
			cr = &ClassResult{Class: p.Class}
			classes[p.Class] = cr
		}
		cr.Payments++
		cr.Charges += charges[i]
		res.Charges += charges[i]
		res.Emails += tr.Emails[i]
		out, ok := tr.Outcomes[i]
		if !ok || out.Status != holdfast.RecoveryRecovered || out.EndedAt == nil {
			continue
		}
		recovered++
		cr.Recovered++
		revenue[p.Currency] += p.Amount
		if out.RecoveredBy == "retry" {
			res.RecoveredByRetry++
		} else {
			res.RecoveredByCustomer++
		}
		daysTo = append(daysTo, out.EndedAt.Sub(out.StartedAt).Hours()/24)
	}
	n := len(profiles)
	res.Recovered = NewRate(recovered, n)
	for _, cur := range sortedKeys(revenue) {
		res.RecoveredRevenue = append(res.RecoveredRevenue, Money{Currency: cur, Amount: revenue[cur]})
	}
	if res.RecoveredRevenue == nil {
		res.RecoveredRevenue = []Money{}
	}
	if n > 0 {
		res.ChargesPerPayment = round(float64(res.Charges)/float64(n), 4)
		res.EmailsPerPayment = round(float64(res.Emails)/float64(n), 4)
	}
	if recovered > 0 {
		v := round(float64(res.Charges)/float64(recovered), 4)
		res.ChargesPerRecovery = &v
		sort.Float64s(daysTo)
		med := daysTo[len(daysTo)/2]
		if len(daysTo)%2 == 0 {
			med = (daysTo[len(daysTo)/2-1] + daysTo[len(daysTo)/2]) / 2
		}
		med = round(med, 2)
		res.MedianDaysToRecover = &med
	}
	res.Violations = CheckRules(tr.Charges, func(i int) (string, string) { return profiles[i].Code, cardFingerprint(i, 0) })
	for _, cl := range Classes {
		cr := classes[cl]
		finishClass(cr)
		res.ByClass = append(res.ByClass, *cr)
		delete(classes, cl)
	}
	for _, cl := range sortedKeys(classes) {
		finishClass(classes[cl])
		res.ByClass = append(res.ByClass, *classes[cl])
	}
	return res
}

func finishClass(cr *ClassResult) {
	if cr.Payments > 0 {
		cr.Rate = round(float64(cr.Recovered)/float64(cr.Payments), 4)
		cr.ChargesPerPayment = round(float64(cr.Charges)/float64(cr.Payments), 4)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func newReport(o Options, profiles []Profile, results []StrategyResult) *Report {
	r := &Report{Object: "simulation", Model: ModelRef{Name: o.Model.Name, Version: o.Model.Version}, Population: o.Population.Name(),
		Seed: o.Seed, N: o.N, Days: o.Days, Start: o.Start, Strategies: results}
	counts := map[string]int{}
	class := map[string]string{}
	for _, p := range profiles {
		counts[p.Code]++
		class[p.Code] = p.Class
	}
	for _, code := range sortedKeys(counts) {
		r.DeclineMix = append(r.DeclineMix, MixRow{Code: code, Class: class[code], Count: counts[code],
			Share: round(float64(counts[code])/float64(len(profiles)), 4)})
	}
	sort.SliceStable(r.DeclineMix, func(i, j int) bool { return r.DeclineMix[i].Count > r.DeclineMix[j].Count })
	var def, fix *StrategyResult
	for i := range results {
		switch results[i].Name {
		case StrategyDefault:
			def = &results[i]
		case StrategyFixed8x14:
			fix = &results[i]
		}
	}
	if def != nil && fix != nil {
		c := &Comparison{Strategy: def.Name, Baseline: fix.Name,
			RecoveredDifference:   round(def.Recovered.Rate-fix.Recovered.Rate, 4),
			RecoversAtLeastAsMuch: def.Recovered.Count >= fix.Recovered.Count,
			AtMostHalfTheCharges:  2*def.Charges <= fix.Charges,
			ZeroViolations:        def.Violations.Total == 0,
		}
		if fix.Charges > 0 {
			c.ChargesRatio = round(float64(def.Charges)/float64(fix.Charges), 4)
		}
		c.Holds = c.RecoversAtLeastAsMuch && c.AtMostHalfTheCharges && c.ZeroViolations
		r.Comparison = c
	}
	return r
}

// WriteTable prints the report as text tables.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "model %s v%d, population %s, n=%d, seed=%d, %d days from %s\n\n", r.Model.Name, r.Model.Version,
		r.Population, r.N, r.Seed, r.Days, r.Start.Format("2006-01-02"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "strategy\tpayments\trecovered\t%\t95% interval\tcharges/payment\tcharges/recovery\temails/payment\tmedian days\tviolations\t")
	for _, s := range r.Strategies {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\t%.1f–%.1f%%\t%.2f\t%s\t%.2f\t%s\t%d\t\n", s.Name, s.Payments, s.Recovered.Count,
			100*s.Recovered.Rate, 100*s.Recovered.Low, 100*s.Recovered.High, s.ChargesPerPayment, optF(s.ChargesPerRecovery),
			s.EmailsPerPayment, optF(s.MedianDaysToRecover), s.Violations.Total)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nrecovered revenue")
	for _, s := range r.Strategies {
		var parts []string
		for _, m := range s.RecoveredRevenue {
			parts = append(parts, fmt.Sprintf("%s %.2f", strings.ToUpper(m.Currency), float64(m.Amount)/100))
		}
		fmt.Fprintf(w, "  %s: %s\n", s.Name, strings.Join(parts, ", "))
	}
	fmt.Fprintln(w, "\nviolations (Visa 15/30d, Mastercard 10/24h, Mastercard 35/30d, after never-retry)")
	for _, s := range r.Strategies {
		v := s.Violations
		fmt.Fprintf(w, "  %s: %d, %d, %d, %d\n", s.Name, v.Visa30d, v.Mastercard24h, v.Mastercard30d, v.AfterNeverRetry)
	}
	fmt.Fprintln(w, "\nby decline class (recovered % / charges per payment)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "strategy\t")
	for _, c := range r.Strategies[0].ByClass {
		fmt.Fprintf(tw, "%s (%d)\t", c.Class, c.Payments)
	}
	fmt.Fprintln(tw)
	for _, s := range r.Strategies {
		fmt.Fprintf(tw, "%s\t", s.Name)
		for _, c := range s.ByClass {
			fmt.Fprintf(tw, "%.1f%% / %.2f\t", 100*c.Rate, c.ChargesPerPayment)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if c := r.Comparison; c != nil {
		verdict := "does not hold"
		if c.Holds {
			verdict = "holds"
		}
		fmt.Fprintf(w, "\n%s vs %s: recovered %+.1f points, %.0f%% of the charges, %s violations → %s\n", c.Strategy, c.Baseline,
			100*c.RecoveredDifference, 100*c.ChargesRatio, map[bool]string{true: "zero", false: "some"}[c.ZeroViolations], verdict)
	}
	return nil
}

func optF(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *p)
}
