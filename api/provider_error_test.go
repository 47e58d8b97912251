package api_test

import (
	"context"
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
	"holdfast/engine"
)

// TestProviderErrorOnPayment: a payment whose last retry Stripe refused
// (a revoked key's 401) carries provider_error with Stripe's message on
// /v1/payments (list and by id) and on the /api/v1 campaign, every answer
// valid against /openapi.json; provider.error is a known event type.
func TestProviderErrorOnPayment(t *testing.T) {
	var eng *engine.Engine
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		ws := e.Workspace("Revoked")
		p := openRecovery(t, e, eng, ws.ID, "ada@example.com", "insufficient_funds")
		clean := openRecovery(t, e, eng, ws.ID, "bob@example.com", "insufficient_funds")
		pay, err := e.Store.GetPayment(ctx, ws.ID, holdfast.ModeTest, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		msg := "Invalid API Key provided: sk_live_****abcd"
		pay.ProviderError = &holdfast.ProviderError{Message: msg, Type: "invalid_request_error", HTTPStatus: 401,
			RequestID: "req_revoked1", OccurredAt: time.Now().UTC()}
		if err := e.Store.UpdatePayment(ctx, pay, time.Now()); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, e)
		read := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeRead)

		check := func(t *testing.T, where string, pe any) {
			t.Helper()
			m, ok := pe.(map[string]any)
			if !ok || m["message"] != msg || m["http_status"] != float64(401) || m["type"] != "invalid_request_error" ||
				m["request_id"] != "req_revoked1" || m["occurred_at"] == nil {
				t.Fatalf("%s: provider_error = %v", where, pe)
			}
		}
		res := c.get("/v1/payments/"+p.ID, read)
		if res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		check(t, "GET /v1/payments/:id", res.JSON["provider_error"])
		if res := c.get("/v1/payments/"+clean.ID, read); res.Status != 200 || res.JSON["provider_error"] != nil {
			t.Fatalf("a payment without a provider error: %d %s", res.Status, res.Body)
		}
		found := false
		for _, d := range c.get("/v1/payments", read).Data() {
			if d["id"] == p.ID {
				check(t, "GET /v1/payments", d["provider_error"])
				found = true
			}
		}
		if !found {
			t.Fatal("payment missing from the list")
		}
		res = c.get("/api/v1/campaigns/"+p.Recovery, read)
		if res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		check(t, "GET /api/v1/campaigns/:id", res.JSON["provider_error"])
		if res := c.get("/v1/events?type=provider.error", read); res.Status != 200 {
			t.Fatalf("provider.error is not a known event type: %d %s", res.Status, res.Body)
		}
	}, withEngine(&eng, nil))
}
