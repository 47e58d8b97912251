package ratelimit

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// keys counts the keys Memory holds, across shards.
func (m *Memory) keys() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.logs)
		s.mu.Unlock()
	}
	return n
}

// TestMemoryEviction checks that keys idle for a whole window are dropped, by the
// periodic sweep or when next asked about, while keys still counting are kept.
func TestMemoryEviction(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		advance  time.Duration // after the idle keys and before the trigger call
		wantKeys int           // after the trigger call
	}{
		// The sweep is due one window after the first call: the 100 idle keys go,
		// "recent" (accepted at +30s) and "trigger" stay.
		{"IdleKeysSweptAfterWindow", Window, 2},
		// A microsecond earlier nothing is due yet, and every key is still counting.
		{"NothingSweptBeforeWindow", Window - time.Microsecond, 102},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newTestClock()
			m := NewMemory(clock)
			for i := range 100 {
				if _, err := m.Allow(ctx, fmt.Sprint("idle", i), 5); err != nil {
					t.Fatal(err)
				}
			}
			clock.Add(30 * time.Second)
			m.Allow(ctx, "recent", 5)
			clock.Add(tc.advance - 30*time.Second)
			m.Allow(ctx, "trigger", 5)
			if got := m.keys(); got != tc.wantKeys {
				t.Errorf("keys = %d, want %d", got, tc.wantKeys)
			}
		})
	}
}

// TestMemoryLogBounded checks that refusals and expiries keep one key's log at most
// limit long, whatever the traffic.
func TestMemoryLogBounded(t *testing.T) {
	ctx := context.Background()
	clock := newTestClock()
	m := NewMemory(clock)
	const limit = 10
	for range 1000 {
		clock.Add(time.Second)
		m.Allow(ctx, "k", limit)
		m.Allow(ctx, "k", limit) // refused once the log is full
	}
	s := m.shard("k")
	if n := len(s.logs["k"]); n > limit {
		t.Errorf("log holds %d entries, want at most %d", n, limit)
	}
	clock.Add(Window)
	m.Peek(ctx, "k", limit)
	if _, ok := s.logs["k"]; ok {
		t.Error("key still held after its whole log expired")
	}
}
