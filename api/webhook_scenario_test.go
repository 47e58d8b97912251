package api_test

import (
	"testing"

	"holdfast"
	"holdfast/api/apitest"
)

// TestWebhookIsolationScenarios calls every /v1/webhooks/:id route for an
// endpoint of this workspace's test mode with keys that hold every scope the
// routes need but belong to another workspace or to live mode: each answers
// 404 and nothing changes, is deleted or is sent.
func TestWebhookIsolationScenarios(t *testing.T) {
	eachHookEnv(t, func(t *testing.T, h *hookEnv) {
		test := holdfast.ModeTest
		rv := newHookReceiver(t, nil)
		id, _ := h.create(test, map[string]any{"url": rv.URL + "/in", "description": "mine"})
		ping := h.Do("POST", "/v1/webhooks/"+id+"/test", h.hooks[test], nil)
		if ping.Status != 200 {
			t.Fatalf("ping: %d %s", ping.Status, ping.Body)
		}
		did, _ := ping.JSON["id"].(string)
		sent, _ := rv.got()
		if did == "" || len(sent) != 1 {
			t.Fatalf("ping delivery %q, receiver got %d", did, len(sent))
		}

		other := h.Workspace("Other Hooks")
		otherKey := bigKey(h.Env, other.ID, test, holdfast.ScopeWebhooks, holdfast.ScopeWrite)
		otherAdmin := bigKey(h.Env, other.ID, test, holdfast.ScopeAdmin)
		liveKey := h.hooksWrite[holdfast.ModeLive]
		// The other workspace has an endpoint of its own, so its lookups run
		// against a non-empty table.
		if r := h.Do("POST", "/v1/webhooks", otherKey, map[string]any{"url": rv.URL + "/other"}); r.Status != 200 {
			t.Fatalf("other create: %d %s", r.Status, r.Body)
		}

		routes := []struct {
			name, method, path string
			body               any
		}{
			{"Get", "GET", "/v1/webhooks/" + id, nil},
			{"Update", "PUT", "/v1/webhooks/" + id, map[string]any{"enabled": false, "description": "theirs"}},
			{"Delete", "DELETE", "/v1/webhooks/" + id, nil},
			{"Deliveries", "GET", "/v1/webhooks/" + id + "/deliveries", nil},
			{"RetryDelivery", "POST", "/v1/webhooks/" + id + "/deliveries/" + did + "/retry", nil},
			{"Test", "POST", "/v1/webhooks/" + id + "/test", nil},
		}
		callers := []struct{ name, token string }{
			{"OtherWorkspace", otherKey},
			{"OtherWorkspaceAdmin", otherAdmin},
			{"OtherMode", liveKey},
		}
		var cases []scenario
		for _, c := range callers {
			for _, rt := range routes {
				cases = append(cases, scenario{name: c.name + rt.name, method: rt.method, path: rt.path, token: c.token, body: rt.body,
					status: 404, code: "resource_not_found"})
			}
		}
		newClient(t, h.Env).run(t, cases)

		t.Run("NothingChanged", func(t *testing.T) {
			g := h.Do("GET", "/v1/webhooks/"+id, h.hooks[test], nil)
			if g.Status != 200 || g.JSON["enabled"] != true || g.JSON["description"] != "mine" {
				t.Fatalf("endpoint after foreign calls: %d %s", g.Status, g.Body)
			}
			l := h.Do("GET", "/v1/webhooks/"+id+"/deliveries", h.hooks[test], nil)
			ds := l.Data()
			if l.Status != 200 || len(ds) != 1 || ds[0]["id"] != did || len(ds[0]["attempts"].([]any)) != 1 {
				t.Fatalf("deliveries after foreign calls: %d %s", l.Status, l.Body)
			}
			if got, _ := rv.got(); len(got) != 1 {
				t.Fatalf("receiver got %d requests, want only the first ping", len(got))
			}
		})
		t.Run("OwnKeyStillWorks", func(t *testing.T) {
			wantOwn := func(t *testing.T, res *apitest.Response) {
				if res.JSON["id"] != did || len(res.JSON["attempts"].([]any)) != 2 {
					t.Fatalf("own retry: %s", res.Body)
				}
			}
			newClient(t, h.Env).run(t, []scenario{
				{name: "RetryDelivery", method: "POST", path: "/v1/webhooks/" + id + "/deliveries/" + did + "/retry", token: h.hooksWrite[test], check: wantOwn},
			})
			if got, _ := rv.got(); len(got) != 2 {
				t.Fatalf("receiver got %d requests after the own retry", len(got))
			}
		})
	})
}
