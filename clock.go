package holdfast

import "time"

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

// FixedClock always returns T; for tests.
type FixedClock struct{ T time.Time }

// Now returns the fixed time.
func (c FixedClock) Now() time.Time { return c.T }

// Micros converts a time to Unix microseconds, the storage unit of every timestamp.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros converts Unix microseconds back to a UTC time.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
