package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
)

// genPayment is one generated failed payment as the test knows it.
type genPayment struct {
	id, campaign, currency, status string
	amount                         int64
	at                             time.Time
	retries, emails                int
}

// genSession is one generated cancel session.
type genSession struct {
	outcome string // "" while in progress
	at      time.Time
}

// dataset is a generated mix of payments (with recoveries, retries and
// emails), cancel sessions and customers, with its own bookkeeping so the
// test can compute every expected number independently of the server.
type dataset struct {
	payments  []genPayment
	sessions  []genSession
	customers []time.Time // creation times of live customers
}

var genStatuses = []string{holdfast.PaymentPending, holdfast.PaymentRecovered, holdfast.PaymentFailed, holdfast.PaymentCanceled}
var genOutcomes = []string{"", holdfast.OutcomeSavedDiscount, holdfast.OutcomeSavedPause, holdfast.OutcomeSavedDowngrade,
	holdfast.OutcomeSavedOther, holdfast.OutcomeCanceled, holdfast.OutcomeAbandoned}

// generate seeds n payments over ~100 days from t0 across three currencies
// and two campaigns, plus sessions and customers.
func generate(t *testing.T, e *apitest.Env, sd *seeder, second string, n int, rng *rand.Rand) *dataset {
	t.Helper()
	ds := &dataset{}
	var custs []*holdfast.Customer
	for i := 0; i < 30; i++ {
		at := t0.Add(time.Duration(rng.IntN(100*24)) * time.Hour)
		custs = append(custs, sd.customer(fmt.Sprintf("gen%d@example.com", i), nil, at))
		ds.customers = append(ds.customers, holdfast.FromMicros(holdfast.Micros(at)))
	}
	currencies := []string{"usd", "eur", "jpy"}
	for i := 0; i < n; i++ {
		g := genPayment{
			currency: currencies[rng.IntN(3)], status: genStatuses[rng.IntN(4)], amount: int64(100 + rng.IntN(50000)),
			at:       holdfast.FromMicros(holdfast.Micros(t0.Add(time.Duration(rng.Int64N(int64(100 * 24 * time.Hour)))))),
			campaign: sd.campaign,
		}
		if rng.IntN(3) == 0 {
			g.campaign = second
		}
		var cus *holdfast.Customer
		if rng.IntN(4) > 0 {
			cus = custs[rng.IntN(len(custs))]
		}
		p, _ := sd.payment(cus, g.amount, g.currency, g.status, g.campaign, g.at)
		g.id = p.ID
		for r := rng.IntN(3); r > 0; r-- {
			out := holdfast.OutcomeFailed
			if r == 1 && g.status == holdfast.PaymentRecovered {
				out = holdfast.OutcomeSucceeded
			}
			sd.attempt(p, out, g.at.Add(time.Duration(r)*time.Hour))
			g.retries++
		}
		if rng.IntN(5) == 0 { // refused attempts never reached the provider
			sd.attempt(p, holdfast.OutcomeRefused, g.at.Add(time.Minute))
		}
		for m := rng.IntN(3); m > 0; m-- {
			st := holdfast.SendSent
			if m == 2 {
				st = holdfast.SendFailed
			} else {
				g.emails++
			}
			sd.send(p, "x@example.com", st, g.at.Add(time.Duration(m)*time.Hour))
		}
		ds.payments = append(ds.payments, g)
	}
	ctx := context.Background()
	for i := 0; i < 40; i++ {
		at := holdfast.FromMicros(holdfast.Micros(t0.Add(time.Duration(rng.IntN(100*24*60)) * time.Minute)))
		outcome := genOutcomes[rng.IntN(len(genOutcomes))]
		cs := &holdfast.CancelSession{
			ID: holdfast.NewID(holdfast.PrefixCancelSession), WorkspaceID: sd.ws.ID, Livemode: sd.mode.Livemode(),
			Customer: "cus_x", Subscription: "sub_x", Status: holdfast.SessionInProgress, ExpiresAt: at.Add(30 * time.Minute), CreatedAt: at,
		}
		if err := e.Store.CreateCancelSession(ctx, cs); err != nil {
			t.Fatal(err)
		}
		if outcome != "" {
			o := outcome
			done := at.Add(10 * time.Minute)
			cs.Status, cs.Outcome, cs.CompletedAt = holdfast.SessionCompleted, &o, &done
			if err := e.Store.UpdateCancelSession(ctx, cs, nil, done); err != nil {
				t.Fatal(err)
			}
		}
		ds.sessions = append(ds.sessions, genSession{outcome: outcome, at: cs.CreatedAt})
	}
	return ds
}

// within reports whether at lies in [from, to) (nil bounds are open).
func within(at time.Time, from, to *time.Time) bool {
	return (from == nil || !at.Before(*from)) && (to == nil || at.Before(*to))
}

// expectedStats computes the stats object from the generated data alone.
func (ds *dataset) expectedStats(from, to *time.Time) holdfast.Stats {
	var st holdfast.Stats
	rec, risk := map[string]int64{}, map[string]int64{}
	for _, p := range ds.payments {
		if !within(p.at, from, to) {
			continue
		}
		switch p.status {
		case holdfast.PaymentPending:
			st.Campaigns.InFlight++
			risk[p.currency] += p.amount
		case holdfast.PaymentRecovered:
			st.Campaigns.Recovered++
			rec[p.currency] += p.amount
		case holdfast.PaymentFailed:
			st.Campaigns.Lost++
		case holdfast.PaymentCanceled:
			st.Campaigns.Abandoned++
		}
	}
	c := st.Campaigns
	if den := c.Recovered + c.Lost + c.Abandoned; den > 0 {
		r := float64(c.Recovered) / float64(den)
		st.Campaigns.RecoveryRate = &r
	}
	money := func(m map[string]int64) []holdfast.Money {
		out := []holdfast.Money{}
		for cur, a := range m {
			out = append(out, holdfast.Money{Currency: cur, Amount: a})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
		return out
	}
	st.RecoveredRevenue, st.AtRiskRevenue = money(rec), money(risk)
	cs := &st.CancelSessions
	for _, s := range ds.sessions {
		if !within(s.at, from, to) {
			continue
		}
		cs.Total++
		switch s.outcome {
		case "":
			cs.InProgress++
		case holdfast.OutcomeSavedDiscount:
			cs.SavedDiscount++
		case holdfast.OutcomeSavedPause:
			cs.SavedPause++
		case holdfast.OutcomeSavedDowngrade:
			cs.SavedDowngrade++
		case holdfast.OutcomeSavedOther:
			cs.SavedOther++
		case holdfast.OutcomeCanceled:
			cs.Canceled++
		case holdfast.OutcomeAbandoned:
			cs.Abandoned++
		}
	}
	saved := cs.SavedDiscount + cs.SavedPause + cs.SavedDowngrade + cs.SavedOther
	if den := saved + cs.Canceled; den > 0 {
		r := float64(saved) / float64(den)
		cs.SaveRate = &r
	}
	for _, at := range ds.customers {
		if within(at, from, to) {
			st.Customers++
		}
	}
	return st
}

func TestStatsMatchIndependentComputation(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		second := c.do("POST", "/v1/campaigns", k.write, campaignJSON(nil)).JSON["id"].(string)
		ds := generate(t, e, sd, second, 150, rand.New(rand.NewPCG(7, 11)))
		// Noise that must not be counted: another mode and another workspace.
		newSeeder(t, e, ws, holdfast.ModeLive).payment(nil, 999, "usd", holdfast.PaymentRecovered, "", t0)
		newSeeder(t, e, other, holdfast.ModeTest).payment(nil, 999, "usd", holdfast.PaymentRecovered, "", t0)

		ts := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
		windows := []struct {
			name     string
			from, to *time.Time
		}{
			{"All", nil, nil},
			{"From", ts(30 * 24 * time.Hour), nil},
			{"To", nil, ts(45 * 24 * time.Hour)},
			{"Both", ts(10 * 24 * time.Hour), ts(70*24*time.Hour + 3*time.Minute)},
			{"Empty", ts(-48 * time.Hour), ts(-24 * time.Hour)},
			{"BoundaryIsInclusiveExclusive", &ds.payments[0].at, &ds.payments[1].at},
		}
		for _, w := range windows {
			t.Run(w.name, func(t *testing.T) {
				c := c.with(t)
				q := ""
				var pairs []string
				if w.from != nil {
					pairs = append(pairs, "from", w.from.Format(time.RFC3339Nano))
				}
				if w.to != nil {
					pairs = append(pairs, "to", w.to.Format(time.RFC3339Nano))
				}
				q = qs(pairs...)
				if w.from != nil && w.to != nil && w.to.Before(*w.from) {
					wantError(t, c.get("/v1/stats"+q, k.read), 422, "validation_error", "to")
					return
				}
				want, err := json.Marshal(ds.expectedStats(w.from, w.to))
				if err != nil {
					t.Fatal(err)
				}
				for _, path := range []string{"/v1/stats", "/api/v1/stats"} {
					for _, tok := range []string{k.read, k.analytics} {
						res := c.get(path+q, tok)
						wantOK(t, res)
						var got holdfast.Stats
						if err := json.Unmarshal(res.Body, &got); err != nil {
							t.Fatal(err)
						}
						gb, _ := json.Marshal(got)
						if string(gb) != string(want) {
							t.Fatalf("%s%s\n got  %s\n want %s", path, q, gb, want)
						}
					}
				}
			})
		}
	})
}

func TestStatsEndpoints(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		nullRates := func(t *testing.T, res *apitest.Response) {
			cs := res.JSON["campaigns"].(map[string]any)
			ss := res.JSON["cancel_sessions"].(map[string]any)
			rr, _ := res.JSON["recovered_revenue"].([]any)
			if v, ok := cs["recovery_rate"]; !ok || v != nil {
				t.Fatalf("recovery_rate = %v", v)
			}
			if v, ok := ss["save_rate"]; !ok || v != nil {
				t.Fatalf("save_rate = %v", v)
			}
			if rr == nil || len(rr) != 0 || res.JSON["customers"] != 0.0 {
				t.Fatalf("stats = %s", res.Body)
			}
		}
		var cases []scenario
		for _, p := range []string{"/v1/stats", "/api/v1/stats"} {
			read := p == "/api/v1/stats"
			bad := func(name, q, param string) scenario {
				if read {
					return scenario{name: name, path: p + q, token: k.read, status: 400, code: "invalid_param"}
				}
				return scenario{name: name, path: p + q, token: k.read, status: 422, code: "validation_error", param: param}
			}
			scope := "insufficient_scope"
			cases = append(cases,
				scenario{name: p + "/OKEmptyNullRates", path: p, token: k.read, check: nullRates},
				scenario{name: p + "/OKAnalyticsScope", path: p, token: k.analytics, check: nullRates},
				scenario{name: p + "/OKAdminScope", path: p, token: k.admin, check: nullRates},
				bad(p+"/ErrFrom", "?from=last-week", "from"),
				bad(p+"/ErrTo", "?to=2026-02-30T00:00:00Z", "to"),
				bad(p+"/ErrToBeforeFrom", "?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"),
				scenario{name: p + "/ErrScopeWrite", path: p, token: k.write, status: 403, code: scope},
				scenario{name: p + "/ErrScopeWebhooks", path: p, token: k.webhooks, status: 403, code: scope},
			)
		}
		c.run(t, cases)
	})
}
