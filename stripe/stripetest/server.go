// Package stripetest is the one local fake of the Stripe API for tests that
// run the real stripe-go client against it. It is an httptest server that
//
//   - serves paginated lists of customers, subscriptions and invoices and
//     retrieves payment intents, charges, invoices and payment methods by id
//     (objects added with AddCustomer, Put, …);
//   - keeps stateful subscriptions and coupons for the cancel flow
//     (AddSubscriptionState, AddCoupon: retrieve/update a subscription,
//     create a coupon, a billing-portal session; state.go);
//   - records every request (with its Idempotency-Key), and can be told to
//     fail the next POSTs (FailNext);
//   - with options, checks the API key (RequireKey) and replays idempotent
//     POSTs the way Stripe does (Idempotent); NewWithKey turns both on.
//
// Tests add their own endpoints with Handle, e.g. POST /v1/invoices/{id}/pay
// for retries. It also builds Stripe-shaped objects and signed webhook
// events (payload.go).
package stripetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Request is one request the fake received.
type Request struct {
	Method         string
	Path           string
	Query          url.Values
	Form           url.Values // POST form body (Stripe's encoding)
	IdempotencyKey string
	StripeVersion  string
	Authorization  string
	// Replayed is true when the fake answered from its idempotency cache
	// (Idempotent servers only).
	Replayed bool
}

// Server is a fake Stripe API. Point stripe.NewClient (or
// HOLDFAST_STRIPE_API_BASE) at its URL.
type Server struct {
	*httptest.Server

	// APIKey, when set (RequireKey), is the secret key requests must carry.
	APIKey string

	mu         sync.Mutex
	lists      map[string][]map[string]any // "customers", "subscriptions", "invoices", in list order
	objects    map[string]map[string]any   // every object by id
	requests   []Request
	custom     *http.ServeMux
	builtin    *http.ServeMux
	idempotent bool
	idem       map[string]cached
	fail       []Failure
	subs       map[string]*SubscriptionState
	coupons    map[string]bool
	portals    []PortalSession
}

// Option configures a Server.
type Option func(*Server)

// RequireKey makes the fake answer 401 to requests without
// "Authorization: Bearer key".
func RequireKey(key string) Option { return func(s *Server) { s.APIKey = key } }

// Idempotent makes the fake replay a POST whose Idempotency-Key it has seen
// (answers below 500 are cached), and refuse the key with other parameters,
// as Stripe does.
func Idempotent() Option { return func(s *Server) { s.idempotent = true } }

// New starts a fake Stripe API, closed when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	s := &Server{lists: map[string][]map[string]any{}, objects: map[string]map[string]any{},
		custom: http.NewServeMux(), builtin: http.NewServeMux(), idem: map[string]cached{},
		subs: map[string]*SubscriptionState{}, coupons: map[string]bool{}}
	for _, o := range opts {
		o(s)
	}
	for _, kind := range []string{"customers", "subscriptions", "invoices"} {
		s.builtin.HandleFunc("GET /v1/"+kind, s.list(kind))
	}
	for _, kind := range []string{"customers", "subscriptions", "invoices", "payment_intents", "charges", "payment_methods"} {
		s.builtin.HandleFunc("GET /v1/"+kind+"/{id}", s.retrieve)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// NewWithKey starts a fake that accepts only apiKey and replays idempotent
// requests (RequireKey and Idempotent), as the cancel-flow tests use it.
func NewWithKey(t testing.TB, apiKey string, opts ...Option) *Server {
	return New(t, append([]Option{RequireKey(apiKey), Idempotent()}, opts...)...)
}

// Handle adds (or overrides) an endpoint, e.g. "POST /v1/invoices/{id}/pay".
// Custom handlers win over the built-in ones for the same request.
func (s *Server) Handle(pattern string, h http.HandlerFunc) { s.custom.HandleFunc(pattern, h) }

// Put stores an object for retrieval by id (payment intents, charges, …).
func (s *Server) Put(o map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[o["id"].(string)] = o
}

// Object returns a stored object by id (nil when unknown); handlers added
// with Handle use it to read and change the fake's state.
func (s *Server) Object(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.objects[id]
}

// AddCustomer, AddSubscription and AddInvoice append objects to their lists
// (and make them retrievable by id).
func (s *Server) AddCustomer(o map[string]any)     { s.add("customers", o) }
func (s *Server) AddSubscription(o map[string]any) { s.add("subscriptions", o) }
func (s *Server) AddInvoice(o map[string]any)      { s.add("invoices", o) }

func (s *Server) add(kind string, o map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists[kind] = append(s.lists[kind], o)
	s.objects[o["id"].(string)] = o
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests matched method and path prefix.
func (s *Server) Count(method, pathPrefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// serve records the request, then answers it: from the idempotency cache
// (Idempotent), with a queued failure (FailNext), by a custom handler, by
// the stateful cancel-flow endpoints (state.go), by the built-in lists and
// retrievals, or 404.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(raw))
	_ = r.ParseForm()
	form := url.Values{}
	if r.Method == http.MethodPost {
		form = r.PostForm
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Form: form,
		IdempotencyKey: r.Header.Get("Idempotency-Key"), StripeVersion: r.Header.Get("Stripe-Version"),
		Authorization: r.Header.Get("Authorization")}
	if s.APIKey != "" && req.Authorization != "Bearer "+s.APIKey {
		s.record(req)
		WriteFailure(w, Failure{Status: http.StatusUnauthorized, Type: "invalid_request_error", Message: "Invalid API Key provided."})
		return
	}
	cacheable := s.idempotent && req.IdempotencyKey != "" && r.Method == http.MethodPost
	body := r.URL.Path + "?" + string(raw)
	if cacheable {
		s.mu.Lock()
		c, ok := s.idem[req.IdempotencyKey]
		s.mu.Unlock()
		if ok {
			req.Replayed = true
			s.record(req)
			if c.body != body {
				WriteFailure(w, Failure{Status: http.StatusBadRequest, Type: "idempotency_error",
					Message: "Keys for idempotent requests can only be used with the same parameters they were first used with."})
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(c.status)
			_, _ = w.Write(c.resp)
			return
		}
	}
	s.record(req)
	rec := httptest.NewRecorder()
	s.route(rec, r)
	if cacheable && rec.Code < 500 {
		s.mu.Lock()
		s.idem[req.IdempotencyKey] = cached{body: body, status: rec.Code, resp: rec.Body.Bytes()}
		s.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (s *Server) record(req Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		s.mu.Lock()
		var fl *Failure
		if len(s.fail) > 0 {
			fl = &s.fail[0]
			s.fail = s.fail[1:]
		}
		s.mu.Unlock()
		if fl != nil {
			WriteFailure(w, *fl)
			return
		}
	}
	if _, pattern := s.custom.Handler(r); pattern != "" {
		s.custom.ServeHTTP(w, r)
		return
	}
	if s.stateful(w, r) {
		return
	}
	if _, pattern := s.builtin.Handler(r); pattern != "" {
		s.builtin.ServeHTTP(w, r)
		return
	}
	WriteError(w, http.StatusNotFound, "invalid_request_error", "resource_missing", "Unrecognized request URL ("+r.Method+": "+r.URL.Path+").")
}

// list serves a Stripe list with limit, starting_after and status.
func (s *Server) list(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit < 1 || limit > 100 {
			limit = 10
		}
		s.mu.Lock()
		all := append([]map[string]any(nil), s.lists[kind]...)
		s.mu.Unlock()
		var items []map[string]any
		for _, o := range all {
			if st := q.Get("status"); st != "" && st != "all" && o["status"] != st {
				continue
			}
			if kind == "subscriptions" && q.Get("status") == "" && o["status"] == "canceled" {
				continue // Stripe omits canceled subscriptions unless asked
			}
			items = append(items, o)
		}
		if after := q.Get("starting_after"); after != "" {
			for i, o := range items {
				if o["id"] == after {
					items = items[i+1:]
					break
				}
			}
		}
		more := len(items) > limit
		if more {
			items = items[:limit]
		}
		if items == nil {
			items = []map[string]any{}
		}
		WriteJSON(w, http.StatusOK, map[string]any{"object": "list", "url": "/v1/" + kind, "has_more": more, "data": items})
	}
}

func (s *Server) retrieve(w http.ResponseWriter, r *http.Request) {
	o := s.Object(r.PathValue("id"))
	if o == nil {
		WriteError(w, http.StatusNotFound, "invalid_request_error", "resource_missing", "No such object: '"+r.PathValue("id")+"'")
		return
	}
	WriteJSON(w, http.StatusOK, o)
}

// WriteJSON writes a JSON answer.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_"+ID("")[:14])
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes a Stripe error body, e.g. a card decline:
// WriteError(w, 402, "card_error", "card_declined", "Your card was declined.").
func WriteError(w http.ResponseWriter, status int, typ, code, message string) {
	WriteJSON(w, status, map[string]any{"error": map[string]any{"type": typ, "code": code, "message": message}})
}
