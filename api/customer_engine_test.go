package api_test

import (
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/engine"
)

// TestDeleteCustomerWithEngine runs DELETE /v1/customers/:id against the
// real recovery engine (not the test double): its abandon joins the
// handler's transaction on both databases, and the customer's in-flight
// recovery ends abandoned with its payment canceled.
func TestDeleteCustomerWithEngine(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Acme")
		admin := bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeAdmin)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		cus := sd.customer("eve@example.com", []string{"vip"}, t0)
		open, rec := sd.payment(cus, 4200, "usd", holdfast.PaymentPending, "", t0)
		won, _ := sd.payment(cus, 1000, "usd", holdfast.PaymentRecovered, "", t0.Add(time.Hour))
		sd.send(open, "eve@example.com", holdfast.SendSent, t0.Add(time.Hour))

		wantOK(t, c.do("DELETE", "/v1/customers/"+cus.ID, admin, nil))
		got := c.get("/api/v1/campaigns/"+rec.ID, admin)
		wantOK(t, got)
		if got.JSON["status"] != holdfast.RecoveryAbandoned || got.JSON["ended_at"] == nil {
			t.Fatalf("recovery after delete: %s", got.Body)
		}
		for _, s := range got.JSON["dunning_sends"].([]any) {
			if to := s.(map[string]any)["to"]; to != "" {
				t.Fatalf("send still addressed to %v", to)
			}
		}
		p := c.get("/v1/payments/"+open.ID, admin)
		if p.JSON["status"] != holdfast.PaymentCanceled {
			t.Fatalf("payment after delete: %s", p.Body)
		}
		if p := c.get("/v1/payments/"+won.ID, admin); p.JSON["status"] != holdfast.PaymentRecovered {
			t.Fatalf("finished payment changed: %s", p.Body)
		}
		wantError(t, c.do("DELETE", "/v1/customers/"+cus.ID, admin, nil), 404, "resource_not_found")
	}, func(cfg *api.Config) {
		cfg.Services.Recovery = engine.New(engine.Config{Store: cfg.Store})
	})
}
