package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"holdfast"
)

// KeyPrefix starts every Redis key the limiter writes ("holdfast:rl:" + API key id),
// so operators can find or flush the counters without touching anything else.
const KeyPrefix = "holdfast:rl:"

// probeInterval is how often, while degraded, Redis is pinged to see whether it is
// back. The ping runs in the background and every request answers from memory
// meanwhile, so during an outage only the request that discovered it waits for the
// client's timeouts.
const probeInterval = time.Second

// probeTimeout bounds one background ping, so a hanging server cannot pile them up.
const probeTimeout = 5 * time.Second

// Redis is a sliding-log limiter shared by every process using the same Redis server.
//
// Time comes from the injected clock and is passed into the script, rather than read
// with Redis TIME, for two reasons: tests (and test mode) control time exactly, and
// the fallback Memory reads the same clock, so Results stay continuous when the
// limiter switches between the two. The cost is that processes sharing a server need
// roughly synchronized clocks (NTP); skew of a few ms moves window edges by that much.
// The key's TTL is only garbage collection, set to one window after each accept.
//
// When Redis fails, the limiter logs once per outage at Warn, answers from an
// in-process Memory, and never returns the error: Redis trouble must not become an
// outage (SPEC §3). Give the client short dial/read timeouts and few dial retries:
// the request that runs into an outage waits for them (later ones do not, see
// probeInterval).
type Redis struct {
	client *redis.Client
	clock  holdfast.Clock
	logger *slog.Logger
	local  *Memory

	instance string        // random per limiter, so members never collide across processes
	seq      atomic.Uint64 // makes members unique within this limiter

	degraded  atomic.Bool
	nextProbe atomic.Int64 // Unix µs; while degraded, Redis is pinged again no earlier

	// probed, if set (by tests), is called after each background ping, so tests wait
	// for it instead of sleeping.
	probed func()
}

// NewRedis returns a limiter over client, reading time from clock (RealClock if nil)
// and logging outages to logger (slog.Default if nil).
func NewRedis(client *redis.Client, clock holdfast.Clock, logger *slog.Logger) *Redis {
	if clock == nil {
		clock = holdfast.RealClock{}
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Redis{
		client:   client,
		clock:    clock,
		logger:   logger,
		local:    NewMemory(clock),
		instance: holdfast.RandomBase62(12),
	}
}

// Allow counts one request for key if it fits under limit. It never returns an error.
func (r *Redis) Allow(ctx context.Context, key string, limit int) (Result, error) {
	return r.take(ctx, key, limit, true), nil
}

// Peek reports key's state without counting a request. It never returns an error.
func (r *Redis) Peek(ctx context.Context, key string, limit int) (Result, error) {
	return r.take(ctx, key, limit, false), nil
}

// Degraded reports whether the last attempt to reach Redis failed, i.e. whether
// requests are currently limited per process instead of across all processes.
func (r *Redis) Degraded() bool { return r.degraded.Load() }

// take asks Redis, or the in-process limiter while Redis is down.
func (r *Redis) take(ctx context.Context, key string, limit int, counting bool) Result {
	now := holdfast.Micros(r.clock.Now())
	if limit < 1 {
		return summarize(window{}, limit, now, false) // nothing to count or ask
	}
	if r.degraded.Load() {
		if r.probeDue(now) {
			go r.probe()
		}
		return r.local.take(key, limit, now, counting)
	}
	w, allowed, err := r.eval(ctx, key, limit, now, counting)
	if err != nil {
		// A caller that gave up is not a Redis outage: answer locally, change nothing.
		if !(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
			r.markDown(err, now)
		}
		return r.local.take(key, limit, now, counting)
	}
	r.markUp()
	if allowed && counting {
		r.local.record(key, now)
	}
	return summarize(w, limit, now, allowed)
}

// probeDue reports whether this call should start a ping while degraded; at most one
// call per probeInterval wins.
func (r *Redis) probeDue(now int64) bool {
	next := r.nextProbe.Load()
	return now >= next && r.nextProbe.CompareAndSwap(next, now+probeInterval.Microseconds())
}

// probe pings Redis and, if it answers, ends the outage so that the next request
// goes to Redis again.
func (r *Redis) probe() {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	if err := r.client.Ping(ctx).Err(); err == nil {
		r.markUp()
	}
	if r.probed != nil {
		r.probed()
	}
}

// markDown records a failure, logging only the transition into an outage.
func (r *Redis) markDown(err error, now int64) {
	r.nextProbe.Store(now + probeInterval.Microseconds())
	if r.degraded.CompareAndSwap(false, true) {
		r.logger.Warn("ratelimit: redis unavailable; limiting per process until it recovers",
			"err", err)
	}
}

// markUp records a success, logging only the transition out of an outage.
func (r *Redis) markUp() {
	if r.degraded.CompareAndSwap(true, false) {
		r.logger.Info("ratelimit: redis recovered; limits are shared again")
	}
}

// eval runs the sliding-log script for key at now (Unix µs).
func (r *Redis) eval(ctx context.Context, key string, limit int, now int64, counting bool) (window, bool, error) {
	member := r.instance + ":" + strconv.FormatUint(r.seq.Add(1), 36)
	flag := "0"
	if counting {
		flag = "1"
	}
	res, err := slidingLog.Run(ctx, r.client, []string{KeyPrefix + key},
		strconv.FormatInt(now-windowMicros, 10), strconv.FormatInt(now, 10),
		strconv.Itoa(limit), member, strconv.FormatInt(Window.Milliseconds(), 10), flag,
	).Slice()
	if err != nil {
		return window{}, false, err
	}
	return parseReply(res)
}

// parseReply decodes the script's {allowed, count, oldest, newest, pivot}.
func parseReply(res []any) (window, bool, error) {
	if len(res) != 5 {
		return window{}, false, fmt.Errorf("ratelimit: script returned %d values, want 5", len(res))
	}
	allowed, ok1 := res[0].(int64)
	count, ok2 := res[1].(int64)
	if !ok1 || !ok2 {
		return window{}, false, fmt.Errorf("ratelimit: unexpected script reply %v", res)
	}
	w := window{count: int(count)}
	var err error
	for i, dst := range []*int64{&w.oldest, &w.newest, &w.pivot} {
		if *dst, err = parseScore(res[2+i]); err != nil {
			return window{}, false, err
		}
	}
	return w, allowed == 1, nil
}

// parseScore reads a sorted-set score ("" for none). Redis prints scores as doubles,
// possibly in exponent form, which are exact for µs timestamps (< 2^53).
func parseScore(v any) (int64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("ratelimit: unexpected score %v", v)
	}
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("ratelimit: parse score %q: %w", s, err)
	}
	return int64(math.Round(f)), nil
}
