// Package apitest runs the real API server over a real database for tests:
// httptest server, fresh SQLite file or PostgreSQL schema, workspaces and keys
// minted through the store, and a small client that decodes JSON answers.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/store"
	"holdfast/store/storetest"
)

// Env is one running server.
type Env struct {
	T      testing.TB
	Store  *store.Store
	Server *httptest.Server
	Config api.Config
	API    *api.Server
}

// New starts a server on a fresh database of backend ("sqlite" or "postgres").
// Options may adjust the config (services, limiter, clock, trusted proxies).
func New(t testing.TB, backend string, opts ...func(*api.Config)) *Env {
	t.Helper()
	st := storetest.Open(t, backend)
	// Only errors reach the test log; request lines would drown it.
	cfg := api.Config{Store: st, Version: "test", Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))}
	for _, o := range opts {
		o(&cfg)
	}
	srv := api.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &Env{T: t, Store: st, Server: ts, Config: cfg, API: srv}
}

// Each runs fn against a fresh server per available database.
func Each(t *testing.T, fn func(t *testing.T, e *Env), opts ...func(*api.Config)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b, func(t *testing.T) { fn(t, New(t, b, opts...)) })
	}
}

// Workspace creates a workspace.
func (e *Env) Workspace(name string) *holdfast.Workspace {
	e.T.Helper()
	w := &holdfast.Workspace{Name: name}
	if err := e.Store.CreateWorkspace(context.Background(), w, time.Now()); err != nil {
		e.T.Fatal(err)
	}
	return w
}

// Key mints a secret key with scopes in mode and returns its token.
func (e *Env) Key(wsID string, mode holdfast.Mode, scopes ...holdfast.Scope) string {
	e.T.Helper()
	if len(scopes) == 0 {
		scopes = []holdfast.Scope{holdfast.ScopeRead}
	}
	k := &holdfast.APIKey{WorkspaceID: wsID, Mode: mode, Kind: holdfast.KindSecret, Scopes: scopes}
	if err := e.Store.CreateKey(context.Background(), k, time.Now()); err != nil {
		e.T.Fatal(err)
	}
	return k.Token
}

// KeyWith mints a key shaped by fn (kind, limit, expiry…) and returns it with its token.
func (e *Env) KeyWith(wsID string, mode holdfast.Mode, fn func(k *holdfast.APIKey)) *holdfast.APIKey {
	e.T.Helper()
	k := &holdfast.APIKey{WorkspaceID: wsID, Mode: mode, Kind: holdfast.KindSecret, Scopes: []holdfast.Scope{holdfast.ScopeRead}}
	if fn != nil {
		fn(k)
	}
	if err := e.Store.CreateKey(context.Background(), k, time.Now()); err != nil {
		e.T.Fatal(err)
	}
	return k
}

// Response is a decoded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

// Do sends a request; body may be nil, a string (sent raw) or any value (JSON-encoded).
func (e *Env) Do(method, path, token string, body any, headers ...string) *Response {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &Response{Status: res.StatusCode, Header: res.Header, Body: raw}
	_ = json.Unmarshal(raw, &out.JSON)
	return out
}

// ErrorCode returns error.code (/v1) or error.type (/api/v1) of a response.
func (r *Response) ErrorCode() string {
	e, _ := r.JSON["error"].(map[string]any)
	if c, ok := e["code"].(string); ok {
		return c
	}
	c, _ := e["type"].(string)
	return c
}

// ErrorField returns error[field].
func (r *Response) ErrorField(field string) any {
	e, _ := r.JSON["error"].(map[string]any)
	return e[field]
}

// Data returns the "data" array of a list response.
func (r *Response) Data() []map[string]any {
	arr, _ := r.JSON["data"].([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, v := range arr {
		m, _ := v.(map[string]any)
		out = append(out, m)
	}
	return out
}

// testWriter sends log lines to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
