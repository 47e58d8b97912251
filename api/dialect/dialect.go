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

// ContextKey is the context key a request's dialect is stored under: With
// uses it, and a request context that carries the dialect in a field of its
// own answers Value(ContextKey) with a Kind.
var ContextKey any = ctxKey{}

// With stores the dialect of a request in its context.
func With(ctx context.Context, k Kind) context.Context { return context.WithValue(ctx, ContextKey, k) }

// From returns the request's dialect (V1 when unset).
func From(ctx context.Context) Kind {
	if k, ok := ctx.Value(ContextKey).(Kind); ok {
		return k
	}
	return V1
}

// rendering is how both dialects render one error code.
type rendering struct {
	status     int    // HTTP status in /v1
	readStatus int    // HTTP status in /api/v1 when it differs (0: the same)
	v1Code     string // /v1 error.code
	readType   string // /api/v1 error.type
}

// codes is the one table from error code to status, /v1 code and /api/v1
// type. /api/v1 has no 422: it renders validation failures as 400
// invalid_param. A code missing here renders as EINTERNAL.
var codes = map[string]rendering{
	holdfast.EINVALID:         {http.StatusBadRequest, 0, "invalid_request", "invalid_param"},
	holdfast.EVALIDATION:      {http.StatusUnprocessableEntity, http.StatusBadRequest, "validation_error", "invalid_param"},
	holdfast.EUNAUTHENTICATED: {http.StatusUnauthorized, 0, "invalid_api_key", "authentication_required"},
	holdfast.EUNAUTHORIZED:    {http.StatusUnauthorized, 0, "invalid_api_key", "invalid_token"},
	holdfast.EFORBIDDEN:       {http.StatusForbidden, 0, "insufficient_scope", "insufficient_scope"},
	holdfast.ETRIALEXPIRED:    {http.StatusForbidden, 0, "trial_expired", "insufficient_scope"},
	holdfast.EIPNOTALLOWED:    {http.StatusForbidden, 0, "ip_not_allowed", "ip_not_allowed"},
	holdfast.EAUTHHASH:        {http.StatusForbidden, 0, "invalid_auth_hash", "insufficient_scope"},
	holdfast.ENOTFOUND:        {http.StatusNotFound, 0, "resource_not_found", "not_found"},
	holdfast.EMETHOD:          {http.StatusMethodNotAllowed, 0, "method_not_allowed", "method_not_allowed"},
	holdfast.ECONFLICT:        {http.StatusConflict, 0, "state_conflict", "conflict"},
	holdfast.ETOOLARGE:        {http.StatusRequestEntityTooLarge, 0, "invalid_request", "invalid_param"},
	holdfast.ERATELIMIT:       {http.StatusTooManyRequests, 0, "rate_limit_exceeded", "rate_limit_exceeded"},
	holdfast.EINTERNAL:        {http.StatusInternalServerError, 0, "internal_error", "internal_error"},
}

// render looks a code up in codes; an unknown code renders as internal.
func render(code string) rendering {
	if r, ok := codes[code]; ok {
		return r
	}
	return codes[holdfast.EINTERNAL]
}

// status maps an error code to its HTTP status in dialect k.
func status(k Kind, code string) int {
	r := render(code)
	if k == ReadAPI && r.readStatus != 0 {
		return r.readStatus
	}
	return r.status
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
		body = map[string]any{"error": map[string]any{"type": render(e.Code).readType, "message": msg}}
	default:
		obj := map[string]any{"code": render(e.Code).v1Code, "message": e.Message, "request_id": requestID}
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
	// Written on every authenticated response: the keys are already in
	// canonical form, so the map is set directly (Header.Set would
	// canonicalize them again each time).
	h := w.Header()
	v := make([]string, 3) // one allocation for the three header values
	v[0] = strconv.Itoa(st.Limit)
	v[1] = strconv.Itoa(max(st.Remaining, 0))
	switch From(r.Context()) {
	case ReadAPI:
		secs := 0
		if d := st.FullResetAt.Sub(now); d > 0 {
			secs = int(math.Ceil(d.Seconds()))
		}
		v[2] = strconv.Itoa(secs)
	default:
		reset := st.ResetAt
		if reset.Before(now) {
			reset = now
		}
		v[2] = strconv.FormatInt(int64(math.Ceil(float64(reset.UnixNano())/1e9)), 10)
	}
	h["X-Ratelimit-Limit"] = v[0:1:1]
	h["X-Ratelimit-Remaining"] = v[1:2:2]
	h["X-Ratelimit-Reset"] = v[2:3:3]
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1.
func RetryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}
