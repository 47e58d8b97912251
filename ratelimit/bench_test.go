package ratelimit

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"holdfast"
)

// stepClock advances 1 ms on every reading, so a long benchmark keeps expiring old
// entries (as real traffic does) instead of piling up b.N of them.
type stepClock struct{ us atomic.Int64 }

func (c *stepClock) Now() time.Time { return holdfast.FromMicros(c.us.Add(1000)) }

func BenchmarkMemoryAllow(b *testing.B) {
	clock := &stepClock{}
	clock.us.Store(holdfast.Micros(t0))
	m := NewMemory(clock)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "key_" + strconv.Itoa(i)
	}
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			m.Allow(ctx, keys[next.Add(1)%uint64(len(keys))], 1000)
		}
	})
}

func BenchmarkRedisAllow(b *testing.B) {
	c, prefix := realRedis(b)
	r := NewRedis(c, holdfast.RealClock{}, quietLogger())
	ctx := context.Background()
	key := prefix + "bench"
	b.ReportAllocs()
	for b.Loop() {
		r.Allow(ctx, key, 1<<30)
	}
	if r.Degraded() {
		b.Fatal("fell back to memory; Redis was not measured")
	}
}
