package api

import (
	"context"
	"sync"
	"time"

	"holdfast"
	"holdfast/store"
)

// authTTL bounds how long a key, its workspace and a test-clock offset are
// served from memory. SPEC §11 wants CLI changes (revoke, rotate, plan,
// trial, allowlist) live on every running server within 2 seconds; one
// second keeps well inside that. Changes made through this process's Store
// are seen at once (store.AuthGeneration).
const authTTL = time.Second

// authCacheMax bounds each map: tokens that strangers invent must not grow
// memory forever (a full map is simply dropped and refilled).
const authCacheMax = 10000

// authCache serves the key → workspace → test clock resolution of every
// authenticated request from memory. Expiry follows real time, never a test
// clock. Entries are shared by requests: callers copy what they hand out.
type authCache struct {
	st   *store.Store
	base holdfast.Clock // the server's clock, under every test clock
	ttl  time.Duration

	mu     sync.Mutex
	keys   map[string]keyEntry   // token hash → key and workspace
	clocks map[string]clockEntry // workspace id → test-clock offset
}

type keyEntry struct {
	rec *store.KeyRecord    // nil: no key has this hash
	ws  *holdfast.Workspace // nil: the key's workspace is gone
	gen uint64
	at  time.Time
}

type clockEntry struct {
	clock holdfast.Clock // OffsetClock over base, made once per entry
	gen   uint64
	at    time.Time
}

func newAuthCache(st *store.Store, base holdfast.Clock) *authCache {
	return &authCache{st: st, base: base, ttl: authTTL, keys: map[string]keyEntry{}, clocks: map[string]clockEntry{}}
}

func (c *authCache) fresh(gen uint64, at, now time.Time) bool {
	return gen == c.st.AuthGeneration() && now.Sub(at) < c.ttl && now.Sub(at) >= 0
}

// key returns the key with a token hash and its workspace: rec is nil for an
// unknown hash, ws nil when the workspace no longer exists.
func (c *authCache) key(ctx context.Context, hash string) (*store.KeyRecord, *holdfast.Workspace, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.keys[hash]
	c.mu.Unlock()
	if ok && c.fresh(e.gen, e.at, now) {
		return e.rec, e.ws, nil
	}
	gen := c.st.AuthGeneration() // before the reads: a change during them forces a reload next time
	e = keyEntry{gen: gen, at: now}
	rec, err := c.st.KeyByTokenHash(ctx, hash)
	switch {
	case holdfast.ErrorCode(err) == holdfast.ENOTFOUND:
	case err != nil:
		return nil, nil, err
	default:
		e.rec = rec
		ws, err := c.st.GetWorkspace(ctx, rec.WorkspaceID)
		switch {
		case holdfast.ErrorCode(err) == holdfast.ENOTFOUND:
		case err != nil:
			return nil, nil, err
		default:
			e.ws = ws
		}
	}
	c.mu.Lock()
	if len(c.keys) >= authCacheMax {
		c.keys = map[string]keyEntry{}
	}
	c.keys[hash] = e
	c.mu.Unlock()
	return e.rec, e.ws, nil
}

// testClock returns a workspace's test clock (the server's clock plus the
// workspace's offset), from memory when allowed (reads) or from the database
// (writes, which must stamp objects with the clock every node agrees on
// right after an advance_clock).
func (c *authCache) testClock(ctx context.Context, wsID string, cached bool) (holdfast.Clock, error) {
	now := time.Now()
	if cached {
		c.mu.Lock()
		e, ok := c.clocks[wsID]
		c.mu.Unlock()
		if ok && c.fresh(e.gen, e.at, now) {
			return e.clock, nil
		}
	}
	gen := c.st.AuthGeneration()
	off, err := c.st.TestClockOffset(ctx, wsID)
	if err != nil {
		return nil, err
	}
	clk := holdfast.Clock(holdfast.OffsetClock{Base: c.base, Offset: off})
	c.mu.Lock()
	if len(c.clocks) >= authCacheMax {
		c.clocks = map[string]clockEntry{}
	}
	c.clocks[wsID] = clockEntry{clock: clk, gen: gen, at: now}
	c.mu.Unlock()
	return clk, nil
}

// touchInterval is how often a key's last_used_at is written at most.
const touchInterval = time.Minute

// keyTouches coalesces last_used_at writes: at most one per key per
// touchInterval from this process, written by one short-lived goroutine that
// drains whatever is pending (never a goroutine per request). last_used_at is
// real time, never a test clock.
type keyTouches struct {
	st *store.Store

	mu      sync.Mutex
	last    map[string]time.Time // key id → when this process last wrote it
	pending map[string]time.Time
	running bool
	// done, when set (tests), is called after each drain.
	done func()
}

func newKeyTouches(st *store.Store) *keyTouches {
	return &keyTouches{st: st, last: map[string]time.Time{}, pending: map[string]time.Time{}}
}

// touch records a use of key id at now (real time).
func (t *keyTouches) touch(id string, now time.Time) {
	t.mu.Lock()
	if last, ok := t.last[id]; ok && now.Sub(last) < touchInterval {
		t.mu.Unlock()
		return
	}
	if len(t.last) >= authCacheMax {
		t.last = map[string]time.Time{}
	}
	t.last[id] = now
	t.pending[id] = now
	start := !t.running
	t.running = true
	t.mu.Unlock()
	if start {
		go t.drain()
	}
}

func (t *keyTouches) drain() {
	for {
		t.mu.Lock()
		batch := t.pending
		if len(batch) == 0 {
			t.running = false
			done := t.done
			t.mu.Unlock()
			if done != nil {
				done()
			}
			return
		}
		t.pending = map[string]time.Time{}
		t.mu.Unlock()
		for id, at := range batch {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = t.st.TouchKey(ctx, id, at)
			cancel()
		}
	}
}
