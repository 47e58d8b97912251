package stripe_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// FuzzWebhook throws arbitrary bodies at the receiver, most of them correctly
// signed so that parsing and applying are reached: malformed JSON, fields of
// the wrong type, nulls, deep nesting, huge payloads. The ingester must answer
// each with success or a 4xx (EINVALID / ETOOLARGE), never an internal error,
// a 500 or a panic — on every configured database.
func FuzzWebhook(f *testing.F) {
	now := time.Now()
	seeds := [][]byte{
		event("customer.created", now, stripetest.Customer("cus_Fz1", "a@example.com", "A", now, map[string]any{"holdfast_tags": "a,b", "tz": "Mars/Base"})),
		event("customer.updated", now, map[string]any{"id": "cus_Fz1", "email": 7, "metadata": "x", "invoice_settings": []any{1}, "address": "str"}),
		event("customer.deleted", now, map[string]any{"id": map[string]any{"id": 5}}),
		event("customer.subscription.updated", now, stripetest.Subscription("sub_Fz1", "cus_Fz1", "active", 100, "usd", "month", now)),
		event("customer.subscription.deleted", now, map[string]any{"id": "sub_Fz2", "items": map[string]any{"data": []any{"x", 1, nil,
			map[string]any{"price": "p", "quantity": "three", "current_period_end": -5}}}, "discounts": []any{5, "di_1"}, "pause_collection": 3}),
		event("invoice.payment_failed", now, stripetest.Invoice("in_Fz1", "cus_Fz1", "sub_Fz1", "pi_Fz1", 500, "usd")),
		event("invoice.payment_failed", now, map[string]any{"id": "in_Fz2", "amount_due": 1e300, "payments": map[string]any{"data": map[string]any{}},
			"customer": map[string]any{"id": nil}, "lines": "none", "currency": nil}),
		event("invoice.paid", now, map[string]any{"id": "in_Fz1", "status": 1}),
		event("invoice.voided", now, map[string]any{"id": ""}),
		event("invoice.marked_uncollectible", now, map[string]any{}),
		event("charge.failed", now, map[string]any{"id": "ch_Fz", "outcome": "declined", "payment_method_details": map[string]any{"card": 1}}),
		event("payment_intent.payment_failed", now, map[string]any{"id": "pi_Fz", "last_payment_error": map[string]any{"payment_method": []any{}}}),
		event("payment_method.attached", now, map[string]any{"id": "pm_Fz", "customer": "cus_Fz1", "card": nil}),
		event("some.unknown.type", now, map[string]any{}),
		event("customer.created", now, map[string]any{"id": strings.Repeat("x", 4000), "email": strings.Repeat("e", 3000) + "\x00@x"}),
		[]byte(`{"id":"evt_1","object":"event","type":"customer.created","created":"yesterday","livemode":false,"data":{"object":{}}}`),
		[]byte(`{"id":"evt_2","object":"event","type":"customer.created","created":1,"livemode":false,"data":null}`),
		[]byte(`{"id":"evt_3","object":"event","type":"customer.created","created":-99999999999999,"livemode":false,"data":{"object":null}}`),
		[]byte(`{"id":"evt_4","object":"event","type":"invoice.paid","created":1e30,"data":{"object":[]}}`),
		[]byte(`{"id":"evt_5","object":"event","type":5}`),
		[]byte(`{"object":"event"`),
		[]byte(`[]`),
		[]byte(`null`),
		[]byte(``),
		[]byte(strings.Repeat(`{"a":`, 10000) + strings.Repeat(`}`, 10000)),
		[]byte(`{"id":"evt_big","object":"event","pad":"` + strings.Repeat("x", 2<<20) + `"}`),
	}
	for _, s := range seeds {
		f.Add(s, true, "")
	}
	f.Add(seeds[0], false, "t=1,v1=zz")
	f.Add(seeds[0], false, "t=notanumber,v1=00")
	f.Add(seeds[0], false, ",,,=,v1")
	f.Add(seeds[0], false, "t="+strings.Repeat("9", 40)+",v1=ab")

	type target struct {
		ws  string
		in  *stripe.Ingester
		srv *api.Server
	}
	var targets []target
	for _, backend := range storetest.Backends() {
		st := storetest.Open(f, backend)
		e := newEnv(f, st)
		if err := st.SetWorkspaceSecret(context.Background(), e.ws, holdfast.ModeTest, store.SecretStripeWebhook, testSecret, now); err != nil {
			f.Fatal(err)
		}
		srv := api.New(api.Config{Store: st, Logger: quietLogger(), Services: api.Services{Stripe: e.in}})
		targets = append(targets, target{ws: e.ws, in: e.in, srv: srv})
	}

	f.Fuzz(func(t *testing.T, payload []byte, sign bool, header string) {
		if sign {
			header = stripetest.Sign(payload, testSecret, time.Now())
		}
		for _, tg := range targets {
			_, err := tg.in.HandleWebhook(context.Background(), tg.ws, payload, header)
			if code := holdfast.ErrorCode(err); err != nil && code != holdfast.EINVALID && code != holdfast.ETOOLARGE {
				t.Fatalf("internal error for a bad delivery: %v", err)
			}
			req := httptest.NewRequest(http.MethodPost, "/hooks/stripe/"+tg.ws, bytes.NewReader(payload))
			req.Header.Set("Stripe-Signature", header)
			rec := httptest.NewRecorder()
			tg.srv.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
			}
		}
	})
}
