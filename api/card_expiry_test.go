package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/engine"
	"holdfast/mail"
	"holdfast/mail/smtptest"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// withEngineMailIngester wires the engine (test-mode email to mailer) and the
// Stripe ingester.
func withEngineMailIngester(eng **engine.Engine, mailer mail.Sender) func(*api.Config) {
	return func(c *api.Config) {
		withEngine(eng, mailer)(c)
		c.Services.Stripe = stripe.NewIngester(stripe.Config{Store: c.Store, Events: *eng})
	}
}

// cardPM is a card payment method expiring at month/year.
func cardPM(id, customer, fingerprint string, month, year int) map[string]any {
	return map[string]any{"id": id, "object": "payment_method", "type": "card", "customer": customer, "livemode": false,
		"card": map[string]any{"brand": "visa", "funding": "credit", "fingerprint": fingerprint, "last4": "4242",
			"exp_month": month, "exp_year": year, "country": "US"}}
}

// hookAt posts a signed Stripe event created at `created`; it returns the payload.
func hookAt(t *testing.T, e *apitest.Env, wsID, typ string, obj map[string]any, created time.Time) []byte {
	t.Helper()
	payload := stripetest.Event(stripetest.ID("evt_"), typ, false, created, obj, nil)
	hookRaw(t, e, wsID, payload)
	return payload
}

func hookRaw(t *testing.T, e *apitest.Env, wsID string, payload []byte) {
	t.Helper()
	res := e.Do("POST", "/hooks/stripe/"+wsID, "", payload, "Stripe-Signature", stripetest.Sign(payload, "whsec_e2e", time.Now()))
	if res.Status != 200 {
		t.Fatalf("hook: %d %s", res.Status, res.Body)
	}
}

// TestCardExpiryNotices plays expiring-card notices end to end in test mode:
// Stripe webhooks in, advance_clock, email out through an in-test SMTP
// server, the /r/ link to the (simulated) customer portal, events and stats.
func TestCardExpiryNotices(t *testing.T) {
	var eng *engine.Engine
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTP(srv.URL(), "Acme Billing <billing@acme.test>")
	if err != nil {
		t.Fatal(err)
	}
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		ws := e.Workspace("Cards")
		if err := e.Store.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, store.SecretStripeWebhook, "whsec_e2e", time.Now()); err != nil {
			t.Fatal(err)
		}
		key := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeRead, holdfast.ScopeWrite)
		ny, _ := time.LoadLocation("America/New_York")

		// The card expires next month (the month after, when next month's
		// 30-day point is already too close), the subscription renews after.
		now := time.Now()
		exp := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, ny)
		at := func(exp time.Time, days int) time.Time {
			last := exp.AddDate(0, 1, -1)
			return time.Date(last.Year(), last.Month(), last.Day()-days, 9, 0, 0, 0, ny)
		}
		if at(exp, 30).Before(now.Add(24 * time.Hour)) {
			exp = exp.AddDate(0, 1, 0)
		}
		month, year := int(exp.Month()), exp.Year()
		renewal := exp.AddDate(0, 1, 10)

		type person struct{ cus, pm, email string }
		people := map[string]*person{}
		for _, name := range []string{"Ann", "Bob", "Cyd"} {
			p := &person{cus: stripetest.ID("cus_"), pm: stripetest.ID("pm_"), email: strings.ToLower(name+"-"+holdfast.RandomBase62(6)) + "@example.com"}
			people[name] = p
			hookAt(t, e, ws.ID, "customer.created", stripetest.Customer(p.cus, p.email, name, now, map[string]any{"tz": "America/New_York"}), now.Add(-time.Hour))
			status := "active"
			if name == "Cyd" {
				status = "canceled" // no active subscription: no notice
			}
			hookAt(t, e, ws.ID, "customer.subscription.created", stripetest.Subscription(stripetest.ID("sub_"), p.cus, status, 2900, "usd", "month", renewal), now.Add(-time.Hour))
		}
		attachAnn := hookAt(t, e, ws.ID, "payment_method.attached", cardPM(people["Ann"].pm, people["Ann"].cus, "fp_ann", month, year), now.Add(-30*time.Minute))
		hookAt(t, e, ws.ID, "payment_method.attached", cardPM(people["Bob"].pm, people["Bob"].cus, "fp_bob", month, year), now.Add(-30*time.Minute))
		hookAt(t, e, ws.ID, "payment_method.attached", cardPM(people["Cyd"].pm, people["Cyd"].cus, "fp_cyd", month, year), now.Add(-30*time.Minute))

		// The customer object shows the card, never a number.
		cusRes := e.Do("GET", "/v1/customers?email="+url.QueryEscape(people["Ann"].email), key, nil).Data()
		if len(cusRes) != 1 {
			t.Fatalf("customer list: %v", cusRes)
		}
		card, _ := cusRes[0]["card"].(map[string]any)
		if card["last4"] != "4242" || card["exp_month"] != float64(month) || card["exp_year"] != float64(year) ||
			card["brand"] != "visa" || card["funding"] != "credit" || card["fingerprint"] != "fp_ann" {
			t.Fatalf("card on the customer = %v", cusRes[0]["card"])
		}
		annID := cusRes[0]["id"].(string)
		if res := e.Do("GET", "/api/v1/customers/"+annID, key, nil); res.Status != 200 || res.JSON["card"].(map[string]any)["last4"] != "4242" {
			t.Fatalf("read API customer: %d %s", res.Status, res.Body)
		}

		clock := now
		advanceTo := func(to time.Time) {
			t.Helper()
			secs := int64(to.Sub(clock).Seconds()) + 1
			if secs < 1 {
				secs = 1
			}
			res := e.Do("POST", "/v1/test_helpers/advance_clock", key, map[string]any{"seconds": secs})
			if res.Status != 200 {
				t.Fatalf("advance: %d %s", res.Status, res.Body)
			}
			clock, _ = time.Parse(time.RFC3339Nano, res.JSON["now"].(string))
		}
		mails := func(p *person) []smtptest.Received {
			var out []smtptest.Received
			for _, m := range srv.Messages() {
				if len(m.To) == 1 && m.To[0] == p.email {
					out = append(out, m)
				}
			}
			return out
		}
		wantMails := func(step string, ann, bob, cyd int) {
			t.Helper()
			if got := [3]int{len(mails(people["Ann"])), len(mails(people["Bob"])), len(mails(people["Cyd"]))}; got != [3]int{ann, bob, cyd} {
				t.Fatalf("%s: emails (Ann, Bob, Cyd) = %v, want %v", step, got, [3]int{ann, bob, cyd})
			}
		}

		// Just before the 30-day point nothing is sent; at it, Ann and Bob get one.
		advanceTo(at(exp, 30).Add(-time.Hour))
		wantMails("before 30 days", 0, 0, 0)
		advanceTo(at(exp, 30).Add(time.Minute))
		wantMails("30 days", 1, 1, 0)
		m := mails(people["Ann"])[0]
		if !strings.Contains(m.Subject, "4242") || !strings.Contains(m.TextBody, exp.AddDate(0, 1, -1).Format("January 2, 2006")) {
			t.Fatalf("notice: %q / %q", m.Subject, m.TextBody)
		}
		if strings.Contains(m.TextBody, "4242 4242") {
			t.Fatal("the notice shows more than the last four digits")
		}
		link := linkRE.FindStringSubmatch(m.TextBody)
		if link == nil {
			t.Fatalf("no /r/ link in %q", m.TextBody)
		}
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noRedirect.Get(e.Server.URL + link[1])
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusFound || !strings.Contains(loc, "/portal?t=") {
			t.Fatalf("click: %d → %q", res.StatusCode, loc)
		}
		u, _ := url.Parse(loc)
		page, err := http.Get(e.Server.URL + u.RequestURI())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		if page.StatusCode != 200 || !strings.Contains(string(body), "Simulated customer portal") || !strings.Contains(string(body), "4242") {
			t.Fatalf("portal page: %d %s", page.StatusCode, body)
		}
		lu, _ := url.Parse(link[1])
		notice, err := e.Store.GetCardNotice(ctx, strings.TrimPrefix(lu.Path, "/r/"))
		if err != nil || notice.ClickedAt == nil || notice.DaysBefore != 30 || notice.Status != holdfast.SendSent {
			t.Fatalf("notice after click = %+v (%v)", notice, err)
		}
		if bad, _ := noRedirect.Get(e.Server.URL + lu.Path + "?t=" + strings.Replace(lu.Query().Get("t"), ".", ".x", 1)); bad.StatusCode != 404 {
			t.Fatalf("forged link: %d", bad.StatusCode)
		}

		// Bob's card is automatically updated: no further notice for it.
		upd := cardPM(people["Bob"].pm, people["Bob"].cus, "fp_bob", month, year+3)
		hookAt(t, e, ws.ID, "payment_method.automatically_updated", upd, time.Now())

		// Duplicate and out-of-order events for Ann change nothing: the same
		// attach again, and an older update that would move the expiry.
		hookRaw(t, e, ws.ID, attachAnn)
		hookAt(t, e, ws.ID, "payment_method.updated", cardPM(people["Ann"].pm, people["Ann"].cus, "fp_ann", month, year+5), now.Add(-2*time.Hour))
		hookAt(t, e, ws.ID, "payment_method.attached", cardPM(stripetest.ID("pm_"), people["Ann"].cus, "fp_old", 1, year+9), now.Add(-3*time.Hour))
		after := e.Do("GET", "/v1/customers/"+annID, key, nil).JSON["card"].(map[string]any)
		if after["exp_year"] != float64(year) || after["fingerprint"] != "fp_ann" {
			t.Fatalf("a late event changed Ann's card: %v", after)
		}

		advanceTo(at(exp, 7).Add(time.Minute))
		wantMails("7 days", 2, 1, 0)
		advanceTo(exp.AddDate(0, 1, 2))
		wantMails("after expiry", 2, 1, 0)

		evs := map[string]int{}
		for _, ev := range e.Do("GET", "/v1/events?per_page=100", key, nil).Data() {
			evs[ev["type"].(string)]++
		}
		if evs[holdfast.EventCardExpiringNoticeSent] != 3 || evs[holdfast.EventCardUpdatedBeforeExpiry] != 1 {
			t.Fatalf("events = %v", evs)
		}
		for _, path := range []string{"/v1/stats", "/api/v1/stats"} {
			st := e.Do("GET", path, key, nil)
			ce, _ := st.JSON["card_expiry"].(map[string]any)
			if st.Status != 200 || ce["notices_sent"] != float64(3) || ce["updated_before_expiry"] != float64(1) || ce["expired_without_update"] != float64(1) {
				t.Fatalf("%s card_expiry = %v (%d)", path, st.JSON["card_expiry"], st.Status)
			}
		}
	}, withEngineMailIngester(&eng, sender))
}

// TestCardUpdateLinkLive: in live mode a card-update link opens a Stripe
// customer-portal session for the customer (POST /v1/billing_portal/sessions
// with the workspace's live key); a Stripe failure is a 409, and a forged
// link a 404 that calls nothing.
func TestCardUpdateLinkLive(t *testing.T) {
	var eng *engine.Engine
	fake := stripetest.NewWithKey(t, "sk_test_portal")
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		ws := e.Workspace("Live portal")
		if err := e.Store.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeLive, store.SecretStripeAPIKey, "sk_test_portal", time.Now()); err != nil {
			t.Fatal(err)
		}
		prov := stripetest.ID("cus_")
		c, err := e.Store.UpsertCustomer(ctx, ws.ID, holdfast.ModeLive, store.CustomerSnapshot{ProviderID: prov, ProviderTime: time.Now()}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		link := eng.CustomerPortalLink(c.Customer.ID, time.Now())
		u, _ := url.Parse(link)
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get := func(path string) *http.Response {
			res, err := noRedirect.Get(e.Server.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		before := len(fake.PortalSessions())
		res := get(u.RequestURI())
		sessions := fake.PortalSessions()
		if res.StatusCode != http.StatusFound || len(sessions) != before+1 || sessions[len(sessions)-1].Customer != prov ||
			res.Header.Get("Location") != sessions[len(sessions)-1].URL {
			t.Fatalf("click: %d → %q; sessions %+v", res.StatusCode, res.Header.Get("Location"), sessions)
		}
		if res := get(u.Path + "/portal?" + u.RawQuery); res.StatusCode != http.StatusNotFound {
			t.Fatalf("simulated portal of a live link: %d", res.StatusCode)
		}
		if res := get(u.Path + "?t=" + strings.Replace(u.Query().Get("t"), ".", ".x", 1)); res.StatusCode != http.StatusNotFound || len(fake.PortalSessions()) != before+1 {
			t.Fatalf("forged: %d", res.StatusCode)
		}
		fake.FailNext(stripetest.Failure{Status: 400, Type: "invalid_request_error", Message: "No configuration provided."})
		if res := get(u.RequestURI()); res.StatusCode != http.StatusConflict {
			t.Fatalf("Stripe failure: %d", res.StatusCode)
		}
	}, func(c *api.Config) {
		withEngine(&eng, nil)(c)
		zero := int64(0)
		eng.SetPortal(stripe.NewProvider(stripe.ProviderConfig{Store: c.Store, APIBase: fake.URL, MaxNetworkRetries: &zero}))
	})
}
