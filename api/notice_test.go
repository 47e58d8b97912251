package api_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
	"holdfast/cancelflow"
	"holdfast/engine"
	"holdfast/store"
	"holdfast/stripe/stripetest"
)

// TestCardExpiryNoticeConfig: GET/PUT /v1/card_expiry_notices per mode,
// scopes, defaults (off in live mode, on in test mode), partial PUT and
// validation with the field's path.
func TestCardExpiryNoticeConfig(t *testing.T) {
	var eng *engine.Engine
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Config")
		liveRead := e.Key(ws.ID, holdfast.ModeLive, holdfast.ScopeRead)
		liveWrite := e.Key(ws.ID, holdfast.ModeLive, holdfast.ScopeRead, holdfast.ScopeWrite)
		testRead := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeRead)
		if r := e.Do("GET", "/v1/card_expiry_notices", liveRead, nil); r.Status != 200 || r.JSON["enabled"] != false ||
			r.JSON["livemode"] != true || len(r.JSON["days_before"].([]any)) != 2 || r.JSON["updated_at"] != nil {
			t.Fatalf("live default: %d %s", r.Status, r.Body)
		}
		if r := e.Do("GET", "/v1/card_expiry_notices", testRead, nil); r.Status != 200 || r.JSON["enabled"] != true {
			t.Fatalf("test default: %d %s", r.Status, r.Body)
		}
		cases := []struct {
			name   string
			token  string
			body   any
			status int
			code   string
			param  string
		}{
			{"ReadKeyCannotWrite", liveRead, map[string]any{"enabled": true}, 403, "insufficient_scope", ""},
			{"DaysOutOfRange", liveWrite, map[string]any{"days_before": []any{30, 0}}, 422, "validation_error", "days_before[1]"},
			{"DaysRepeated", liveWrite, map[string]any{"days_before": []any{7, 7}}, 422, "validation_error", "days_before[1]"},
			{"DaysEmpty", liveWrite, map[string]any{"days_before": []any{}}, 422, "validation_error", "days_before"},
			{"DaysNotWhole", liveWrite, map[string]any{"days_before": []any{1.5}}, 422, "validation_error", "days_before[0]"},
			{"DaysWrongType", liveWrite, map[string]any{"days_before": "30"}, 422, "validation_error", "days_before"},
			{"UnknownVariable", liveWrite, map[string]any{"template": map[string]any{"body": "{{.Password}}"}}, 422, "validation_error", "template.body"},
			{"BrokenSubject", liveWrite, map[string]any{"template": map[string]any{"subject": "{{.CardLast4"}}, 422, "validation_error", "template.subject"},
			{"UnknownField", liveWrite, map[string]any{"enable": true}, 422, "validation_error", "enable"},
			{"NotJSON", liveWrite, "nope", 400, "invalid_request", ""},
			{"OK", liveWrite, map[string]any{"enabled": true, "days_before": []any{7, 30, 1},
				"template": map[string]any{"subject": "{{.CardBrand}} {{.CardLast4}} expires {{.ExpiresOn}}"}}, 200, "", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do("PUT", "/v1/card_expiry_notices", tc.token, tc.body)
				if r.Status != tc.status || r.ErrorCode() != tc.code || (tc.param != "" && r.ErrorField("param") != tc.param) {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
		got := e.Do("GET", "/v1/card_expiry_notices", liveRead, nil)
		days := got.JSON["days_before"].([]any)
		tmpl := got.JSON["template"].(map[string]any)
		if got.JSON["enabled"] != true || len(days) != 3 || days[0] != float64(30) || days[2] != float64(1) ||
			tmpl["subject"] != "{{.CardBrand}} {{.CardLast4}} expires {{.ExpiresOn}}" || tmpl["body"] != holdfast.DefaultCardExpiryTemplate ||
			got.JSON["updated_at"] == nil {
			t.Fatalf("after PUT: %s", got.Body)
		}
		// A GET body PUT back unchanged is accepted (read-only fields ignored);
		// the test mode is untouched.
		if r := e.Do("PUT", "/v1/card_expiry_notices", liveWrite, got.JSON); r.Status != 200 {
			t.Fatalf("round trip: %d %s", r.Status, r.Body)
		}
		if r := e.Do("GET", "/v1/card_expiry_notices", testRead, nil); len(r.JSON["days_before"].([]any)) != 2 {
			t.Fatalf("test mode changed: %s", r.Body)
		}
	}, withEngine(&eng, nil))
}

// TestCustomerNotice: GET /v1/customer_notice with a publishable key and the
// cancel flow's auth hash, and the views and clicks it records.
func TestCustomerNotice(t *testing.T) {
	var eng *engine.Engine
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		ws := e.Workspace("Notice")
		if err := e.Store.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, store.SecretStripeWebhook, "whsec_e2e", time.Now()); err != nil {
			t.Fatal(err)
		}
		pub := e.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) { k.Kind, k.Scopes = holdfast.KindPublishable, nil }).Token
		readOnly := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeRead)
		admin := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeRead, holdfast.ScopeWrite)
		failed, healthy, expiring, stranger := stripetest.ID("cus_"), stripetest.ID("cus_"), stripetest.ID("cus_"), stripetest.ID("cus_")
		now := time.Now()
		for _, c := range []string{failed, healthy, expiring} {
			hookAt(t, e, ws.ID, "customer.created", stripetest.Customer(c, "n@example.com", "N", now, nil), now.Add(-time.Hour))
		}
		// The expiring card ends this month or next; the subscription renews after it.
		exp := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
		if exp.Sub(now) < 48*time.Hour {
			exp = exp.AddDate(0, 1, 0)
		}
		expMonth := exp.AddDate(0, 0, -1)
		hookAt(t, e, ws.ID, "customer.subscription.created", stripetest.Subscription(stripetest.ID("sub_"), expiring, "active", 1500, "eur", "month", exp.AddDate(0, 0, 5)), now.Add(-time.Hour))
		hookAt(t, e, ws.ID, "payment_method.attached", cardPM(stripetest.ID("pm_"), expiring, "fp_exp", int(expMonth.Month()), expMonth.Year()), now.Add(-time.Hour))
		hookAt(t, e, ws.ID, "customer.subscription.created", stripetest.Subscription(stripetest.ID("sub_"), healthy, "active", 1500, "eur", "month", now.AddDate(0, 0, 20)), now.Add(-time.Hour))
		pm := stripetest.PaymentMethod(stripetest.ID("pm_"), failed, "visa", "credit", "fp_f")
		pi, ch := stripetest.ID("pi_"), stripetest.ID("ch_")
		hookAt(t, e, ws.ID, "charge.failed", stripetest.Charge(ch, pi, "insufficient_funds", pm), now.Add(-time.Minute))
		hookAt(t, e, ws.ID, "invoice.payment_failed", stripetest.Invoice(stripetest.ID("in_"), failed, stripetest.ID("sub_"), pi, 4900, "usd"), now.Add(-time.Minute))

		hash := func(c string) string { return cancelflow.AuthHash(ws.WidgetSecret, c) }
		q := func(c, h string) string {
			return "/v1/customer_notice?customer=" + url.QueryEscape(c) + "&auth_hash=" + url.QueryEscape(h)
		}
		cases := []struct {
			name, token, path string
			status            int
			code, state       string
		}{
			{"PaymentFailed", pub, q(failed, hash(failed)), 200, "", "payment_failed"},
			{"Healthy", pub, q(healthy, hash(healthy)), 200, "", "ok"},
			{"CardExpiring", pub, q(expiring, hash(expiring)), 200, "", "card_expiring"},
			{"UnknownCustomer", pub, q(stranger, hash(stranger)), 200, "", "ok"},
			{"SecretKeyWithWrite", admin, q(failed, hash(failed)), 200, "", "payment_failed"},
			{"SecretKeyReadOnly", readOnly, q(failed, hash(failed)), 403, "insufficient_scope", ""},
			{"WrongHash", pub, q(failed, hash(healthy)), 403, "invalid_auth_hash", ""},
			{"NoHash", pub, q(failed, ""), 403, "invalid_auth_hash", ""},
			{"NoCustomer", pub, "/v1/customer_notice", 400, "invalid_request", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do("GET", tc.path, tc.token, nil)
				if r.Status != tc.status || r.ErrorCode() != tc.code || (tc.state != "" && r.JSON["state"] != tc.state) {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
		f := e.Do("GET", q(failed, hash(failed)), pub, nil).JSON
		if f["amount_due"] != float64(4900) || f["currency"] != "usd" || f["invoice_due_at"] == nil ||
			f["update_url"] == nil || f["update_url"].(string)[:len("https://invoice.stripe.com/")] != "https://invoice.stripe.com/" {
			t.Fatalf("payment_failed notice: %v", f)
		}
		x := e.Do("GET", q(expiring, hash(expiring)), pub, nil).JSON
		if x["amount_due"] != float64(1500) || x["currency"] != "eur" || x["card"].(map[string]any)["last4"] != "4242" {
			t.Fatalf("card_expiring notice: %v", x)
		}
		if u, _ := url.Parse(x["update_url"].(string)); u == nil || u.Host != "hf.example" || u.Path[:len("/r/cus_")] != "/r/cus_" {
			t.Fatalf("card_expiring update_url = %v", x["update_url"])
		}
		h := e.Do("GET", q(healthy, hash(healthy)), pub, nil).JSON
		if h["amount_due"] != nil || h["update_url"] != nil || h["currency"] != nil || h["invoice_due_at"] != nil {
			t.Fatalf("ok notice: %v", h)
		}

		// Views and clicks.
		body := func(c, h, style string) map[string]any {
			return map[string]any{"customer": c, "auth_hash": h, "style": style}
		}
		for _, tc := range []struct {
			name, path string
			body       any
			status     int
			code       string
		}{
			{"View", "/v1/customer_notice/view", body(failed, hash(failed), "banner"), 200, ""},
			{"ViewWall", "/v1/customer_notice/view", body(failed, hash(failed), "wall"), 200, ""},
			{"Click", "/v1/customer_notice/click", body(failed, hash(failed), "wall"), 200, ""},
			{"WrongHash", "/v1/customer_notice/click", body(failed, "00", "wall"), 403, "invalid_auth_hash"},
			{"BadStyle", "/v1/customer_notice/view", body(failed, hash(failed), "popup"), 422, "validation_error"},
			{"UnknownField", "/v1/customer_notice/view", map[string]any{"customer": failed, "auth_hash": hash(failed), "x": 1}, 422, "validation_error"},
		} {
			t.Run("Action"+tc.name, func(t *testing.T) {
				r := e.Do("POST", tc.path, pub, tc.body)
				if r.Status != tc.status || r.ErrorCode() != tc.code {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				if tc.status == 200 && (r.JSON["state"] != "payment_failed" || r.JSON["recovery"] == "") {
					t.Fatalf("action: %s", r.Body)
				}
			})
		}
		st := e.Do("GET", "/v1/stats", admin, nil).JSON["in_app_notice"].(map[string]any)
		if st["views"] != float64(2) || st["clicks"] != float64(1) || st["recovered"] != float64(0) {
			t.Fatalf("in_app_notice = %v", st)
		}
	}, withEngineMailIngester(&eng, nil))
}
