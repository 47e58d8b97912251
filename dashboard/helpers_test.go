package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/cancelflow"
	"holdfast/dashboard"
	"holdfast/engine"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe"
)

// env is the API server with the dashboard mounted, over a real database.
type env struct {
	*apitest.Env
	clock *holdfast.ManualClock // sessions and lockouts expire on it
	dash  *dashboard.Dashboard
}

// password is every test user's password.
const password = "correct horse battery"

func newEnv(t *testing.T, backend string, cfg func(*dashboard.Config)) *env {
	t.Helper()
	e := &env{clock: holdfast.NewManualClock(time.Now().UTC())}
	e.Env = apitest.New(t, backend, func(c *api.Config) {
		dc := dashboard.Config{Store: c.Store, Clock: e.clock}
		if cfg != nil {
			cfg(&dc)
		}
		e.dash = dashboard.New(dc)
		for _, p := range dashboard.Patterns {
			c.Extra = append(c.Extra, api.Mount{Pattern: p, Handler: e.dash})
		}
		c.NotFoundPage = e.dash.NotFound()
	})
	return e
}

// each runs fn on a fresh env per database.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range storetest.Backends() {
		t.Run(b, func(t *testing.T) { fn(t, newEnv(t, b, nil)) })
	}
}

// user creates a dashboard user with the test password.
func (e *env) user(wsID, email string) *holdfast.User {
	e.T.Helper()
	hash, err := dashboard.HashPassword(password)
	if err != nil {
		e.T.Fatal(err)
	}
	u := &holdfast.User{WorkspaceID: wsID, Email: email}
	if err := e.Store.CreateUser(context.Background(), u, hash, "", time.Time{}, time.Now()); err != nil {
		e.T.Fatal(err)
	}
	return u
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	// headers are added to every request (e.g. a spoofed origin).
	headers map[string]string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.T, base: e.Server.URL, headers: map[string]string{}, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer.
type page struct {
	Status   int
	Body     string
	Location string
}

func (b *browser) do(method, path string, form url.Values) *page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.headers {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return &page{Status: res.StatusCode, Body: string(raw), Location: res.Header.Get("Location")}
}

func (b *browser) get(path string) *page { return b.do("GET", path, nil) }

// post submits a form found on the page at from, adding its CSRF token.
func (b *browser) post(from, path string, form url.Values) *page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if from != "" {
		form.Set("csrf_token", b.get(from).csrf(b.t))
	}
	return b.do("POST", path, form)
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the page's CSRF token.
func (p *page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no csrf token on page (status %d): %.300s", p.Status, p.Body)
	}
	return m[1]
}

// login signs in and fails the test unless it worked.
func (b *browser) login(email string) {
	b.t.Helper()
	p := b.post("/dashboard/login", "/dashboard/login", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther || p.Location != "/dashboard/overview" {
		b.t.Fatalf("login %s: status %d location %q body %.300s", email, p.Status, p.Location, p.Body)
	}
}

// seedRecoveries opens failed payments through the real engine (test mode,
// simulated provider) for a workspace, with one customer each.
func seedRecoveries(t testing.TB, st *store.Store, wsID string, n int, currency string, amount int64) (*engine.Engine, []*holdfast.Payment) {
	t.Helper()
	ctx := context.Background()
	eng := engine.New(engine.Config{Store: st, SigningKey: []byte("k"), PublicURL: "http://127.0.0.1"})
	var out []*holdfast.Payment
	for i := range n {
		pid := "cus_" + holdfast.RandomBase62(10)
		email := strings.ToLower(pid) + "@example.com"
		if _, err := st.UpsertCustomer(ctx, wsID, holdfast.ModeTest, store.CustomerSnapshot{ProviderID: pid, Email: &email,
			ProviderTime: time.Now()}, time.Now()); err != nil {
			t.Fatal(err)
		}
		codes := []string{"insufficient_funds", "expired_card", "generic_decline", "try_again_later"}
		p, err := eng.InvoiceFailed(ctx, holdfast.InvoiceFailure{WorkspaceID: wsID, Mode: holdfast.ModeTest,
			Invoice: "in_" + holdfast.RandomBase62(12), ProviderCustomerID: pid, Subscription: "sub_" + holdfast.RandomBase62(8),
			Amount: amount + int64(i), Currency: currency, Decline: holdfast.Decline{Code: codes[i%len(codes)], FailureCode: "card_declined"},
			Card: holdfast.Card{Fingerprint: "fp_" + pid, Brand: "visa", Funding: "credit"}, ProviderTime: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return eng, out
}

var hrefIDRe = regexp.MustCompile(`href="/dashboard/[a-z-]+/((?:rec|pay|cus|cmp|we)_[A-Za-z0-9]+)"`)

// linkedIDs returns the object ids a page links to.
func linkedIDs(body string) []string {
	var out []string
	for _, m := range hrefIDRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// seedHistory gives a workspace's test mode recoveries in every state (two
// currencies) and cancel sessions of several outcomes, through the engine
// and the cancel-flow service.
func seedHistory(t testing.TB, st *store.Store, ws *holdfast.Workspace) (recoveries []*holdfast.Payment) {
	t.Helper()
	ctx := context.Background()
	eng, usd := seedRecoveries(t, st, ws.ID, 8, "usd", 2500)
	_, eur := seedRecoveries(t, st, ws.ID, 3, "eur", 9900)
	now := time.Now()
	mustOK := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustOK(eng.InvoicePaid(ctx, ws.ID, holdfast.ModeTest, usd[0].Invoice, now))
	mustOK(eng.InvoicePaid(ctx, ws.ID, holdfast.ModeTest, usd[1].Invoice, now))
	mustOK(eng.InvoicePaid(ctx, ws.ID, holdfast.ModeTest, eur[0].Invoice, now))
	mustOK(eng.InvoiceLost(ctx, ws.ID, holdfast.ModeTest, usd[2].Invoice, "voided", now))
	mustOK(eng.CustomerDeleted(ctx, ws.ID, holdfast.ModeTest, usd[3].Customer, now))

	svc := cancelflow.New(cancelflow.Config{Store: st, Test: stripe.SimulatedApplier{}})
	off, err := st.TestClockOffset(ctx, ws.ID)
	mustOK(err)
	at := time.Now().Add(off)
	for i, plan := range []struct{ reason, end string }{
		{"too_expensive", "accept"}, {"not_using", "accept"}, {"switching", "cancel"},
		{"too_expensive", "cancel"}, {"other", ""}, {"", ""},
	} {
		cust := "cus_cs" + string(rune('a'+i))
		cs, err := svc.Start(ctx, ws, holdfast.ModeTest, at.Add(time.Duration(i)*time.Millisecond), cust, "sub_cs"+string(rune('a'+i)),
			cancelflow.AuthHash(ws.WidgetSecret, cust))
		mustOK(err)
		if plan.reason == "" {
			continue
		}
		if plan.end == "" && plan.reason == "other" {
			// A failed provider call leaves its full answer on the session.
			mustOK(st.RecordCancelSessionProviderError(ctx, cs, &holdfast.ProviderError{Message: "No such price: price_gone", Type: "invalid_request_error",
				Code: "resource_missing", HTTPStatus: 400, RequestID: "req_dashboard1", OccurredAt: at}, true, at))
		}
		_, err = svc.Respond(ctx, ws.ID, holdfast.ModeTest, at.Add(time.Second), cs.ID, plan.reason, nil)
		mustOK(err)
		switch plan.end {
		case "accept":
			months := 0
			if plan.reason == "not_using" { // a pause offer: the customer picks how long
				months = 1
			}
			_, err = svc.Accept(ctx, ws.ID, holdfast.ModeTest, at.Add(2*time.Second), cs.ID, months)
		case "cancel":
			_, err = svc.Cancel(ctx, ws.ID, holdfast.ModeTest, at.Add(2*time.Second), cs.ID)
		}
		mustOK(err)
	}
	return append(usd, eur...)
}
