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

// lockedUntil returns the latest lock among the sign-in's keys, or zero.
func (d *Dashboard) lockedUntil(ctx context.Context, email string, ip netip.Addr, now time.Time) (time.Time, error) {
	var until time.Time
	for _, k := range []string{emailKey(email), ipKey(ip)} {
		t, err := d.store.GetLoginThrottle(ctx, k)
		if err != nil {
			return time.Time{}, err
		}
		if t.Locked(now) && t.LockedUntil.After(until) {
			until = *t.LockedUntil
		}
	}
	return until, nil
}

// recordFailure counts a failed sign-in against both keys and locks those
// past their allowance.
func (d *Dashboard) recordFailure(ctx context.Context, email string, ip netip.Addr, now time.Time) error {
	p := d.throttle
	for _, k := range []struct {
		key       string
		allowance int
	}{{emailKey(email), p.EmailFailures}, {ipKey(ip), p.IPFailures}} {
		n, err := d.store.RecordLoginFailure(ctx, k.key, now, p.ResetAfter)
		if err != nil {
			return err
		}
		if lock := p.lockFor(n, k.allowance); lock > 0 {
			if err := d.store.LockLogin(ctx, k.key, now.Add(lock), now); err != nil {
				return err
			}
		}
	}
	return nil
}
