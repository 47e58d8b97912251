package api_test

import (
	"log/slog"
	"net/url"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/cancelflow"
	"holdfast/engine"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// TestCancelSessionHandWrittenCursor opens test-mode sessions an hour of
// test clock apart (moved over HTTP with advance_clock) and pages
// GET /api/v1/cancel_sessions from cursors a client would type: second
// precision, UTC or with an offset. Exactly the strictly older sessions come
// back, newest first.
func TestCancelSessionHandWrittenCursor(t *testing.T) {
	fake := stripetest.NewWithKey(t, fakeStripeKey)
	zero := int64(0)
	var eng *engine.Engine
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		test := holdfast.ModeTest
		ws := e.Workspace("Cursor")
		pub := e.KeyWith(ws.ID, test, func(k *holdfast.APIKey) { k.Kind, k.Scopes = holdfast.KindPublishable, nil }).Token
		read := bigKey(e, ws.ID, test, holdfast.ScopeRead)
		write := bigKey(e, ws.ID, test, holdfast.ScopeWrite)

		type session struct {
			id string
			at time.Time
		}
		var s []session
		open := func(customer string) {
			t.Helper()
			r := e.Do("POST", "/v1/cancel_sessions", pub, map[string]any{"customer": customer, "subscription": "sub_" + customer,
				"auth_hash": cancelflow.AuthHash(ws.WidgetSecret, customer)})
			if r.Status != 200 {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			at, err := time.Parse(time.RFC3339Nano, r.JSON["created_at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			s = append(s, session{id: r.JSON["id"].(string), at: at})
		}
		advance := func() {
			t.Helper()
			if r := e.Do("POST", "/v1/test_helpers/advance_clock", write, map[string]any{"seconds": 3600}); r.Status != 200 {
				t.Fatalf("advance_clock: %d %s", r.Status, r.Body)
			}
		}
		open("cus_a")
		open("cus_b")
		advance()
		open("cus_c")
		open("cus_d")
		advance()
		open("cus_e")
		// The clock really moved between the groups, so a second-precision
		// timestamp falls strictly between them.
		if s[2].at.Sub(s[1].at) < time.Hour || s[4].at.Sub(s[3].at) < time.Hour {
			t.Fatalf("created_at not an hour apart: %v", s)
		}

		// Cursors as a person would write them: created_at cut to the second.
		hour2 := s[2].at.UTC().Truncate(time.Second)
		hour3 := s[4].at.UTC().Truncate(time.Second)
		hour1 := s[0].at.UTC().Truncate(time.Second)
		plus2 := time.FixedZone("", 2*3600)
		list := "/api/v1/cancel_sessions?cursor="
		c := newClient(t, e)
		c.run(t, []scenario{
			{name: "BeforeSecondGroup", path: list + hour2.Format(time.RFC3339), token: read, check: wantIDs(s[1].id, s[0].id)},
			{name: "BeforeThirdGroup", path: list + hour3.Format(time.RFC3339), token: read, check: wantIDs(s[3].id, s[2].id, s[1].id, s[0].id)},
			{name: "WithOffset", path: list + url.QueryEscape(hour2.In(plus2).Format(time.RFC3339)), token: read, check: wantIDs(s[1].id, s[0].id)},
			{name: "AtFirstSecond", path: list + hour1.Format(time.RFC3339), token: read, check: wantIDs()},
			{name: "ExactCreatedAtExcludesItself", path: list + s[2].at.UTC().Format(time.RFC3339Nano), token: read, check: wantIDs(s[1].id, s[0].id)},
			{name: "AfterEverything", path: list + hour3.Add(time.Hour).Format(time.RFC3339), token: read, check: wantIDs(s[4].id, s[3].id, s[2].id, s[1].id, s[0].id)},
			{name: "LimitOne", path: "/api/v1/cancel_sessions?limit=1&cursor=" + hour3.Format(time.RFC3339), token: read, check: func(t *testing.T, res *apitest.Response) {
				wantIDs(s[3].id)(t, res)
				if res.JSON["has_more"] != true || res.JSON["next_cursor"] == nil {
					t.Fatalf("page: %s", res.Body)
				}
			}},
			{name: "LastPageNoCursor", path: list + hour2.Format(time.RFC3339), token: read, check: func(t *testing.T, res *apitest.Response) {
				if res.JSON["has_more"] != false || res.JSON["next_cursor"] != nil {
					t.Fatalf("page: %s", res.Body)
				}
			}},
			{name: "ErrDateOnly", path: list + hour2.Format(time.DateOnly), token: read, status: 400, code: "invalid_param"},
			{name: "ErrNoZone", path: list + hour2.Format("2006-01-02T15:04:05"), token: read, status: 400, code: "invalid_param"},
		})
	}, withEngine(&eng, nil), func(c *api.Config) {
		c.Services.Cancel = cancelflow.New(cancelflow.Config{Store: c.Store, Live: stripe.NewProvider(stripe.ProviderConfig{Store: c.Store, APIBase: fake.URL, MaxNetworkRetries: &zero,
			Logger: slog.New(slog.DiscardHandler)}), Test: stripe.SimulatedApplier{}, Logger: slog.New(slog.DiscardHandler)})
	})
}
