package api

import (
	"net/http"
	"strings"
)

// widgetCORS lets the cancel-flow widget call its endpoints from merchants'
// pages. Only those endpoints get CORS headers; preflights are answered here,
// before authentication, because browsers send them without credentials.
func (s *Server) widgetCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWidgetPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After")
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isWidgetPath matches /v1/cancel_sessions, /v1/cancel_sessions/{id}/{respond|accept|cancel}
// and the in-app payment notice (/v1/customer_notice, …/view, …/click).
func isWidgetPath(p string) bool {
	p = strings.TrimSuffix(p, "/")
	switch p {
	case "/v1/cancel_sessions", "/v1/customer_notice", "/v1/customer_notice/view", "/v1/customer_notice/click":
		return true
	}
	rest, ok := strings.CutPrefix(p, "/v1/cancel_sessions/")
	if !ok {
		return false
	}
	id, action, ok := strings.Cut(rest, "/")
	if !ok || id == "" {
		return false
	}
	return action == "respond" || action == "accept" || action == "cancel"
}
