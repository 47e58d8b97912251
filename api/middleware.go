package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/api/dialect"
)

// requestState is what the middleware learns about a request: its id, its
// status writer and, once authenticated, its principal. The request context
// holds one and the later steps fill it in, so a request's context is copied
// once, not at every step (each r.WithContext copies the whole *http.Request).
type requestState struct {
	id        string
	idHeader  [1]string // X-Request-Id's value slice
	principal *Principal
	p         Principal // what principal points to, once authenticated
	sw        statusWriter
}

type requestStateKey struct{}

// requestCtx is the context of a request Server.ServeHTTP serves: the
// request's state, its dialect and chi's routing context in one value. chi
// uses a routing context it finds instead of adding its own, so building this
// one value replaces three context.WithValue and two *http.Request copies per
// request (measured with cmd/holdfast-bench; see README "Against the floor").
type requestCtx struct {
	context.Context
	state   requestState
	route   *chi.Context
	dialect dialect.Kind // 0: not under a dialect prefix
}

func (c *requestCtx) Value(key any) any {
	switch key {
	case requestStateKey{}:
		return &c.state
	case chi.RouteCtxKey:
		return c.route
	case dialect.ContextKey:
		if c.dialect != 0 {
			return c.dialect
		}
	}
	return c.Context.Value(key)
}

// serve runs h with a request context built once (see requestCtx). chi's
// routing contexts are pooled, as chi.Mux pools its own.
func (s *Server) serve(h http.Handler, w http.ResponseWriter, r *http.Request) {
	rc, _ := s.routeCtxs.Get().(*chi.Context)
	if rc == nil {
		rc = chi.NewRouteContext()
	}
	rc.Reset()
	rc.Routes = s.mux
	c := &requestCtx{Context: r.Context(), route: rc}
	c.dialect, _ = dialectOf(r.URL.Path)
	r = r.WithContext(c)
	r.Pattern = "" // chi sets it to the route it matches; metrics label by it
	h.ServeHTTP(w, r)
	s.routeCtxs.Put(rc)
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(requestStateKey{}).(*requestState)
	return st
}

// RequestID returns the request's id (req_…).
func RequestID(ctx context.Context) string {
	if st := stateFrom(ctx); st != nil {
		return st.id
	}
	return ""
}

// dialectOf is the dialect of a path: the /v1 and /api/v1 prefixes, as
// routes() mounts them.
func dialectOf(path string) (dialect.Kind, bool) {
	switch {
	case path == "/v1" || strings.HasPrefix(path, "/v1/"):
		return dialect.V1, true
	case path == "/api/v1" || strings.HasPrefix(path, "/api/v1/"):
		return dialect.ReadAPI, true
	}
	return 0, false
}

// statusWriter remembers the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// base wraps every request: request id, panic recovery, access log, metrics.
func (s *Server) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started := time.Now()
		id := holdfast.NewRequestID()
		ctx := r.Context()
		st := stateFrom(ctx)
		if st == nil { // not through Server.ServeHTTP: add the state and dialect here
			st = &requestState{}
			ctx = context.WithValue(ctx, requestStateKey{}, st)
			if k, ok := dialectOf(r.URL.Path); ok {
				ctx = dialect.With(ctx, k)
			}
			r = r.WithContext(ctx)
			r.Pattern = "" // an outer mux's pattern is not a route of ours (metrics)
		}
		st.id = id
		st.idHeader[0] = id
		w.Header()["X-Request-Id"] = st.idHeader[:] // canonical already: skip Set's canonicalization
		st.sw = statusWriter{ResponseWriter: w}
		sw := &st.sw
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic serving request", "request_id", id, "panic", fmt.Sprint(p), "path", r.URL.Path)
				if sw.status == 0 {
					dialect.WriteError(sw, r, fmt.Errorf("panic: %v", p), id, nil)
				}
			}
			st := sw.status
			if st == 0 {
				st = http.StatusOK
			}
			s.metrics.observe(r, st, started)
			lvl := levelFor(st)
			if s.quiet[r.URL.Path] && lvl < slog.LevelError {
				lvl = slog.LevelDebug
			}
			if s.log.Enabled(ctx, lvl) { // successes log at debug: skip building the attributes
				s.log.LogAttrs(ctx, lvl, "request", slogAttrs(r, id, st, started)...)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// fail renders err in the request's dialect.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	dialect.WriteError(w, r, err, RequestID(r.Context()), s.log)
}
