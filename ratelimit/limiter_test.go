package ratelimit

import (
	"context"
	"sync"
	"testing"
	"time"
)

// step is one call in a scenario: move the clock, then Allow (or Peek) and compare.
type step struct {
	advance time.Duration
	key     string // "a" if empty
	limit   int    // the case's limit if 0
	peek    bool

	allowed     bool
	remaining   int
	resetIn     time.Duration // ResetAt - now
	fullResetIn time.Duration // FullResetAt - now
	retryAfter  time.Duration
}

// limiterCases are the sliding-window rules of SPEC §3, run against every backend.
var limiterCases = []struct {
	name  string
	limit int
	steps []step
}{
	{"FirstRequestCounts", 3, []step{
		{allowed: true, remaining: 2, resetIn: Window, fullResetIn: Window},
	}},
	{"RemainingAndResetsTrackTheLog", 3, []step{
		{allowed: true, remaining: 2, resetIn: 60 * time.Second, fullResetIn: 60 * time.Second},
		{advance: 10 * time.Second, allowed: true, remaining: 1, resetIn: 50 * time.Second, fullResetIn: 60 * time.Second},
		{advance: 10 * time.Second, allowed: true, remaining: 0, resetIn: 40 * time.Second, fullResetIn: 60 * time.Second},
	}},
	{"LimitReachedRetryAfterUntilOldestExpires", 2, []step{
		{allowed: true, remaining: 1, resetIn: Window, fullResetIn: Window},
		{advance: 10 * time.Second, allowed: true, remaining: 0, resetIn: 50 * time.Second, fullResetIn: Window},
		{advance: 5 * time.Second, allowed: false, remaining: 0, resetIn: 45 * time.Second, fullResetIn: 55 * time.Second, retryAfter: 45 * time.Second},
	}},
	{"SlotFreesExactly60sAfterAcceptance", 1, []step{
		{allowed: true, remaining: 0, resetIn: Window, fullResetIn: Window},
		{advance: Window - time.Microsecond, allowed: false, resetIn: time.Microsecond, fullResetIn: time.Microsecond, retryAfter: time.Microsecond},
		{advance: time.Microsecond, allowed: true, remaining: 0, resetIn: Window, fullResetIn: Window},
	}},
	{"RefusedRequestsDoNotCount", 1, []step{
		{allowed: true, remaining: 0, resetIn: Window, fullResetIn: Window},
		{advance: 30 * time.Second, allowed: false, resetIn: 30 * time.Second, fullResetIn: 30 * time.Second, retryAfter: 30 * time.Second},
		// Had the refusal at +30s counted, this would be refused until +90s.
		{advance: 30 * time.Second, allowed: true, remaining: 0, resetIn: Window, fullResetIn: Window},
	}},
	{"WindowSlidesRatherThanResetting", 2, []step{
		{allowed: true, remaining: 1, resetIn: Window, fullResetIn: Window},
		{advance: 30 * time.Second, allowed: true, remaining: 0, resetIn: 30 * time.Second, fullResetIn: Window},
		{advance: 30 * time.Second, allowed: true, remaining: 0, resetIn: 30 * time.Second, fullResetIn: Window},
		{advance: time.Second, allowed: false, resetIn: 29 * time.Second, fullResetIn: 59 * time.Second, retryAfter: 29 * time.Second},
	}},
	{"PeekDoesNotCount", 2, []step{
		{peek: true, allowed: true, remaining: 2},
		{allowed: true, remaining: 1, resetIn: Window, fullResetIn: Window},
		{peek: true, allowed: true, remaining: 1, resetIn: Window, fullResetIn: Window},
		{allowed: true, remaining: 0, resetIn: Window, fullResetIn: Window},
		{peek: true, allowed: false, remaining: 0, resetIn: Window, fullResetIn: Window, retryAfter: Window},
		{advance: Window, peek: true, allowed: true, remaining: 2},
	}},
	{"KeysAreIndependent", 1, []step{
		{key: "a", allowed: true, resetIn: Window, fullResetIn: Window},
		{key: "b", allowed: true, resetIn: Window, fullResetIn: Window},
		{key: "a", allowed: false, resetIn: Window, fullResetIn: Window, retryAfter: Window},
	}},
	{"LoweredLimitWaitsForEnoughExpiries", 3, []step{
		{allowed: true, remaining: 2, resetIn: Window, fullResetIn: Window},
		{advance: 10 * time.Second, allowed: true, remaining: 1, resetIn: 50 * time.Second, fullResetIn: Window},
		{advance: 10 * time.Second, allowed: true, remaining: 0, resetIn: 40 * time.Second, fullResetIn: Window},
		// 3 counted, limit now 2: two must expire, the second (at +10s) frees at +70s.
		{advance: 5 * time.Second, limit: 2, allowed: false, resetIn: 35 * time.Second, fullResetIn: 55 * time.Second, retryAfter: 45 * time.Second},
		{limit: 5, allowed: true, remaining: 1, resetIn: 35 * time.Second, fullResetIn: Window},
	}},
	{"ClockSteppedBackKeepsLogOrdered", 2, []step{
		{allowed: true, remaining: 1, resetIn: Window, fullResetIn: Window},
		{advance: -10 * time.Second, allowed: true, remaining: 0, resetIn: Window, fullResetIn: 70 * time.Second},
		{allowed: false, resetIn: Window, fullResetIn: 70 * time.Second, retryAfter: Window},
	}},
	{"NonPositiveLimitRefusesEverything", 0, []step{
		{allowed: false, retryAfter: Window},
		{limit: -1, allowed: false, retryAfter: Window},
		{limit: 1, allowed: true, remaining: 0, resetIn: Window, fullResetIn: Window},
	}},
}

func TestLimiter(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range limiterCases {
				t.Run(tc.name, func(t *testing.T) {
					clock := newTestClock()
					l, prefix := b.new(t, clock)
					ctx := context.Background()
					for i, s := range tc.steps {
						clock.Add(s.advance)
						key, limit := s.key, s.limit
						if key == "" {
							key = "a"
						}
						if limit == 0 {
							limit = tc.limit
						}
						call := l.Allow
						if s.peek {
							call = l.Peek
						}
						got, err := call(ctx, prefix+key, limit)
						if err != nil {
							t.Fatalf("step %d: %v", i, err)
						}
						now := clock.Now()
						if got.Allowed != s.allowed || got.Limit != limit || got.Remaining != s.remaining ||
							got.ResetAt.Sub(now) != s.resetIn || got.FullResetAt.Sub(now) != s.fullResetIn ||
							got.RetryAfter != s.retryAfter {
							t.Errorf("step %d: got allowed=%v limit=%d remaining=%d resetIn=%v fullResetIn=%v retryAfter=%v\n"+
								"want allowed=%v limit=%d remaining=%d resetIn=%v fullResetIn=%v retryAfter=%v",
								i, got.Allowed, got.Limit, got.Remaining, got.ResetAt.Sub(now), got.FullResetAt.Sub(now), got.RetryAfter,
								s.allowed, limit, s.remaining, s.resetIn, s.fullResetIn, s.retryAfter)
						}
					}
				})
			}
		})
	}
}

// TestLimiterConcurrent fires many simultaneous requests at one key: exactly limit
// of them may pass, however they interleave.
func TestLimiterConcurrent(t *testing.T) {
	const limit, callers = 25, 100
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			l, prefix := b.new(t, newTestClock())
			key := prefix + "hot"
			start := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			allowed := 0
			for range callers {
				wg.Go(func() {
					<-start
					r, err := l.Allow(context.Background(), key, limit)
					if err != nil {
						t.Error(err)
						return
					}
					if r.Allowed {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				})
			}
			close(start)
			wg.Wait()
			if allowed != limit {
				t.Errorf("allowed %d of %d concurrent requests, want exactly %d", allowed, callers, limit)
			}
			if r, _ := l.Peek(context.Background(), key, limit); r.Allowed || r.Remaining != 0 {
				t.Errorf("after the burst Peek = allowed %v remaining %d, want refused with 0", r.Allowed, r.Remaining)
			}
		})
	}
}
