// Package stripefake is a small stateful fake of the Stripe API endpoints the
// cancel flow uses (retrieve/update subscription, create coupon), for tests
// that run the real stripe-go client against it. Unlike stripe-mock it keeps
// state, replays idempotent requests the way Stripe does, and can be told to
// fail, so failure paths are testable.
package stripefake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Subscription is the fake's state of one subscription.
type Subscription struct {
	ID                string
	Customer          string
	Status            string // active unless set
	ItemID            string
	Price             string
	Coupon            string
	PauseBehavior     string
	PauseResumesAt    string
	CancelAtPeriodEnd bool
	Proration         string
}

// Request is one request the fake received.
type Request struct {
	Method         string
	Path           string
	Form           url.Values
	IdempotencyKey string
	// Replayed is true when the fake answered from its idempotency cache.
	Replayed bool
}

// Failure is an error the fake answers with.
type Failure struct {
	Status  int
	Type    string // e.g. invalid_request_error, api_error
	Code    string
	Message string
}

type cached struct {
	body   string
	status int
	resp   []byte
}

// Server is a running fake. Its URL is the API base (no /v1).
type Server struct {
	*httptest.Server
	// APIKey is the secret key requests must carry.
	APIKey string

	mu      sync.Mutex
	subs    map[string]*Subscription
	coupons map[string]bool
	reqs    []Request
	idem    map[string]cached
	fail    []Failure
}

// New starts a fake accepting apiKey; it stops when the test ends.
func New(t testing.TB, apiKey string) *Server {
	f := &Server{APIKey: apiKey, subs: map[string]*Subscription{}, coupons: map[string]bool{}, idem: map[string]cached{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// AddSubscription registers a subscription (status active by default).
func (f *Server) AddSubscription(s Subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.Status == "" {
		s.Status = "active"
	}
	f.subs[s.ID] = &s
}

// AddCoupon registers an existing coupon id.
func (f *Server) AddCoupon(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.coupons[id] = true
}

// Subscription returns a copy of a subscription's state.
func (f *Server) Subscription(id string) Subscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.subs[id]; s != nil {
		return *s
	}
	return Subscription{}
}

// HasCoupon reports whether a coupon exists.
func (f *Server) HasCoupon(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.coupons[id]
}

// Requests returns every request received so far.
func (f *Server) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.reqs...)
}

// Mutations returns the POST requests received so far.
func (f *Server) Mutations() []Request {
	var out []Request
	for _, r := range f.Requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// FailNext makes the next POST requests (one per failure given) fail.
func (f *Server) FailNext(fs ...Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, fs...)
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(raw))
	f.mu.Lock()
	defer f.mu.Unlock()
	req := Request{Method: r.Method, Path: r.URL.Path, Form: form, IdempotencyKey: r.Header.Get("Idempotency-Key")}
	if r.Header.Get("Authorization") != "Bearer "+f.APIKey {
		f.reqs = append(f.reqs, req)
		writeErr(w, Failure{Status: 401, Type: "invalid_request_error", Message: "Invalid API Key provided."})
		return
	}
	if req.IdempotencyKey != "" && r.Method == http.MethodPost {
		if c, ok := f.idem[req.IdempotencyKey]; ok {
			req.Replayed = true
			f.reqs = append(f.reqs, req)
			if c.body != r.URL.Path+"?"+string(raw) {
				writeErr(w, Failure{Status: 400, Type: "idempotency_error", Message: "Keys for idempotent requests can only be used with the same parameters they were first used with."})
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(c.status)
			_, _ = w.Write(c.resp)
			return
		}
	}
	f.reqs = append(f.reqs, req)
	rec := httptest.NewRecorder()
	f.route(rec, r.Method, r.URL.Path, form)
	if req.IdempotencyKey != "" && r.Method == http.MethodPost && rec.Code < 500 {
		f.idem[req.IdempotencyKey] = cached{body: r.URL.Path + "?" + string(raw), status: rec.Code, resp: rec.Body.Bytes()}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (f *Server) route(w http.ResponseWriter, method, path string, form url.Values) {
	if method == http.MethodPost && len(f.fail) > 0 {
		fl := f.fail[0]
		f.fail = f.fail[1:]
		writeErr(w, fl)
		return
	}
	switch {
	case method == http.MethodPost && path == "/v1/coupons":
		id := form.Get("id")
		if f.coupons[id] {
			writeErr(w, Failure{Status: 400, Type: "invalid_request_error", Code: "resource_already_exists", Message: "Coupon already exists."})
			return
		}
		f.coupons[id] = true
		pct, _ := strconv.ParseFloat(form.Get("percent_off"), 64)
		writeJSON(w, map[string]any{"id": id, "object": "coupon", "percent_off": pct, "duration": form.Get("duration")})
	case strings.HasPrefix(path, "/v1/subscriptions/"):
		id := strings.TrimPrefix(path, "/v1/subscriptions/")
		s := f.subs[id]
		if s == nil {
			writeErr(w, Failure{Status: 404, Type: "invalid_request_error", Code: "resource_missing", Message: fmt.Sprintf("No such subscription: '%s'", id)})
			return
		}
		if method == http.MethodPost {
			if err := f.update(s, form); err != nil {
				writeErr(w, *err)
				return
			}
		}
		writeJSON(w, subJSON(s))
	default:
		writeErr(w, Failure{Status: 404, Type: "invalid_request_error", Message: "Unrecognized request URL (" + method + ": " + path + ")."})
	}
}

func (f *Server) update(s *Subscription, form url.Values) *Failure {
	if c := form.Get("discounts[0][coupon]"); c != "" {
		if !f.coupons[c] {
			return &Failure{Status: 400, Type: "invalid_request_error", Code: "resource_missing", Message: fmt.Sprintf("No such coupon: '%s'", c)}
		}
		s.Coupon = c
	}
	if b := form.Get("pause_collection[behavior]"); b != "" {
		s.PauseBehavior, s.PauseResumesAt = b, form.Get("pause_collection[resumes_at]")
	}
	if p := form.Get("items[0][price]"); p != "" {
		if form.Get("items[0][id]") != s.ItemID {
			return &Failure{Status: 400, Type: "invalid_request_error", Code: "resource_missing", Message: "No such subscription item"}
		}
		s.Price, s.Proration = p, form.Get("proration_behavior")
	}
	if form.Get("cancel_at_period_end") == "true" {
		s.CancelAtPeriodEnd = true
	}
	return nil
}

func subJSON(s *Subscription) map[string]any {
	var pause any
	if s.PauseBehavior != "" {
		pause = map[string]any{"behavior": s.PauseBehavior}
	}
	return map[string]any{
		"id": s.ID, "object": "subscription", "customer": s.Customer, "status": s.Status,
		"cancel_at_period_end": s.CancelAtPeriodEnd, "pause_collection": pause,
		"items": map[string]any{"object": "list", "data": []any{map[string]any{
			"id": s.ItemID, "object": "subscription_item", "price": map[string]any{"id": s.Price, "object": "price"}}}},
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, fl Failure) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(fl.Status)
	e := map[string]any{"type": fl.Type, "message": fl.Message}
	if fl.Code != "" {
		e["code"] = fl.Code
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}
