package holdfast

import (
	"crypto/rand"
	mrand "math/rand/v2"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// RandomBase62 returns n characters drawn uniformly from [0-9A-Za-z] with
// crypto/rand. Each random byte's low six bits pick a character and values
// of 62 and 63 are thrown away (rejection sampling), so every character is
// equally likely, and one read of the random source usually covers the
// whole string (it used to draw a math/big integer per character).
func RandomBase62(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		chunk := buf[:min(len(buf), n-len(out)+n/8+2)]
		if _, err := rand.Read(chunk); err != nil {
			panic("holdfast: crypto/rand failed: " + err.Error())
		}
		for _, b := range chunk {
			if v := b & 63; v < 62 && len(out) < n {
				out = append(out, base62[v])
			}
		}
	}
	return string(out)
}

// ID prefixes of every object kind.
const (
	PrefixWorkspace     = "ws_"
	PrefixKey           = "key_"
	PrefixCustomer      = "cus_"
	PrefixSubscription  = "sub_"
	PrefixPayment       = "pay_"
	PrefixRecovery      = "rec_"
	PrefixAttempt       = "att_"
	PrefixDunningSend   = "ds_"
	PrefixCampaign      = "cmp_"
	PrefixCancelSession = "cs_"
	PrefixEndpoint      = "we_"
	PrefixEvent         = "evt_"
	PrefixDelivery      = "dlv_"
	PrefixRequest       = "req_"
	PrefixUser          = "usr_"
)

// NewID returns a new object id: prefix + 24 random base62 characters.
func NewID(prefix string) string { return prefix + RandomBase62(24) }

// NewRequestID returns a request id (req_ + 24 base62 characters). Request
// ids name log lines and responses, not objects, and are drawn for every
// request: they come from math/rand/v2's per-thread ChaCha8 generator
// (randomly seeded, no system call), not crypto/rand. Object ids, keys and
// tokens keep using crypto/rand.
func NewRequestID() string {
	var b [24]byte
	for i := 0; i < len(b); {
		// Ten base62 characters from each 64-bit draw: 62^10 < 2^64, and
		// values at or past the largest multiple of 62^10 are redrawn, so
		// every character stays uniform.
		v := mrand.Uint64()
		if v >= maxMultiple62 {
			continue
		}
		for k := 0; k < 10 && i < len(b); k++ {
			b[i] = base62[v%62]
			v /= 62
			i++
		}
	}
	return PrefixRequest + string(b[:])
}

// pow62_10 is 62^10; maxMultiple62 the largest multiple of it in a uint64.
const (
	pow62_10      = 839299365868340224
	maxMultiple62 = (1<<64 - 1) / pow62_10 * pow62_10
)
