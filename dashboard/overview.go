package dashboard

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"holdfast"
	"holdfast/store"
)

// periodChoices are the Overview's preset periods (days back from today in
// the mode's clock; 0 is all time).
var periodChoices = []struct {
	Value string
	Label string
	Days  int
}{
	{"7d", "Last 7 days", 7},
	{"30d", "Last 30 days", 30},
	{"90d", "Last 90 days", 90},
	{"365d", "Last 12 months", 365},
	{"all", "All time", 0},
}

type overviewData struct {
	Stats   *holdfast.Stats
	Period  string
	Periods any
	From    *time.Time
	To      *time.Time
	FromIn  string // the custom range as typed (date inputs)
	ToIn    string
	Error   string
	APIPath string // the /api/v1/stats call that returns these numbers
	Chart   *chart
}

// overview shows the stats object of SPEC §5 for a period — computed by
// the same store.Stats that GET /api/v1/stats serves, with the same from/to
// — and a chart of failed vs recovered revenue.
func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request, v *viewer) error {
	data := overviewData{Periods: periodChoices}
	from, to, period, err := overviewRange(r, v.now())
	if err != nil {
		data.Error = messageOf(err)
		period = "30d"
		from, to, _, _ = overviewRange(&http.Request{URL: &url.URL{RawQuery: "period=30d"}}, v.now())
	}
	data.From, data.To, data.Period = from, to, period
	data.FromIn, data.ToIn = r.URL.Query().Get("from"), r.URL.Query().Get("to")
	st, err := d.store.Stats(r.Context(), v.ws.ID, v.Mode(), from, to)
	if err != nil {
		return err
	}
	data.Stats = st
	q := url.Values{}
	if from != nil {
		q.Set("from", from.Format(time.RFC3339))
	}
	if to != nil {
		q.Set("to", to.Format(time.RFC3339))
	}
	data.APIPath = "/api/v1/stats"
	if enc := q.Encode(); enc != "" {
		data.APIPath += "?" + enc
	}

	// The chart's buckets follow the range's length.
	bucket := store.PeriodDay
	span := v.now().Sub(v.ws.CreatedAt)
	if from != nil {
		end := v.now()
		if to != nil {
			end = *to
		}
		span = end.Sub(*from)
	}
	switch {
	case span > 400*24*time.Hour:
		bucket = store.PeriodMonth
	case span > 62*24*time.Hour:
		bucket = store.PeriodWeek
	}
	var after *time.Time
	if from != nil {
		a := from.Add(-time.Microsecond) // analytics bounds are exclusive; from is inclusive
		after = &a
	}
	rows, err := d.store.RecoveryAnalytics(r.Context(), v.ws.ID, v.Mode(), bucket, after, to)
	if err != nil {
		return err
	}
	data.Chart = buildChart(rows, r.URL.Query().Get("currency"), bucket)
	return d.render(w, r, v, http.StatusOK, "overview", "Overview", "overview", data)
}

// overviewRange reads the period: an explicit from/to (RFC 3339 or a
// YYYY-MM-DD date, both days included), else a preset counted in whole UTC days
// of the mode's clock (default the last 30 days, today included).
func overviewRange(r *http.Request, now time.Time) (from, to *time.Time, period string, err error) {
	qv := r.URL.Query()
	if qv.Get("from") != "" || qv.Get("to") != "" {
		if from, err = parseDay("from", qv.Get("from"), false); err != nil {
			return nil, nil, "", err
		}
		if to, err = parseDay("to", qv.Get("to"), true); err != nil {
			return nil, nil, "", err
		}
		if from != nil && to != nil && !to.After(*from) {
			return nil, nil, "", holdfast.ParamError("to", "The end of the period must be after its start.")
		}
		return from, to, "custom", nil
	}
	period = qv.Get("period")
	for _, p := range periodChoices {
		if p.Value == period {
			if p.Days == 0 {
				return nil, nil, period, nil
			}
			start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1-p.Days)
			return &start, nil, period, nil
		}
	}
	if period != "" {
		return nil, nil, "", holdfast.ParamError("period", "Unknown period %q.", period)
	}
	return overviewRange(&http.Request{URL: &url.URL{RawQuery: "period=30d"}}, now)
}

// parseDay accepts RFC 3339 or YYYY-MM-DD (midnight UTC; for the end of a
// range the midnight after, so the day picked is included); "" is no bound.
func parseDay(field, s string, end bool) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t = t.UTC()
		return &t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return &t, nil
	}
	return nil, holdfast.ParamError(field, "Use a date like 2026-01-31 or an RFC 3339 time.")
}
