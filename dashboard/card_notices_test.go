package dashboard_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"holdfast"
	"holdfast/dashboard"
	"holdfast/engine"
	"holdfast/store/storetest"
)

// TestCardNoticesPage edits the expiring-card notice configuration: the
// API's validation errors next to the fields, then a saved change that the
// store reads back (live mode starts off).
func TestCardNoticesPage(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			var eng *engine.Engine
			e := newEnv(t, backend, func(c *dashboard.Config) {
				eng = engine.New(engine.Config{Store: c.Store})
				c.Services.PutCardExpiry = eng.PutCardExpirySettings
			})
			ws := e.Workspace("Acme")
			e.user(ws.ID, "ann@example.com")
			b := e.browser()
			b.login("ann@example.com")
			const page = "/dashboard/card-notices"
			if p := b.get(page); p.Status != 200 || strings.Contains(p.Body, `name="enabled" id="enabled" checked`) || !strings.Contains(p.Body, "30, 7") {
				t.Fatalf("live mode page: %d %.800s", p.Status, p.Body)
			}
			form := url.Values{"enabled": {"on"}, "days_before": {"30, 400"}, "subject": {"Card {{.CardLast4}}"}, "body": {"Hi {{.Nope}}"}}
			p := b.post(page, page, form)
			if p.Status != 422 || !strings.Contains(p.Body, "days_before[1]") {
				t.Fatalf("invalid days: %d %.600s", p.Status, p.Body)
			}
			form.Set("days_before", "14, 3")
			if p := b.post(page, page, form); p.Status != 422 || !strings.Contains(p.Body, "template.body") {
				t.Fatalf("invalid template: %d %.600s", p.Status, p.Body)
			}
			form.Set("body", "Your {{.CardBrand}} ending {{.CardLast4}} expires {{.ExpiresOn}}: {{.UpdateURL}}")
			if p := b.post(page, page, form); p.Status != 303 {
				t.Fatalf("valid: %d %.600s", p.Status, p.Body)
			}
			s, err := e.Store.CardExpirySettings(context.Background(), ws.ID, holdfast.ModeLive)
			if err != nil || !s.Enabled || len(s.DaysBefore) != 2 || s.DaysBefore[0] != 14 || s.Template.Subject != "Card {{.CardLast4}}" {
				t.Fatalf("saved = %+v (%v)", s, err)
			}
			if p := b.get(page); !strings.Contains(p.Body, `name="enabled" id="enabled" checked`) || !strings.Contains(p.Body, "14, 3") {
				t.Fatalf("page after saving: %.800s", p.Body)
			}
		})
	}
}
