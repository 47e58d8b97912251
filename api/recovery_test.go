package api_test

import (
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
)

func TestRecoveriesReadAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		ann := sd.customer("ann@example.com", nil, t0)
		p1, r1 := sd.payment(ann, 1200, "usd", holdfast.PaymentPending, "", t0)
		_, r2 := sd.payment(ann, 800, "eur", holdfast.PaymentRecovered, "", t0.Add(time.Hour))
		_, r3 := sd.payment(nil, 500, "usd", holdfast.PaymentFailed, "", t0.Add(2*time.Hour))
		_, r4 := sd.payment(nil, 700, "usd", holdfast.PaymentCanceled, "", t0.Add(3*time.Hour))
		a1 := sd.attempt(p1, holdfast.OutcomeFailed, t0.Add(time.Hour))
		a2 := sd.attempt(p1, holdfast.OutcomeRefused, t0.Add(2*time.Hour))
		s1 := sd.send(p1, "ann@example.com", holdfast.SendSent, t0.Add(30*time.Minute))
		_, rl := newSeeder(t, e, ws, holdfast.ModeLive).payment(nil, 100, "usd", holdfast.PaymentPending, "", t0)

		var next string
		c.run(t, []scenario{
			{name: "OK", path: "/api/v1/campaigns", token: k.read, check: func(t *testing.T, res *apitest.Response) {
				wantIDs(r4.ID, r3.ID, r2.ID, r1.ID)(t, res)
				d := res.Data()[3]
				if d["object"] != "recovery" || d["status"] != "in_flight" || d["payment"] != p1.ID || d["customer"] != ann.ID ||
					d["campaign"] != sd.campaign || d["amount"] != 1200.0 || d["currency"] != "usd" || d["started_at"] != t0.Format(time.RFC3339) ||
					d["ended_at"] != nil || d["next_action_at"] == nil {
					t.Fatalf("recovery = %v", d)
				}
			}},
			{name: "OKStatusInFlight", path: "/api/v1/campaigns?status=in_flight", token: k.read, check: wantIDs(r1.ID)},
			{name: "OKStatusRecovered", path: "/api/v1/campaigns?status=recovered", token: k.read, check: wantIDs(r2.ID)},
			{name: "OKStatusLost", path: "/api/v1/campaigns?status=lost", token: k.read, check: wantIDs(r3.ID)},
			{name: "OKStatusAbandoned", path: "/api/v1/campaigns?status=abandoned", token: k.read, check: wantIDs(r4.ID)},
			{name: "OKLimit", path: "/api/v1/campaigns?limit=3", token: k.read, check: func(t *testing.T, res *apitest.Response) {
				wantIDs(r4.ID, r3.ID, r2.ID)(t, res)
				next, _ = res.JSON["next_cursor"].(string)
			}},
			{name: "OKLive", path: "/api/v1/campaigns", token: k.live, check: wantIDs(rl.ID)},
			{name: "OKOtherWorkspaceEmpty", path: "/api/v1/campaigns", token: k.other, check: func(t *testing.T, res *apitest.Response) {
				wantIDs()(t, res)
				if res.JSON["has_more"] != false || res.JSON["next_cursor"] != nil {
					t.Fatalf("body = %s", res.Body)
				}
			}},
			{name: "ErrStatus", path: "/api/v1/campaigns?status=pending", token: k.read, status: 400, code: "invalid_param"},
			{name: "ErrLimit", path: "/api/v1/campaigns?limit=1000", token: k.read, status: 400, code: "invalid_param"},
			{name: "ErrCursor", path: "/api/v1/campaigns?cursor=2026-01-01T00:00:00Z", token: k.read, status: 400, code: "invalid_param"},
			{name: "ErrScope", path: "/api/v1/campaigns", token: k.write, status: 403, code: "insufficient_scope"},
			{name: "GetOK", path: "/api/v1/campaigns/" + r1.ID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				as, _ := res.JSON["payment_attempts"].([]any)
				ss, _ := res.JSON["dunning_sends"].([]any)
				if res.JSON["id"] != r1.ID || len(as) != 2 || len(ss) != 1 {
					t.Fatalf("detail = %s", res.Body)
				}
				if as[0].(map[string]any)["id"] != a1.ID || as[1].(map[string]any)["id"] != a2.ID || as[1].(map[string]any)["outcome"] != "refused" {
					t.Fatalf("attempts = %v", as)
				}
				s := ss[0].(map[string]any)
				if s["id"] != s1.ID || s["object"] != "dunning_send" || s["channel"] != "email" || s["to"] != "ann@example.com" ||
					s["status"] != "sent" || s["template"] != "payment_failed" || s["clicked_at"] != nil || s["sent_at"] == nil {
					t.Fatalf("send = %v", s)
				}
			}},
			{name: "GetOKEmptyEmbeds", path: "/api/v1/campaigns/" + r3.ID, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				as, ok1 := res.JSON["payment_attempts"].([]any)
				ss, ok2 := res.JSON["dunning_sends"].([]any)
				if !ok1 || !ok2 || len(as) != 0 || len(ss) != 0 {
					t.Fatalf("detail = %s", res.Body)
				}
			}},
			{name: "GetErrUnknown", path: "/api/v1/campaigns/rec_nope", token: k.read, status: 404, code: "not_found"},
			{name: "GetErrOtherMode", path: "/api/v1/campaigns/" + rl.ID, token: k.read, status: 404, code: "not_found"},
			{name: "GetErrOtherWorkspace", path: "/api/v1/campaigns/" + r1.ID, token: k.other, status: 404, code: "not_found"},
			{name: "GetErrScope", path: "/api/v1/campaigns/" + r1.ID, token: k.analytics, status: 403, code: "insufficient_scope"},
		})
		res := c.get("/api/v1/campaigns?limit=3&cursor="+next, k.read)
		wantIDs(r1.ID)(t, res)
		if res.JSON["has_more"] != false {
			t.Fatalf("body = %s", res.Body)
		}
	})
}
