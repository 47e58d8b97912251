package ratelimit

import (
	"slices"
	"testing"
)

// TestExpire covers both ways expire finds the first live entry: the short
// scan from the front and the binary search after a long gap. An entry at
// exactly now - Window has expired; one a microsecond later still counts.
func TestExpire(t *testing.T) {
	const now = int64(10 * windowMicros)
	cutoff := now - windowMicros
	seq := func(from int64, n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = from + int64(i)
		}
		return out
	}
	cases := []struct {
		name  string
		times []int64
		keep  int // entries left, all at the end
	}{
		{"Empty", nil, 0},
		{"NoneExpired", seq(cutoff+1, 5), 5},
		{"BoundaryExpires", seq(cutoff, 3), 2},
		{"FewExpired", seq(cutoff-2, 10), 7},
		{"ScanLimitExactly", seq(cutoff-expireScan+1, expireScan+4), 4},
		{"ManyExpiredSearch", seq(cutoff-999, 1500), 500},
		{"AllExpiredShort", seq(cutoff-4, 5), 0},
		{"AllExpiredLong", seq(cutoff-99, 100), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := expire(slices.Clone(c.times), now)
			if len(got) != c.keep {
				t.Fatalf("kept %d entries, want %d", len(got), c.keep)
			}
			if c.keep == 0 && got != nil {
				t.Fatal("an empty log should be nil, not an empty view of the old array")
			}
			if c.keep > 0 && (got[0] <= cutoff || !slices.Equal(got, c.times[len(c.times)-c.keep:])) {
				t.Fatalf("kept %v…, want the last %d of the log", got[:1], c.keep)
			}
		})
	}
}
