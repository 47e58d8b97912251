package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
	"holdfast/store"
)

// TestCommonErrorsEveryRoute walks every route of the /v1 and /api/v1
// issues through the errors any route can return — no key, a bad key, a
// publishable key, an exhausted rate limit, an expired trial (writes), an
// oversized body (writes) — each in its dialect and checked against the
// OpenAPI document.
func TestCommonErrorsEveryRoute(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		ws := e.Workspace("Acme")
		trial := e.Workspace("Trial")
		past := time.Now().Add(-time.Hour)
		pp := &past
		if _, err := e.Store.UpdateWorkspace(ctx, trial.ID, store.WorkspaceUpdate{TrialEndsAt: &pp}, time.Now()); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, e)
		pub := e.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) { k.Kind, k.Scopes = holdfast.KindPublishable, nil }).Token
		trialAdmin := bigKey(e, trial.ID, holdfast.ModeTest, holdfast.ScopeAdmin)
		admin := bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeAdmin)
		def := newSeeder(t, e, ws, holdfast.ModeTest).campaign
		big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
		routes := []struct{ method, path string }{
			{"GET", "/v1/payments"}, {"GET", "/v1/payments/pay_x"},
			{"GET", "/v1/customers"}, {"GET", "/v1/customers/cus_x"}, {"DELETE", "/v1/customers/cus_x"},
			{"GET", "/v1/campaigns"}, {"POST", "/v1/campaigns"}, {"GET", "/v1/campaigns/cmp_x"},
			{"PUT", "/v1/campaigns/" + def}, {"DELETE", "/v1/campaigns/cmp_x"},
			{"GET", "/v1/analytics/recovery"}, {"GET", "/v1/analytics/campaigns"}, {"GET", "/v1/stats"},
			{"GET", "/api/v1/customers"}, {"GET", "/api/v1/customers/cus_x"},
			{"GET", "/api/v1/campaigns"}, {"GET", "/api/v1/campaigns/rec_x"}, {"GET", "/api/v1/stats"},
		}
		for _, r := range routes {
			read := strings.HasPrefix(r.path, "/api/v1/")
			pick := func(v1, readType string) string {
				if read {
					return readType
				}
				return v1
			}
			one := 1
			limited := e.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) {
				k.Scopes, k.RateLimit = []holdfast.Scope{holdfast.ScopeAdmin}, &one
			}).Token
			cases := []scenario{
				{name: "ErrNoKey", method: r.method, path: r.path, status: 401, code: pick("invalid_api_key", "authentication_required")},
				{name: "ErrBadKey", method: r.method, path: r.path, token: "hf_test_" + strings.Repeat("Q", 40), status: 401, code: pick("invalid_api_key", "invalid_token")},
				{name: "ErrPublishableKey", method: r.method, path: r.path, token: pub, status: 403, code: "insufficient_scope"},
				{name: "FirstWithinLimit", method: r.method, path: r.path, token: limited, status: -1},
				{name: "ErrRateLimited", method: r.method, path: r.path, token: limited, status: 429, code: "rate_limit_exceeded"},
			}
			if r.method != "GET" {
				cases = append(cases, scenario{name: "ErrTrialExpired", method: r.method, path: r.path, token: trialAdmin, status: 403, code: "trial_expired"})
			}
			if r.method == "POST" || r.method == "PUT" {
				cases = append(cases, scenario{name: "ErrBodyTooLarge", method: r.method, path: r.path, token: admin, body: big, status: 413, code: "invalid_request"})
			}
			if r.method == "GET" {
				cases = append(cases, scenario{name: "TrialStillReads", method: r.method, path: r.path, token: trialAdmin, status: -1})
			}
			t.Run(r.method+" "+r.path, func(t *testing.T) {
				for _, sc := range cases {
					t.Run(sc.name, func(t *testing.T) {
						res := c.with(t).do(sc.method, sc.path, sc.token, sc.body)
						if sc.status == -1 {
							if res.Status == 401 || res.Status == 403 || res.Status == 429 || res.Status >= 500 {
								t.Fatalf("got %d %s", res.Status, res.Body)
							}
							return
						}
						wantError(t, res, sc.status, sc.code)
					})
				}
			})
		}
	})
}
