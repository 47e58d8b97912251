package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/webhook"
)

// toTest switches a signed-in browser to test-mode data.
func (b *browser) toTest() {
	b.t.Helper()
	if p := b.post("/dashboard/overview", "/dashboard/mode", url.Values{"mode": {"test"}, "back": {"/dashboard/overview"}}); p.Status != 303 {
		b.t.Fatalf("mode switch: %d", p.Status)
	}
}

var statRe = regexp.MustCompile(`data-stat="([^"]+)" data-value="([^"]*)"`)

// pageStats reads the numbers the Overview shows.
func pageStats(body string) map[string]string {
	out := map[string]string{}
	for _, m := range statRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// apiStats flattens GET /api/v1/stats into the page's keys.
func apiStats(t *testing.T, raw map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	num := func(v any) string {
		switch x := v.(type) {
		case nil:
			return "null"
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		t.Fatalf("unexpected stats value %v", v)
		return ""
	}
	for _, group := range []string{"campaigns", "cancel_sessions", "card_expiry", "in_app_notice"} {
		for k, v := range raw[group].(map[string]any) {
			out[group+"."+k] = num(v)
		}
	}
	for _, list := range []string{"recovered_revenue", "at_risk_revenue"} {
		items := raw[list].([]any)
		if len(items) == 0 {
			out[list] = "0"
		}
		for _, it := range items {
			m := it.(map[string]any)
			out[list+"."+m["currency"].(string)] = num(m["amount"])
		}
	}
	out["customers"] = num(raw["customers"])
	return out
}

// TestOverviewEqualsStatsAPI: every number on the Overview is the number
// GET /api/v1/stats returns for the same period.
func TestOverviewEqualsStatsAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		seedHistory(t, e.Store, ws)
		e.user(ws.ID, "ann@example.com")
		b := e.browser()
		b.login("ann@example.com")
		b.toTest()
		key := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeAnalytics)
		today := time.Now().UTC().Format("2006-01-02")
		tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
		fromRe := regexp.MustCompile(`data-from="([^"]+)"`)
		toRe := regexp.MustCompile(`data-to="([^"]+)"`)
		cases := []struct {
			name  string
			query string
		}{
			{"AllTime", "?period=all"},
			{"Last30Days", "?period=30d"},
			{"Last7Days", "?period=7d"},
			{"CustomToday", "?from=" + today + "&to=" + today},
			{"CustomFuture", "?from=" + tomorrow},
			{"Default", ""},
		}
		sawNonZero := false
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p := b.get("/dashboard/overview" + c.query)
				if p.Status != 200 {
					t.Fatalf("overview: %d %.300s", p.Status, p.Body)
				}
				q := url.Values{}
				if m := fromRe.FindStringSubmatch(p.Body); m != nil {
					q.Set("from", m[1])
				}
				if m := toRe.FindStringSubmatch(p.Body); m != nil {
					q.Set("to", m[1])
				}
				if c.name == "AllTime" && len(q) != 0 {
					t.Fatalf("all time has bounds %v", q)
				}
				res := e.Do("GET", "/api/v1/stats?"+q.Encode(), key, nil)
				if res.Status != 200 {
					t.Fatalf("api: %d %s", res.Status, res.Body)
				}
				want, got := apiStats(t, res.JSON), pageStats(p.Body)
				if fmt.Sprint(want) != fmt.Sprint(got) {
					t.Fatalf("overview numbers differ from /api/v1/stats?%s\npage: %v\napi:  %v", q.Encode(), got, want)
				}
				if got["campaigns.recovered"] != "0" {
					sawNonZero = true
				}
			})
		}
		if !sawNonZero {
			t.Fatal("the seeded history should show recoveries")
		}
	})
}

// TestWorkspaceIsolation: a user of workspace A never sees workspace B's
// pages or data, by list or by id, and cannot change B's objects.
func TestWorkspaceIsolation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a, bws := e.Workspace("A Co"), e.Workspace("B Co")
		pays := seedHistory(t, e.Store, bws)
		seedRecoveries(t, e.Store, a.ID, 2, "usd", 1000)
		ep := &holdfast.WebhookEndpoint{Livemode: false, WorkspaceID: bws.ID, URL: "https://b.example/hook", Events: []string{"*"},
			Enabled: true, Secret: webhook.NewSecret()}
		if err := e.Store.CreateWebhookEndpoint(ctx, ep, time.Now()); err != nil {
			t.Fatal(err)
		}
		bKey := e.KeyWith(bws.ID, holdfast.ModeTest, nil)
		bCamps, _ := e.Store.Campaigns(ctx, bws.ID, holdfast.ModeTest)
		e.user(a.ID, "a@example.com")
		e.user(bws.ID, "b@example.com")
		ua, ub := e.browser(), e.browser()
		ua.login("a@example.com")
		ua.toTest()
		ub.login("b@example.com")
		ub.toTest()

		bIDs := []string{pays[0].ID, pays[0].Recovery, pays[0].Customer, bCamps[0].ID, ep.ID, bKey.ID}
		byID := []string{
			"/dashboard/recoveries/" + pays[0].Recovery,
			"/dashboard/payments/" + pays[0].ID,
			"/dashboard/customers/" + pays[0].Customer,
			"/dashboard/campaigns/" + bCamps[0].ID,
			"/dashboard/webhooks/" + ep.ID,
		}
		for _, path := range byID {
			t.Run("ErrNotFound"+path, func(t *testing.T) {
				if p := ua.get(path); p.Status != 404 {
					t.Fatalf("A got %d for B's %s", p.Status, path)
				}
				if p := ub.get(path); p.Status != 200 {
					t.Fatalf("B got %d for its own %s", p.Status, path)
				}
			})
		}
		lists := []string{"/dashboard/overview?period=all", "/dashboard/recoveries", "/dashboard/payments", "/dashboard/customers",
			"/dashboard/campaigns", "/dashboard/cancel-sessions", "/dashboard/webhooks", "/dashboard/settings/api-tokens",
			"/dashboard/settings/workspace", "/dashboard/cancel-flow", "/dashboard/settings/api-keys/ip-allowlist"}
		for _, path := range lists {
			t.Run("List"+path, func(t *testing.T) {
				p := ua.get(path)
				if p.Status != 200 {
					t.Fatalf("%s: %d", path, p.Status)
				}
				for _, id := range append(bIDs, bws.ID, bws.WidgetSecret, bKey.Hint, "B Co", "cus_csa") {
					if strings.Contains(p.Body, id) {
						t.Fatalf("A's %s shows B's %s", path, id)
					}
				}
			})
		}
		// A's overview counts only A's two recoveries.
		if got := pageStats(ua.get("/dashboard/overview?period=all").Body); got["campaigns.in_flight"] != "2" || got["cancel_sessions.total"] != "0" {
			t.Fatalf("A's overview: %v", got)
		}
		// Writes aimed at B's objects fail and change nothing.
		writes := []struct{ from, path string }{
			{"/dashboard/settings/api-tokens", "/dashboard/settings/api-tokens/" + bKey.ID + "/revoke"},
			{"/dashboard/settings/api-tokens", "/dashboard/settings/api-tokens/" + bKey.ID + "/rotate"},
			{"/dashboard/campaigns", "/dashboard/campaigns/" + bCamps[0].ID},
			{"/dashboard/webhooks", "/dashboard/webhooks/" + ep.ID},
		}
		for _, w := range writes {
			p := ua.post(w.from, w.path, url.Values{"grace": {"0"}, "action": {"delete"}, "name": {"x"}, "steps[0].action": {"retry"}, "steps[0].after_hours": {"0"}})
			if p.Status != 404 {
				t.Fatalf("A's POST %s: %d", w.path, p.Status)
			}
		}
		if me := e.Do("GET", "/v1/auth/me", bKey.Token, nil); me.Status != 200 {
			t.Fatalf("B's key was changed by A: %d", me.Status)
		}
		if _, err := e.Store.GetWebhookEndpoint(ctx, bws.ID, holdfast.ModeTest, ep.ID); err != nil {
			t.Fatalf("B's endpoint: %v", err)
		}
		keys, _ := e.Store.ListKeys(ctx, bws.ID)
		if len(keys) != 1 {
			t.Fatalf("B has %d keys after A's rotate attempt", len(keys))
		}
	})
}

// TestPagesRender opens every page with data and without, checking that
// lists paginate and empty states explain what to do.
func TestPagesRender(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		full, empty := e.Workspace("Full"), e.Workspace("Empty")
		pays := seedHistory(t, e.Store, full)
		e.user(full.ID, "full@example.com")
		e.user(empty.ID, "empty@example.com")
		bf, be := e.browser(), e.browser()
		bf.login("full@example.com")
		bf.toTest()
		be.login("empty@example.com")
		pages := []struct {
			path      string
			full      string // text on the full workspace's page
			emptyText string // text on the empty workspace's page ("" = no check)
		}{
			{"/dashboard/overview", "<svg", "No failed payments in this period"},
			{"/dashboard/recoveries", pays[0].Recovery, "No recoveries"},
			{"/dashboard/recoveries?status=recovered", "recovered", "No recoveries with status"},
			{"/dashboard/recoveries/" + pays[0].Recovery, "Timeline", ""},
			{"/dashboard/payments", pays[0].ID, "No payments"},
			{"/dashboard/payments/" + pays[0].ID, "Attempts", ""},
			{"/dashboard/customers", "@example.com", "No customers yet"},
			{"/dashboard/customers/" + pays[0].Customer, "Recent recoveries", ""},
			{"/dashboard/campaigns", "Smart recovery", "Smart recovery"},
			{"/dashboard/campaigns/new", "Save campaign", "Save campaign"},
			{"/dashboard/cancel-sessions", "I&#39;m switching to another product", "No cancel sessions"},
			{"/dashboard/cancel-sessions?outcome=canceled", "canceled", "No cancel sessions with outcome"},
			{"/dashboard/cancel-sessions?outcome=", "Stripe 400 resource_missing: No such price: price_gone <code>req_dashboard1</code>", ""},
			{"/dashboard/cancel-flow", "too_expensive", "too_expensive"},
			{"/dashboard/webhooks", "Add endpoint", "No endpoints yet"},
			{"/dashboard/settings", "API tokens", "API tokens"},
			{"/dashboard/settings/api-tokens", "Create token", "No tokens yet"},
			{"/dashboard/settings/api-keys/ip-allowlist", "IP Allowlist", "The allowlist is empty"},
			{"/dashboard/settings/workspace", "/hooks/stripe/", "/hooks/stripe/"},
		}
		for _, pg := range pages {
			t.Run(pg.path, func(t *testing.T) {
				p := bf.get(pg.path)
				if p.Status != 200 || !strings.Contains(p.Body, pg.full) {
					t.Fatalf("full: %d, want %q: %.500s", p.Status, pg.full, p.Body)
				}
				if pg.emptyText == "" {
					return
				}
				p = be.get(pg.path)
				if p.Status != 200 || !strings.Contains(p.Body, pg.emptyText) {
					t.Fatalf("empty: %d, want %q: %.500s", p.Status, pg.emptyText, p.Body)
				}
			})
		}
		// Relative times carry the absolute time on hover.
		if p := bf.get("/dashboard/recoveries"); !regexp.MustCompile(`<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">`).MatchString(p.Body) {
			t.Fatal("no <time> with an absolute title")
		}
		// The customers list pages (11 customers seeded plus cancel-flow ones are not mirrored).
		seedRecoveries(t, e.Store, full.ID, 20, "usd", 100)
		p1 := bf.get("/dashboard/customers")
		if !strings.Contains(p1.Body, "Page 1 of 2") || !strings.Contains(p1.Body, `href="/dashboard/customers?page=2"`) {
			t.Fatalf("no pagination: %.2000s", p1.Body)
		}
		p2 := bf.get("/dashboard/customers?page=2")
		ids1, ids2 := linkedIDs(p1.Body), linkedIDs(p2.Body)
		if len(ids1) != 25 || len(ids2) != 6 {
			t.Fatalf("pages hold %d and %d customers", len(ids1), len(ids2))
		}
		for _, id := range ids2 {
			if slices.Contains(ids1, id) {
				t.Fatalf("%s on both pages", id)
			}
		}
		// Search by email is exact and case-insensitive.
		c, _ := e.Store.GetCustomer(context.Background(), full.ID, holdfast.ModeTest, pays[0].Customer)
		p := bf.get("/dashboard/customers?email=" + url.QueryEscape(strings.ToUpper(*c.Email)))
		if ids := linkedIDs(p.Body); len(ids) != 1 || ids[0] != c.ID {
			t.Fatalf("email search: %v", ids)
		}
	})
}

// TestRecoveryTimeline: the detail page lists the start, the attempts and
// emails the engine made, and the end, in order.
func TestRecoveryTimeline(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		eng, pays := seedRecoveries(t, e.Store, ws.ID, 2, "usd", 4200) // [0] insufficient_funds, [1] expired_card
		if _, err := eng.AdvanceClock(context.Background(), ws.ID, 72*time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := eng.InvoicePaid(context.Background(), ws.ID, holdfast.ModeTest, pays[1].Invoice, time.Now()); err != nil {
			t.Fatal(err)
		}
		e.user(ws.ID, "ann@example.com")
		b := e.browser()
		b.login("ann@example.com")
		b.toTest()
		p := b.get("/dashboard/recoveries/" + pays[1].Recovery)
		order := []string{"Recovery started", "Email: ", "Recovery ended: recovered"}
		last := -1
		for _, s := range order {
			i := strings.Index(p.Body, s)
			if i < 0 || i < last {
				t.Fatalf("timeline missing or out of order at %q: %.3000s", s, p.Body)
			}
			last = i
		}
		p = b.get("/dashboard/recoveries/" + pays[0].Recovery)
		if !strings.Contains(p.Body, "Retry (schedule)") || !strings.Contains(p.Body, "Declined: insufficient_funds") {
			t.Fatalf("attempts missing: %.3000s", p.Body)
		}
		_ = json.Valid
	})
}
