package webhook

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"
)

// Retry schedule constants. With these values the sum of delays passes
// MaxRetryAge after 15 to 18 failed attempts depending on jitter (16 without
// jitter): eleven doubling steps (30 s … 8 h 32 m, about 17 h together) and then
// 12 h steps until three days are used up.
const (
	// BackoffBase is the delay after the first failure.
	BackoffBase = 30 * time.Second
	// BackoffCap bounds the un-jittered delay; the jittered delay may reach
	// BackoffCap·(1+BackoffJitter), 14 h 24 m.
	BackoffCap = 12 * time.Hour
	// BackoffJitter is the relative spread around the nominal delay (±20 %), so
	// that deliveries which failed together (a receiver outage) do not all come
	// back at the same instant.
	BackoffJitter = 0.2
	// MaxRetryAge is how long a delivery keeps being retried after its first
	// failed attempt, and how long an endpoint may fail continuously before it
	// is disabled: three days (SPEC §8).
	MaxRetryAge = 72 * time.Hour
)

// Backoff returns the delay before attempt n+1 after n consecutive failures
// (n >= 1; smaller values are treated as 1). The nominal delay is
// BackoffBase·2^(n-1) capped at BackoffCap, then scaled by a factor in
// [1-BackoffJitter, 1+BackoffJitter).
//
// The jitter is derived from seed (a delivery or event id) and n by hashing, not
// from a random source: the function is pure, so a schedule can be recomputed
// after a restart and tested without sleeping or seeding globals, while
// different deliveries still spread out.
func Backoff(attempt int, seed string) time.Duration {
	n := max(attempt, 1)
	nominal := BackoffCap
	// 30 s·2^10 is already past the cap, so the shift never overflows.
	if n <= 11 {
		nominal = min(BackoffBase<<(n-1), BackoffCap)
	}
	factor := 1 - BackoffJitter + 2*BackoffJitter*unitFloat(seed, n)
	return time.Duration(float64(nominal) * factor).Round(time.Millisecond)
}

// unitFloat maps (seed, n) to a uniformly distributed value in [0, 1).
func unitFloat(seed string, n int) float64 {
	sum := sha256.Sum256([]byte(seed + "\x00" + strconv.Itoa(n)))
	// The top 53 bits fill a float64 mantissa exactly.
	return float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53)
}
