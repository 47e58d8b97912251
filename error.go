// Package holdfast holds the domain of the Holdfast churn-recovery engine: its
// object types, error codes, clock and the small helpers every layer shares.
// Sub-packages (store, engine, api, …) talk to each other in these terms.
package holdfast

import (
	"errors"
	"fmt"
)

// Error codes name the situation, not the HTTP status. Each API dialect maps
// them to its own status and JSON shape in exactly one place (api/dialect).
const (
	EINVALID         = "invalid"           // malformed request: bad JSON, bad body (v1 invalid_request, 400)
	EVALIDATION      = "validation"        // a field or parameter fails validation; Param names it (422)
	EUNAUTHENTICATED = "unauthenticated"   // no credentials at all (401)
	EUNAUTHORIZED    = "unauthorized"      // credentials present but bad/expired/revoked (401)
	EFORBIDDEN       = "forbidden"         // missing scope (403 insufficient_scope)
	ETRIALEXPIRED    = "trial_expired"     // workspace trial over, write attempted (403)
	EIPNOTALLOWED    = "ip_not_allowed"    // client IP outside the workspace allowlist (403)
	EAUTHHASH        = "invalid_auth_hash" // cancel-flow widget auth hash missing or wrong (403)
	ENOTFOUND        = "not_found"         // unknown id or route (404)
	EMETHOD          = "method_not_allowed"
	ECONFLICT        = "conflict"     // not allowed in the object's current state (409)
	ETOOLARGE        = "too_large"    // body over the limit (413)
	ERATELIMIT       = "rate_limited" // 429
	EINTERNAL        = "internal"     // anything else: never shown to clients
)

// Error is the one error type that crosses package boundaries. Anything that is
// not an *Error is treated as internal.
type Error struct {
	Code    string
	Message string
	Param   string
	// RetryAfter is set on ERATELIMIT errors (whole seconds, >= 1).
	RetryAfter int
	// Limit is the request budget per window, for the rate-limit message.
	Limit int
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("holdfast error: code=%s param=%s message=%s", e.Code, e.Param, e.Message)
	}
	return fmt.Sprintf("holdfast error: code=%s message=%s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ParamError builds an EVALIDATION error naming the offending field or parameter.
func ParamError(param, format string, args ...any) *Error {
	return &Error{Code: EVALIDATION, Param: param, Message: fmt.Sprintf(format, args...)}
}

// MissingParam builds the error for a required field or parameter that is
// absent (or JSON null): EINVALID, which /v1 renders as 400 invalid_request
// with param naming the field (SPEC §4). A field that is present but fails
// its rules is a ParamError (EVALIDATION, 422) instead. Every "missing
// required" answer goes through here so the two never drift apart.
func MissingParam(param string) *Error {
	return &Error{Code: EINVALID, Param: param, Message: "Missing required param: " + param + "."}
}

// NotFound builds the standard ENOTFOUND error for an object kind and id.
func NotFound(kind, id string) *Error {
	return &Error{Code: ENOTFOUND, Message: fmt.Sprintf("No such %s: '%s'", kind, id)}
}

// ErrorCode returns the code of err, or EINTERNAL when err is not an *Error.
func ErrorCode(err error) string {
	// nil and a bare *Error first: errors.As makes its target escape, an
	// allocation on every call, and most calls (every lookup) pass one of these.
	if err == nil {
		return ""
	}
	if e, ok := err.(*Error); ok {
		return e.Code
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns err as *Error when it is one.
func AsError(err error) (*Error, bool) {
	if e, ok := err.(*Error); ok {
		return e, true
	}
	if err == nil {
		return nil, false
	}
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
