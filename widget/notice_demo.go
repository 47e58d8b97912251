package widget

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
)

// NoticeDemoConfig holds what the in-app notice demo page (GET /demo/notice)
// passes to Holdfast.paymentNotice: Stripe customer ids with their auth
// hashes. An empty customer leaves its part of the page out.
type NoticeDemoConfig struct {
	PublishableKey   string
	APIBase          string // "" means the origin the widget was loaded from
	FailedCustomer   string // has a payment under recovery: banner and wall
	FailedAuthHash   string
	HealthyCustomer  string // all is well: nothing is shown
	HealthyAuthHash  string
	ExpiringCustomer string // card expires before the next renewal
	ExpiringAuthHash string
}

var noticeDemoTemplate = template.Must(template.ParseFS(assets, "assets/notice_demo.html"))

// NoticeDemoPageHandler serves the in-app payment notice demo for cfg. The
// page is rendered per request with a fresh CSP nonce: its own inline script
// and style carry the nonce, and the widget needs nothing more (its styles
// are a constructable stylesheet in a shadow root), which the strict policy
// proves.
func NoticeDemoPageHandler(cfg func(r *http.Request) (NoticeDemoConfig, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowRead(w, r) {
			return
		}
		c, err := cfg(r)
		if err != nil {
			http.Error(w, "The demo workspace is not ready; start the server with --demo.", http.StatusServiceUnavailable)
			return
		}
		nonce := make([]byte, 16)
		_, _ = rand.Read(nonce)
		n := base64.StdEncoding.EncodeToString(nonce)
		var buf bytes.Buffer
		if err := noticeDemoTemplate.Execute(&buf, struct {
			NoticeDemoConfig
			Nonce string
		}{c, n}); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store") // carries customers' auth hashes
		h.Set("X-Content-Type-Options", "nosniff")
		connect := "'self'"
		if c.APIBase != "" {
			connect += " " + c.APIBase
		}
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self' 'nonce-"+n+"'; style-src 'nonce-"+n+
			"'; connect-src "+connect+"; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(buf.Bytes())
	})
}
