package api_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
	"holdfast/store"
)

func TestCustomersV1(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		ann := sd.customer("Ann@Example.com", []string{"vip", "eu"}, t0)
		bob := sd.customer("bob@example.com", []string{"eu"}, t0.Add(time.Minute))
		cat := sd.customer("", nil, t0.Add(2*time.Minute))
		gone := sd.customer("gone@example.com", []string{"vip"}, t0.Add(3*time.Minute))
		if _, err := e.Store.TombstoneCustomer(context.Background(), ws.ID, holdfast.ModeTest, gone.ProviderID, t0, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		live := newSeeder(t, e, ws, holdfast.ModeLive).customer("ann@example.com", nil, t0)
		otherCus := newSeeder(t, e, other, holdfast.ModeTest).customer("ann@example.com", nil, t0)

		cases := []scenario{
			{name: "OK", path: "/v1/customers", token: k.read, check: wantPage(3, 1, 20, 1, cat.ID, bob.ID, ann.ID)},
			{name: "OKFields", path: "/v1/customers?email=bob@example.com", token: k.read, check: func(t *testing.T, res *apitest.Response) {
				d := res.Data()[0]
				tags, _ := d["tags"].([]any)
				meta, _ := d["metadata"].(map[string]any)
				if d["object"] != "customer" || d["livemode"] != false || d["email"] != "bob@example.com" || d["provider_id"] != bob.ProviderID ||
					len(tags) != 1 || meta["plan"] != "pro" || d["created_at"] != t0.Add(time.Minute).Format(time.RFC3339) {
					t.Fatalf("customer = %v", d)
				}
			}},
			{name: "OKNullEmail", path: "/v1/customers/" + cat.ID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				if v, ok := res.JSON["email"]; !ok || v != nil {
					t.Fatalf("email = %v", res.JSON["email"])
				}
			}},
			{name: "OKEmailCaseInsensitive", path: "/v1/customers?email=ANN@example.COM", token: k.read, check: wantPage(1, 1, 20, 1, ann.ID)},
			{name: "OKEmailExactOnly", path: "/v1/customers?email=ann@example", token: k.read, check: wantPage(0, 1, 20, 0)},
			{name: "OKEmailDeletedExcluded", path: "/v1/customers?email=gone@example.com", token: k.read, check: wantPage(0, 1, 20, 0)},
			{name: "OKTag", path: "/v1/customers?tag=eu", token: k.read, check: wantPage(2, 1, 20, 1, bob.ID, ann.ID)},
			{name: "OKTagDeletedExcluded", path: "/v1/customers?tag=vip", token: k.read, check: wantPage(1, 1, 20, 1, ann.ID)},
			{name: "OKTagAndEmail", path: "/v1/customers?tag=eu&email=BOB@example.com", token: k.read, check: wantIDs(bob.ID)},
			{name: "OKTagUnknown", path: "/v1/customers?tag=nope", token: k.read, check: wantPage(0, 1, 20, 0)},
			{name: "OKTagPaged", path: "/v1/customers?tag=eu&per_page=1&page=2", token: k.read, check: wantPage(2, 2, 1, 2, ann.ID)},
			{name: "OKRange", path: "/v1/customers" + qs("created_after", t0.Format(time.RFC3339)), token: k.read, check: wantPage(2, 1, 20, 1, cat.ID, bob.ID)},
			{name: "OKPagePastEnd", path: "/v1/customers?page=5&per_page=1", token: k.read, check: wantPage(3, 5, 1, 3)},
			{name: "OKDeepHalf", path: "/v1/customers?page=3&per_page=1", token: k.read, check: wantPage(3, 3, 1, 3, ann.ID)},
			{name: "OKLive", path: "/v1/customers", token: k.live, check: wantPage(1, 1, 20, 1, live.ID)},
			{name: "OKOtherWorkspace", path: "/v1/customers", token: k.other, check: wantPage(1, 1, 20, 1, otherCus.ID)},
			{name: "ErrScope", path: "/v1/customers", token: k.analytics, status: 403, code: "insufficient_scope"},
			{name: "GetOK", path: "/v1/customers/" + ann.ID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				if res.JSON["id"] != ann.ID || res.JSON["email"] != "Ann@Example.com" {
					t.Fatalf("customer = %s", res.Body)
				}
			}},
			{name: "GetOKByStripeID", path: "/v1/customers/" + ann.ProviderID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				if res.JSON["id"] != ann.ID {
					t.Fatalf("customer = %s", res.Body)
				}
			}},
			{name: "GetErrDeleted", path: "/v1/customers/" + gone.ID, token: k.read, status: 404, code: "resource_not_found"},
			{name: "GetErrUnknown", path: "/v1/customers/cus_nope", token: k.read, status: 404, code: "resource_not_found"},
			{name: "GetErrOtherMode", path: "/v1/customers/" + live.ID, token: k.read, status: 404, code: "resource_not_found"},
			{name: "GetErrOtherWorkspace", path: "/v1/customers/" + otherCus.ID, token: k.read, status: 404, code: "resource_not_found"},
			{name: "GetErrScope", path: "/v1/customers/" + ann.ID, token: k.analytics, status: 403, code: "insufficient_scope"},
		}
		cases = append(cases, pageErrors("/v1/customers", k.read)...)
		c.run(t, cases)
	})
}

func TestDeleteCustomer(t *testing.T) {
	fake := &fakeRecovery{}
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		fake.calls = 0
		ctx := context.Background()
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		dan := sd.customer("Dan@Example.com", []string{"vip"}, t0)
		keep := sd.customer("keep@example.com", []string{"vip"}, t0)
		open, _ := sd.payment(dan, 1500, "usd", holdfast.PaymentPending, "", t0)
		won, _ := sd.payment(dan, 2000, "usd", holdfast.PaymentRecovered, "", t0.Add(time.Hour))
		sd.send(open, "Dan@Example.com", holdfast.SendSent, t0.Add(2*time.Hour))
		live := newSeeder(t, e, ws, holdfast.ModeLive).customer("dan@example.com", nil, t0)
		before := c.get("/v1/stats", k.read)
		wantOK(t, before)

		c.run(t, []scenario{
			{name: "ErrScopeRead", method: "DELETE", path: "/v1/customers/" + dan.ID, token: k.read, status: 403, code: "insufficient_scope"},
			{name: "ErrScopeWrite", method: "DELETE", path: "/v1/customers/" + dan.ID, token: k.write, status: 403, code: "insufficient_scope"},
			{name: "ErrOtherMode", method: "DELETE", path: "/v1/customers/" + dan.ID, token: k.live, status: 404, code: "resource_not_found"},
			{name: "ErrOtherWorkspace", method: "DELETE", path: "/v1/customers/" + dan.ID, token: k.other, status: 404, code: "resource_not_found"},
			{name: "ErrUnknown", method: "DELETE", path: "/v1/customers/cus_nope", token: k.admin, status: 404, code: "resource_not_found"},
		})
		if got := fake.calls; got != 0 {
			t.Fatalf("engine called %d times by rejected deletes", got)
		}

		// A failing engine rolls the whole deletion back.
		fake.fail = errors.New("engine down")
		wantError(t, c.do("DELETE", "/v1/customers/"+dan.ID, k.admin, nil), 500, "internal_error")
		fake.fail = nil
		wantOK(t, c.get("/v1/customers/"+dan.ID, k.read))

		res := c.do("DELETE", "/v1/customers/"+dan.ID, k.admin, nil)
		wantOK(t, res)
		if res.JSON["id"] != dan.ID || res.JSON["object"] != "customer" || res.JSON["deleted"] != true {
			t.Fatalf("delete = %s", res.Body)
		}
		c.run(t, []scenario{
			{name: "GetAfterDelete", path: "/v1/customers/" + dan.ID, token: k.read, status: 404, code: "resource_not_found"},
			{name: "ReadGetAfterDelete", path: "/api/v1/customers/" + dan.ID, token: k.read, status: 404, code: "not_found"},
			{name: "GetByStripeIDAfterDelete", path: "/v1/customers/" + dan.ProviderID, token: k.read, status: 404, code: "resource_not_found"},
			{name: "SecondDelete", method: "DELETE", path: "/v1/customers/" + dan.ID, token: k.admin, status: 404, code: "resource_not_found"},
			{name: "ListExcludes", path: "/v1/customers", token: k.read, check: wantPage(1, 1, 20, 1, keep.ID)},
			{name: "EmailExcludes", path: "/v1/customers?email=dan@example.com", token: k.read, check: wantPage(0, 1, 20, 0)},
			{name: "TagExcludes", path: "/v1/customers?tag=vip", token: k.read, check: wantPage(1, 1, 20, 1, keep.ID)},
			{name: "OtherModeUntouched", path: "/v1/customers/" + live.ID, token: k.live},
			{name: "PaymentsKept", path: "/v1/payments?customer=" + dan.ID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				wantPage(2, 1, 20, 1, won.ID, open.ID)(t, res)
				if st := res.Data()[1]["status"]; st != "canceled" {
					t.Fatalf("in-flight payment status = %v, want canceled", st)
				}
			}},
		})

		// Personal data is gone from every table that held it.
		var email, name *string
		var meta, tags string
		row := e.Store.DB().QueryRow(`SELECT email, name, metadata, tags FROM customers WHERE id = '` + dan.ID + `'`)
		if err := row.Scan(&email, &name, &meta, &tags); err != nil {
			t.Fatal(err)
		}
		if email != nil || name != nil || meta != "{}" || tags != "[]" {
			t.Fatalf("not erased: %v %v %s %s", email, name, meta, tags)
		}
		var n int
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM customer_tags WHERE customer_id = '` + dan.ID + `'`:                               0,
			`SELECT COUNT(*) FROM dunning_sends WHERE customer_id = '` + dan.ID + `' AND to_addr <> ''`:             0,
			`SELECT COUNT(*) FROM events WHERE type = 'customer.deleted' AND object_id = '` + dan.ID + `'`:          1,
			`SELECT COUNT(*) FROM events WHERE type = 'recovery.abandoned' AND object_id = '` + open.Recovery + `'`: 1,
		} {
			if err := e.Store.DB().QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("%s = %d, want %d", q, n, want)
			}
		}

		// Stats: the in-flight recovery became abandoned, everything else
		// (recovered revenue included) is as before; one customer fewer.
		after := c.get("/v1/stats", k.read)
		wantOK(t, after)
		b, a := before.JSON["campaigns"].(map[string]any), after.JSON["campaigns"].(map[string]any)
		if a["recovered"] != b["recovered"] || a["in_flight"] != b["in_flight"].(float64)-1 || a["abandoned"] != b["abandoned"].(float64)+1 ||
			a["lost"] != b["lost"] || fmt.Sprint(after.JSON["recovered_revenue"]) != fmt.Sprint(before.JSON["recovered_revenue"]) ||
			after.JSON["customers"] != before.JSON["customers"].(float64)-1 {
			t.Fatalf("stats before %s\nafter %s", before.Body, after.Body)
		}
		if _, err := e.Store.GetCustomer(ctx, ws.ID, holdfast.ModeTest, keep.ID); err != nil {
			t.Fatal(err)
		}
	}, withFakeRecovery(fake))
}

func TestCustomersReadAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		ann := sd.customer("ann@example.com", []string{"vip"}, t0)
		bob := sd.customer("bob@example.com", nil, t0.Add(time.Minute))
		cat := sd.customer("cat@example.com", []string{"vip"}, t0.Add(2*time.Minute))
		var recs []string
		for i := 0; i < 12; i++ {
			_, r := sd.payment(ann, 100, "usd", holdfast.PaymentFailed, "", t0.Add(time.Duration(i)*time.Hour))
			recs = append([]string{r.ID}, recs...)
		}
		if _, err := e.Store.UpsertSubscription(ctx, ws.ID, holdfast.ModeTest, ann.ID, store.SubscriptionSnapshot{
			ProviderID: "sub_ann", ProviderCustomerID: ann.ProviderID, Status: "active", Amount: 2900, Currency: "usd", ProviderTime: t0,
		}, t0); err != nil {
			t.Fatal(err)
		}
		live := newSeeder(t, e, ws, holdfast.ModeLive).customer("ann@example.com", nil, t0)
		var next string
		c.run(t, []scenario{
			{name: "OK", path: "/api/v1/customers", token: k.read, check: func(t *testing.T, res *apitest.Response) {
				wantIDs(cat.ID, bob.ID, ann.ID)(t, res)
				if res.JSON["has_more"] != false || res.JSON["next_cursor"] != nil {
					t.Fatalf("body = %s", res.Body)
				}
			}},
			{name: "OKLimit", path: "/api/v1/customers?limit=2", token: k.read, check: func(t *testing.T, res *apitest.Response) {
				wantIDs(cat.ID, bob.ID)(t, res)
				next, _ = res.JSON["next_cursor"].(string)
				if res.JSON["has_more"] != true || next == "" {
					t.Fatalf("body = %s", res.Body)
				}
			}},
			{name: "ErrCursorEmpty", path: "/api/v1/customers?limit=2&cursor=", token: k.read, status: 400, code: "invalid_param"},
			{name: "OKEmail", path: "/api/v1/customers?email=BOB@EXAMPLE.COM", token: k.read, check: wantIDs(bob.ID)},
			{name: "OKTag", path: "/api/v1/customers?tag=vip&limit=1", token: k.read, check: wantIDs(cat.ID)},
			{name: "OKLive", path: "/api/v1/customers", token: k.live, check: wantIDs(live.ID)},
			{name: "OKAnalyticsScopeDenied", path: "/api/v1/customers", token: k.analytics, status: 403, code: "insufficient_scope"},
			{name: "ErrLimitZero", path: "/api/v1/customers?limit=0", token: k.read, status: 400, code: "invalid_param"},
			{name: "ErrLimitTooBig", path: "/api/v1/customers?limit=101", token: k.read, status: 400, code: "invalid_param"},
			{name: "ErrLimitNotInteger", path: "/api/v1/customers?limit=ten", token: k.read, status: 400, code: "invalid_param"},
			{name: "ErrCursorGarbage", path: "/api/v1/customers?cursor=%21%21%21", token: k.read, status: 400, code: "invalid_param"},
			{name: "ErrCursorNotACursor", path: "/api/v1/customers?cursor=bm9jb2xvbg", token: k.read, status: 400, code: "invalid_param"},
			{name: "ErrNoAuth", path: "/api/v1/customers", status: 401, code: "authentication_required"},
			{name: "ErrBadToken", path: "/api/v1/customers", token: "hf_test_" + holdfast.RandomBase62(32), status: 401, code: "invalid_token"},
			{name: "GetOK", path: "/api/v1/customers/" + ann.ID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				subs, _ := res.JSON["subscriptions"].([]any)
				rc, _ := res.JSON["recent_campaigns"].([]any)
				if res.JSON["id"] != ann.ID || len(subs) != 1 || subs[0].(map[string]any)["provider_id"] != "sub_ann" || len(rc) != 10 {
					t.Fatalf("detail = %s", res.Body)
				}
				for i, r := range rc {
					if r.(map[string]any)["id"] != recs[i] {
						t.Fatalf("recent_campaigns[%d] = %v, want %s (newest first)", i, r.(map[string]any)["id"], recs[i])
					}
				}
			}},
			{name: "GetOKEmptyEmbeds", path: "/api/v1/customers/" + bob.ID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				subs, ok1 := res.JSON["subscriptions"].([]any)
				rc, ok2 := res.JSON["recent_campaigns"].([]any)
				if !ok1 || !ok2 || len(subs) != 0 || len(rc) != 0 {
					t.Fatalf("detail = %s", res.Body)
				}
			}},
			{name: "GetErrUnknown", path: "/api/v1/customers/cus_nope", token: k.read, status: 404, code: "not_found"},
			{name: "GetErrOtherMode", path: "/api/v1/customers/" + live.ID, token: k.read, status: 404, code: "not_found"},
			{name: "GetErrOtherWorkspace", path: "/api/v1/customers/" + ann.ID, token: k.other, status: 404, code: "not_found"},
		})
		res := c.get("/api/v1/customers?limit=2&cursor="+next, k.read)
		wantIDs(ann.ID)(t, res)
		if res.JSON["has_more"] != false || res.JSON["next_cursor"] != nil {
			t.Fatalf("last page = %s", res.Body)
		}
	})
}
