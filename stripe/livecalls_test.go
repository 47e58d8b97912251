package stripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// This file drives every live-mode Stripe call Holdfast makes, once each,
// against a Stripe backend: the local fake (limits_test.go checks what is
// sent against Stripe's documented limits) or stripe-mock (stripemock_test.go
// fails on any 4xx).

// sent is one request as it left Holdfast, and Stripe's answer.
type sent struct {
	Method, Path   string
	Query, Form    url.Values
	IdempotencyKey string
	Status         int
	Body           string // the answer, for messages
}

// wire is an HTTP transport that records every request and answer. With
// pages > 1, list answers (GET /v1/customers, /v1/subscriptions,
// /v1/invoices) say has_more until a list was asked pages times, so a
// backend that always answers one page (stripe-mock) is walked page by page.
type wire struct {
	pages int

	mu    sync.Mutex
	reqs  []sent
	asked map[string]int
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form, _ := url.ParseQuery(string(body))
	w.mu.Lock()
	if isList(r) && w.pages > 1 && resp.StatusCode == http.StatusOK {
		if w.asked == nil {
			w.asked = map[string]int{}
		}
		w.asked[r.URL.Path]++
		if w.asked[r.URL.Path] < w.pages {
			var page map[string]any
			if json.Unmarshal(answer, &page) == nil {
				page["has_more"] = true
				answer, _ = json.Marshal(page)
			}
		}
	}
	w.reqs = append(w.reqs, sent{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Form: form,
		IdempotencyKey: r.Header.Get("Idempotency-Key"), Status: resp.StatusCode, Body: string(answer)})
	w.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(answer))
	resp.ContentLength = int64(len(answer))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func isList(r *http.Request) bool {
	switch r.URL.Path {
	case "/v1/customers", "/v1/subscriptions", "/v1/invoices":
		return r.Method == http.MethodGet
	}
	return false
}

// since returns the requests recorded after the first n.
func (w *wire) since(n int) []sent {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]sent(nil), w.reqs[n:]...)
}

func (w *wire) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.reqs)
}

// backendIDs are objects the Stripe backend knows: a subscription with its
// customer and first item, a price, a configured coupon, a failed invoice
// with its payment intent and charge, and a payment method.
type backendIDs struct {
	customer, subscription, item, price, coupon   string
	invoice, paymentIntent, charge, paymentMethod string
}

// callEnv is a workspace whose live mode talks to a Stripe backend with the
// live key liveKey, through wire.
type callEnv struct {
	ctx  context.Context
	e    *env
	p    *stripe.Provider
	wire *wire
	ids  backendIDs
}

func newCallEnv(t *testing.T, st *store.Store, base, liveKey string, ids backendIDs, pages int) *callEnv {
	t.Helper()
	w := &wire{pages: pages}
	hc := &http.Client{Transport: w, Timeout: 30 * time.Second}
	zero := int64(0)
	e := newEnv(t, st, func(c *stripe.Config) { c.APIBase, c.HTTPClient = base, hc })
	ctx := context.Background()
	if err := st.SetWorkspaceSecret(ctx, e.ws, holdfast.ModeLive, store.SecretStripeAPIKey, liveKey, time.Now()); err != nil {
		t.Fatal(err)
	}
	p := stripe.NewProvider(stripe.ProviderConfig{Store: st, APIBase: base, HTTPClient: hc, MaxNetworkRetries: &zero,
		Logger: slog.New(slog.DiscardHandler)})
	return &callEnv{ctx: ctx, e: e, p: p, wire: w, ids: ids}
}

// liveCall is one live-mode Stripe call, driven through Holdfast's code;
// path is the endpoint it must reach.
type liveCall struct {
	name   string
	method string
	path   func(ids backendIDs) string
	run    func(t *testing.T, c *callEnv)
}

// session is a cancel-session request for the backend's subscription; the
// session id has the length of real ones and the attempt count is high, so
// the idempotency keys are as long as they get.
func (c *callEnv) session(action string, offer *holdfast.Offer) holdfast.ApplyRequest {
	return holdfast.ApplyRequest{WorkspaceID: c.e.ws, SessionID: holdfast.NewID(holdfast.PrefixCancelSession), Customer: c.ids.customer,
		Subscription: c.ids.subscription, Action: action, Offer: offer, Attempt: 999}
}

func (c *callEnv) apply(t *testing.T, action string, offer *holdfast.Offer) {
	t.Helper()
	applied, err := c.p.Apply(c.ctx, c.session(action, offer))
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if applied.Provider != "stripe" || len(applied.Actions) == 0 {
		t.Fatalf("applied %+v", applied)
	}
}

// declineEvent delivers a live invoice.payment_failed without a decline
// code, naming the payment intent, only the charge, or neither.
func (c *callEnv) declineEvent(t *testing.T, withPI, withCharge bool) {
	t.Helper()
	inv := stripetest.Invoice(c.ids.invoice, c.ids.customer, c.ids.subscription, "", 4200, "usd")
	if withPI {
		inv = stripetest.Invoice(c.ids.invoice, c.ids.customer, c.ids.subscription, c.ids.paymentIntent, 4200, "usd")
	}
	if withCharge {
		inv["charge"] = c.ids.charge
	}
	inv["livemode"] = true
	c.e.must(stripetest.Event(stripetest.ID("evt_"), "invoice.payment_failed", true, time.Now(), inv, nil), true)
}

func sub(ids backendIDs) string { return "/v1/subscriptions/" + ids.subscription }

var liveCalls = []liveCall{
	{"Sync", "GET", func(backendIDs) string { return "/v1/invoices" }, func(t *testing.T, c *callEnv) {
		if _, err := c.e.in.Sync(c.ctx, stripe.SyncOptions{WorkspaceID: c.e.ws, Mode: holdfast.ModeLive}); err != nil {
			t.Fatalf("sync: %v", err)
		}
	}},
	{"DeclineLookupPaymentIntent", "GET", func(ids backendIDs) string { return "/v1/payment_intents/" + ids.paymentIntent }, func(t *testing.T, c *callEnv) {
		c.declineEvent(t, true, false)
	}},
	{"DeclineLookupCharge", "GET", func(ids backendIDs) string { return "/v1/charges/" + ids.charge }, func(t *testing.T, c *callEnv) {
		c.declineEvent(t, false, true)
	}},
	{"DeclineLookupInvoicePayments", "GET", func(ids backendIDs) string { return "/v1/invoices/" + ids.invoice }, func(t *testing.T, c *callEnv) {
		c.declineEvent(t, false, false)
	}},
	{"InvoicePay", "POST", func(ids backendIDs) string { return "/v1/invoices/" + ids.invoice + "/pay" }, func(t *testing.T, c *callEnv) {
		res, err := c.p.Pay(c.ctx, holdfast.PayRequest{WorkspaceID: c.e.ws, Mode: holdfast.ModeLive, Invoice: c.ids.invoice,
			IdempotencyKey: "hf_att_" + holdfast.NewID(holdfast.PrefixAttempt), PaymentMethod: c.ids.paymentMethod})
		if err != nil || res.Decline.FailureCode != "" && res.Decline.FailureCode != "invoice_not_paid" {
			t.Fatalf("pay: %+v %v", res, err)
		}
	}},
	{"Coupon", "POST", func(backendIDs) string { return "/v1/coupons" }, func(t *testing.T, c *callEnv) {
		// The longest generated name: 100 % for the most months a flow allows.
		c.apply(t, holdfast.ApplyAccept, &holdfast.Offer{Type: holdfast.OfferDiscount, PercentOff: 100, DurationMonths: 36})
	}},
	{"DiscountConfiguredCoupon", "POST", sub, func(t *testing.T, c *callEnv) {
		c.apply(t, holdfast.ApplyAccept, &holdfast.Offer{Type: holdfast.OfferDiscount, CouponID: c.ids.coupon, PercentOff: 20, DurationMonths: 3})
	}},
	{"PauseResumesAt", "POST", sub, func(t *testing.T, c *callEnv) {
		resumes := time.Now().AddDate(0, 2, 0).Truncate(time.Second)
		c.apply(t, holdfast.ApplyAccept, &holdfast.Offer{Type: holdfast.OfferPause, MaxMonths: 3, Months: 2, Behavior: "void",
			ResumeBehavior: "auto", ResumesAt: &resumes})
	}},
	{"PauseManualResume", "POST", sub, func(t *testing.T, c *callEnv) {
		c.apply(t, holdfast.ApplyAccept, &holdfast.Offer{Type: holdfast.OfferPause, MaxMonths: 3, Months: 1, Behavior: "mark_uncollectible",
			ResumeBehavior: "manual"})
	}},
	{"Downgrade", "POST", sub, func(t *testing.T, c *callEnv) {
		c.apply(t, holdfast.ApplyAccept, &holdfast.Offer{Type: holdfast.OfferDowngrade, PriceID: c.ids.price, Proration: "create_prorations"})
	}},
	{"CancelAtPeriodEnd", "POST", sub, func(t *testing.T, c *callEnv) {
		c.apply(t, holdfast.ApplyCancel, nil)
	}},
	{"PortalSession", "POST", func(backendIDs) string { return "/v1/billing_portal/sessions" }, func(t *testing.T, c *callEnv) {
		u, err := c.p.CreatePortalSession(c.ctx, c.e.ws, holdfast.ModeLive, c.ids.customer, "https://shop.example/account?from=holdfast")
		if err != nil || !strings.HasPrefix(u, "http") {
			t.Fatalf("portal: %q %v", u, err)
		}
	}},
}

// driveAll runs every live call in its own subtest and hands the requests
// it made to check; each call must reach its endpoint.
func driveAll(t *testing.T, c *callEnv, check func(t *testing.T, call liveCall, reqs []sent)) {
	for _, call := range liveCalls {
		t.Run(call.name, func(t *testing.T) {
			n := c.wire.count()
			call.run(t, c)
			reqs := c.wire.since(n)
			want, reached := call.path(c.ids), false
			for _, r := range reqs {
				reached = reached || r.Method == call.method && r.Path == want
			}
			if !reached {
				t.Fatalf("%s %s was not called; requests: %+v", call.method, want, reqs)
			}
			check(t, call, reqs)
		})
	}
}
