package ratelimit

import (
	"context"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"

	"holdfast"
)

// shardCount splits the key map so that requests for different keys rarely wait on
// the same mutex. A power of two keeps the shard pick a mask.
const shardCount = 32

// Memory is an exact sliding-log limiter held in the process: per key, the sorted
// accept times of the requests still inside the window. A key's log never holds more
// than the largest limit it was checked against, and keys idle for a whole window are
// evicted, so memory follows the number of active keys rather than growing forever.
type Memory struct {
	clock  holdfast.Clock
	seed   maphash.Seed
	shards [shardCount]shard
	// nextSweep (Unix µs) is when the next idle-key sweep is due. Sweeps ride on
	// ordinary calls, once per window, so the limiter needs no goroutine to stop.
	nextSweep atomic.Int64
}

// shard is one lock's worth of keys.
type shard struct {
	mu   sync.Mutex
	logs map[string][]int64 // key → accept times (Unix µs), ascending
}

// NewMemory returns an in-process limiter reading time from clock (RealClock if nil).
func NewMemory(clock holdfast.Clock) *Memory {
	if clock == nil {
		clock = holdfast.RealClock{}
	}
	m := &Memory{clock: clock, seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].logs = make(map[string][]int64)
	}
	return m
}

// Allow counts one request for key if it fits under limit. It never returns an error;
// ctx is accepted only to satisfy Limiter.
func (m *Memory) Allow(_ context.Context, key string, limit int) (Result, error) {
	return m.take(key, limit, holdfast.Micros(m.clock.Now()), true), nil
}

// Peek reports key's state without counting a request. It never returns an error.
func (m *Memory) Peek(_ context.Context, key string, limit int) (Result, error) {
	return m.take(key, limit, holdfast.Micros(m.clock.Now()), false), nil
}

// take checks key against limit at now (Unix µs) and, if counting and the request
// fits, records it. Redis calls it with its own clock reading when it falls back.
func (m *Memory) take(key string, limit int, now int64, counting bool) Result {
	m.maybeSweep(now)
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	times := expire(s.logs[key], now)
	allowed := limit >= 1 && len(times) < limit
	if allowed && counting {
		times = insert(times, now)
	}
	s.store(key, times)
	return summarize(summary(times, limit, allowed), limit, now, allowed)
}

// record counts an accepted request without checking any limit. Redis mirrors every
// request it accepts into its fallback Memory with it, so that a fallback mid-window
// starts from this process's recent history instead of an empty log.
func (m *Memory) record(key string, now int64) {
	m.maybeSweep(now)
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store(key, insert(expire(s.logs[key], now), now))
}

// shard picks the shard that owns key.
func (m *Memory) shard(key string) *shard {
	return &m.shards[maphash.String(m.seed, key)&(shardCount-1)]
}

// store saves key's log, dropping the key once nothing in it counts.
func (s *shard) store(key string, times []int64) {
	if len(times) == 0 {
		delete(s.logs, key)
		return
	}
	s.logs[key] = times
}

// maybeSweep evicts idle keys once per window. Keys are also dropped when a call
// finds their log empty; the sweep catches keys that are never asked about again. If
// the clock jumped backwards past the schedule, the sweep re-arms instead of waiting
// for time to catch up.
func (m *Memory) maybeSweep(now int64) {
	next := m.nextSweep.Load()
	if now < next && now >= next-2*windowMicros {
		return
	}
	if !m.nextSweep.CompareAndSwap(next, now+windowMicros) {
		return // another call is sweeping
	}
	cutoff := now - windowMicros
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		for key, times := range s.logs {
			if times[len(times)-1] <= cutoff {
				delete(s.logs, key)
			}
		}
		s.mu.Unlock()
	}
}

// expire drops the accept times that no longer count at now: a request accepted at t
// counts while now < t + Window, so t <= now - Window has expired.
func expire(times []int64, now int64) []int64 {
	cutoff := now - windowMicros
	// Expired entries are at the front, and a call usually finds none or a
	// few (as many as were accepted one window ago), so step over them from
	// the front and binary-search only after a long gap. A key with a high
	// limit under load holds hundreds of thousands of entries, and a search
	// from the middle touches a fresh cache line at each of its ~20 steps;
	// the scan touches the head of the log only.
	n := 0
	for n < len(times) && n < expireScan && times[n] <= cutoff {
		n++
	}
	if n == expireScan {
		n, _ = slices.BinarySearch(times, cutoff+1) // first entry > cutoff
	}
	if n == len(times) {
		return nil // let the array go rather than keep an empty view of it
	}
	return times[n:]
}

// expireScan bounds expire's linear scan before it falls back to a search.
const expireScan = 16

// insert adds now to the ascending log. Time normally only moves forward, so this is
// an append; a clock stepped backwards lands in order instead of corrupting expiry.
func insert(times []int64, now int64) []int64 {
	if len(times) == 0 || now >= times[len(times)-1] {
		return append(times, now)
	}
	i, _ := slices.BinarySearch(times, now+1)
	return slices.Insert(times, i, now)
}

// summary reduces a live log to a window for summarize.
func summary(times []int64, limit int, allowed bool) window {
	w := window{count: len(times)}
	if w.count == 0 {
		return w
	}
	w.oldest, w.newest = times[0], times[w.count-1]
	if !allowed && limit >= 1 && w.count >= limit {
		w.pivot = times[w.count-limit]
	}
	return w
}
