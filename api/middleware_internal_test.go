package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"holdfast/api/dialect"
)

type parentKey struct{}

// requestCtx answers its own keys and hands every other lookup, and
// cancellation, to the request's own context.
func TestRequestCtx(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), parentKey{}, "from parent"))
	rc := chi.NewRouteContext()
	c := &requestCtx{Context: parent, route: rc, dialect: dialect.ReadAPI}
	c.state.id = "req_1"

	if got := RequestID(c); got != "req_1" {
		t.Errorf("RequestID = %q", got)
	}
	if got := chi.RouteContext(c); got != rc {
		t.Errorf("chi.RouteContext = %p, want %p", got, rc)
	}
	if got := dialect.From(c); got != dialect.ReadAPI {
		t.Errorf("dialect = %v, want ReadAPI", got)
	}
	if got := c.Value(parentKey{}); got != "from parent" {
		t.Errorf("parent value = %v", got)
	}
	// No dialect of its own: the parent's (here none, so V1) shows through.
	bare := &requestCtx{Context: dialect.With(context.Background(), dialect.ReadAPI)}
	if got := dialect.From(bare); got != dialect.ReadAPI {
		t.Errorf("dialect through parent = %v, want ReadAPI", got)
	}
	if got := dialect.From(&requestCtx{Context: context.Background()}); got != dialect.V1 {
		t.Errorf("dialect unset = %v, want V1", got)
	}

	// A context derived from it is cancelled with the request's.
	child, stop := context.WithTimeout(c, time.Hour)
	defer stop()
	cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the request's context did not reach a derived context")
	}
}

// The request id, dialect and matched route reach the handler whether the
// request comes through Server.ServeHTTP (one context) or straight to the
// router (base adds what is missing).
func TestRequestStateBothWays(t *testing.T) {
	s := New(Config{})
	type seen struct {
		id      string
		dialect dialect.Kind
		param   string
	}
	var got seen
	s.mux.Get("/api/v1/probe/{id}", func(w http.ResponseWriter, r *http.Request) {
		got = seen{RequestID(r.Context()), dialect.From(r.Context()), chi.URLParam(r, "id")}
	})
	for name, h := range map[string]http.Handler{"ServeHTTP": s, "router": s.handler} {
		got = seen{}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/probe/x1", nil))
		if got.id == "" || got.id != w.Header().Get("X-Request-Id") {
			t.Errorf("%s: request id %q, header %q", name, got.id, w.Header().Get("X-Request-Id"))
		}
		if got.dialect != dialect.ReadAPI || got.param != "x1" {
			t.Errorf("%s: dialect %v param %q", name, got.dialect, got.param)
		}
	}
}
