package holdfast

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time. Live mode uses the real clock; test mode uses a
// workspace's test clock (real time plus an offset that advance_clock grows).
type Clock interface {
	Now() time.Time
}

// RealClock is the wall clock in UTC.
type RealClock struct{}

// Now returns the current UTC time.
func (RealClock) Now() time.Time { return time.Now().UTC() }

// OffsetClock is real time shifted by a fixed offset: the shape of a test clock.
type OffsetClock struct {
	Base   Clock
	Offset time.Duration
}

// Now returns the base clock's time plus the offset.
func (c OffsetClock) Now() time.Time { return c.Base.Now().Add(c.Offset) }

// TestClockOffsets reads how far a workspace's test clock runs ahead of real
// time; *store.Store implements it. Returns ENOTFOUND for an unknown workspace.
type TestClockOffsets interface {
	TestClockOffset(ctx context.Context, wsID string) (time.Duration, error)
}

// ModeClock is the clock of a workspace in a mode: base itself for live
// mode, base shifted by the workspace's test-clock offset for test mode. The
// offset is read only in test mode, so live requests cost no query.
func ModeClock(ctx context.Context, base Clock, offsets TestClockOffsets, wsID string, mode Mode) (Clock, error) {
	if mode == ModeLive {
		return base, nil
	}
	off, err := offsets.TestClockOffset(ctx, wsID)
	if err != nil {
		return nil, err
	}
	return OffsetClock{Base: base, Offset: off}, nil
}

// ModeNow is ModeClock(...).Now(): the current time of a workspace's mode,
// for callers that need one instant rather than a clock to keep. A failed
// offset read is returned, never replaced by real time, so a test-mode
// object cannot get a live timestamp on a transient store error.
func ModeNow(ctx context.Context, base Clock, offsets TestClockOffsets, wsID string, mode Mode) (time.Time, error) {
	clk, err := ModeClock(ctx, base, offsets, wsID, mode)
	if err != nil {
		return time.Time{}, err
	}
	return clk.Now(), nil
}

// ManualClock is a clock that moves only when told; for tests (the one
// shared by every package's tests). It is safe for concurrent use.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a manual clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock by d.
func (c *ManualClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// FixedClock always returns T; for tests.
type FixedClock struct{ T time.Time }

// Now returns the fixed time.
func (c FixedClock) Now() time.Time { return c.T }

// Micros converts a time to Unix microseconds, the storage unit of every timestamp.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros converts Unix microseconds back to a UTC time.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
