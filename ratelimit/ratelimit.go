// Package ratelimit counts API requests per key in a sliding 60-second window
// (SPEC §3). Memory keeps an exact log of accept times in the process; Redis keeps
// the same log in a sorted set so that several processes share one count, and falls
// back to an in-process Memory when Redis is unreachable.
//
// The package has no metrics and no dependencies beyond go-redis, so the API layer
// decides what to render and what to measure.
package ratelimit

import (
	"context"
	"time"

	"holdfast"
)

// Window is how long an accepted request counts against its key: exactly 60 s.
const Window = 60 * time.Second

// windowMicros is Window in the unit every accept time is stored in (Unix µs, the
// same unit as holdfast.Micros), so Memory and Redis agree to the microsecond.
const windowMicros = int64(Window / time.Microsecond)

// Result is the outcome of one Allow or Peek call: everything the rate-limit headers
// of both dialects need.
type Result struct {
	// Allowed reports whether the request was accepted (for Peek: whether one more
	// request would be).
	Allowed bool
	// Limit is the limit the call was checked against.
	Limit int
	// Remaining is how many more requests fit after this one (0 when refused).
	Remaining int
	// ResetAt is when the window next frees a slot: the oldest counted request plus
	// Window, or now if nothing is counted.
	ResetAt time.Time
	// FullResetAt is when the window will be completely empty: the newest counted
	// request plus Window, or now if nothing is counted.
	FullResetAt time.Time
	// RetryAfter is set only when !Allowed: the time until a request would be
	// accepted. It can be below a second; the caller rounds up when rendering.
	RetryAfter time.Duration
}

// Limiter counts requests per key. Both implementations are goroutine-safe.
type Limiter interface {
	// Allow counts one request for key against limit in a sliding 60 s window (a
	// request counts for exactly 60 s after it was accepted; refused requests are not
	// counted). A limit below 1 refuses every request.
	Allow(ctx context.Context, key string, limit int) (Result, error)
	// Peek returns the current state without counting a request (Allowed reports
	// whether one more would fit).
	Peek(ctx context.Context, key string, limit int) (Result, error)
}

// Compile-time checks that both implementations satisfy Limiter.
var (
	_ Limiter = (*Memory)(nil)
	_ Limiter = (*Redis)(nil)
)

// window summarizes a key's live log (accept times in Unix µs, after expiry and
// after counting the current request if it was accepted). Memory and Redis both
// reduce their storage to this, so one function renders the Result for both.
type window struct {
	count  int
	oldest int64 // first live accept time; unused when count == 0
	newest int64 // last live accept time; unused when count == 0
	// pivot is the accept time whose expiry brings the count below the limit: the
	// (count-limit)th oldest entry. Set only for refusals with limit >= 1.
	pivot int64
}

// summarize turns a window into a Result at time now (Unix µs).
func summarize(w window, limit int, now int64, allowed bool) Result {
	r := Result{
		Allowed:     allowed,
		Limit:       limit,
		Remaining:   max(0, limit-w.count),
		ResetAt:     holdfast.FromMicros(now),
		FullResetAt: holdfast.FromMicros(now),
	}
	if w.count > 0 {
		r.ResetAt = holdfast.FromMicros(w.oldest + windowMicros)
		r.FullResetAt = holdfast.FromMicros(w.newest + windowMicros)
	}
	if !allowed {
		r.Remaining = 0
		r.RetryAfter = Window // a limit below 1 never frees up; "a full window" is the honest hint
		if limit >= 1 && w.count >= limit {
			r.RetryAfter = time.Duration(w.pivot+windowMicros-now) * time.Microsecond
		}
	}
	return r
}
