package dashboard

import (
	"io/fs"
	"net/http"
)

// routes lists every dashboard route. Pages under app() need a session and
// check the CSRF token of every POST; public() pages (sign-in, set password)
// protect their forms with a double-submit token instead.
func (d *Dashboard) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", staticHandler(static)))

	mux.HandleFunc("GET /favicon.ico", favicon(static))
	mux.HandleFunc("GET /{$}", d.home)
	mux.HandleFunc("GET "+Prefix, d.home)
	mux.HandleFunc("GET "+Prefix+"/{$}", d.home)
	mux.HandleFunc("GET "+Prefix+"/login", d.public(d.loginPage))
	mux.HandleFunc("POST "+Prefix+"/login", d.public(d.login))
	mux.HandleFunc("GET "+Prefix+"/setup", d.public(d.setupPage))
	mux.HandleFunc("POST "+Prefix+"/setup", d.public(d.setup))
	mux.HandleFunc("POST "+Prefix+"/logout", d.app(d.logout))
	mux.HandleFunc("POST "+Prefix+"/mode", d.app(d.switchMode))

	mux.HandleFunc("GET "+Prefix+"/overview", d.app(d.overview))
	mux.HandleFunc("GET "+Prefix+"/recoveries", d.app(d.recoveries))
	mux.HandleFunc("GET "+Prefix+"/recoveries/{id}", d.app(d.recovery))
	mux.HandleFunc("GET "+Prefix+"/payments", d.app(d.payments))
	mux.HandleFunc("GET "+Prefix+"/payments/{id}", d.app(d.payment))
	mux.HandleFunc("GET "+Prefix+"/customers", d.app(d.customers))
	mux.HandleFunc("GET "+Prefix+"/customers/{id}", d.app(d.customer))

	mux.HandleFunc("GET "+Prefix+"/campaigns", d.app(d.campaigns))
	mux.HandleFunc("GET "+Prefix+"/campaigns/new", d.app(d.campaignNew))
	mux.HandleFunc("POST "+Prefix+"/campaigns", d.app(d.campaignCreate))
	mux.HandleFunc("GET "+Prefix+"/campaigns/{id}", d.app(d.campaignEdit))
	mux.HandleFunc("POST "+Prefix+"/campaigns/{id}", d.app(d.campaignUpdate))
	mux.HandleFunc("POST "+Prefix+"/campaigns/{id}/simulate", d.app(d.campaignSimulate))
	mux.HandleFunc("GET "+Prefix+"/experiments", d.app(d.experiments))
	mux.HandleFunc("POST "+Prefix+"/experiments/{id}/simulate", d.app(d.experimentSimulate))

	mux.HandleFunc("GET "+Prefix+"/cancel-sessions", d.app(d.cancelSessions))
	mux.HandleFunc("GET "+Prefix+"/cancel-flow", d.app(d.cancelFlow))
	mux.HandleFunc("POST "+Prefix+"/cancel-flow", d.app(d.cancelFlowSave))

	mux.HandleFunc("GET "+Prefix+"/card-notices", d.app(d.cardNotices))
	mux.HandleFunc("POST "+Prefix+"/card-notices", d.app(d.cardNoticesSave))

	mux.HandleFunc("GET "+Prefix+"/webhooks", d.app(d.webhooks))
	mux.HandleFunc("POST "+Prefix+"/webhooks", d.app(d.webhookCreate))
	mux.HandleFunc("GET "+Prefix+"/webhooks/{id}", d.app(d.webhook))
	mux.HandleFunc("POST "+Prefix+"/webhooks/{id}", d.app(d.webhookUpdate))
	mux.HandleFunc("POST "+Prefix+"/webhooks/{id}/deliveries/{delivery}/resend", d.app(d.webhookResend))

	mux.HandleFunc("GET "+Prefix+"/settings", d.app(d.settingsIndex))
	mux.HandleFunc("GET "+Prefix+"/settings/api-tokens", d.app(d.tokens))
	mux.HandleFunc("POST "+Prefix+"/settings/api-tokens", d.app(d.tokenCreate))
	mux.HandleFunc("POST "+Prefix+"/settings/api-tokens/{id}/revoke", d.app(d.tokenRevoke))
	mux.HandleFunc("POST "+Prefix+"/settings/api-tokens/{id}/rotate", d.app(d.tokenRotate))
	mux.HandleFunc("GET "+Prefix+"/settings/api-keys/ip-allowlist", d.app(d.allowlist))
	mux.HandleFunc("POST "+Prefix+"/settings/api-keys/ip-allowlist", d.app(d.allowlistChange))
	mux.HandleFunc("GET "+Prefix+"/settings/workspace", d.app(d.workspaceSettings))
	mux.HandleFunc("POST "+Prefix+"/settings/workspace/secrets", d.app(d.workspaceSecrets))
	mux.HandleFunc("POST "+Prefix+"/settings/workspace/widget-secret", d.app(d.widgetSecretRotate))
	mux.HandleFunc("POST "+Prefix+"/settings/workspace/smtp-test", d.app(d.smtpTest))

	mux.HandleFunc(Prefix+"/", d.public(d.notFound))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(d.crossOrigin))
	return securityHeaders(cop.Handler(mux))
}

// NotFound is the dashboard's "Not found" page for paths outside every
// route; the API server shows it to browsers (Accept: text/html) instead of
// a JSON error.
func (d *Dashboard) NotFound() http.Handler {
	return securityHeaders(d.public(d.notFound))
}

// favicon serves the dashboard's SVG icon at /favicon.ico for clients that
// ask there instead of following the pages' <link rel="icon">.
func favicon(static fs.FS) http.HandlerFunc {
	icon, _ := fs.ReadFile(static, "favicon.svg")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		_, _ = w.Write(icon)
	}
}

// home sends a visitor to the overview when signed in, else to sign-in.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request) {
	if v, _ := d.viewerFrom(r); v != nil {
		http.Redirect(w, r, Prefix+"/overview", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// securityHeaders keeps pages out of frames and caches and allows scripts
// and styles only from the dashboard itself.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
