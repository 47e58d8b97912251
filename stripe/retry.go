package stripe

import stripego "github.com/stripe/stripe-go/v85"

// Retries of Stripe calls happen at two levels.
//
//  1. Within one call, stripe-go retries network failures, 409 conflicts,
//     5xx answers and whatever Stripe marks Stripe-Should-Retry: true, up
//     to DefaultMaxNetworkRetries times with backoff. Every retry carries
//     the request's Idempotency-Key (see idempotency.go; stripe-go adds a
//     random one to a POST that has none), so a retried POST is never
//     applied twice.
//  2. Across calls, the caller decides: an error Classify calls
//     ClassUnknown leaves the outcome open. The engine keeps the attempt
//     started and re-drives it later with the same idempotency key; the
//     cancel flow keeps the session in progress and its keys, so the
//     customer's retry replays Stripe's first answer. Decline look-ups of a
//     webhook give up (the recovery opens with what the event said).
//
// A ClassDecline or ClassRefused answer is never retried by stripe-go.

// DefaultMaxNetworkRetries is stripe-go's per-call retry count used unless a
// Provider is configured otherwise (tests use 0 to see each failure).
const DefaultMaxNetworkRetries = stripego.DefaultMaxNetworkRetries

// networkRetries resolves a configured retry count.
func networkRetries(n *int64) int64 {
	if n == nil {
		return DefaultMaxNetworkRetries
	}
	return *n
}
