package ratelimit

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"holdfast"
)

// t0 is where every test clock starts; whole seconds keep expected values readable.
var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// newTestClock is a clock that moves only when the test says so, at t0.
func newTestClock() *holdfast.ManualClock { return holdfast.NewManualClock(t0) }

// logRecorder is a slog.Handler that keeps "LEVEL message" lines for assertions.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, r.Level.String()+" "+r.Message)
	return nil
}

func (h *logRecorder) Lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.lines...)
}

// quietLogger drops everything; for tests that assert on behaviour, not logs.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newMiniredis starts an in-process Redis and a client for it that fails fast: no
// command or dial retries, so an outage shows on the first call instead of after
// backoff sleeps.
func newMiniredis(t testing.TB) (*miniredis.Miniredis, *redis.Client) {
	m := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: m.Addr(), MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = c.Close() })
	return m, c
}

// realRedis connects to HOLDFAST_TEST_REDIS_URL, or skips. It returns the client and
// a key prefix unique to this run; keys under it are deleted when the test ends.
func realRedis(t testing.TB) (*redis.Client, string) {
	url := os.Getenv("HOLDFAST_TEST_REDIS_URL")
	if url == "" {
		t.Skip("HOLDFAST_TEST_REDIS_URL not set; skipping real Redis test")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("parse HOLDFAST_TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opt)
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping %s: %v", url, err)
	}
	prefix := "test:" + holdfast.RandomBase62(10) + ":"
	t.Cleanup(func() {
		iter := c.Scan(ctx, 0, KeyPrefix+prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		_ = c.Close()
	})
	return c, prefix
}

// backend builds a fresh limiter over the test clock, plus a key prefix for it.
type backend struct {
	name string
	new  func(t *testing.T, clock holdfast.Clock) (Limiter, string)
}

// backends lists every implementation the shared behaviour tests run against. The
// Redis ones fail the test if they ever fell back to memory, so a passing Redis run
// really exercised the script.
func backends() []backend {
	checkShared := func(t *testing.T, r *Redis) {
		t.Cleanup(func() {
			if r.Degraded() {
				t.Error("limiter fell back to memory; Redis path was not tested")
			}
		})
	}
	return []backend{
		{"Memory", func(_ *testing.T, clock holdfast.Clock) (Limiter, string) {
			return NewMemory(clock), ""
		}},
		{"Miniredis", func(t *testing.T, clock holdfast.Clock) (Limiter, string) {
			_, c := newMiniredis(t)
			r := NewRedis(c, clock, quietLogger())
			checkShared(t, r)
			return r, ""
		}},
		{"RealRedis", func(t *testing.T, clock holdfast.Clock) (Limiter, string) {
			c, prefix := realRedis(t)
			r := NewRedis(c, clock, quietLogger())
			checkShared(t, r)
			return r, prefix
		}},
	}
}

func slogLogger(h *logRecorder) *slog.Logger { return slog.New(h) }
