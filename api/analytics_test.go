package api_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
)

// periodOf is the test's own bucketing: UTC day, ISO week (Monday) or month.
func periodOf(at time.Time, period string) time.Time {
	d := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case "week":
		for d.Weekday() != time.Monday {
			d = d.AddDate(0, 0, -1)
		}
	case "month":
		d = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return d
}

// total reads pagination.total of a /v1 list.
func total(t *testing.T, c *client, path, token string) int {
	t.Helper()
	res := c.get(path, token)
	wantOK(t, res)
	return int(pagination(res)["total"])
}

// TestAnalyticsAgreeWithListsAndStats checks, on a generated data set, that
// the analytics rows match an independent computation and that analytics,
// stats and the lists tell the same numbers.
func TestAnalyticsAgreeWithListsAndStats(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		second := c.do("POST", "/v1/campaigns", k.write, campaignJSON(nil)).JSON["id"].(string)
		ds := generate(t, e, sd, second, 120, rand.New(rand.NewPCG(3, 5)))
		after, before := t0.Add(5*24*time.Hour), t0.Add(80*24*time.Hour)
		rangeQS := "created_after=" + after.Format(time.RFC3339) + "&created_before=" + before.Format(time.RFC3339)

		for _, period := range []string{"day", "week", "month"} {
			t.Run("Recovery/"+period, func(t *testing.T) {
				c := c.with(t)
				type key struct {
					start    string
					currency string
				}
				want := map[key]*holdfast.RecoveryPeriod{}
				for _, p := range ds.payments {
					if !p.at.After(after) || !p.at.Before(before) {
						continue
					}
					kk := key{periodOf(p.at, period).Format(time.RFC3339), p.currency}
					r := want[kk]
					if r == nil {
						r = &holdfast.RecoveryPeriod{}
						want[kk] = r
					}
					r.FailedCount++
					r.FailedAmount += p.amount
					switch p.status {
					case holdfast.PaymentRecovered:
						r.RecoveredCount++
						r.RecoveredAmount += p.amount
					case holdfast.PaymentPending:
						r.InFlightCount++
					case holdfast.PaymentFailed:
						r.LostCount++
					case holdfast.PaymentCanceled:
						r.AbandonedCount++
					}
				}
				res := c.get("/v1/analytics/recovery?period="+period+"&"+rangeQS, k.analytics)
				wantOK(t, res)
				if res.JSON["period"] != period {
					t.Fatalf("period = %v", res.JSON["period"])
				}
				var sumFailed, sumRecovered float64
				prev := ""
				seen := 0
				for _, row := range res.Data() {
					start := row["period_start"].(string)
					if start < prev {
						t.Fatalf("rows not in period order: %s after %s", start, prev)
					}
					prev = start
					st, _ := time.Parse(time.RFC3339, start)
					if !periodOf(st, period).Equal(st) {
						t.Fatalf("period_start %s is not the start of a %s", start, period)
					}
					w := want[key{start, row["currency"].(string)}]
					if w == nil {
						if row["failed_count"] != 0.0 {
							t.Fatalf("unexpected row %v", row)
						}
						if row["recovery_rate"] != nil {
							t.Fatalf("zero row has a rate: %v", row)
						}
						continue
					}
					seen++
					got := fmt.Sprint(row["failed_count"], row["failed_amount"], row["recovered_count"], row["recovered_amount"],
						row["in_flight_count"], row["lost_count"], row["abandoned_count"])
					exp := fmt.Sprint(float64(w.FailedCount), float64(w.FailedAmount), float64(w.RecoveredCount), float64(w.RecoveredAmount),
						float64(w.InFlightCount), float64(w.LostCount), float64(w.AbandonedCount))
					if got != exp {
						t.Fatalf("row %s %s = %s, want %s", start, row["currency"], got, exp)
					}
					if den := w.FailedCount; den > 0 {
						if row["recovery_rate"] != float64(w.RecoveredCount)/float64(den) {
							t.Fatalf("rate = %v", row["recovery_rate"])
						}
					} else if row["recovery_rate"] != nil {
						t.Fatalf("rate = %v, want null", row["recovery_rate"])
					}
					sumFailed += row["failed_count"].(float64)
					sumRecovered += row["recovered_count"].(float64)
				}
				if seen != len(want) {
					t.Fatalf("saw %d rows with data, want %d", seen, len(want))
				}
				// The lists agree.
				if n := total(t, c, "/v1/payments?per_page=1&"+rangeQS, k.read); int(sumFailed) != n {
					t.Fatalf("failed_count sum %v, /v1/payments total %d", sumFailed, n)
				}
				if n := total(t, c, "/v1/payments?per_page=1&status=recovered&"+rangeQS, k.read); int(sumRecovered) != n {
					t.Fatalf("recovered_count sum %v, /v1/payments?status=recovered total %d", sumRecovered, n)
				}
			})
		}

		t.Run("Campaigns", func(t *testing.T) {
			c := c.with(t)
			res := c.get("/v1/analytics/campaigns", k.read)
			wantOK(t, res)
			type agg struct{ started, inflight, recovered, lost, abandoned, amount, retries, emails int64 }
			want := map[string]*agg{}
			for _, p := range ds.payments {
				kk := p.campaign + "/" + p.currency
				a := want[kk]
				if a == nil {
					a = &agg{}
					want[kk] = a
				}
				a.started++
				a.retries += int64(p.retries)
				a.emails += int64(p.emails)
				switch p.status {
				case holdfast.PaymentPending:
					a.inflight++
				case holdfast.PaymentRecovered:
					a.recovered++
					a.amount += p.amount
				case holdfast.PaymentFailed:
					a.lost++
				case holdfast.PaymentCanceled:
					a.abandoned++
				}
			}
			var sum agg
			for _, row := range res.Data() {
				cur, _ := row["currency"].(string)
				w := want[row["campaign"].(string)+"/"+cur]
				if w == nil {
					t.Fatalf("unexpected row %v", row)
				}
				got := fmt.Sprint(row["started"], row["in_flight"], row["recovered"], row["lost"], row["abandoned"], row["recovered_amount"], row["retries"], row["emails_sent"])
				exp := fmt.Sprint(float64(w.started), float64(w.inflight), float64(w.recovered), float64(w.lost), float64(w.abandoned), float64(w.amount), float64(w.retries), float64(w.emails))
				if got != exp {
					t.Fatalf("row %v/%v = %s, want %s", row["campaign"], cur, got, exp)
				}
				if row["name"] == nil {
					t.Fatalf("live campaign without name: %v", row)
				}
				sum.inflight += int64(row["in_flight"].(float64))
				sum.recovered += int64(row["recovered"].(float64))
				sum.lost += int64(row["lost"].(float64))
				sum.abandoned += int64(row["abandoned"].(float64))
				delete(want, row["campaign"].(string)+"/"+cur)
			}
			if len(want) != 0 {
				t.Fatalf("rows missing: %v", want)
			}
			// Stats and the /api/v1 campaign list agree with the sums.
			st := c.get("/v1/stats", k.read).JSON["campaigns"].(map[string]any)
			if fmt.Sprint(st["in_flight"], st["recovered"], st["lost"], st["abandoned"]) !=
				fmt.Sprint(float64(sum.inflight), float64(sum.recovered), float64(sum.lost), float64(sum.abandoned)) {
				t.Fatalf("stats %v vs analytics sums %+v", st, sum)
			}
			for status, n := range map[string]int64{"in_flight": sum.inflight, "recovered": sum.recovered, "lost": sum.lost, "abandoned": sum.abandoned} {
				if got := len(collectCursor(t, c, "/api/v1/campaigns?status="+status, k.read, 100)); int64(got) != n {
					t.Fatalf("/api/v1/campaigns?status=%s has %d, analytics %d", status, got, n)
				}
			}
		})

		c.run(t, []scenario{
			{name: "RecoveryDefaultPeriodDay", path: "/v1/analytics/recovery", token: k.read, check: func(t *testing.T, res *apitest.Response) {
				if res.JSON["period"] != "day" || len(res.Data()) == 0 {
					t.Fatalf("body = %.200s", res.Body)
				}
			}},
			{name: "RecoveryEmptyRange", path: "/v1/analytics/recovery?created_before=2020-01-01T00:00:00Z", token: k.read, check: wantIDs()},
			{name: "RecoveryErrPeriod", path: "/v1/analytics/recovery?period=year", token: k.read, status: 422, code: "validation_error", param: "period"},
			{name: "RecoveryErrRange", path: "/v1/analytics/recovery?created_after=soon", token: k.read, status: 422, code: "validation_error", param: "created_after"},
			{name: "RecoveryErrRangeOrder", path: "/v1/analytics/recovery?created_after=2026-02-01T00:00:00Z&created_before=2026-01-01T00:00:00Z", token: k.read, status: 422, code: "validation_error", param: "created_before"},
			{name: "RecoveryErrScope", path: "/v1/analytics/recovery", token: k.write, status: 403, code: "insufficient_scope"},
			{name: "CampaignsOKAnalyticsScope", path: "/v1/analytics/campaigns?created_after=2020-01-01T00:00:00Z", token: k.analytics},
			{name: "CampaignsEmptyRangeKeepsCampaigns", path: "/v1/analytics/campaigns?created_before=2020-01-01T00:00:00Z", token: k.read, check: func(t *testing.T, res *apitest.Response) {
				if len(res.Data()) != 2 || res.Data()[0]["currency"] != nil || res.Data()[0]["started"] != 0.0 || res.Data()[0]["recovery_rate"] != nil {
					t.Fatalf("body = %s", res.Body)
				}
			}},
			{name: "CampaignsErrRange", path: "/v1/analytics/campaigns?created_before=nope", token: k.read, status: 422, code: "validation_error", param: "created_before"},
			{name: "CampaignsErrScope", path: "/v1/analytics/campaigns", token: k.webhooks, status: 403, code: "insufficient_scope"},
			{name: "CampaignsOtherWorkspaceSeesOwn", path: "/v1/analytics/campaigns", token: k.other, check: func(t *testing.T, res *apitest.Response) {
				if len(res.Data()) != 1 || res.Data()[0]["started"] != 0.0 {
					t.Fatalf("body = %s", res.Body)
				}
			}},
		})
	})
}

// collectCursor pages an /api/v1 list to the end and returns every id.
func collectCursor(t *testing.T, c *client, path, token string, limit int) []string {
	t.Helper()
	sep := "?"
	if len(path) > 0 && containsRune(path, '?') {
		sep = "&"
	}
	var out []string
	cursor := ""
	for i := 0; ; i++ {
		p := fmt.Sprintf("%s%slimit=%d", path, sep, limit)
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		res := c.get(p, token)
		wantOK(t, res)
		out = append(out, ids(res)...)
		next, _ := res.JSON["next_cursor"].(string)
		if res.JSON["has_more"] != true {
			if next != "" {
				t.Fatalf("next_cursor %q without has_more", next)
			}
			return out
		}
		if next == "" || i > 100000 {
			t.Fatalf("has_more without next_cursor: %s", res.Body)
		}
		cursor = next
	}
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}
