package sim

import (
	"math"
	"math/rand/v2"
)

// What a draw is for; with the payment index and a number (attempt, email)
// it names one independent random stream.
const (
	streamPopulation uint64 = iota + 1
	streamRetry
	streamEmail
	streamPayOnOwn
	streamCancel
	streamArrival
)

// draws returns the random stream for (seed, payment, stream, n). Streams
// are derived, not shared: whatever a strategy does, attempt 3 of payment 17
// sees the same numbers, which is what makes strategies comparable (common
// random numbers).
func draws(seed uint64, payment int, stream uint64, n int) *rand.Rand {
	a := mix(seed ^ mix(uint64(payment)+0x9e3779b97f4a7c15))
	b := mix(stream<<32 ^ uint64(n) ^ 0xd1b54a32d192ed03)
	return rand.New(rand.NewPCG(a, b))
}

// mix is SplitMix64's finalizer.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// pick returns an index chosen by shares (which sum to about 1).
func pick(r *rand.Rand, shares []float64) int {
	u := r.Float64()
	acc := 0.0
	for i, s := range shares {
		acc += s
		if u < acc {
			return i
		}
	}
	return len(shares) - 1
}

// exp draws an exponential variate with the given mean (0 → 0).
func exp(r *rand.Rand, mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	return -mean * math.Log(1-r.Float64())
}
