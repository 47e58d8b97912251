package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// Login throttling state lives in the database so that several serve
// processes behind a load balancer enforce one limit. The policy (how many
// failures, how long a lock) is the dashboard's; the store only counts
// atomically and remembers locks.

// LoginThrottle is the state of one throttle key.
type LoginThrottle struct {
	Key           string
	Failures      int
	LastFailureAt time.Time
	LockedUntil   *time.Time
}

// Locked reports whether the key is locked at now.
func (t LoginThrottle) Locked(now time.Time) bool {
	return t.LockedUntil != nil && now.Before(*t.LockedUntil)
}

// GetLoginThrottle returns a key's state; a key never seen has zero failures.
func (s *Store) GetLoginThrottle(ctx context.Context, key string) (LoginThrottle, error) {
	t := LoginThrottle{Key: key}
	var (
		last   int64
		locked sql.NullInt64
	)
	err := s.queryRow(ctx, `SELECT failures, last_failure_at, locked_until FROM login_attempts WHERE throttle_key = ?`, key).
		Scan(&t.Failures, &last, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	t.LastFailureAt = holdfast.FromMicros(last)
	t.LockedUntil = timePtr(locked)
	return t, nil
}

// RecordLoginFailure counts one failed sign-in for key in a single atomic
// statement (safe under concurrent requests on either database). A streak
// whose last failure is older than resetAfter starts again from one. It
// returns the new count.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, now time.Time, resetAfter time.Duration) (int, error) {
	var n int
	us := holdfast.Micros(now)
	err := s.queryRow(ctx, `INSERT INTO login_attempts (throttle_key, failures, last_failure_at, locked_until, updated_at)
		VALUES (?, 1, ?, NULL, ?)
		ON CONFLICT (throttle_key) DO UPDATE SET
			failures = CASE WHEN login_attempts.last_failure_at < ? THEN 1 ELSE login_attempts.failures + 1 END,
			last_failure_at = excluded.last_failure_at,
			updated_at = excluded.updated_at
		RETURNING failures`,
		key, us, us, us-resetAfter.Microseconds()).Scan(&n)
	return n, err
}

// LockLogin locks key until the given time (an existing later lock stays).
func (s *Store) LockLogin(ctx context.Context, key string, until, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE login_attempts SET locked_until = CASE WHEN locked_until IS NULL OR locked_until < ? THEN ? ELSE locked_until END,
		updated_at = ? WHERE throttle_key = ?`, holdfast.Micros(until), holdfast.Micros(until), holdfast.Micros(now), key)
	return err
}

// ClearLoginFailures forgets a key's streak (after a successful sign-in).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.exec(ctx, `DELETE FROM login_attempts WHERE throttle_key = ?`, key)
	return err
}

// PruneLoginAttempts forgets streaks whose last failure is before the given
// time and that hold no lock any more; they would start over anyway.
func (s *Store) PruneLoginAttempts(ctx context.Context, before, now time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM login_attempts WHERE last_failure_at < ? AND (locked_until IS NULL OR locked_until <= ?)`,
		holdfast.Micros(before), holdfast.Micros(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// LoginKey is one throttle key of a sign-in and the failures it allows
// before it locks.
type LoginKey struct {
	Key       string
	Allowance int
}

// LoginAttempt is what BeginLoginAttempt decided for one sign-in.
type LoginAttempt struct {
	// Refused is set when a key was already locked: the attempt was not
	// counted and the password must not be checked. LockedUntil says until
	// when.
	Refused     bool
	LockedUntil time.Time
	// Locked lists the locks this attempt set (it used a key's last
	// allowance): the password may still be checked, once, but a wrong one
	// leaves the keys locked until LockedUntil.
	Locked []SetLock
}

// SetLock is a lock set by an attempt, with what it replaced so that a
// sign-in that turns out right can take its own count back (UndoLoginAttempt).
type SetLock struct {
	Key         string
	Until, Prev sql.NullInt64
}

// errLoginRefused rolls back the counting of a refused attempt.
var errLoginRefused = errors.New("login refused")

// BeginLoginAttempt counts a sign-in against every key before its password
// is checked, in one transaction that holds the keys' rows: a key that is
// locked refuses the attempt (nothing counted); otherwise every key counts
// one more failure, and a key whose count reaches its allowance is locked
// for lockFor(count, allowance) in the same transaction. So however many
// sign-ins for one key arrive at once, on any number of processes, at most
// its allowance get to check a password, then one per lock period.
//
// A streak whose last failure is older than resetAfter starts again from one.
// The caller undoes the count of an attempt whose password was right
// (ClearLoginFailures for the account's key, UndoLoginAttempt for shared ones).
func (s *Store) BeginLoginAttempt(ctx context.Context, keys []LoginKey, now time.Time, resetAfter time.Duration,
	lockFor func(failures, allowance int) time.Duration) (LoginAttempt, error) {
	var res LoginAttempt
	us := holdfast.Micros(now)
	err := s.InTx(ctx, func(ctx context.Context) error {
		res = LoginAttempt{}
		for _, k := range keys {
			var (
				n      int
				locked sql.NullInt64
			)
			// The upsert takes the row (PostgreSQL row lock, SQLite write
			// lock) until the transaction ends, so the lock set below is
			// what the next attempt on this key sees.
			err := s.queryRow(ctx, `INSERT INTO login_attempts (throttle_key, failures, last_failure_at, locked_until, updated_at)
				VALUES (?, 1, ?, NULL, ?)
				ON CONFLICT (throttle_key) DO UPDATE SET
					failures = CASE WHEN login_attempts.locked_until > ? THEN login_attempts.failures
						WHEN login_attempts.last_failure_at < ? THEN 1
						ELSE login_attempts.failures + 1 END,
					last_failure_at = CASE WHEN login_attempts.locked_until > ? THEN login_attempts.last_failure_at
						ELSE excluded.last_failure_at END,
					updated_at = excluded.updated_at
				RETURNING failures, locked_until`,
				k.Key, us, us, us, us-resetAfter.Microseconds(), us).Scan(&n, &locked)
			if err != nil {
				return err
			}
			if locked.Valid && locked.Int64 > us {
				res.Refused = true
				if t := holdfast.FromMicros(locked.Int64); t.After(res.LockedUntil) {
					res.LockedUntil = t
				}
				continue
			}
			if d := lockFor(n, k.Allowance); d > 0 {
				until := holdfast.Micros(now.Add(d))
				if _, err := s.exec(ctx, `UPDATE login_attempts SET locked_until = ? WHERE throttle_key = ?`, until, k.Key); err != nil {
					return err
				}
				res.Locked = append(res.Locked, SetLock{Key: k.Key, Until: sql.NullInt64{Int64: until, Valid: true}, Prev: locked})
				if t := holdfast.FromMicros(until); t.After(res.LockedUntil) {
					res.LockedUntil = t
				}
			}
		}
		if res.Refused {
			return errLoginRefused
		}
		return nil
	})
	if errors.Is(err, errLoginRefused) {
		res.Locked = nil
		return res, nil
	}
	return res, err
}

// UndoLoginAttempt takes back the count BeginLoginAttempt made on a shared
// key (the client IP) for a sign-in whose password was right, and the lock
// that count set, unless another attempt has moved the lock since.
func (s *Store) UndoLoginAttempt(ctx context.Context, key string, a LoginAttempt, now time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.exec(ctx, `UPDATE login_attempts SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END, updated_at = ?
			WHERE throttle_key = ?`, holdfast.Micros(now), key); err != nil {
			return err
		}
		for _, l := range a.Locked {
			if l.Key != key {
				continue
			}
			if _, err := s.exec(ctx, `UPDATE login_attempts SET locked_until = ? WHERE throttle_key = ? AND locked_until = ?`,
				l.Prev, key, l.Until); err != nil {
				return err
			}
		}
		return nil
	})
}
