package holdfast

import (
	"strings"
	"testing"
)

func TestRandomBase62(t *testing.T) {
	for _, n := range []int{0, 1, 24, 100, 500} {
		s := RandomBase62(n)
		if len(s) != n {
			t.Fatalf("RandomBase62(%d) has %d characters", n, len(s))
		}
		for _, c := range s {
			if !strings.ContainsRune(base62, c) {
				t.Fatalf("RandomBase62(%d) = %q holds %q", n, s, c)
			}
		}
	}
	// Uniform: a chi-square over the 62 characters of 124,000 draws stays
	// under the 0.99999 quantile for 61 degrees of freedom (~120.2: a false
	// alarm once in 100,000 runs; folding would double two characters and
	// score in the thousands). Byte values 62 and 63 must be rejected, not
	// folded onto '0' and '1'.
	counts := map[rune]int{}
	const draws = 124_000
	for range draws / 1000 {
		for _, c := range RandomBase62(1000) {
			counts[c]++
		}
	}
	want := float64(draws) / 62
	chi := 0.0
	for _, c := range base62 {
		d := float64(counts[c]) - want
		chi += d * d / want
	}
	if chi > 120.2 {
		t.Fatalf("chi-square %.1f over 62 characters: not uniform (%v)", chi, counts)
	}
	if a, b := NewID(PrefixRequest), NewID(PrefixRequest); a == b || !strings.HasPrefix(a, "req_") || len(a) != 28 {
		t.Fatalf("NewID gave %q and %q", a, b)
	}
}

func TestNewRequestID(t *testing.T) {
	counts := map[rune]int{}
	seen := map[string]bool{}
	const ids = 5000
	for range ids {
		id := NewRequestID()
		if !strings.HasPrefix(id, PrefixRequest) || len(id) != len(PrefixRequest)+24 || seen[id] {
			t.Fatalf("request id %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
		for _, c := range id[len(PrefixRequest):] {
			if !strings.ContainsRune(base62, c) {
				t.Fatalf("request id %q holds %q", id, c)
			}
			counts[c]++
		}
	}
	want := float64(ids*24) / 62
	chi := 0.0
	for _, c := range base62 {
		d := float64(counts[c]) - want
		chi += d * d / want
	}
	if chi > 120.2 { // 0.999 quantile of chi-square with 61 degrees of freedom
		t.Fatalf("chi-square %.1f over 62 characters: not uniform", chi)
	}
}
