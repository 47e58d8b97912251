package api_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/store"
)

// scrape returns the /metrics lines that start with prefix (comments aside).
func scrape(t *testing.T, e *apitest.Env, prefix string) []string {
	t.Helper()
	res := e.Do("GET", "/metrics", "", nil)
	if res.Status != 200 {
		t.Fatalf("/metrics: %d", res.Status)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(res.Body))
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// TestMetricsLabelsAreBounded: a request with an invented HTTP method, on
// any path, must not add a series (issue 12 item 10). Methods outside the
// fixed set are counted under "other"; raw paths never become labels.
func TestMetricsLabelsAreBounded(t *testing.T) {
	e := apitest.New(t, "sqlite")
	ws := e.Workspace("Acme")
	tok := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeRead)
	paths := []string{"/v1/customers", "/v1/customers/cus_x", "/api/v1/stats", "/nope/x", "/metrics", "/hooks/stripe/ws_x"}
	send := func(round int) {
		for i := 0; i < 25; i++ {
			for _, p := range paths {
				m := fmt.Sprintf("INVENTED%d_%d", round, i)
				e.Do(m, p+fmt.Sprintf("?i=%d", i), tok, nil)
				e.Do("GET", fmt.Sprintf("%s/%d", p, i), tok, nil) // a new raw path each time
			}
		}
	}
	send(1)
	scrape(t, e, "holdfast_http_") // the scrape itself is a series too
	before := scrape(t, e, "holdfast_http_")
	send(2)
	after := scrape(t, e, "holdfast_http_")
	if len(after) != len(before) {
		old := map[string]bool{}
		for _, l := range before {
			old[l[:strings.LastIndexByte(l, ' ')]] = true
		}
		for _, l := range after {
			if !old[l[:strings.LastIndexByte(l, ' ')]] {
				t.Logf("new series: %s", l)
			}
		}
		t.Fatalf("invented methods and paths added series: %d lines before, %d after", len(before), len(after))
	}
	allowed := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true, "other": true}
	sawOther := false
	for _, l := range after {
		if strings.Contains(l, "INVENTED") || strings.Contains(l, "cus_x") || strings.Contains(l, "ws_x") {
			t.Fatalf("raw request data in a label: %s", l)
		}
		i := strings.Index(l, `method="`)
		if i < 0 {
			continue
		}
		m := l[i+len(`method="`):]
		m = m[:strings.IndexByte(m, '"')]
		if !allowed[m] {
			t.Fatalf("method label %q outside the fixed set: %s", m, l)
		}
		sawOther = sawOther || m == "other"
	}
	if !sawOther {
		t.Fatal(`invented methods were not counted under method="other"`)
	}
}

// A mounted handler that routes with its own http.ServeMux (the dashboard)
// is labelled by the pattern it is mounted at, not by its inner routes.
func TestMetricsLabelMountsByTheirPattern(t *testing.T) {
	inner := http.NewServeMux()
	inner.HandleFunc("GET /panel/items/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	e := apitest.New(t, "sqlite", func(c *api.Config) {
		c.Extra = append(c.Extra, api.Mount{Pattern: "/panel/*", Handler: inner})
	})
	if r := e.Do("GET", "/panel/items/7", "", nil); r.Status != 204 {
		t.Fatalf("mounted route: %d", r.Status)
	}
	var got []string
	for _, l := range scrape(t, e, "holdfast_http_requests_total") {
		if strings.Contains(l, "panel") {
			got = append(got, l)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], `route="/panel/*"`) {
		t.Fatalf("series for the mount: %v", got)
	}
}

// TestMetricsQueueFigures: /metrics reports jobs due and their lag, payment
// attempts by outcome and outbound deliveries by status and backlog, on both
// databases.
func TestMetricsQueueFigures(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		now := time.Now().UTC()
		ws := e.Workspace("Acme")
		st := e.Store
		for i, j := range []store.Job{
			{WorkspaceID: ws.ID, Mode: holdfast.ModeLive, Kind: "retry", RefID: "a", DedupeKey: "m1", RunAt: now.Add(-90 * time.Second)},
			{WorkspaceID: ws.ID, Mode: holdfast.ModeLive, Kind: "retry", RefID: "b", DedupeKey: "m2", RunAt: now.Add(-time.Second)},
			{WorkspaceID: ws.ID, Mode: holdfast.ModeLive, Kind: "retry", RefID: "c", DedupeKey: "m3", RunAt: now.Add(time.Hour)}, // not due
			{WorkspaceID: ws.ID, Mode: holdfast.ModeTest, Kind: "email", RefID: "d", DedupeKey: "m4", RunAt: now.Add(-time.Minute)},
		} {
			if err := st.ScheduleJob(ctx, j, now); err != nil {
				t.Fatal(i, err)
			}
		}
		pay := &holdfast.Payment{ID: holdfast.NewID("pay_"), WorkspaceID: ws.ID, Invoice: "in_1", Amount: 100, Currency: "usd",
			Status: holdfast.PaymentPending, CreatedAt: now, UpdatedAt: now}
		if err := st.InsertPayment(ctx, pay); err != nil {
			t.Fatal(err)
		}
		for i, o := range []string{"failed", "failed", "succeeded"} {
			a := &holdfast.PaymentAttempt{ID: holdfast.NewID("pa_"), WorkspaceID: ws.ID, Payment: pay.ID, Initiator: "schedule",
				State: holdfast.AttemptDone, Outcome: o, IdempotencyKey: fmt.Sprintf("idem-%d", i), CreatedAt: now}
			if err := st.InsertAttempt(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		ep := &holdfast.WebhookEndpoint{WorkspaceID: ws.ID, URL: "https://example.com/hook", Events: []string{"*"}, Enabled: true, Livemode: true, Secret: "whsec_test"}
		if err := st.CreateWebhookEndpoint(ctx, ep, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreatePingDelivery(ctx, ws.ID, holdfast.ModeLive, ep.ID, now.Add(-30*time.Second)); err != nil {
			t.Fatal(err)
		}
		lines := strings.Join(scrape(t, e, "holdfast_"), "\n") + "\n"
		for _, want := range []string{
			`holdfast_queue_stats_up 1` + "\n",
			`holdfast_jobs_due{kind="retry",mode="live"} 2` + "\n",
			`holdfast_jobs_due{kind="email",mode="test"} 1` + "\n",
			`holdfast_payment_attempts{outcome="failed"} 2` + "\n",
			`holdfast_payment_attempts{outcome="succeeded"} 1` + "\n",
			`holdfast_payment_attempts{outcome="refused"} 0` + "\n",
			`holdfast_webhook_deliveries{status="pending"} 1` + "\n",
			`holdfast_webhook_deliveries_due 1` + "\n",
		} {
			if !strings.Contains(lines, want) {
				t.Errorf("missing %q in:\n%s", want, lines)
			}
		}
		var lag float64
		for _, l := range strings.Split(lines, "\n") {
			if strings.HasPrefix(l, `holdfast_jobs_lag_seconds{mode="live"} `) {
				fmt.Sscan(strings.Fields(l)[1], &lag)
			}
		}
		if lag < 89 || lag > 3600 {
			t.Errorf("live job lag = %v s, want about 90", lag)
		}
	})
}
