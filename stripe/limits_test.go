package stripe_test

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// documented is what Stripe documents for every parameter Holdfast sends
// (the maxLength, enum and type of each in Stripe's OpenAPI description of
// the pinned version, spec3.json as shipped with stripe-mock v0.203.0).
type documented struct {
	max    int      // longest string accepted; 0: not a free string
	enum   []string // accepted values
	kind   string   // "int", "number", "bool", "url" for non-string values
	lo, hi float64  // bounds of an int or number ("number": lo exclusive)
}

var stripeParams = map[string]documented{
	// POST /v1/coupons
	"id":                 {max: stripe.MaxIDLength},
	"name":               {max: stripe.MaxCouponNameLength},
	"duration":           {enum: []string{"forever", "once", "repeating"}},
	"duration_in_months": {kind: "int", lo: 1, hi: 1e9},
	"percent_off":        {kind: "number", lo: 0, hi: 100},
	// POST /v1/subscriptions/:id
	"discounts[0][coupon]":         {max: stripe.MaxIDLength},
	"pause_collection[behavior]":   {enum: []string{"keep_as_draft", "mark_uncollectible", "void"}},
	"pause_collection[resumes_at]": {kind: "int", lo: 1, hi: 1e12},
	"items[0][id]":                 {max: stripe.MaxIDLength},
	"items[0][price]":              {max: stripe.MaxIDLength},
	"proration_behavior":           {enum: []string{"always_invoice", "create_prorations", "none"}},
	"cancel_at_period_end":         {kind: "bool"},
	// POST /v1/invoices/:id/pay
	"payment_method": {max: stripe.MaxIDLength},
	// POST /v1/billing_portal/sessions
	"customer":   {max: stripe.MaxIDLength},
	"return_url": {kind: "url"},
	// GET lists and retrievals
	"limit":          {kind: "int", lo: 1, hi: stripe.MaxListLimit},
	"starting_after": {max: stripe.MaxIDLength},
	"status":         {enum: []string{"active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid", "draft", "open", "paid", "uncollectible", "void"}},
	"expand[0]":      {max: 5000},
}

var pathID = regexp.MustCompile(`^/v1/(?:[a-z_]+/)+?([^/]+)(?:/pay)?$`)

// checkDocumented fails on any parameter of r outside Stripe's documented
// limits, and on any parameter this table does not know (add its limit).
func checkDocumented(t *testing.T, r sent) {
	t.Helper()
	if n := len(r.IdempotencyKey); n > stripe.MaxIdempotencyKeyLength {
		t.Errorf("%s %s: Idempotency-Key of %d characters (max %d)", r.Method, r.Path, n, stripe.MaxIdempotencyKeyLength)
	}
	for _, seg := range strings.Split(r.Path, "/") {
		if utf8.RuneCountInString(seg) > stripe.MaxIDLength {
			t.Errorf("%s: path id of %d characters", r.Method, utf8.RuneCountInString(seg))
		}
	}
	for _, vals := range []map[string][]string{r.Query, r.Form} {
		for name, vs := range vals {
			d, ok := stripeParams[name]
			if !ok {
				t.Errorf("%s %s sends %q: no documented limit in stripeParams", r.Method, r.Path, name)
				continue
			}
			for _, v := range vs {
				if msg := d.check(v); msg != "" {
					t.Errorf("%s %s: %s=%q %s", r.Method, r.Path, name, v, msg)
				}
			}
		}
	}
}

func (d documented) check(v string) string {
	switch {
	case d.enum != nil:
		if !slices.Contains(d.enum, v) {
			return "is not one of " + strings.Join(d.enum, ", ")
		}
	case d.kind == "bool":
		if v != "true" && v != "false" {
			return "is not a boolean"
		}
	case d.kind == "url":
		if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
			return "is not an absolute URL"
		}
	case d.kind == "int" || d.kind == "number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || d.kind == "int" && strings.Contains(v, ".") {
			return "is not a " + d.kind
		}
		if f > d.hi || f < d.lo || d.kind == "number" && f <= d.lo {
			return "is out of range"
		}
	default:
		if n := utf8.RuneCountInString(v); n > d.max {
			return "is " + strconv.Itoa(n) + " characters long; Stripe's limit is " + strconv.Itoa(d.max)
		}
	}
	return ""
}

// TestStripeParameterLimits drives every live Stripe call against the fake
// with the longest values Holdfast can produce (ids at the cancel flow's
// 255-character cap, the largest discount, the highest attempt count) and
// checks every string parameter, path id and idempotency key against
// Stripe's documented limits.
func TestStripeParameterLimits(t *testing.T) {
	long := func(prefix string) string { return prefix + strings.Repeat("x", 255-len(prefix)) }
	ids := backendIDs{customer: long("cus_"), subscription: long("sub_"), item: long("si_"), price: long("price_"), coupon: long("co_"),
		invoice: stripetest.ID("in_"), paymentIntent: stripetest.ID("pi_"), charge: stripetest.ID("ch_"), paymentMethod: stripetest.ID("pm_")}
	fake := stripetest.New(t)
	card := stripetest.PaymentMethod(ids.paymentMethod, ids.customer, "visa", "credit", stripetest.ID("fp"))
	fake.AddCustomer(stripetest.Customer(ids.customer, "limits@example.com", "Limits", base, nil))
	fake.AddInvoice(stripetest.Invoice(ids.invoice, ids.customer, ids.subscription, ids.paymentIntent, 4200, "usd"))
	fake.Put(stripetest.PaymentIntent(ids.paymentIntent, ids.customer, ids.charge, "", card))
	fake.Put(stripetest.Charge(ids.charge, ids.paymentIntent, "", card))
	fake.AddSubscriptionState(stripetest.SubscriptionState{ID: ids.subscription, Customer: ids.customer, ItemID: ids.item, Price: "price_pro"})
	fake.AddCoupon(ids.coupon)
	fake.Handle("POST /v1/invoices/{id}/pay", func(w http.ResponseWriter, r *http.Request) {
		stripetest.WriteJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "object": "invoice", "status": "paid"})
	})
	st := storetest.Open(t, storetest.Backends()[0])
	c := newCallEnv(t, st, fake.URL, "sk_live_limits", ids, 1)
	driveAll(t, c, func(t *testing.T, call liveCall, reqs []sent) {
		for _, r := range reqs {
			checkDocumented(t, r)
		}
	})
}

// TestCouponNameWithinStripeLimit: the generated coupon's name fits
// Stripe's 40 characters for every discount a flow accepts.
func TestCouponNameWithinStripeLimit(t *testing.T) {
	fake := stripetest.New(t)
	st := storetest.Open(t, storetest.Backends()[0])
	ids := backendIDs{customer: "cus_n", subscription: "sub_n", item: "si_n"}
	fake.AddSubscriptionState(stripetest.SubscriptionState{ID: ids.subscription, Customer: ids.customer, ItemID: ids.item})
	c := newCallEnv(t, st, fake.URL, "sk_live_names", ids, 1)
	for _, pm := range [][2]int{{1, 1}, {5, 1}, {20, 12}, {99, 36}, {100, 36}} {
		c.apply(t, "accept", &holdfast.Offer{Type: "discount", PercentOff: pm[0], DurationMonths: pm[1]})
	}
	names := 0
	for _, r := range fake.Mutations() {
		if r.Path == "/v1/coupons" {
			names++
			if n := utf8.RuneCountInString(r.Form.Get("name")); n == 0 || n > stripe.MaxCouponNameLength {
				t.Errorf("coupon name %q is %d characters", r.Form.Get("name"), n)
			}
		}
	}
	if names != 5 {
		t.Fatalf("%d coupons created, want 5", names)
	}
}

var _ = store.SQLite
