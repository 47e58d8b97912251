package api_test

import (
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func TestPaymentsEndpoints(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		c1 := sd.customer("ann@example.com", nil, t0)
		c2 := sd.customer("bob@example.com", nil, t0)
		p1, _ := sd.payment(c1, 1000, "usd", holdfast.PaymentPending, "", t0)
		p2, _ := sd.payment(c1, 2500, "usd", holdfast.PaymentRecovered, "", t0.Add(time.Hour))
		p3, _ := sd.payment(c2, 900, "eur", holdfast.PaymentFailed, "", t0.Add(2*time.Hour))
		p4, _ := sd.payment(nil, 4000, "usd", holdfast.PaymentCanceled, "", t0.Add(3*time.Hour))
		att := sd.attempt(p2, holdfast.OutcomeSucceeded, t0.Add(90*time.Minute))
		pl, _ := newSeeder(t, e, ws, holdfast.ModeLive).payment(nil, 100, "usd", holdfast.PaymentPending, "", t0)
		po, _ := newSeeder(t, e, other, holdfast.ModeTest).payment(nil, 100, "usd", holdfast.PaymentPending, "", t0)

		cases := []scenario{
			{name: "OK", path: "/v1/payments", token: k.read, check: wantPage(4, 1, 20, 1, p4.ID, p3.ID, p2.ID, p1.ID)},
			{name: "OKAdmin", path: "/v1/payments", token: k.admin, check: wantPage(4, 1, 20, 1, p4.ID, p3.ID, p2.ID, p1.ID)},
			{name: "OKFields", path: "/v1/payments?status=failed", token: k.read, check: func(t *testing.T, res *apitest.Response) {
				d := res.Data()[0]
				if d["object"] != "payment" || d["livemode"] != false || d["amount"] != 900.0 || d["currency"] != "eur" ||
					d["customer"] != c2.ID || d["invoice"] != p3.Invoice || d["recovery"] != p3.Recovery || d["decline_code"] != "insufficient_funds" {
					t.Fatalf("payment = %v", d)
				}
			}},
			{name: "OKStatusPending", path: "/v1/payments?status=pending", token: k.read, check: wantPage(1, 1, 20, 1, p1.ID)},
			{name: "OKStatusRecovered", path: "/v1/payments?status=recovered", token: k.read, check: wantIDs(p2.ID)},
			{name: "OKStatusCanceled", path: "/v1/payments?status=canceled", token: k.read, check: wantIDs(p4.ID)},
			{name: "OKCustomer", path: "/v1/payments?customer=" + c1.ID, token: k.read, check: wantPage(2, 1, 20, 1, p2.ID, p1.ID)},
			{name: "OKCustomerAndStatus", path: "/v1/payments?customer=" + c1.ID + "&status=pending", token: k.read, check: wantIDs(p1.ID)},
			{name: "OKCustomerStripeID", path: "/v1/payments?customer=" + c1.ProviderID, token: k.read, check: wantPage(2, 1, 20, 1, p2.ID, p1.ID)},
			{name: "OKUnknownCustomer", path: "/v1/payments?customer=cus_nope", token: k.read, check: wantPage(0, 1, 20, 0)},
			{name: "OKRange", path: "/v1/payments" + qs("created_after", t0.Add(30*time.Minute).Format(time.RFC3339), "created_before", t0.Add(150*time.Minute).Format(time.RFC3339)),
				token: k.read, check: wantPage(2, 1, 20, 1, p3.ID, p2.ID)},
			{name: "OKRangeExclusive", path: "/v1/payments" + qs("created_after", t0.Format(time.RFC3339), "created_before", t0.Add(3*time.Hour).Format(time.RFC3339)),
				token: k.read, check: wantIDs(p3.ID, p2.ID)},
			{name: "OKPage2", path: "/v1/payments?page=2&per_page=3", token: k.read, check: wantPage(4, 2, 3, 2, p1.ID)},
			{name: "OKPagePastEnd", path: "/v1/payments?page=3&per_page=3", token: k.read, check: wantPage(4, 3, 3, 2)},
			{name: "OKPerPage1Page4", path: "/v1/payments?page=4&per_page=1", token: k.read, check: wantPage(4, 4, 1, 4, p1.ID)},
			{name: "OKLiveMode", path: "/v1/payments", token: k.live, check: wantPage(1, 1, 20, 1, pl.ID)},
			{name: "OKOtherWorkspace", path: "/v1/payments", token: k.other, check: wantPage(1, 1, 20, 1, po.ID)},
			{name: "ErrStatus", path: "/v1/payments?status=paid", token: k.read, status: 422, code: "validation_error", param: "status"},
			{name: "ErrStatusEmpty", path: "/v1/payments?status=", token: k.read, status: 422, code: "validation_error", param: "status"},
			{name: "ErrScopeAnalytics", path: "/v1/payments", token: k.analytics, status: 403, code: "insufficient_scope"},
			{name: "ErrScopeWrite", path: "/v1/payments", token: k.write, status: 403, code: "insufficient_scope"},
			{name: "ErrScopeWebhooks", path: "/v1/payments", token: k.webhooks, status: 403, code: "insufficient_scope"},

			{name: "GetOK", path: "/v1/payments/" + p2.ID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				as, _ := res.JSON["attempts"].([]any)
				if res.JSON["id"] != p2.ID || res.JSON["status"] != "recovered" || len(as) != 1 {
					t.Fatalf("payment = %s", res.Body)
				}
				a := as[0].(map[string]any)
				if a["id"] != att.ID || a["object"] != "payment_attempt" || a["outcome"] != "succeeded" || a["initiator"] != "schedule" || a["idempotency_key"] != att.IdempotencyKey {
					t.Fatalf("attempt = %v", a)
				}
			}},
			{name: "GetOKNoAttempts", path: "/v1/payments/" + p1.ID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				if as, ok := res.JSON["attempts"].([]any); !ok || len(as) != 0 {
					t.Fatalf("attempts = %v", res.JSON["attempts"])
				}
			}},
			{name: "GetErrUnknown", path: "/v1/payments/pay_nope", token: k.read, status: 404, code: "resource_not_found"},
			{name: "GetErrOtherMode", path: "/v1/payments/" + pl.ID, token: k.read, status: 404, code: "resource_not_found"},
			{name: "GetErrOtherModeLiveKey", path: "/v1/payments/" + p1.ID, token: k.live, status: 404, code: "resource_not_found"},
			{name: "GetErrOtherWorkspace", path: "/v1/payments/" + po.ID, token: k.read, status: 404, code: "resource_not_found"},
			{name: "GetErrScope", path: "/v1/payments/" + p1.ID, token: k.analytics, status: 403, code: "insufficient_scope"},
		}
		cases = append(cases, pageErrors("/v1/payments", k.read)...)
		c.run(t, cases)
	})
}
