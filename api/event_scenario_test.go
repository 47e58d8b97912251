package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
)

// recordEventIn stores one event through the store, the way services do,
// and returns it.
func recordEventIn(t *testing.T, e *apitest.Env, wsID string, mode holdfast.Mode, typ, objectID string) *holdfast.Event {
	t.Helper()
	ctx := context.Background()
	var ev *holdfast.Event
	err := e.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		ev, err = e.Store.RecordEvent(ctx, wsID, mode, typ, objectID, map[string]any{"id": objectID, "object": "recovery"}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// eventTypesOf returns the type of every event in a list response.
func eventTypesOf(res *apitest.Response) []string {
	var out []string
	for _, d := range res.Data() {
		s, _ := d["type"].(string)
		out = append(out, s)
	}
	return out
}

// TestEventScenarios covers GET /v1/events and GET /v1/events/:id: one event
// comes from a real action (opening a cancel session), the others are
// recorded through the store in this workspace's two modes and in another
// workspace, which must never show.
func TestEventScenarios(t *testing.T) {
	eachCancel(t, func(t *testing.T, e *cancelEnv) {
		test, live := holdfast.ModeTest, holdfast.ModeLive
		other := e.Workspace("Other")
		session := e.start(test, "cus_evt", "sub_evt")
		sessionID := session["id"].(string)
		rec := recordEventIn(t, e.Env, e.ws.ID, test, holdfast.EventRecoveryStarted, "rec_evt")
		liveEv := recordEventIn(t, e.Env, e.ws.ID, live, holdfast.EventRecoveryLost, "rec_live")
		otherEv := recordEventIn(t, e.Env, other.ID, test, holdfast.EventRecoveryStarted, "rec_other")

		read := bigKey(e.Env, e.ws.ID, test, holdfast.ScopeRead)
		writeOnly := bigKey(e.Env, e.ws.ID, test, holdfast.ScopeWrite)
		liveRead := bigKey(e.Env, e.ws.ID, live, holdfast.ScopeRead)
		otherRead := bigKey(e.Env, other.ID, test, holdfast.ScopeRead)

		// The session's started event, looked up through the list so the
		// get-by-id rows below can use its id.
		started := e.Do("GET", "/v1/events?type="+holdfast.EventCancelStarted, read, nil).Data()
		if len(started) != 1 {
			t.Fatalf("cancel_session.started events: %v", started)
		}
		startedID, _ := started[0]["id"].(string)

		onlyTypes := func(want ...string) func(t *testing.T, res *apitest.Response) {
			return func(t *testing.T, res *apitest.Response) {
				t.Helper()
				got := eventTypesOf(res)
				if len(got) != len(want) {
					t.Fatalf("types = %v, want %v", got, want)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("types = %v, want %v", got, want)
					}
				}
				for _, d := range res.Data() {
					if d["object"] != "event" || d["livemode"] != false {
						t.Fatalf("event %v", d)
					}
				}
			}
		}
		eventIs := func(id, typ, objectID string) func(t *testing.T, res *apitest.Response) {
			return func(t *testing.T, res *apitest.Response) {
				t.Helper()
				data, _ := res.JSON["data"].(map[string]any)
				obj, _ := data["object"].(map[string]any)
				if res.JSON["id"] != id || res.JSON["object"] != "event" || res.JSON["type"] != typ ||
					res.JSON["livemode"] != false || obj["id"] != objectID {
					t.Fatalf("event: %s", res.Body)
				}
				if _, err := time.Parse(time.RFC3339Nano, res.JSON["created_at"].(string)); err != nil {
					t.Fatalf("created_at: %v", err)
				}
			}
		}

		c := newClient(t, e.Env)
		c.run(t, []scenario{
			// Newest first: the recorded recovery event came after the session.
			{name: "ListAll", path: "/v1/events", token: read, check: onlyTypes(holdfast.EventRecoveryStarted, holdfast.EventCancelStarted)},
			{name: "ListAdminKey", path: "/v1/events", token: bigKey(e.Env, e.ws.ID, test, holdfast.ScopeAdmin), check: onlyTypes(holdfast.EventRecoveryStarted, holdfast.EventCancelStarted)},
			{name: "FilterCancelStarted", path: "/v1/events?type=" + holdfast.EventCancelStarted, token: read, check: onlyTypes(holdfast.EventCancelStarted)},
			{name: "FilterRecoveryStarted", path: "/v1/events?type=" + holdfast.EventRecoveryStarted, token: read, check: wantIDs(rec.ID)},
			{name: "FilterKnownTypeNoEvents", path: "/v1/events?type=" + holdfast.EventDunningSent, token: read, check: wantIDs()},
			{name: "FilterOtherModeType", path: "/v1/events?type=" + holdfast.EventRecoveryLost, token: read, check: wantIDs()},
			{name: "LiveListSeesOnlyLive", path: "/v1/events", token: liveRead, check: wantIDs(liveEv.ID)},
			{name: "OtherWorkspaceListSeesOnlyItsOwn", path: "/v1/events", token: otherRead, check: wantIDs(otherEv.ID)},
			{name: "PerPage", path: "/v1/events?per_page=1&page=2", token: read, check: wantPage(2, 2, 1, 2, startedID)},
			{name: "ErrUnknownType", path: "/v1/events?type=payment.exploded", token: read, status: 422, code: "validation_error", param: "type"},
			{name: "ErrEmptyType", path: "/v1/events?type=", token: read, status: 422, code: "validation_error", param: "type"},
			{name: "ErrWildcardType", path: "/v1/events?type=*", token: read, status: 422, code: "validation_error", param: "type"},
			{name: "ErrPageZero", path: "/v1/events?page=0", token: read, status: 422, code: "validation_error", param: "page"},
			{name: "ErrPageNotInteger", path: "/v1/events?page=two", token: read, status: 422, code: "validation_error", param: "page"},
			{name: "ErrPerPageTooBig", path: "/v1/events?per_page=101", token: read, status: 422, code: "validation_error", param: "per_page"},
			{name: "ErrListWriteOnly", path: "/v1/events", token: writeOnly, status: 403, code: "insufficient_scope"},
			{name: "ErrListNoKey", path: "/v1/events", status: 401, code: "invalid_api_key"},

			{name: "GetRecorded", path: "/v1/events/" + rec.ID, token: read, check: eventIs(rec.ID, holdfast.EventRecoveryStarted, "rec_evt")},
			{name: "GetFromAction", path: "/v1/events/" + startedID, token: read, check: eventIs(startedID, holdfast.EventCancelStarted, sessionID)},
			{name: "GetLiveWithLiveKey", path: "/v1/events/" + liveEv.ID, token: liveRead, check: func(t *testing.T, res *apitest.Response) {
				if res.JSON["id"] != liveEv.ID || res.JSON["livemode"] != true || res.JSON["type"] != holdfast.EventRecoveryLost {
					t.Fatalf("live event: %s", res.Body)
				}
			}},
			{name: "ErrGetOtherMode", path: "/v1/events/" + liveEv.ID, token: read, status: 404, code: "resource_not_found"},
			{name: "ErrGetTestWithLiveKey", path: "/v1/events/" + rec.ID, token: liveRead, status: 404, code: "resource_not_found"},
			{name: "ErrGetOtherWorkspace", path: "/v1/events/" + otherEv.ID, token: read, status: 404, code: "resource_not_found"},
			{name: "ErrGetOwnFromOtherWorkspace", path: "/v1/events/" + rec.ID, token: otherRead, status: 404, code: "resource_not_found"},
			{name: "ErrGetUnknown", path: "/v1/events/evt_nope", token: read, status: 404, code: "resource_not_found"},
			{name: "ErrGetWriteOnly", path: "/v1/events/" + rec.ID, token: writeOnly, status: 403, code: "insufficient_scope"},
			{name: "ErrGetWebhooksOnly", path: "/v1/events/" + rec.ID, token: bigKey(e.Env, e.ws.ID, test, holdfast.ScopeWebhooks), status: 403, code: "insufficient_scope"},
		})

		t.Run("DataObjectIsTheSession", func(t *testing.T) {
			res := e.Do("GET", "/v1/events/"+startedID, read, nil)
			var body struct {
				Data struct {
					Object struct {
						ID       string `json:"id"`
						Object   string `json:"object"`
						Customer string `json:"customer"`
					} `json:"object"`
				} `json:"data"`
			}
			if err := json.Unmarshal(res.Body, &body); err != nil {
				t.Fatal(err)
			}
			if o := body.Data.Object; o.ID != sessionID || o.Object != "cancel_session" || o.Customer != "cus_evt" {
				t.Fatalf("data.object = %+v", o)
			}
		})
	})
}
