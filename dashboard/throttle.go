package dashboard

import (
	"context"
	"net/netip"
	"time"

	"holdfast/store"
)

// Sign-in throttling. Two keys are counted for every failed sign-in: the
// email (protects one account from a slow, distributed guesser) and the
// client IP (protects every account from one noisy address, with a higher
// allowance because offices share addresses). Past its allowance a key is
// locked with exponential backoff; while locked, sign-in is refused before
// the password is checked, so guessing gets nowhere and the answer leaks
// nothing about whether the password was right.

// ThrottlePolicy sets how many failures a key may have and how long locks are.
type ThrottlePolicy struct {
	EmailFailures int           // failures per email before a lock
	IPFailures    int           // failures per IP before a lock
	BaseLock      time.Duration // first lock; doubles with each further failure
	MaxLock       time.Duration
	ResetAfter    time.Duration // a streak with no failure for this long starts over
}

// DefaultThrottle is the policy serve uses.
var DefaultThrottle = ThrottlePolicy{
	EmailFailures: 5, IPFailures: 20, BaseLock: time.Minute, MaxLock: 30 * time.Minute, ResetAfter: time.Hour,
}

// lockFor returns how long a key with n failures (allowance a) is locked: 0
// below the allowance, then BaseLock doubling per extra failure, capped.
func (p ThrottlePolicy) lockFor(n, allowance int) time.Duration {
	if n < allowance {
		return 0
	}
	d := p.BaseLock
	for i := allowance; i < n && d < p.MaxLock; i++ {
		d *= 2
	}
	return min(d, p.MaxLock)
}

func emailKey(email string) string { return "email:" + store.NormalizeEmail(email) }
func ipKey(ip netip.Addr) string   { return "ip:" + ip.String() }

// beginAttempt counts a sign-in against its email and client-IP keys
// before any password is hashed (store.BeginLoginAttempt): counting first
// and atomically is what keeps a burst of concurrent guesses from all being
// checked while the count catches up.
func (d *Dashboard) beginAttempt(ctx context.Context, email string, ip netip.Addr, now time.Time) (store.LoginAttempt, error) {
	p := d.throttle
	return d.store.BeginLoginAttempt(ctx, []store.LoginKey{
		{Key: emailKey(email), Allowance: p.EmailFailures},
		{Key: ipKey(ip), Allowance: p.IPFailures},
	}, now, p.ResetAfter, p.lockFor)
}

// succeeded takes back a right sign-in's count: the account's streak is
// forgotten, and the shared IP key loses just this attempt.
func (d *Dashboard) succeeded(ctx context.Context, email string, ip netip.Addr, a store.LoginAttempt, now time.Time) error {
	if err := d.store.ClearLoginFailures(ctx, emailKey(email)); err != nil {
		return err
	}
	return d.store.UndoLoginAttempt(ctx, ipKey(ip), a, now)
}
