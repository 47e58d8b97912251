package widget

import (
	"bytes"
	"html/template"
	"net/http"
)

// DemoConfig holds what the demo page passes to Holdfast.cancelFlow. The values
// end up inside an inline script; html/template escapes them for that context.
type DemoConfig struct {
	// PublishableKey is an hf_pub_ key of the workspace (test mode).
	PublishableKey string
	// Customer is the Stripe customer id the flow runs for.
	Customer string
	// Subscription is the Stripe subscription id to save or cancel.
	Subscription string
	// AuthHash is the hex HMAC-SHA256 of Customer under the widget secret (SPEC §7).
	AuthHash string
	// APIBase is the API origin; "" means the origin the widget was loaded from.
	APIBase string
	// Withheld, when set, says why an offer is not made to this customer
	// right now (the discount cooldown); the page shows it above the button.
	Withheld string
	// CooldownDays is the flow's discount cooldown, for the note shown
	// after a discount is accepted (0: no cooldown).
	CooldownDays int
}

// demoTemplate is parsed once; a parse error is a build mistake that any test
// of this package catches.
var demoTemplate = template.Must(template.ParseFS(assets, "assets/demo.html"))

// DemoPageHandler serves a small test-mode page with a "Cancel subscription"
// button that opens the widget for cfg, and shows the session outcome in
// #outcome once the flow ends. The page depends only on cfg, so it is rendered
// once here rather than per request.
func DemoPageHandler(cfg DemoConfig) http.Handler {
	var buf bytes.Buffer
	renderErr := demoTemplate.Execute(&buf, cfg)
	page := buf.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowRead(w, r) {
			return
		}
		if renderErr != nil {
			// Only strings are rendered, so this cannot happen with a valid
			// template; still never serve a half-written page.
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store") // carries a customer's auth hash
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(page)
	})
}
