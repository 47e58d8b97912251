// Package notice drives the in-app payment notice (Holdfast.paymentNotice)
// in headless Chromium against an in-process server on both databases: the
// banner and the wall for a customer whose payment failed, nothing for a
// healthy one, the click recorded and credited when the invoice is paid.
package notice

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"holdfast"
	"holdfast/api"
	"holdfast/cancelflow"
	"holdfast/e2e/chrome"
	"holdfast/engine"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
	"holdfast/widget"
)

const hookSecret = "whsec_notice"

type env struct {
	t       *testing.T
	url     string
	st      *store.Store
	ws      *holdfast.Workspace
	secret  string
	failed  string // Stripe customer ids
	healthy string
	invoice string
}

// start wires engine, Stripe ingester, API, widget and the notice demo page.
func start(t *testing.T, backend string) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, backend)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	eng := engine.New(engine.Config{Store: st, Logger: log, SigningKey: []byte("e2e"), PublicURL: "http://127.0.0.1"})
	ing := stripe.NewIngester(stripe.Config{Store: st, Events: eng, Logger: log})
	e := &env{t: t, st: st, ws: &holdfast.Workspace{Name: "Notice Co"}}
	if err := st.CreateWorkspace(ctx, e.ws, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.SetWorkspaceSecret(ctx, e.ws.ID, holdfast.ModeTest, store.SecretStripeWebhook, hookSecret, time.Now()); err != nil {
		t.Fatal(err)
	}
	pub := &holdfast.APIKey{WorkspaceID: e.ws.ID, Mode: holdfast.ModeTest, Kind: holdfast.KindPublishable}
	if err := st.CreateKey(ctx, pub, time.Now()); err != nil {
		t.Fatal(err)
	}
	sec := &holdfast.APIKey{WorkspaceID: e.ws.ID, Mode: holdfast.ModeTest, Kind: holdfast.KindSecret,
		Scopes: []holdfast.Scope{holdfast.ScopeRead, holdfast.ScopeWrite}}
	if err := st.CreateKey(ctx, sec, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.secret = sec.Token
	e.failed, e.healthy = stripetest.ID("cus_"), stripetest.ID("cus_")
	page := widget.NoticeDemoPageHandler(func(*http.Request) (widget.NoticeDemoConfig, error) {
		return widget.NoticeDemoConfig{PublishableKey: pub.Token,
			FailedCustomer: e.failed, FailedAuthHash: cancelflow.AuthHash(e.ws.WidgetSecret, e.failed),
			HealthyCustomer: e.healthy, HealthyAuthHash: cancelflow.AuthHash(e.ws.WidgetSecret, e.healthy)}, nil
	})
	srv := api.New(api.Config{Store: st, Logger: log,
		Extra:    []api.Mount{{Pattern: "/widget.js", Handler: widget.ScriptHandler()}, {Pattern: "/demo/notice", Handler: page}},
		Services: api.Services{Engine: eng, Recovery: eng, Notices: eng, Stripe: ing}})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e.url = ts.URL

	// The failed customer's invoice failed; the healthy one pays monthly.
	e.hook("customer.created", stripetest.Customer(e.failed, "fay@example.com", "Fay", time.Now(), nil))
	e.hook("customer.created", stripetest.Customer(e.healthy, "hal@example.com", "Hal", time.Now(), nil))
	e.hook("customer.subscription.created", stripetest.Subscription(stripetest.ID("sub_"), e.healthy, "active", 1900, "usd", "month", time.Now().AddDate(0, 0, 20)))
	pm := stripetest.PaymentMethod(stripetest.ID("pm_"), e.failed, "visa", "credit", "fp_fay")
	e.invoice = stripetest.ID("in_")
	pi, ch := stripetest.ID("pi_"), stripetest.ID("ch_")
	e.hook("charge.failed", stripetest.Charge(ch, pi, "insufficient_funds", pm))
	e.hook("invoice.payment_failed", stripetest.Invoice(e.invoice, e.failed, stripetest.ID("sub_"), pi, 4900, "usd"))
	return e
}

func (e *env) hook(typ string, obj map[string]any) {
	e.t.Helper()
	payload := stripetest.Event(stripetest.ID("evt_"), typ, false, time.Now(), obj, nil)
	req, _ := http.NewRequest("POST", e.url+"/hooks/stripe/"+e.ws.ID, strings.NewReader(string(payload)))
	req.Header.Set("Stripe-Signature", stripetest.Sign(payload, hookSecret, time.Now()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		e.t.Fatalf("%s: %d", typ, res.StatusCode)
	}
}

func (e *env) get(path string) map[string]any {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
		e.t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
	}
	return out
}

func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// poll waits until a JavaScript expression is truthy.
func poll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		_, err := chromedp.Run(c, chromedp.Poll[bool](expr))
		// Right after a navigation the page's JavaScript context can be
		// replaced under a running poll (seen on a loaded CI machine):
		// that is not an answer, so poll again in the new context.
		if err != nil && strings.Contains(err.Error(), "Cannot find context with specified id") && c.Err() == nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return
	}
}

const (
	bannerJS = `document.querySelector('[data-holdfast-notice="banner"]')`
	wallJS   = `document.querySelector('[data-holdfast-notice="wall"]')`
)

func TestPaymentNoticeInBrowser(t *testing.T) {
	chrome.Require(t)
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			e := start(t, backend)
			ctx := chrome.New(t, 1024, 768)

			// Banner for the failed payment; nothing for the healthy customer.
			step(t, ctx, "open the demo page", chromedp.Navigate(e.url+"/demo/notice"))
			poll(t, ctx, "banner", bannerJS+` && `+bannerJS+`.shadowRoot.querySelector('[data-hf="notice-banner"]') !== null`)
			poll(t, ctx, "healthy customer answered", `document.getElementById('healthy-result').dataset.state !== 'pending'`)
			if got := eval[string](t, ctx, `document.getElementById('healthy-result').dataset.state`); got != "none" {
				t.Fatalf("healthy customer: notice %q, want nothing", got)
			}
			if n := eval[int](t, ctx, `document.querySelectorAll('[data-holdfast-notice]').length`); n != 1 {
				t.Fatalf("%d notices on the page, want only the failed customer's banner", n)
			}
			text := eval[string](t, ctx, bannerJS+`.shadowRoot.querySelector('[data-hf="notice-banner"]').textContent`)
			if !strings.Contains(text, "didn\u2019t go through") || !strings.Contains(text, "$49.00") {
				t.Fatalf("banner text %q", text)
			}
			// Styled from its own sheet in the shadow root under the page's
			// strict CSP, and nothing added to the page's styles.
			if pos := eval[string](t, ctx, `getComputedStyle(`+bannerJS+`.shadowRoot.querySelector('.hf-banner')).position`); pos != "fixed" {
				t.Fatalf("banner position %q: its stylesheet did not apply", pos)
			}
			if n := eval[int](t, ctx, `document.styleSheets.length`); n != 1 {
				t.Fatalf("the page has %d style sheets; the notice must add none", n)
			}
			if lbl := eval[string](t, ctx, bannerJS+`.shadowRoot.querySelector('[data-hf="notice-dismiss"]').getAttribute('aria-label')`); lbl != "Dismiss" {
				t.Fatalf("dismiss label %q", lbl)
			}
			chrome.Screenshot(t, ctx, "payment-notice-"+backend+"-banner")

			// The banner dismisses.
			eval[bool](t, ctx, bannerJS+`.shadowRoot.querySelector('[data-hf="notice-dismiss"]').click() || true`)
			poll(t, ctx, "banner dismissed", bannerJS+` === null`)

			// The wall blocks the page and keeps focus on its button.
			step(t, ctx, "show the wall", chromedp.Click(chromedp.ID("show-wall")))
			poll(t, ctx, "wall", wallJS+` && `+wallJS+`.shadowRoot.querySelector('[data-hf="notice-wall"]') !== null`)
			focused := `document.activeElement === ` + wallJS + ` && ` + wallJS + `.shadowRoot.activeElement.dataset.hf === 'notice-update'`
			poll(t, ctx, "focus on the wall's button", focused)
			step(t, ctx, "tab", chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"))
			if !eval[bool](t, ctx, focused) {
				t.Fatal("Tab left the wall")
			}
			step(t, ctx, "escape", chromedp.KeyEvent("\x1b"))
			if eval[bool](t, ctx, wallJS+` === null`) {
				t.Fatal("Escape removed the blocking wall")
			}
			if role := eval[string](t, ctx, wallJS+`.shadowRoot.querySelector('[data-hf="notice-wall"]').getAttribute('role')`); role != "alertdialog" {
				t.Fatalf("wall role %q", role)
			}
			chrome.Screenshot(t, ctx, "payment-notice-"+backend+"-wall")

			// Enter on the focused button: the click is recorded and onUpdate runs.
			step(t, ctx, "update payment method", chromedp.KeyEvent("\r"))
			poll(t, ctx, "onUpdate", `document.getElementById('clicked').dataset.state === 'payment_failed'`)

			// The widget records the click before it calls onUpdate.
			stats := func() map[string]any { return e.get("/v1/stats")["in_app_notice"].(map[string]any) }
			if s := stats(); s["clicks"] != float64(1) || s["views"] != float64(2) {
				t.Fatalf("in_app_notice = %v, want 2 views (banner, wall) and 1 click", s)
			}

			// The customer pays: the recovery is credited to the notice.
			e.hook("invoice.paid", map[string]any{"id": e.invoice, "object": "invoice", "customer": e.failed, "status": "paid", "livemode": false})
			recs := e.get("/api/v1/campaigns?status=recovered")["data"].([]any)
			if len(recs) != 1 || recs[0].(map[string]any)["recovered_by"] != holdfast.RecoveredByInAppNotice {
				t.Fatalf("recovered = %v", recs)
			}
			if s := stats(); s["recovered"] != float64(1) {
				t.Fatalf("in_app_notice = %v, want recovered 1", s)
			}
		})
	}
}
