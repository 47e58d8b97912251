package api_test

import (
	"testing"

	"holdfast"
	"holdfast/api/apitest"
	"holdfast/engine"
)

// TestRetryPaymentOtherWorkspace: a payment of workspace A is not found
// through workspace B's keys, whatever their scopes, and is not charged;
// A's own key then retries it, which shows the id was real.
func TestRetryPaymentOtherWorkspace(t *testing.T) {
	var eng *engine.Engine
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		a, b := e.Workspace("A"), e.Workspace("B")
		p := openRecovery(t, e, eng, a.ID, "ada@example.com", "generic_decline")
		// B has a failed payment of its own, so its lookup is not against nothing.
		pb := openRecovery(t, e, eng, b.ID, "bob@example.com", "insufficient_funds")
		test := holdfast.ModeTest
		ownRead := bigKey(e, a.ID, test, holdfast.ScopeRead)
		path := "/v1/payments/" + p.ID + "/retry"

		attempts := func(t *testing.T, id, token string) int {
			t.Helper()
			res := e.Do("GET", "/v1/payments/"+id, token, nil)
			if res.Status != 200 {
				t.Fatalf("get %s: %d %s", id, res.Status, res.Body)
			}
			atts, _ := res.JSON["attempts"].([]any)
			return len(atts)
		}

		newClient(t, e).run(t, []scenario{
			{name: "ErrOtherWorkspaceWrite", method: "POST", path: path, token: bigKey(e, b.ID, test, holdfast.ScopeWrite), status: 404, code: "resource_not_found"},
			{name: "ErrOtherWorkspaceReadWrite", method: "POST", path: path, token: bigKey(e, b.ID, test, holdfast.ScopeRead, holdfast.ScopeWrite), status: 404, code: "resource_not_found"},
			{name: "ErrOtherWorkspaceAdmin", method: "POST", path: path, token: bigKey(e, b.ID, test, holdfast.ScopeAdmin), status: 404, code: "resource_not_found"},
			{name: "ErrOtherWorkspaceWithBody", method: "POST", path: path, token: bigKey(e, b.ID, test, holdfast.ScopeWrite), body: map[string]any{}, status: 404, code: "resource_not_found"},
			{name: "ErrOtherWorkspaceLive", method: "POST", path: path, token: bigKey(e, b.ID, holdfast.ModeLive, holdfast.ScopeAdmin), status: 404, code: "resource_not_found"},
			{name: "ErrOwnWorkspaceOtherPayment", method: "POST", path: "/v1/payments/" + pb.ID + "/retry", token: bigKey(e, a.ID, test, holdfast.ScopeWrite), status: 404, code: "resource_not_found"},
		})

		t.Run("NotCharged", func(t *testing.T) {
			if n := attempts(t, p.ID, ownRead); n != 0 {
				t.Fatalf("A's payment has %d attempts after B's calls", n)
			}
			if n := attempts(t, pb.ID, bigKey(e, b.ID, test, holdfast.ScopeRead)); n != 0 {
				t.Fatalf("B's payment has %d attempts after A's call", n)
			}
		})
		t.Run("OwnWorkspaceRetries", func(t *testing.T) {
			res := e.Do("POST", path, bigKey(e, a.ID, test, holdfast.ScopeWrite), nil)
			if res.Status != 200 || res.JSON["id"] != p.ID || res.JSON["object"] != "payment" {
				t.Fatalf("own retry: %d %s", res.Status, res.Body)
			}
			if n := attempts(t, p.ID, ownRead); n != 1 {
				t.Fatalf("attempts after own retry = %d", n)
			}
		})
	}, withEngine(&eng, nil))
}
