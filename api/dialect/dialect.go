// Package dialect renders Holdfast's two public API dialects: /v1 (page
// pagination, error.code) and /api/v1 (cursor pagination, error.type). It is
// the one place that maps an error code to a status and a JSON body, and that
// writes rate-limit headers. Handlers never choose status codes themselves.
package dialect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"holdfast"
)

// Kind identifies a dialect.
type Kind int

// The dialects.
const (
	V1      Kind = iota + 1 // /v1
	ReadAPI                 // /api/v1
)

type ctxKey struct{}

// With stores the dialect of a request in its context.
func With(ctx context.Context, k Kind) context.Context { return context.WithValue(ctx, ctxKey{}, k) }

// From returns the request's dialect (V1 when unset).
func From(ctx context.Context) Kind {
	if k, ok := ctx.Value(ctxKey{}).(Kind); ok {
		return k
	}
	return V1
}

// status maps an error code to its HTTP status. /api/v1 renders validation
// failures as 400 invalid_param (it has no 422).
func status(k Kind, code string) int {
	switch code {
	case holdfast.EINVALID:
		return http.StatusBadRequest
	case holdfast.EVALIDATION:
		if k == ReadAPI {
			return http.StatusBadRequest
		}
		return http.StatusUnprocessableEntity
	case holdfast.EUNAUTHENTICATED, holdfast.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case holdfast.EFORBIDDEN, holdfast.ETRIALEXPIRED, holdfast.EIPNOTALLOWED, holdfast.EAUTHHASH:
		return http.StatusForbidden
	case holdfast.ENOTFOUND:
		return http.StatusNotFound
	case holdfast.EMETHOD:
		return http.StatusMethodNotAllowed
	case holdfast.ECONFLICT:
		return http.StatusConflict
	case holdfast.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case holdfast.ERATELIMIT:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// v1Code is the /v1 `error.code` for a holdfast code.
func v1Code(code string) string {
	switch code {
	case holdfast.EINVALID, holdfast.ETOOLARGE:
		return "invalid_request"
	case holdfast.EVALIDATION:
		return "validation_error"
	case holdfast.EUNAUTHENTICATED, holdfast.EUNAUTHORIZED:
		return "invalid_api_key"
	case holdfast.EFORBIDDEN:
		return "insufficient_scope"
	case holdfast.ETRIALEXPIRED:
		return "trial_expired"
	case holdfast.EIPNOTALLOWED:
		return "ip_not_allowed"
	case holdfast.EAUTHHASH:
		return "invalid_auth_hash"
	case holdfast.ENOTFOUND:
		return "resource_not_found"
	case holdfast.EMETHOD:
		return "method_not_allowed"
	case holdfast.ECONFLICT:
		return "state_conflict"
	case holdfast.ERATELIMIT:
		return "rate_limit_exceeded"
	}
	return "internal_error"
}

// readType is the /api/v1 `error.type` for a holdfast code.
func readType(code string) string {
	switch code {
	case holdfast.EUNAUTHENTICATED:
		return "authentication_required"
	case holdfast.EUNAUTHORIZED:
		return "invalid_token"
	case holdfast.EINVALID, holdfast.EVALIDATION, holdfast.ETOOLARGE:
		return "invalid_param"
	case holdfast.EFORBIDDEN, holdfast.ETRIALEXPIRED, holdfast.EAUTHHASH:
		return "insufficient_scope"
	case holdfast.EIPNOTALLOWED:
		return "ip_not_allowed"
	case holdfast.ENOTFOUND:
		return "not_found"
	case holdfast.EMETHOD:
		return "method_not_allowed"
	case holdfast.ECONFLICT:
		return "conflict"
	case holdfast.ERATELIMIT:
		return "rate_limit_exceeded"
	}
	return "internal_error"
}

// WriteError renders err in the request's dialect. Internal errors are logged
// with the request id and shown only as a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, err error, requestID string, log *slog.Logger) {
	k := From(r.Context())
	e, ok := holdfast.AsError(err)
	if !ok {
		if log != nil {
			log.ErrorContext(r.Context(), "internal error", "request_id", requestID, "method", r.Method, "path", r.URL.Path, "err", err)
		}
		e = &holdfast.Error{Code: holdfast.EINTERNAL, Message: "An internal error occurred. Please retry later; contact support with the request id if it persists."}
	}
	st := status(k, e.Code)
	if e.Code == holdfast.EINTERNAL {
		e = &holdfast.Error{Code: holdfast.EINTERNAL, Message: "An internal error occurred. Please retry later; contact support with the request id if it persists."}
	}
	var body any
	switch k {
	case ReadAPI:
		msg := e.Message
		if e.Code == holdfast.ERATELIMIT {
			msg = fmt.Sprintf("%d requests per minute. Retry in %ds.", e.Limit, e.RetryAfter)
		}
		body = map[string]any{"error": map[string]any{"type": readType(e.Code), "message": msg}}
	default:
		obj := map[string]any{"code": v1Code(e.Code), "message": e.Message, "request_id": requestID}
		if e.Param != "" {
			obj["param"] = e.Param
		}
		b := map[string]any{"error": obj}
		if e.Code == holdfast.ERATELIMIT {
			obj["message"] = fmt.Sprintf("Rate limit exceeded. Retry after %d seconds.", e.RetryAfter)
			// "The body also has retry_after": clients read it beside the error
			// object or inside it (where Stripe keeps every error detail), so
			// it is in both places with the same value.
			b["retry_after"] = e.RetryAfter
			obj["retry_after"] = e.RetryAfter
		}
		body = b
	}
	if e.Code == holdfast.ERATELIMIT {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	WriteJSON(w, st, body)
}

// WriteJSON encodes v as the response body with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	// No HTML escaping: this is JSON for API clients, and messages such as
	// "Bearer <token>" should read as written.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal_error","type":"internal_error","message":"encoding failed"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// RateState is what the rate-limit headers describe.
type RateState struct {
	Limit       int
	Remaining   int
	ResetAt     time.Time // next slot frees
	FullResetAt time.Time // window completely empty
}

// WriteRateHeaders sets X-RateLimit-* in the request's dialect: /v1 gives the
// Unix time the next slot frees; /api/v1 the seconds until a full refill.
func WriteRateHeaders(w http.ResponseWriter, r *http.Request, st RateState, now time.Time) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(st.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(st.Remaining, 0)))
	switch From(r.Context()) {
	case ReadAPI:
		secs := 0
		if d := st.FullResetAt.Sub(now); d > 0 {
			secs = int(math.Ceil(d.Seconds()))
		}
		h.Set("X-RateLimit-Reset", strconv.Itoa(secs))
	default:
		reset := st.ResetAt
		if reset.Before(now) {
			reset = now
		}
		h.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(reset.UnixNano())/1e9)), 10))
	}
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1.
func RetryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}
