package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/api/dialect"
)

// handlerFunc is a handler that returns its error for the dialect to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// routes lists every route Holdfast serves.
func (s *Server) routes() http.Handler {
	root := chi.NewRouter()
	s.mux = root
	root.Use(s.base)
	// A wrong method on the receiver or the click link answers 405 in the
	// /v1 error shape like their other errors (chi's default has no body).
	root.MethodNotAllowed(s.routeMiss(s.methodNotAllowed, s.methodNotAllowed))
	root.NotFound(s.routeMiss(s.notFound, s.rootNotFound))
	s.allowed = func(path string) []string { return allowedMethods(root, path) }

	root.Get("/healthz", s.healthz)
	root.Get("/readyz", s.readyz)
	root.Method(http.MethodGet, "/metrics", s.metrics.handler)
	root.Get("/openapi.json", s.openAPI)
	root.Post("/hooks/stripe/{workspace_id}", s.plain(s.needs(s.svc.Stripe != nil, s.stripeHook)))
	root.Get("/r/{send_id}", s.plain(s.needs(s.svc.Engine != nil, s.clickRedirect)))
	root.Get("/r/{send_id}/portal", s.plain(s.needs(s.svc.Notices != nil, s.testPortal)))
	for _, m := range s.extra {
		root.Handle(m.Pattern, keepPattern(m.Handler))
	}

	// The two dialects are route groups on the root router, not mounted
	// sub-routers: one tree lookup per request instead of two. base tags each request with its dialect from the
	// path (dialectOf); a miss under a dialect prefix still runs that
	// group's middleware before the 404 or 405 (see routeMiss).
	//
	// /v1: the full API (page pagination, error.code).
	root.Group(func(g chi.Router) {
		g.Use(s.widgetCORS, s.authenticate)
		v := prefixed{g, "/v1"}

		v.Get("/auth/me", s.route(accessAnySecret, s.authMe))

		v.Get("/payments", s.route(accessRead, s.listPayments))
		v.Get("/payments/{id}", s.route(accessRead, s.getPayment))
		v.Post("/payments/{id}/retry", s.route(accessWrite, s.needs(s.svc.Engine != nil, s.retryPayment)))

		v.Get("/customers", s.route(accessRead, s.listCustomers))
		v.Get("/customers/{id}", s.route(accessRead, s.getCustomer))
		v.Delete("/customers/{id}", s.route(accessAdmin, s.deleteCustomer))

		v.Get("/campaigns", s.route(accessRead, s.listCampaigns))
		v.Post("/campaigns", s.route(accessWrite, s.createCampaign))
		v.Get("/campaigns/{id}", s.route(accessRead, s.getCampaign))
		v.Put("/campaigns/{id}", s.route(accessWrite, s.updateCampaign))
		v.Delete("/campaigns/{id}", s.route(accessWrite, s.deleteCampaign))
		v.Post("/simulations", s.route(accessAnalytics, s.createSimulation))
		v.Get("/experiments", s.route(accessRead, s.listExperiments))
		v.Post("/experiments", s.route(accessWrite, s.createExperiment))
		v.Get("/experiments/{id}", s.route(accessRead, s.getExperiment))
		v.Post("/experiments/{id}/stop", s.route(accessWrite, s.stopExperiment))

		v.Get("/analytics/recovery", s.route(accessReadOrAnalytics, s.analyticsRecovery))
		v.Get("/analytics/campaigns", s.route(accessReadOrAnalytics, s.analyticsCampaigns))
		v.Get("/stats", s.route(accessReadOrAnalytics, s.stats))

		v.Get("/cancel_flow", s.route(accessRead, s.needs(s.svc.Cancel != nil, s.getCancelFlow)))
		v.Put("/cancel_flow", s.route(accessWrite, s.needs(s.svc.Cancel != nil, s.putCancelFlow)))
		v.Get("/cancel_sessions", s.route(accessRead, s.needs(s.svc.Cancel != nil, s.listCancelSessions)))
		v.Post("/cancel_sessions", s.route(accessWidget, s.needs(s.svc.Cancel != nil, s.createCancelSession)))
		v.Get("/cancel_sessions/{id}", s.route(accessRead, s.needs(s.svc.Cancel != nil, s.getCancelSession)))
		v.Post("/cancel_sessions/{id}/respond", s.route(accessWidget, s.needs(s.svc.Cancel != nil, s.respondCancelSession)))
		v.Post("/cancel_sessions/{id}/accept", s.route(accessWidget, s.needs(s.svc.Cancel != nil, s.acceptCancelSession)))
		v.Post("/cancel_sessions/{id}/cancel", s.route(accessWidget, s.needs(s.svc.Cancel != nil, s.cancelCancelSession)))

		v.Get("/card_expiry_notices", s.route(accessRead, s.needs(s.svc.Notices != nil, s.getCardExpiry)))
		v.Put("/card_expiry_notices", s.route(accessWrite, s.needs(s.svc.Notices != nil, s.putCardExpiry)))
		v.Get("/customer_notice", s.route(accessWidget, s.needs(s.svc.Notices != nil, s.getCustomerNotice)))
		v.Post("/customer_notice/view", s.route(accessWidget, s.needs(s.svc.Notices != nil, s.recordNoticeAction("view"))))
		v.Post("/customer_notice/click", s.route(accessWidget, s.needs(s.svc.Notices != nil, s.recordNoticeAction("click"))))

		v.Get("/webhooks", s.route(accessWebhooks, s.listWebhooks))
		v.Post("/webhooks", s.route(accessWebhooks, s.createWebhook))
		v.Get("/webhooks/{id}", s.route(accessWebhooks, s.getWebhook))
		v.Put("/webhooks/{id}", s.route(accessWebhooks, s.updateWebhook))
		v.Delete("/webhooks/{id}", s.route(accessWebhooks, s.deleteWebhook))
		v.Get("/webhooks/{id}/deliveries", s.route(accessWebhooks, s.listDeliveries))
		v.Post("/webhooks/{id}/deliveries/{delivery_id}/retry", s.route(accessWebhooksWrite, s.needs(s.svc.Webhooks != nil, s.retryDelivery)))
		v.Post("/webhooks/{id}/test", s.route(accessWebhooks, s.needs(s.svc.Webhooks != nil, s.testWebhook)))

		v.Get("/events", s.route(accessRead, s.listEvents))
		v.Get("/events/{id}", s.route(accessRead, s.getEvent))

		v.Post("/test_helpers/advance_clock", s.route(accessTestWrite, s.needs(s.svc.Engine != nil, s.advanceClock)))
	})

	// /api/v1: the read API (cursor pagination, error.type).
	root.Group(func(g chi.Router) {
		g.Use(s.authenticate)
		v := prefixed{g, "/api/v1"}

		v.Get("/customers", s.route(accessRead, s.readListCustomers))
		v.Get("/customers/{id}", s.route(accessRead, s.readGetCustomer))
		v.Get("/campaigns", s.route(accessRead, s.readListRecoveries))
		v.Get("/campaigns/{id}", s.route(accessRead, s.readGetRecovery))
		v.Get("/cancel_sessions", s.route(accessRead, s.needs(s.svc.Cancel != nil, s.readListCancelSessions)))
		v.Get("/stats", s.route(accessReadOrAnalytics, s.stats))
	})
	return root
}

// keepPattern puts back the request's Pattern after a mounted handler that
// routes with a mux of its own (the dashboard's http.ServeMux sets
// r.Pattern in place): metrics label a request by the pattern the root
// router matched (/dashboard/*), not by the mount's inner routes.
func keepPattern(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.Pattern
		defer func() { r.Pattern = p }()
		h.ServeHTTP(w, r)
	})
}

// prefixed registers a group's routes under a path prefix.
type prefixed struct {
	r      chi.Router
	prefix string
}

func (p prefixed) Get(path string, h http.HandlerFunc)    { p.r.Get(p.prefix+path, h) }
func (p prefixed) Post(path string, h http.HandlerFunc)   { p.r.Post(p.prefix+path, h) }
func (p prefixed) Put(path string, h http.HandlerFunc)    { p.r.Put(p.prefix+path, h) }
func (p prefixed) Delete(path string, h http.HandlerFunc) { p.r.Delete(p.prefix+path, h) }

// routeMiss answers a request no route matched. Under a dialect prefix it
// runs that dialect's middleware first, as a route would (SPEC §2:
// authentication, allowlist, rate limit and scope come before 404/405, and
// the widget's CORS preflight is answered there); elsewhere it is outside.
func (s *Server) routeMiss(inDialect, outside http.HandlerFunc) http.HandlerFunc {
	v1 := s.widgetCORS(s.authenticate(inDialect))
	read := s.authenticate(inDialect)
	return func(w http.ResponseWriter, r *http.Request) {
		switch k, ok := dialectOf(r.URL.Path); {
		case ok && k == dialect.V1:
			v1.ServeHTTP(w, r)
		case ok:
			read.ServeHTTP(w, r)
		default:
			outside(w, r)
		}
	}
}

// route wraps a handler with the route-level checks and error rendering.
func (s *Server) route(a access, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := PrincipalFrom(r.Context())
		if p == nil {
			s.fail(w, r, holdfast.Errorf(holdfast.EUNAUTHENTICATED, "No API key provided."))
			return
		}
		if err := s.authorize(r, p, a); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.idempotent(w, r, h); err != nil {
			s.fail(w, r, err)
		}
	}
}

// needs stands in for a handler whose service is not wired (a partially
// wired server, as in tests): the route then answers 404 as if it did not
// exist. It is applied at registration, so handlers never check for nil.
func (s *Server) needs(wired bool, h handlerFunc) handlerFunc {
	if wired {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error { return s.unrouted(r) }
}

// plain wraps an unauthenticated handler (webhook receiver, click tracking).
func (s *Server) plain(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if s.publishableOffRoute(w, r) {
		return
	}
	s.fail(w, r, holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path))
}

// rootNotFound answers a path outside every route: the dashboard's HTML
// page for a browser, else the /v1 JSON error naming where things live.
func (s *Server) rootNotFound(w http.ResponseWriter, r *http.Request) {
	if s.html404 != nil && prefersHTML(r.Header.Get("Accept")) {
		s.html404.ServeHTTP(w, r)
		return
	}
	s.fail(w, r, holdfast.Errorf(holdfast.ENOTFOUND,
		"Unrecognized request URL (%s %s). The API is under /v1 and /api/v1 (see /openapi.json); the dashboard is under /dashboard.", r.Method, r.URL.Path))
}

// prefersHTML reports whether an Accept header asks for HTML before JSON
// (browsers send text/html first; API clients send JSON or */*).
func prefersHTML(accept string) bool {
	html, json := strings.Index(accept, "text/html"), strings.Index(accept, "application/json")
	return html >= 0 && (json < 0 || html < json)
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if s.publishableOffRoute(w, r) {
		return
	}
	// RFC 9110 requires a 405 to list what the resource does accept.
	if s.allowed != nil {
		if methods := s.allowed(r.URL.Path); len(methods) > 0 {
			w.Header().Set("Allow", strings.Join(methods, ", "))
		}
	}
	s.fail(w, r, holdfast.Errorf(holdfast.EMETHOD, "Method %s is not allowed for %s.", r.Method, r.URL.Path))
}

// publishableOffRoute answers 403 insufficient_scope for a publishable key on
// a path or method that is no route: SPEC §11 gives publishable keys 403 on
// anything but the widget calls, and §2 checks scope before the route (404).
func (s *Server) publishableOffRoute(w http.ResponseWriter, r *http.Request) bool {
	p := PrincipalFrom(r.Context())
	if p == nil || p.Key.Kind != holdfast.KindPublishable {
		return false
	}
	s.fail(w, r, holdfast.Errorf(holdfast.EFORBIDDEN, "Publishable keys can only call the cancel-flow widget endpoints; %s %s needs a secret key.", r.Method, r.URL.Path))
	return true
}

// routeName renders the matched route as "POST /v1/payments/:id/retry".
func routeName(r *http.Request) string {
	pattern := r.URL.Path
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		pattern = rc.RoutePattern()
	}
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = ":" + strings.Trim(p, "{}")
		}
	}
	return r.Method + " " + strings.Join(parts, "/")
}

// allowedMethods lists the methods router serves at path, for the Allow header.
func allowedMethods(router chi.Routes, path string) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if router.Match(chi.NewRouteContext(), m, path) {
			out = append(out, m)
		}
	}
	return out
}
