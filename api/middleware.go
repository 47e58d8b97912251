package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"holdfast"
	"holdfast/api/dialect"
)

// requestState is what the middleware learns about a request: its id and,
// once authenticated, its principal. base puts one in the context and the
// later steps fill it in, so a request's context is copied once, not at
// every step (each r.WithContext copies the whole *http.Request).
type requestState struct {
	id        string
	principal *Principal
}

type requestStateKey struct{}

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
		w.Header()["X-Request-Id"] = []string{id} // canonical already: skip Set's canonicalization
		ctx := context.WithValue(r.Context(), requestStateKey{}, &requestState{id: id})
		if k, ok := dialectOf(r.URL.Path); ok {
			ctx = dialect.With(ctx, k)
		}
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
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
