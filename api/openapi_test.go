package api_test

import (
	"fmt"
	"holdfast"
	"net/http"
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

// recTB records a failure instead of stopping the test.
type recTB struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recTB) Helper() {}
func (r *recTB) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
}

// TestOpenAPIValidatorRejects proves the response check has teeth: bodies
// that break the document's schemas, undocumented statuses and the wrong
// dialect's error envelope all fail it.
func TestOpenAPIValidatorRejects(t *testing.T) {
	e := apitest.New(t, "sqlite")
	v := loadOpenAPI(t, e)
	hdr := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_1"}, "X-Ratelimit-Limit": {"60"},
		"X-Ratelimit-Remaining": {"59"}, "X-Ratelimit-Reset": {"12"}, "Retry-After": {"3"}}
	page := `"pagination":{"total":1,"page":1,"per_page":20,"total_pages":1}`
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               string
		ok                 bool
	}{
		{"ValidEmptyPage", "GET", "/v1/payments", 200, `{"data":[],` + page + `}`, true},
		{"ValidV1Error", "GET", "/v1/payments/pay_1", 404, `{"error":{"code":"resource_not_found","message":"x","request_id":"req_1"}}`, true},
		{"ValidReadError", "GET", "/api/v1/stats", 429, `{"error":{"type":"rate_limit_exceeded","message":"60 requests per minute. Retry in 3s."}}`, true},
		{"PaymentMissingFields", "GET", "/v1/payments", 200, `{"data":[{"id":"pay_1"}],` + page + `}`, false},
		{"PaginationMissing", "GET", "/v1/payments", 200, `{"data":[]}`, false},
		{"UndocumentedStatus", "GET", "/v1/payments", 418, `{}`, false},
		{"ReadErrorWithRetryAfter", "GET", "/api/v1/stats", 429, `{"error":{"type":"rate_limit_exceeded","message":"x"},"retry_after":3}`, false},
		{"V1EnvelopeOnReadAPI", "GET", "/api/v1/customers/cus_1", 404, `{"error":{"code":"resource_not_found","message":"x","request_id":"req_1"}}`, false},
		{"WrongCodeForStatus", "GET", "/v1/payments/pay_1", 404, `{"error":{"code":"state_conflict","message":"x","request_id":"req_1"}}`, false},
		{"StatsRateNotNullable", "GET", "/v1/stats", 200, `{"campaigns":{"in_flight":0,"recovered":0,"lost":0,"abandoned":0},"recovered_revenue":[],"at_risk_revenue":[],"cancel_sessions":{},"customers":0}`, false},
		{"UnknownRoute", "GET", "/v1/nope", 404, `{}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recTB{TB: t}
			v.check(rec, tc.method, tc.path, &apitest.Response{Status: tc.status, Header: hdr, Body: []byte(tc.body)})
			if rec.failed == tc.ok {
				t.Fatalf("failed = %v (%s), want ok = %v", rec.failed, rec.msg, tc.ok)
			}
		})
	}
}

// TestOpenAPIOtherEndpointsConform validates real answers of the routes
// other parts of Holdfast serve (auth, cancel flow, webhooks, events) against
// the same document, so it stays true for every route it lists.
func TestOpenAPIOtherEndpointsConform(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Acme")
		admin := bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeAdmin)
		c := newClient(t, e)
		for _, p := range []string{
			"/v1/auth/me", "/v1/cancel_flow", "/v1/cancel_sessions", "/v1/cancel_sessions?outcome=canceled",
			"/v1/cancel_sessions/cs_nope", "/v1/webhooks", "/v1/webhooks/we_nope", "/v1/events", "/v1/events/evt_nope",
			"/api/v1/cancel_sessions", "/api/v1/cancel_sessions?cursor=2026-01-01T00:00:00Z", "/api/v1/cancel_sessions?cursor=yesterday",
		} {
			t.Run(p, func(t *testing.T) { c.with(t).get(p, admin) })
		}
	})
}
