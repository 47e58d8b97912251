package dashboard

import (
	"sort"
	"strings"
	"time"

	"holdfast"
	"holdfast/mail"
)

// The Overview chart: failed vs recovered revenue per period for one
// currency, as inline SVG (no script, no image request). Geometry is
// computed here; the template only draws it.

const (
	chartW, chartH         = 720, 260
	chartLeft, chartRight  = 72, 12
	chartTop, chartBottom  = 16, 36
	chartPlotW, chartPlotH = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
	chartBarGap            = 0.2 // share of a period's slot left empty
	chartMaxXLabels        = 6
)

// chart is a ready-to-draw bar chart.
type chart struct {
	W, H       int
	Currency   string
	Currencies []string
	Period     string
	Bars       []chartBar
	YTicks     []chartTick
	XLabels    []chartTick
	PlotLeft   int
	PlotRight  int
	PlotBottom int
	Rows       []holdfast.RecoveryPeriod // the same numbers as a table, for screen readers
}

type chartBar struct {
	X, Y, W, H float64
	Class      string // failed | recovered
	Title      string
}

type chartTick struct {
	X, Y  float64
	Label string
}

// buildChart lays out rows (one currency's periods, oldest first).
func buildChart(all []holdfast.RecoveryPeriod, currency, period string) *chart {
	c := &chart{W: chartW, H: chartH, Period: period, PlotLeft: chartLeft, PlotRight: chartW - chartRight, PlotBottom: chartTop + chartPlotH}
	failedBy := map[string]int64{}
	for _, r := range all {
		failedBy[r.Currency] += r.FailedAmount
	}
	for cur := range failedBy {
		c.Currencies = append(c.Currencies, cur)
	}
	// The busiest currency is shown unless one was chosen.
	sort.Slice(c.Currencies, func(i, j int) bool {
		a, b := c.Currencies[i], c.Currencies[j]
		if failedBy[a] != failedBy[b] {
			return failedBy[a] > failedBy[b]
		}
		return a < b
	})
	c.Currency = strings.ToLower(currency)
	if _, ok := failedBy[c.Currency]; !ok {
		c.Currency = ""
		if len(c.Currencies) > 0 {
			c.Currency = c.Currencies[0]
		}
	}
	var max int64
	for _, r := range all {
		if r.Currency == c.Currency {
			c.Rows = append(c.Rows, r)
			max = maxInt64(max, maxInt64(r.FailedAmount, r.RecoveredAmount))
		}
	}
	if len(c.Rows) == 0 {
		return c
	}
	top := niceCeil(max)
	slot := float64(chartPlotW) / float64(len(c.Rows))
	barW := slot * (1 - chartBarGap) / 2
	y := func(v int64) float64 { return chartTop + float64(chartPlotH)*(1-float64(v)/float64(top)) }
	for i, r := range c.Rows {
		x0 := chartLeft + slot*float64(i) + slot*chartBarGap/2
		label := periodLabel(r.PeriodStart, period)
		c.Bars = append(c.Bars,
			chartBar{X: x0, Y: y(r.FailedAmount), W: barW, H: float64(chartPlotH) - (y(r.FailedAmount) - chartTop), Class: "failed",
				Title: label + ": " + mail.FormatAmount(r.FailedAmount, r.Currency) + " failed"},
			chartBar{X: x0 + barW, Y: y(r.RecoveredAmount), W: barW, H: float64(chartPlotH) - (y(r.RecoveredAmount) - chartTop), Class: "recovered",
				Title: label + ": " + mail.FormatAmount(r.RecoveredAmount, r.Currency) + " recovered"})
	}
	for i := 0; i <= 4; i++ {
		v := top * int64(i) / 4
		c.YTicks = append(c.YTicks, chartTick{X: chartLeft - 8, Y: y(v), Label: mail.FormatAmount(v, c.Currency)})
	}
	step := max1((len(c.Rows) + chartMaxXLabels - 1) / chartMaxXLabels)
	for i := 0; i < len(c.Rows); i += step {
		c.XLabels = append(c.XLabels, chartTick{X: chartLeft + slot*(float64(i)+0.5), Y: chartTop + chartPlotH + 22,
			Label: periodLabel(c.Rows[i].PeriodStart, period)})
	}
	return c
}

// niceCeil rounds a maximum up to 1, 2 or 5 times a power of ten so the
// axis ticks are round numbers.
func niceCeil(v int64) int64 {
	if v <= 0 {
		return 100
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func periodLabel(t time.Time, period string) string {
	if period == "month" {
		return t.Format("Jan 2006")
	}
	return t.Format("Jan 2")
}

func maxInt64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
