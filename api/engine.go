package api

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"holdfast"
)

// EngineService is what the recovery engine offers the HTTP layer: manual
// retries, the test clock and click tracking. Implemented by package engine.
type EngineService interface {
	// RetryPayment retries a pending payment through the provider at once and
	// returns it with its attempts. Returns ENOTFOUND for an unknown payment,
	// ECONFLICT unless it is pending or when a card network limit (or an earlier
	// never-retry answer) forbids another attempt.
	RetryPayment(ctx context.Context, wsID string, mode holdfast.Mode, paymentID string) (*holdfast.Payment, error)
	// AdvanceClock moves the workspace's test clock forward by d and returns
	// once all test-mode work that became due has run, with the new time.
	AdvanceClock(ctx context.Context, wsID string, d time.Duration) (time.Time, error)
	// Click records the first click of a dunning link and returns where to
	// send the customer. Returns ENOTFOUND for a bad or expired link.
	Click(ctx context.Context, sendID, token string) (string, error)
}

// maxAdvanceSeconds bounds one advance_clock call to ten years.
const maxAdvanceSeconds = 10 * 365 * 24 * 60 * 60

// retryPayment handles POST /v1/payments/{id}/retry.
func (s *Server) retryPayment(w http.ResponseWriter, r *http.Request) error {
	// No parameters, but a body that is sent is still decoded strictly
	// (SPEC §11), before anything is charged.
	if err := decodeJSON(r, &struct{}{}, true); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	pay, err := s.svc.Engine.RetryPayment(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	// The same shape as GET /v1/payments/:id.
	writeJSON(w, http.StatusOK, paymentDetail{Payment: pay, Attempts: pay.Attempts})
	return nil
}

// advanceClockBody is the body of POST /v1/test_helpers/advance_clock.
type advanceClockBody struct {
	Seconds json.RawMessage `json:"seconds" required:"true"`
}

// advanceClock handles POST /v1/test_helpers/advance_clock (test keys only).
func (s *Server) advanceClock(w http.ResponseWriter, r *http.Request) error {
	var body advanceClockBody
	if err := decodeJSON(r, &body, false); err != nil {
		return err
	}
	n, err := wholeSeconds(body.Seconds)
	if err != nil {
		return err
	}
	if n < 1 || n > maxAdvanceSeconds {
		return holdfast.ParamError("seconds", "seconds must be between 1 and %d (ten years).", maxAdvanceSeconds)
	}
	p := PrincipalFrom(r.Context())
	now, err := s.svc.Engine.AdvanceClock(r.Context(), p.Workspace.ID, time.Duration(n)*time.Second)
	if err != nil {
		return err
	}
	// Full precision, like every other timestamp: truncated to the second,
	// "now" could read earlier than the caller's clock plus the seconds it
	// just added, and than objects the advance itself created.
	writeJSON(w, http.StatusOK, map[string]any{"object": "test_clock", "livemode": false, "now": now.UTC().Format(time.RFC3339Nano)})
	return nil
}

// wholeSeconds reads a JSON number that must be a whole number (1e3 and
// 60.0 are accepted; strings, fractions and other types are not).
func wholeSeconds(raw json.RawMessage) (int64, error) {
	bad := holdfast.ParamError("seconds", "seconds must be a whole number of seconds.")
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, bad
	}
	num := json.Number(raw)
	if n, err := num.Int64(); err == nil {
		return n, nil
	}
	f, err := num.Float64()
	if err != nil || f != math.Trunc(f) {
		return 0, bad
	}
	return int64(math.Min(math.Max(f, math.MinInt64), math.MaxInt64)), nil
}

// clickRedirect handles GET /r/{send_id}?t=…: it records the click and
// redirects to the invoice's payment page. A bad or expired link is a 404.
func (s *Server) clickRedirect(w http.ResponseWriter, r *http.Request) error {
	to, err := s.svc.Engine.Click(r.Context(), chi.URLParam(r, "send_id"), r.URL.Query().Get("t"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

// unrouted is the 404 of a route whose service is not wired.
func (s *Server) unrouted(r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
