package dashboard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"holdfast"
)

// TestProviderErrorWarning: while Stripe refuses Holdfast's retries (here a
// revoked key's 401), every page of the mode warns with Stripe's message and
// the payment page shows the error; other workspaces and the other mode see
// nothing, and the warning goes once the card network answers again.
func TestProviderErrorWarning(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ws, other := e.Workspace("Revoked"), e.Workspace("Fine")
		_, pays := seedRecoveries(t, e.Store, ws.ID, 2, "usd", 2500)
		seedRecoveries(t, e.Store, other.ID, 1, "usd", 2500)
		p, err := e.Store.GetPayment(ctx, ws.ID, holdfast.ModeTest, pays[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		msg := "Invalid API Key provided: sk_live_****abcd"
		p.ProviderError = &holdfast.ProviderError{Message: msg, Type: "invalid_request_error", HTTPStatus: 401,
			RequestID: "req_revoked1", OccurredAt: time.Now().UTC()}
		if err := e.Store.UpdatePayment(ctx, p, time.Now()); err != nil {
			t.Fatal(err)
		}
		e.user(ws.ID, "owner@example.com")
		e.user(other.ID, "fine@example.com")
		b, bo := e.browser(), e.browser()
		b.login("owner@example.com")
		bo.login("fine@example.com")

		if pg := b.get("/dashboard/overview"); strings.Contains(pg.Body, `id="provider-alert"`) {
			t.Fatal("live mode warns about a test-mode payment")
		}
		b.toTest()
		bo.toTest()
		for _, path := range []string{"/dashboard/overview", "/dashboard/payments", "/dashboard/recoveries"} {
			pg := b.get(path)
			if pg.Status != 200 || !strings.Contains(pg.Body, `id="provider-alert"`) || !strings.Contains(pg.Body, msg) ||
				!strings.Contains(pg.Body, "HTTP 401") || !strings.Contains(pg.Body, "/dashboard/payments/"+p.ID) {
				t.Fatalf("%s: %d, no provider warning: %.600s", path, pg.Status, pg.Body)
			}
		}
		pg := b.get("/dashboard/payments/" + p.ID)
		if !strings.Contains(pg.Body, `id="provider-error"`) || !strings.Contains(pg.Body, msg) || !strings.Contains(pg.Body, "req_revoked1") {
			t.Fatalf("payment page: %.800s", pg.Body)
		}
		if pg := b.get("/dashboard/payments/" + pays[0].ID); strings.Contains(pg.Body, `id="provider-error"`) {
			t.Fatal("the other payment shows a provider error")
		}
		if pg := bo.get("/dashboard/overview"); strings.Contains(pg.Body, `id="provider-alert"`) {
			t.Fatal("another workspace sees the warning")
		}

		p.ProviderError = nil // the card network answered again
		if err := e.Store.UpdatePayment(ctx, p, time.Now()); err != nil {
			t.Fatal(err)
		}
		if pg := b.get("/dashboard/overview"); strings.Contains(pg.Body, `id="provider-alert"`) {
			t.Fatal("the warning stays after the provider answered")
		}
	})
}
