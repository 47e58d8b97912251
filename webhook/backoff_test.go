package webhook

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// nominal restates the documented schedule independently of backoff.go:
// 30 s doubling per failure, never above 12 h.
func nominal(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < 12*time.Hour; i++ {
		d *= 2
	}
	return min(d, 12*time.Hour)
}

func seeds(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("dlv_%06d", i)
	}
	return s
}

func TestBackoffWithinJitterBounds(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds(200) {
		for n := 1; n <= 25; n++ {
			got, nom := Backoff(n, seed), nominal(n)
			lo, hi := time.Duration(0.8*float64(nom)), time.Duration(1.2*float64(nom))
			if got < lo || got > hi {
				t.Fatalf("Backoff(%d, %q) = %v, want within [%v, %v]", n, seed, got, lo, hi)
			}
		}
	}
}

func TestBackoffJitterSpreads(t *testing.T) {
	t.Parallel()
	// Jitter must actually spread deliveries across the ±20 % band, not sit
	// on the nominal value.
	nom := float64(nominal(5))
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, seed := range seeds(200) {
		f := float64(Backoff(5, seed)) / nom
		lo, hi = min(lo, f), max(hi, f)
	}
	if lo > 0.85 || hi < 1.15 {
		t.Fatalf("jitter factors span only [%.3f, %.3f] over 200 seeds", lo, hi)
	}
	if Backoff(5, "dlv_a") == Backoff(5, "dlv_b") && Backoff(6, "dlv_a") == Backoff(6, "dlv_b") {
		t.Fatal("different seeds give identical delays")
	}
}

func TestBackoffDeterministic(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 30; n++ {
		if a, b := Backoff(n, "evt_same"), Backoff(n, "evt_same"); a != b {
			t.Fatalf("Backoff(%d) not deterministic: %v vs %v", n, a, b)
		}
	}
}

func TestBackoffGrowsOnAverage(t *testing.T) {
	t.Parallel()
	ss := seeds(200)
	mean := func(n int) time.Duration {
		var sum time.Duration
		for _, s := range ss {
			sum += Backoff(n, s)
		}
		return sum / time.Duration(len(ss))
	}
	prev := time.Duration(0)
	for n := 1; n <= 20; n++ {
		m := mean(n)
		if n <= 12 && m <= prev {
			t.Fatalf("mean delay after %d failures %v does not exceed %v", n, m, prev)
		}
		if m < prev*95/100 {
			t.Fatalf("mean delay after %d failures %v fell below %v", n, m, prev)
		}
		prev = m
	}
}

func TestBackoffCaps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		attempt int
	}{
		{"Twelve", 12}, {"Forty", 40}, {"SixtyFour", 64}, {"MaxInt", math.MaxInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Backoff(tt.attempt, "dlv_cap")
			if got < 12*time.Hour*8/10 || got > 12*time.Hour*12/10 {
				t.Fatalf("Backoff(%d) = %v, want 12h ± 20%%", tt.attempt, got)
			}
		})
	}
	t.Run("NonPositiveIsFirst", func(t *testing.T) {
		for _, n := range []int{0, -1, math.MinInt} {
			if got, want := Backoff(n, "dlv_x"), Backoff(1, "dlv_x"); got != want {
				t.Fatalf("Backoff(%d) = %v, want Backoff(1) = %v", n, got, want)
			}
		}
	})
}

// TestBackoffReachesMaxRetryAge documents the schedule length: the delays add
// up to three days after 16 failures without jitter and 15–18 with it.
func TestBackoffReachesMaxRetryAge(t *testing.T) {
	t.Parallel()
	attemptsFor := func(delay func(n int) time.Duration) int {
		var sum time.Duration
		n := 0
		for sum < MaxRetryAge {
			n++
			sum += delay(n)
		}
		return n
	}
	if MaxRetryAge != 72*time.Hour {
		t.Fatalf("MaxRetryAge = %v, want 72h", MaxRetryAge)
	}
	if got := attemptsFor(nominal); got != 16 {
		t.Fatalf("nominal schedule reaches 3 days after %d failures, want 16", got)
	}
	lo, hi := math.MaxInt, 0
	for _, seed := range seeds(1000) {
		n := attemptsFor(func(n int) time.Duration { return Backoff(n, seed) })
		lo, hi = min(lo, n), max(hi, n)
	}
	if lo < 15 || hi > 18 {
		t.Fatalf("jittered schedules reach 3 days after %d..%d failures, want within 15..18", lo, hi)
	}
	t.Logf("3 days reached after %d..%d failures over 1000 seeds", lo, hi)
}
