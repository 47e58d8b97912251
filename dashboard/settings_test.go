package dashboard_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/dashboard"
	"holdfast/mail"
	"holdfast/store"
	"holdfast/store/storetest"
)

func TestSetPasswordLink(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ws := e.Workspace("Acme")
		link := dashboard.NewSetupLink("http://unused", time.Now())
		if err := e.Store.CreateUser(ctx, &holdfast.User{WorkspaceID: ws.ID, Email: "new@example.com"}, "", link.TokenHash, link.ExpiresAt, time.Now()); err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(link.URL, "http://unused")
		tok, _ := url.ParseQuery(strings.SplitN(path, "?", 2)[1])
		b := e.browser()
		if p := b.get("/dashboard/setup?token=wrong"); p.Status != 404 {
			t.Fatalf("wrong token: %d", p.Status)
		}
		cases := []struct {
			name, pw, confirm, field string
		}{
			{"ErrShort", "short", "short", "password-err"},
			{"ErrMismatch", "long enough password", "long enough passwort", "confirm-err"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p := b.post(path, "/dashboard/setup", url.Values{"token": {tok.Get("token")}, "password": {c.pw}, "password_confirm": {c.confirm}})
				if p.Status != 422 || !strings.Contains(p.Body, `id="`+c.field+`"`) {
					t.Fatalf("status %d: %.400s", p.Status, p.Body)
				}
			})
		}
		p := b.post(path, "/dashboard/setup", url.Values{"token": {tok.Get("token")}, "password": {password}, "password_confirm": {password}})
		if p.Status != 303 || p.Location != "/dashboard/overview" {
			t.Fatalf("set password: %d %.300s", p.Status, p.Body)
		}
		if ov := b.get("/dashboard/overview"); ov.Status != 200 {
			t.Fatalf("not signed in after setting the password: %d", ov.Status)
		}
		if again := b.get(path); again.Status != 404 {
			t.Fatalf("link reusable: %d", again.Status)
		}
		e.browser().login("new@example.com")
	})
}

// TestSetPasswordLinkConcurrentUse: five submissions of one link at once
// set the password once and open exactly one session.
func TestSetPasswordLinkConcurrentUse(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ws := e.Workspace("Acme")
		link := dashboard.NewSetupLink("http://unused", time.Now())
		u := &holdfast.User{WorkspaceID: ws.ID, Email: "race@example.com"}
		if err := e.Store.CreateUser(ctx, u, "", link.TokenHash, link.ExpiresAt, time.Now()); err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(link.URL, "http://unused")
		tok, _ := url.ParseQuery(strings.SplitN(path, "?", 2)[1])
		const n = 5
		forms := make([]url.Values, n)
		browsers := make([]*browser, n)
		for i := range n {
			browsers[i] = e.browser()
			forms[i] = url.Values{"token": {tok.Get("token")}, "password": {password}, "password_confirm": {password},
				"csrf_token": {browsers[i].get(path).csrf(t)}}
		}
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = browsers[i].do("POST", "/dashboard/setup", forms[i]).Status
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			switch s {
			case 303:
				ok++
			case 404:
			default:
				t.Fatalf("statuses %v: want one 303 and 404s", statuses)
			}
		}
		var sessions int
		if err := e.Store.Conn(ctx).QueryRow(ctx, `SELECT COUNT(*) FROM dashboard_sessions WHERE user_id = ?`, u.ID).Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if ok != 1 || sessions != 1 {
			t.Fatalf("statuses %v, %d sessions: want exactly one use of the link and one session", statuses, sessions)
		}
	})
}

func TestModeSwitch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		seedRecoveries(t, e.Store, ws.ID, 1, "usd", 1000) // test mode only
		e.user(ws.ID, "ann@example.com")
		b := e.browser()
		b.login("ann@example.com")
		if p := b.get("/dashboard/recoveries"); !strings.Contains(p.Body, "No recoveries") || strings.Contains(p.Body, "Test mode") {
			t.Fatalf("live mode should be empty and unbannered: %.300s", p.Body)
		}
		p := b.post("/dashboard/recoveries", "/dashboard/mode", url.Values{"mode": {"test"}, "back": {"/dashboard/recoveries"}})
		if p.Status != 303 || p.Location != "/dashboard/recoveries" {
			t.Fatalf("switch: %d %s", p.Status, p.Location)
		}
		if p := b.get("/dashboard/recoveries"); strings.Contains(p.Body, "No recoveries") || !strings.Contains(p.Body, "Test mode") {
			t.Fatalf("test mode shows its data: %.300s", p.Body)
		}
		if p := b.post("/dashboard/recoveries", "/dashboard/mode", url.Values{"mode": {"staging"}}); p.Status != 400 {
			t.Fatalf("bad mode: %d", p.Status)
		}
		if p := b.post("/dashboard/recoveries", "/dashboard/mode", url.Values{"mode": {"live"}, "back": {"https://evil.example/"}}); p.Location != "/dashboard/overview" {
			t.Fatalf("offsite back: %s", p.Location)
		}
	})
}

var secretRe = regexp.MustCompile(`id="new-secret">(whsec_[A-Za-z0-9]+)<`)

// TestWebhooksPageLoopbackConsent: in test mode the dashboard accepts a
// loopback endpoint only with the operator's consent, and never a private,
// site-local or embedded-loopback address.
func TestWebhooksPageLoopbackConsent(t *testing.T) {
	for _, consent := range []bool{false, true} {
		t.Run(fmt.Sprintf("consent=%v", consent), func(t *testing.T) {
			e := newEnv(t, "sqlite", func(c *dashboard.Config) { c.AllowLoopbackWebhooks = consent })
			ws := e.Workspace("Acme")
			e.user(ws.ID, "ann@example.com")
			b := e.browser()
			b.login("ann@example.com")
			if p := b.post("/dashboard/overview", "/dashboard/mode", url.Values{"mode": {"test"}, "back": {"/dashboard/webhooks"}}); p.Status != 303 {
				t.Fatalf("mode switch: %d", p.Status)
			}
			const page = "/dashboard/webhooks"
			for _, c := range []struct {
				url string
				ok  bool
			}{
				{"http://127.0.0.1:9/hook", consent},
				{"http://localhost:9/hook", consent},
				{"https://10.0.0.1/hook", false},
				{"https://[fec0::1]/hook", false},
				{"http://[::7f00:1]/hook", false},
				{"http://[2002:7f00:1::]/hook", false},
				{"http://[::ffff:127.0.0.1]/hook", false},
				{"https://example.com/hook", true},
			} {
				p := b.post(page, page, url.Values{"url": {c.url}, "events": {"*"}})
				if created := p.Status == 200 && secretRe.MatchString(p.Body); created != c.ok {
					t.Errorf("%s: status %d created=%v, want created=%v", c.url, p.Status, created, c.ok)
				}
			}
		})
	}
}

func TestWebhooksPage(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			type call struct{ ws, ep, d string }
			var calls []call
			e := newEnv(t, backend, func(c *dashboard.Config) {
				c.Services.ResendDelivery = func(_ context.Context, wsID string, _ holdfast.Mode, ep, d string) error {
					calls = append(calls, call{wsID, ep, d})
					return nil
				}
			})
			ws, other := e.Workspace("Acme"), e.Workspace("Other")
			e.user(ws.ID, "ann@example.com")
			b := e.browser()
			b.login("ann@example.com")
			const page = "/dashboard/webhooks"
			bad := []struct{ name, url, events, want string }{
				{"ErrHTTPInLive", "http://example.com/hook", "*", "https"},
				{"ErrNoEvents", "https://example.com/hook", "", "Choose at least one event type"},
				{"ErrUnknownEvent", "https://example.com/hook", "nope.happened", "Unknown event type"},
			}
			for _, c := range bad {
				t.Run(c.name, func(t *testing.T) {
					v := url.Values{"url": {c.url}}
					if c.events != "" {
						v.Set("events", c.events)
					}
					if p := b.post(page, page, v); p.Status != 422 || !strings.Contains(p.Body, c.want) || secretRe.MatchString(p.Body) {
						t.Fatalf("status %d: %.400s", p.Status, p.Body)
					}
				})
			}
			p := b.post(page, page, url.Values{"url": {"https://example.com/hook"}, "events": {"recovery.recovered", "recovery.lost"}, "description": {"CRM"}})
			m := secretRe.FindStringSubmatch(p.Body)
			if p.Status != 200 || m == nil {
				t.Fatalf("create: %d %.400s", p.Status, p.Body)
			}
			list, _ := e.Store.ListWebhookEndpoints(context.Background(), ws.ID, holdfast.ModeLive, store.ListQuery{Limit: 10})
			if len(list.Data) != 1 || strings.Join(list.Data[0].Events, ",") != "recovery.recovered,recovery.lost" {
				t.Fatalf("stored %+v", list.Data)
			}
			ep := list.Data[0]
			if secret, _ := e.Store.WebhookEndpointSecret(context.Background(), ws.ID, holdfast.ModeLive, ep.ID); secret != m[1] {
				t.Fatal("shown secret is not the stored one")
			}
			if again := b.get(page); strings.Contains(again.Body, m[1]) {
				t.Fatal("secret shown twice")
			}
			d, err := e.Store.CreatePingDelivery(context.Background(), ws.ID, holdfast.ModeLive, ep.ID, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			detail := b.get(page + "/" + ep.ID)
			if detail.Status != 200 || !strings.Contains(detail.Body, "ping") || !strings.Contains(detail.Body, "Re-send") {
				t.Fatalf("delivery log: %d %.500s", detail.Status, detail.Body)
			}
			if p := b.post(page+"/"+ep.ID, page+"/"+ep.ID+"/deliveries/"+d.ID+"/resend", nil); p.Status != 303 {
				t.Fatalf("resend: %d", p.Status)
			}
			// Another workspace's delivery id is not found and not sent.
			oep := &holdfast.WebhookEndpoint{Livemode: true, WorkspaceID: other.ID, URL: "https://o.example/", Events: []string{"*"}, Enabled: true, Secret: "whsec_x"}
			if err := e.Store.CreateWebhookEndpoint(context.Background(), oep, time.Now()); err != nil {
				t.Fatal(err)
			}
			od, err := e.Store.CreatePingDelivery(context.Background(), other.ID, holdfast.ModeLive, oep.ID, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if p := b.post(page+"/"+ep.ID, page+"/"+oep.ID+"/deliveries/"+od.ID+"/resend", nil); p.Status != 404 {
				t.Fatalf("foreign resend: %d", p.Status)
			}
			if len(calls) != 1 || calls[0] != (call{ws.ID, ep.ID, d.ID}) {
				t.Fatalf("resend calls %+v", calls)
			}
			if p := b.post(page+"/"+ep.ID, page+"/"+ep.ID, url.Values{"action": {"disable"}}); p.Status != 303 {
				t.Fatalf("disable: %d", p.Status)
			}
			if got, _ := e.Store.GetWebhookEndpoint(context.Background(), ws.ID, holdfast.ModeLive, ep.ID); got.Enabled {
				t.Fatal("still enabled")
			}
		})
	}
}

func TestCancelFlowSettings(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		e.user(ws.ID, "ann@example.com")
		b := e.browser()
		b.login("ann@example.com")
		const page = "/dashboard/cancel-flow"
		form := url.Values{"session_timeout_minutes": {"45"}, "discount_cooldown_days": {"30"},
			"reasons[0].id": {"too_expensive"}, "reasons[0].label": {"Too expensive"}, "reasons[0].offer.type": {"discount"},
			"reasons[0].offer.percent_off": {"150"}, "reasons[0].offer.duration_months": {"3"}, "reasons[0].offer.max_months": {"2"},
			"reasons[1].id": {""}, "reasons[1].label": {""}}
		p := b.post(page, page, form)
		if p.Status != 422 || !strings.Contains(p.Body, "reasons[0].offer.percent_off") || !strings.Contains(p.Body, "between 1 and 100") {
			t.Fatalf("invalid: %d %.600s", p.Status, p.Body)
		}
		form.Set("reasons[0].offer.percent_off", "20")
		if p := b.post(page, page, form); p.Status != 303 {
			t.Fatalf("valid: %d %.600s", p.Status, p.Body)
		}
		fl, _ := e.Store.CancelFlow(context.Background(), ws.ID, holdfast.ModeLive)
		if fl.SessionTimeoutMinutes != 45 || len(fl.Reasons) != 1 || fl.Reasons[0].Offer.PercentOff != 20 || fl.Reasons[0].Offer.MaxMonths != 0 {
			t.Fatalf("stored %+v %+v", fl, fl.Reasons)
		}
	})
}

func TestWorkspaceSettings(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			capture := &mail.Capture{}
			e := newEnv(t, backend, func(c *dashboard.Config) { c.Mailer = capture })
			ctx := context.Background()
			ws := e.Workspace("Acme")
			e.user(ws.ID, "ann@example.com")
			b := e.browser()
			b.login("ann@example.com")
			const page = "/dashboard/settings/workspace"
			secrets := []struct {
				name, mode, value string
				status            int
			}{
				{"stripe_webhook_secret", "test", "sk_test_wrongkind123456", 422},
				{"stripe_api_key", "live", "sk_test_123456789abc", 422},
				{"stripe_api_key", "live", "sk_live_123456789abc", 303},
				{"stripe_webhook_secret", "test", "whsec_123456789abc", 303},
			}
			for _, s := range secrets {
				p := b.post(page, page+"/secrets", url.Values{"name": {s.name}, "mode": {s.mode}, "value": {s.value}})
				if p.Status != s.status {
					t.Fatalf("%s %s %s: %d", s.name, s.mode, s.value, p.Status)
				}
			}
			if v, _ := e.Store.WorkspaceSecret(ctx, ws.ID, holdfast.ModeLive, store.SecretStripeAPIKey); v != "sk_live_123456789abc" {
				t.Fatalf("live key %q", v)
			}
			if p := b.get(page); strings.Contains(p.Body, "sk_live_123456789abc") || strings.Count(p.Body, ">set<") != 2 {
				t.Fatalf("secrets must be write-only and shown as set: %.200s", p.Body)
			}
			before := ws.WidgetSecret
			b.post(page, page+"/widget-secret", nil)
			if w, _ := e.Store.GetWorkspace(ctx, ws.ID); w.WidgetSecret == before || !strings.HasPrefix(w.WidgetSecret, "wsec_") {
				t.Fatal("widget secret not rotated")
			}
			if p := b.post(page, page+"/smtp-test", url.Values{"to": {"ops@example.com"}}); p.Status != 200 || !strings.Contains(p.Body, "Test message sent") {
				t.Fatalf("smtp test: %d", p.Status)
			}
			if p := b.post(page, page+"/smtp-test", url.Values{"to": {"nope"}}); p.Status != 422 {
				t.Fatalf("bad address: %d", p.Status)
			}
			if msgs := capture.Messages(); len(msgs) != 1 || msgs[0].To != "ops@example.com" {
				t.Fatalf("messages %+v", msgs)
			}
		})
	}
}
