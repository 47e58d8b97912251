package api_test

import (
	"testing"

	"holdfast/api/apitest"
)

// TestOpenAPIDocument checks the published document parses and validates as
// OpenAPI 3.1 and lists every route of both dialects.
func TestOpenAPIDocument(t *testing.T) {
	e := apitest.New(t, "sqlite")
	v := loadOpenAPI(t, e)
	if v.doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", v.doc.OpenAPI)
	}
	for _, path := range []string{
		"/v1/auth/me", "/v1/payments", "/v1/payments/{id}", "/v1/payments/{id}/retry", "/v1/customers", "/v1/customers/{id}",
		"/v1/campaigns", "/v1/campaigns/{id}", "/v1/analytics/recovery", "/v1/analytics/campaigns", "/v1/stats",
		"/v1/cancel_flow", "/v1/cancel_sessions", "/v1/cancel_sessions/{id}", "/v1/cancel_sessions/{id}/respond",
		"/v1/cancel_sessions/{id}/accept", "/v1/cancel_sessions/{id}/cancel", "/v1/webhooks", "/v1/webhooks/{id}",
		"/v1/webhooks/{id}/deliveries", "/v1/webhooks/{id}/deliveries/{delivery_id}/retry", "/v1/webhooks/{id}/test",
		"/v1/events", "/v1/events/{id}", "/v1/test_helpers/advance_clock",
		"/api/v1/customers", "/api/v1/customers/{id}", "/api/v1/campaigns", "/api/v1/campaigns/{id}",
		"/api/v1/cancel_sessions", "/api/v1/stats",
	} {
		if v.doc.Paths.Find(path) == nil {
			t.Errorf("path %s missing", path)
		}
	}
}
