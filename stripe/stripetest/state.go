package stripetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// SubscriptionState is the fake's stateful view of one subscription, which
// the cancel flow reads and updates (GET/POST /v1/subscriptions/{id}).
type SubscriptionState struct {
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

// PortalSession is one billing-portal session the fake created.
type PortalSession struct {
	ID        string
	Customer  string
	ReturnURL string
	URL       string
}

// Failure is an error the fake answers with.
type Failure struct {
	Status  int
	Type    string // e.g. invalid_request_error, api_error, card_error
	Code    string
	Message string
}

type cached struct {
	body   string
	status int
	resp   []byte
}

// AddSubscriptionState registers a stateful subscription (status active by
// default).
func (s *Server) AddSubscriptionState(sub SubscriptionState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.Status == "" {
		sub.Status = "active"
	}
	s.subs[sub.ID] = &sub
}

// SubscriptionState returns a copy of a stateful subscription.
func (s *Server) SubscriptionState(id string) SubscriptionState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.subs[id]; sub != nil {
		return *sub
	}
	return SubscriptionState{}
}

// AddCoupon registers an existing coupon id.
func (s *Server) AddCoupon(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.coupons[id] = true
}

// HasCoupon reports whether a coupon exists.
func (s *Server) HasCoupon(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.coupons[id]
}

// PortalSessions returns the billing-portal sessions created so far.
func (s *Server) PortalSessions() []PortalSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PortalSession(nil), s.portals...)
}

// Mutations returns the POST requests received so far.
func (s *Server) Mutations() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// FailNext makes the next POST requests (one per failure given) fail.
func (s *Server) FailNext(fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, fs...)
}

// stateful answers the cancel-flow and portal endpoints: POST /v1/coupons,
// POST /v1/billing_portal/sessions, and GET/POST /v1/subscriptions/{id} for
// a stateful subscription (or an id the built-in objects do not know).
func (s *Server) stateful(w http.ResponseWriter, r *http.Request) bool {
	method, path, form := r.Method, r.URL.Path, r.PostForm
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case method == http.MethodPost && path == "/v1/coupons":
		id := form.Get("id")
		if s.coupons[id] {
			WriteFailure(w, Failure{Status: 400, Type: "invalid_request_error", Code: "resource_already_exists", Message: "Coupon already exists."})
			return true
		}
		s.coupons[id] = true
		pct, _ := strconv.ParseFloat(form.Get("percent_off"), 64)
		WriteJSON(w, http.StatusOK, map[string]any{"id": id, "object": "coupon", "percent_off": pct, "duration": form.Get("duration"), "name": form.Get("name")})
		return true
	case method == http.MethodPost && path == "/v1/billing_portal/sessions":
		p := PortalSession{ID: ID("bps_"), Customer: form.Get("customer"), ReturnURL: form.Get("return_url")}
		if p.Customer == "" {
			WriteFailure(w, Failure{Status: 400, Type: "invalid_request_error", Code: "parameter_missing", Message: "Missing required param: customer."})
			return true
		}
		p.URL = "https://billing.stripe.test/p/session/" + p.ID
		s.portals = append(s.portals, p)
		WriteJSON(w, http.StatusOK, map[string]any{"id": p.ID, "object": "billing_portal.session", "customer": p.Customer,
			"return_url": p.ReturnURL, "url": p.URL, "livemode": false})
		return true
	case strings.HasPrefix(path, "/v1/subscriptions/") && (method == http.MethodPost || method == http.MethodGet):
		id := strings.TrimPrefix(path, "/v1/subscriptions/")
		sub := s.subs[id]
		if sub == nil && s.objects[id] != nil {
			return false // a built-in object
		}
		if sub == nil {
			WriteFailure(w, Failure{Status: 404, Type: "invalid_request_error", Code: "resource_missing", Message: fmt.Sprintf("No such subscription: '%s'", id)})
			return true
		}
		if method == http.MethodPost {
			if err := s.update(sub, form); err != nil {
				WriteFailure(w, *err)
				return true
			}
		}
		WriteJSON(w, http.StatusOK, subJSON(sub))
		return true
	}
	return false
}

func (s *Server) update(sub *SubscriptionState, form map[string][]string) *Failure {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if c := get("discounts[0][coupon]"); c != "" {
		if !s.coupons[c] {
			return &Failure{Status: 400, Type: "invalid_request_error", Code: "resource_missing", Message: fmt.Sprintf("No such coupon: '%s'", c)}
		}
		sub.Coupon = c
	}
	if b := get("pause_collection[behavior]"); b != "" {
		sub.PauseBehavior, sub.PauseResumesAt = b, get("pause_collection[resumes_at]")
	}
	if p := get("items[0][price]"); p != "" {
		if get("items[0][id]") != sub.ItemID {
			return &Failure{Status: 400, Type: "invalid_request_error", Code: "resource_missing", Message: "No such subscription item"}
		}
		sub.Price, sub.Proration = p, get("proration_behavior")
	}
	if get("cancel_at_period_end") == "true" {
		sub.CancelAtPeriodEnd = true
	}
	return nil
}

func subJSON(s *SubscriptionState) map[string]any {
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

// WriteFailure writes a Stripe error body for fl.
func WriteFailure(w http.ResponseWriter, fl Failure) {
	e := map[string]any{"type": fl.Type, "message": fl.Message}
	if fl.Code != "" {
		e["code"] = fl.Code
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_"+ID("")[:14])
	w.WriteHeader(fl.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}
