package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"holdfast"
)

const keyCols = `id, workspace_id, livemode, kind, token_hash, token_hint, name, scopes, rate_limit, expires_at, revoked_at, rotated_to, last_used_at, created_at`

// KeyRecord is an API key with its stored hash, for authentication.
type KeyRecord struct {
	holdfast.APIKey
	TokenHash string
}

func scanKey(row interface{ Scan(...any) error }) (*KeyRecord, error) {
	var (
		k                          KeyRecord
		livemode                   bool
		kind, scopes               string
		rateLimit                  sql.NullInt64
		expires, revoked, lastUsed sql.NullInt64
		rotated                    sql.NullString
		created                    int64
	)
	if err := row.Scan(&k.ID, &k.WorkspaceID, &livemode, &kind, &k.TokenHash, &k.Hint, &k.Name, &scopes, &rateLimit,
		&expires, &revoked, &rotated, &lastUsed, &created); err != nil {
		return nil, err
	}
	k.Object = "api_key"
	k.Mode = holdfast.ModeOf(livemode)
	k.Kind = holdfast.KeyKind(kind)
	for _, sc := range strings.Split(scopes, ",") {
		if sc != "" {
			k.Scopes = append(k.Scopes, holdfast.Scope(sc))
		}
	}
	if k.Scopes == nil {
		k.Scopes = []holdfast.Scope{}
	}
	if rateLimit.Valid {
		v := int(rateLimit.Int64)
		k.RateLimit = &v
	}
	k.ExpiresAt, k.RevokedAt, k.LastUsedAt = timePtr(expires), timePtr(revoked), timePtr(lastUsed)
	k.RotatedTo = rotated.String
	k.CreatedAt = holdfast.FromMicros(created)
	return &k, nil
}

func joinScopes(sc []holdfast.Scope) string {
	parts := make([]string, len(sc))
	for i, s := range sc {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

func (s *Store) insertKey(ctx context.Context, k *holdfast.APIKey, token string) error {
	_, err := s.exec(ctx, `INSERT INTO api_keys (`+keyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.WorkspaceID, k.Mode.Livemode(), string(k.Kind), holdfast.HashToken(token), holdfast.TokenHint(token), k.Name,
		joinScopes(k.Scopes), intPtr(k.RateLimit), microsPtr(k.ExpiresAt), nil, nil, nil, holdfast.Micros(k.CreatedAt))
	s.authChanged()
	return err
}

// CreateKey mints a token for k (ID, Token and CreatedAt are filled in).
// Returns ENOTFOUND when the workspace does not exist.
func (s *Store) CreateKey(ctx context.Context, k *holdfast.APIKey, now time.Time) error {
	if _, err := s.GetWorkspace(ctx, k.WorkspaceID); err != nil {
		return err
	}
	k.ID = holdfast.NewID(holdfast.PrefixKey)
	k.Object = "api_key"
	k.CreatedAt = holdfast.FromMicros(holdfast.Micros(now))
	k.Token = holdfast.NewToken(k.Kind, k.Mode)
	k.Hint = holdfast.TokenHint(k.Token)
	return s.insertKey(ctx, k, k.Token)
}

// KeyByTokenHash finds a key for authentication; ENOTFOUND when unknown.
func (s *Store) KeyByTokenHash(ctx context.Context, hash string) (*KeyRecord, error) {
	k, err := scanKey(s.queryRow(ctx, `SELECT `+keyCols+` FROM api_keys WHERE token_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("api_key", "")
	}
	return k, err
}

// GetKey returns a key by id; ENOTFOUND when unknown.
func (s *Store) GetKey(ctx context.Context, id string) (*holdfast.APIKey, error) {
	k, err := scanKey(s.queryRow(ctx, `SELECT `+keyCols+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("api_key", id)
	}
	if err != nil {
		return nil, err
	}
	return &k.APIKey, nil
}

// ListKeys returns a workspace's keys, newest first.
func (s *Store) ListKeys(ctx context.Context, wsID string) ([]*holdfast.APIKey, error) {
	if _, err := s.GetWorkspace(ctx, wsID); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT `+keyCols+` FROM api_keys WHERE workspace_id = ? ORDER BY created_at DESC, id DESC`, wsID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*holdfast.APIKey{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, &k.APIKey)
	}
	return out, rows.Err()
}

// RevokeKey revokes a key now. ENOTFOUND for an unknown id; revoking twice keeps the first time.
func (s *Store) RevokeKey(ctx context.Context, id string, now time.Time) (*holdfast.APIKey, error) {
	res, err := s.exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, holdfast.Micros(now), id)
	s.authChanged()
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, holdfast.NotFound("api_key", id)
	}
	return s.GetKey(ctx, id)
}

// RotateKey mints a successor with the same workspace, mode, kind, scopes and
// limit; the old key expires after grace. ENOTFOUND for an unknown id,
// ECONFLICT for a revoked or expired key.
func (s *Store) RotateKey(ctx context.Context, id string, grace time.Duration, now time.Time) (newKey *holdfast.APIKey, old *holdfast.APIKey, err error) {
	err = s.InTx(ctx, func(ctx context.Context) error {
		rec, err := scanKey(s.queryRow(ctx, `SELECT `+keyCols+` FROM api_keys WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return holdfast.NotFound("api_key", id)
		} else if err != nil {
			return err
		}
		if !rec.Usable(now) {
			return holdfast.Errorf(holdfast.ECONFLICT, "key %s is revoked or expired and cannot be rotated", id)
		}
		// A key in its grace period already has a successor; rotating it again
		// would mint a second successor that inherits the grace deadline as its
		// own expiry. Rotate the successor instead.
		if rec.RotatedTo != "" {
			return holdfast.Errorf(holdfast.ECONFLICT, "key %s was already rotated to %s; rotate %s instead", id, rec.RotatedTo, rec.RotatedTo)
		}
		nk := rec.APIKey
		nk.ID = holdfast.NewID(holdfast.PrefixKey)
		nk.CreatedAt = holdfast.FromMicros(holdfast.Micros(now))
		nk.Token = holdfast.NewToken(nk.Kind, nk.Mode)
		nk.Hint = holdfast.TokenHint(nk.Token)
		nk.RevokedAt, nk.LastUsedAt, nk.RotatedTo = nil, nil, ""
		if err := s.insertKey(ctx, &nk, nk.Token); err != nil {
			return err
		}
		exp := holdfast.FromMicros(holdfast.Micros(now.Add(grace))) // stored precision, so callers print what is kept
		if rec.ExpiresAt != nil && rec.ExpiresAt.Before(exp) {
			exp = *rec.ExpiresAt
		}
		if _, err := s.exec(ctx, `UPDATE api_keys SET expires_at = ?, rotated_to = ? WHERE id = ?`, holdfast.Micros(exp), nk.ID, id); err != nil {
			return err
		}
		s.authChanged()
		o := rec.APIKey
		o.ExpiresAt, o.RotatedTo = &exp, nk.ID
		newKey, old = &nk, &o
		return nil
	})
	return newKey, old, err
}

// TouchKey records when a key was last used (best effort, coarse).
func (s *Store) TouchKey(ctx context.Context, id string, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		holdfast.Micros(now), id, holdfast.Micros(now.Add(-time.Minute)))
	return err
}

func intPtr(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
