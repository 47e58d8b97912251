package api_test

import (
	"testing"

	"holdfast"
	"holdfast/api/apitest"
)

// scenario is one row of an endpoint's table: a request and what must come back.
type scenario struct {
	name    string
	method  string // default GET
	path    string
	token   string
	body    any
	headers []string
	status  int    // default 200
	code    string // error code (/v1) or type (/api/v1)
	param   string // expected error param, when set
	check   func(t *testing.T, res *apitest.Response)
}

// run executes each scenario as a subtest named after it.
func (c *client) run(t *testing.T, cases []scenario) {
	t.Helper()
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) {
			method := sc.method
			if method == "" {
				method = "GET"
			}
			cc := *c
			cc.t = t
			res := cc.do(method, sc.path, sc.token, sc.body, sc.headers...)
			status := sc.status
			if status == 0 {
				status = 200
			}
			if sc.code != "" {
				if sc.param != "" {
					wantError(t, res, status, sc.code, sc.param)
				} else {
					wantError(t, res, status, sc.code)
				}
			} else if res.Status != status {
				t.Fatalf("want %d, got %d %s", status, res.Status, res.Body)
			}
			if sc.check != nil {
				sc.check(t, res)
			}
		})
	}
}

// keys are the tokens a scenario table uses: the workspace's test-mode keys
// by scope, its live key, and another workspace's key.
type keys struct {
	read, analytics, write, admin, webhooks, live, other string
}

func mintKeys(e *apitest.Env, ws, other *holdfast.Workspace) keys {
	return keys{
		read:      bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeRead),
		analytics: bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeAnalytics),
		write:     bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeWrite),
		admin:     bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeAdmin),
		webhooks:  bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeWebhooks),
		live:      bigKey(e, ws.ID, holdfast.ModeLive, holdfast.ScopeAdmin),
		other:     bigKey(e, other.ID, holdfast.ModeTest, holdfast.ScopeAdmin),
	}
}

// bigKey mints a secret key whose rate limit does not get in the way of
// tests that page through thousands of objects.
func bigKey(e *apitest.Env, wsID string, mode holdfast.Mode, scopes ...holdfast.Scope) string {
	limit := 1_000_000
	return e.KeyWith(wsID, mode, func(k *holdfast.APIKey) { k.Scopes, k.RateLimit = scopes, &limit }).Token
}

// wantIDs asserts the ids of a list response, in order.
func wantIDs(want ...string) func(t *testing.T, res *apitest.Response) {
	return func(t *testing.T, res *apitest.Response) {
		t.Helper()
		got := ids(res)
		if len(got) != len(want) {
			t.Fatalf("ids = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("ids = %v, want %v", got, want)
			}
		}
	}
}

// wantPage asserts ids and the /v1 pagination object.
func wantPage(total, page, perPage, totalPages int, want ...string) func(t *testing.T, res *apitest.Response) {
	return func(t *testing.T, res *apitest.Response) {
		t.Helper()
		wantIDs(want...)(t, res)
		p := pagination(res)
		if int(p["total"]) != total || int(p["page"]) != page || int(p["per_page"]) != perPage || int(p["total_pages"]) != totalPages {
			t.Fatalf("pagination = %v, want total=%d page=%d per_page=%d total_pages=%d", p, total, page, perPage, totalPages)
		}
	}
}

// pageErrors are the pagination failures every /v1 list shares.
func pageErrors(path, token string) []scenario {
	sep := "?"
	return []scenario{
		{name: "ErrPageZero", path: path + sep + "page=0", token: token, status: 422, code: "validation_error", param: "page"},
		{name: "ErrPageTooDeep", path: path + sep + "page=10001", token: token, status: 422, code: "validation_error", param: "page"},
		{name: "ErrPageNotInteger", path: path + sep + "page=abc", token: token, status: 422, code: "validation_error", param: "page"},
		{name: "ErrPageEmpty", path: path + sep + "page=", token: token, status: 422, code: "validation_error", param: "page"},
		{name: "ErrPerPageZero", path: path + sep + "per_page=0", token: token, status: 422, code: "validation_error", param: "per_page"},
		{name: "ErrPerPageTooBig", path: path + sep + "per_page=101", token: token, status: 422, code: "validation_error", param: "per_page"},
		{name: "ErrPerPageFraction", path: path + sep + "per_page=1.5", token: token, status: 422, code: "validation_error", param: "per_page"},
		{name: "ErrCreatedAfter", path: path + sep + "created_after=yesterday", token: token, status: 422, code: "validation_error", param: "created_after"},
		{name: "ErrCreatedBefore", path: path + sep + "created_before=2026-13-01T00:00:00Z", token: token, status: 422, code: "validation_error", param: "created_before"},
		{name: "ErrNoKey", path: path, status: 401, code: "invalid_api_key"},
	}
}
