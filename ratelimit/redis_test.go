package ratelimit

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRedisSharedCount runs two limiters, as two processes would, against one server:
// they must draw from one count.
func TestRedisSharedCount(t *testing.T) {
	servers := []struct {
		name    string
		clients func(t *testing.T) (a, b *redis.Client, prefix string)
	}{
		{"Miniredis", func(t *testing.T) (*redis.Client, *redis.Client, string) {
			m, a := newMiniredis(t)
			b := redis.NewClient(&redis.Options{Addr: m.Addr()})
			t.Cleanup(func() { _ = b.Close() })
			return a, b, ""
		}},
		{"RealRedis", func(t *testing.T) (*redis.Client, *redis.Client, string) {
			a, prefix := realRedis(t)
			b := redis.NewClient(a.Options())
			t.Cleanup(func() { _ = b.Close() })
			return a, b, prefix
		}},
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			ca, cb, prefix := srv.clients(t)
			clock := newTestClock()
			a := NewRedis(ca, clock, quietLogger())
			b := NewRedis(cb, clock, quietLogger())
			ctx := context.Background()
			key := prefix + "shared"
			steps := []struct {
				l         *Redis
				allowed   bool
				remaining int
			}{{a, true, 2}, {b, true, 1}, {a, true, 0}, {b, false, 0}, {a, false, 0}}
			for i, s := range steps {
				r, err := s.l.Allow(ctx, key, 3)
				if err != nil {
					t.Fatal(err)
				}
				if r.Allowed != s.allowed || r.Remaining != s.remaining {
					t.Errorf("step %d: allowed=%v remaining=%d, want %v %d", i, r.Allowed, r.Remaining, s.allowed, s.remaining)
				}
			}
			if a.Degraded() || b.Degraded() {
				t.Error("a limiter fell back to memory")
			}
		})
	}
}

// TestRedisKeyLifetime checks what the script leaves in Redis: a prefixed key with a
// one-window TTL after an accept, and nothing at all after a Peek of a new key.
func TestRedisKeyLifetime(t *testing.T) {
	m, c := newMiniredis(t)
	r := NewRedis(c, newTestClock(), quietLogger())
	ctx := context.Background()
	r.Peek(ctx, "peeked", 5)
	if m.Exists(KeyPrefix + "peeked") {
		t.Error("Peek created a key")
	}
	r.Allow(ctx, "counted", 5)
	if got := m.TTL(KeyPrefix + "counted"); got != Window {
		t.Errorf("TTL = %v, want %v", got, Window)
	}
}

// TestRedisFallback takes the server away and brings it back: requests keep being
// limited (never an error), the outage is logged once each way, and Redis is pinged
// in the background once per probeInterval.
func TestRedisFallback(t *testing.T) {
	m, c := newMiniredis(t)
	clock := newTestClock()
	logs := &logRecorder{}
	r := NewRedis(c, clock, slogLogger(logs))
	probed := make(chan struct{}, 1)
	r.probed = func() { probed <- struct{}{} }
	ctx := context.Background()
	allow := func(step string, wantAllowed bool, wantRemaining int, wantDegraded bool) {
		t.Helper()
		res, err := r.Allow(ctx, "k", 3)
		if err != nil {
			t.Fatalf("%s: error %v; Redis trouble must not reach the caller", step, err)
		}
		if res.Allowed != wantAllowed || res.Remaining != wantRemaining || r.Degraded() != wantDegraded {
			t.Errorf("%s: allowed=%v remaining=%d degraded=%v, want %v %d %v",
				step, res.Allowed, res.Remaining, r.Degraded(), wantAllowed, wantRemaining, wantDegraded)
		}
	}

	allow("healthy", true, 2, false)
	m.Close()
	// The in-process limiter carries on from the request Redis accepted above.
	allow("outage 1", true, 1, true)
	allow("outage 2", true, 0, true)
	allow("outage 3", false, 0, true)

	if err := m.Restart(); err != nil {
		t.Fatal(err)
	}
	// No ping is due yet: still answered (and refused) in memory.
	allow("restarted, before probe", false, 0, true)
	select {
	case <-probed:
		t.Fatal("pinged Redis before probeInterval passed")
	default:
	}
	clock.Add(probeInterval)
	// This request starts the ping but does not wait for it.
	res, _ := r.Allow(ctx, "k", 3)
	if res.Allowed {
		t.Error("request that started the ping was not answered from memory")
	}
	<-probed
	// Redis only ever saw the first request, so it has room again.
	allow("recovered", true, 1, false)
	allow("recovered 2", true, 0, false)

	want := []string{
		"WARN ratelimit: redis unavailable; limiting per process until it recovers",
		"INFO ratelimit: redis recovered; limits are shared again",
	}
	if got := logs.Lines(); !slices.Equal(got, want) {
		t.Errorf("logs = %q, want %q", got, want)
	}
}

// TestRedisCallerCanceled: a caller that gave up is not an outage.
func TestRedisCallerCanceled(t *testing.T) {
	_, c := newMiniredis(t)
	logs := &logRecorder{}
	r := NewRedis(c, newTestClock(), slogLogger(logs))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := r.Allow(ctx, "k", 3)
	if err != nil || !res.Allowed {
		t.Errorf("Allow = %+v, %v; want an allowed answer and no error", res, err)
	}
	if r.Degraded() || len(logs.Lines()) != 0 {
		t.Errorf("degraded=%v logs=%q; want neither", r.Degraded(), logs.Lines())
	}
}

// TestRedisUnreachableFromStart: a server that was never there degrades at once.
func TestRedisUnreachableFromStart(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = c.Close() })
	r := NewRedis(c, newTestClock(), quietLogger())
	for i, want := range []bool{true, true, false} {
		res, err := r.Allow(context.Background(), "k", 2)
		if err != nil || res.Allowed != want {
			t.Errorf("call %d: allowed=%v err=%v, want %v and no error", i, res.Allowed, err, want)
		}
	}
	if !r.Degraded() {
		t.Error("Degraded() = false with no server")
	}
}
