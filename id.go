package holdfast

import (
	"crypto/rand"
	"math/big"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// RandomBase62 returns n characters drawn uniformly from [0-9A-Za-z] with crypto/rand.
func RandomBase62(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(base62)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("holdfast: crypto/rand failed: " + err.Error())
		}
		b[i] = base62[v.Int64()]
	}
	return string(b)
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
