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
