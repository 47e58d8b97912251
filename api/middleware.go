package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"holdfast"
	"holdfast/api/dialect"
)

type requestIDKey struct{}

// RequestID returns the request's id (req_…).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
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
		id := holdfast.NewID(holdfast.PrefixRequest)
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
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

// withDialect tags requests under a prefix with their dialect.
func withDialect(k dialect.Kind) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(dialect.With(r.Context(), k)))
		})
	}
}

// fail renders err in the request's dialect.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	dialect.WriteError(w, r, err, RequestID(r.Context()), s.log)
}
