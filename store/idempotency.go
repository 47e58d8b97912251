package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// Idempotency-Key records (SPEC §4). A key is claimed in state in_flight
// before the request runs and completed with its response afterwards; keys
// are scoped to workspace + mode and live 24 hours.

// Idempotency key states.
const (
	IdemInFlight = "in_flight"
	IdemDone     = "done"
)

// IdempotencyRecord is a stored request and, once done, its response.
type IdempotencyRecord struct {
	Method      string
	Path        string
	RequestHash string
	State       string
	StatusCode  int
	Body        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// ClaimIdempotencyKey claims key for a new request. It returns nil when the
// caller now owns the key and must run the request, or the existing record
// for the caller to compare and replay. A record past its expiry, or stuck
// in flight since before staleBefore (its server died mid-request), is
// taken over as if new.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, wsID string, mode holdfast.Mode, key, method, path, hash string, now, staleBefore time.Time, ttl time.Duration) (*IdempotencyRecord, error) {
	nowUS, expUS := holdfast.Micros(now), holdfast.Micros(now.Add(ttl))
	res, err := s.exec(ctx, `INSERT INTO idempotency_keys (workspace_id, livemode, idem_key, method, path, request_hash, state, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, livemode, idem_key) DO NOTHING`,
		wsID, mode.Livemode(), key, method, path, hash, IdemInFlight, nowUS, expUS)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 1 {
		return nil, nil
	}
	res, err = s.exec(ctx, `UPDATE idempotency_keys SET method = ?, path = ?, request_hash = ?, state = ?, status_code = NULL,
		response_body = NULL, created_at = ?, expires_at = ?
		WHERE workspace_id = ? AND livemode = ? AND idem_key = ? AND (expires_at <= ? OR (state = ? AND created_at < ?))`,
		method, path, hash, IdemInFlight, nowUS, expUS, wsID, mode.Livemode(), key, nowUS, IdemInFlight, holdfast.Micros(staleBefore))
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 1 {
		return nil, nil
	}
	var (
		rec              IdempotencyRecord
		status           sql.NullInt64
		body             sql.NullString
		created, expires int64
	)
	err = s.queryRow(ctx, `SELECT method, path, request_hash, state, status_code, response_body, created_at, expires_at
		FROM idempotency_keys WHERE workspace_id = ? AND livemode = ? AND idem_key = ?`, wsID, mode.Livemode(), key).
		Scan(&rec.Method, &rec.Path, &rec.RequestHash, &rec.State, &status, &body, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		// Released between our insert and read: claim again.
		return s.ClaimIdempotencyKey(ctx, wsID, mode, key, method, path, hash, now, staleBefore, ttl)
	}
	if err != nil {
		return nil, err
	}
	rec.StatusCode, rec.Body = int(status.Int64), []byte(body.String)
	rec.CreatedAt, rec.ExpiresAt = holdfast.FromMicros(created), holdfast.FromMicros(expires)
	return &rec, nil
}

// CompleteIdempotencyKey stores the response of a claimed key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, wsID string, mode holdfast.Mode, key string, status int, body []byte) error {
	_, err := s.exec(ctx, `UPDATE idempotency_keys SET state = ?, status_code = ?, response_body = ? WHERE workspace_id = ? AND livemode = ? AND idem_key = ?`,
		IdemDone, status, string(body), wsID, mode.Livemode(), key)
	return err
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed on our
// side (5xx), so a retry with the same key runs again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, wsID string, mode holdfast.Mode, key string) error {
	_, err := s.exec(ctx, `DELETE FROM idempotency_keys WHERE workspace_id = ? AND livemode = ? AND idem_key = ? AND state = ?`,
		wsID, mode.Livemode(), key, IdemInFlight)
	return err
}

// PurgeIdempotencyKeys deletes expired records and reports how many.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= ?`, holdfast.Micros(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
