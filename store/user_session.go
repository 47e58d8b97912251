package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// DashboardSession is one signed-in browser. Only a hash of the cookie's
// token is stored; the CSRF token is bound to the session so a form posted
// from another session (or none) is refused.
type DashboardSession struct {
	ID            string
	UserID        string
	WorkspaceID   string
	CSRFToken     string
	Mode          holdfast.Mode
	IP            string
	UserAgent     string
	CreatedAt     time.Time
	LastSeenAt    time.Time
	IdleExpiresAt time.Time // pushed forward by activity
	ExpiresAt     time.Time // absolute end, never extended
}

const sessionCols = `id, user_id, workspace_id, csrf_token, livemode, ip, user_agent, created_at, last_seen_at, idle_expires_at, expires_at`

func scanDashboardSession(row interface{ Scan(...any) error }) (*DashboardSession, error) {
	var (
		d                                   DashboardSession
		live                                bool
		created, seen, idleExpires, expires int64
	)
	if err := row.Scan(&d.ID, &d.UserID, &d.WorkspaceID, &d.CSRFToken, &live, &d.IP, &d.UserAgent,
		&created, &seen, &idleExpires, &expires); err != nil {
		return nil, err
	}
	d.Mode = holdfast.ModeOf(live)
	d.CreatedAt, d.LastSeenAt = holdfast.FromMicros(created), holdfast.FromMicros(seen)
	d.IdleExpiresAt, d.ExpiresAt = holdfast.FromMicros(idleExpires), holdfast.FromMicros(expires)
	return &d, nil
}

// CreateDashboardSession stores d under the hash of its cookie token (ID is
// filled in when empty).
func (s *Store) CreateDashboardSession(ctx context.Context, d *DashboardSession, tokenHash string) error {
	if d.ID == "" {
		d.ID = "dss_" + holdfast.RandomBase62(24)
	}
	_, err := s.exec(ctx, `INSERT INTO dashboard_sessions (id, token_hash, user_id, workspace_id, csrf_token, livemode, ip, user_agent,
		created_at, last_seen_at, idle_expires_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, tokenHash, d.UserID, d.WorkspaceID, d.CSRFToken, d.Mode.Livemode(), d.IP, d.UserAgent,
		holdfast.Micros(d.CreatedAt), holdfast.Micros(d.LastSeenAt), holdfast.Micros(d.IdleExpiresAt), holdfast.Micros(d.ExpiresAt))
	return err
}

// DashboardSessionByToken returns the session whose cookie token hashes to
// tokenHash if it is still valid at now; an unknown or expired session is
// ENOTFOUND (and an expired one is deleted on the way).
func (s *Store) DashboardSessionByToken(ctx context.Context, tokenHash string, now time.Time) (*DashboardSession, error) {
	d, err := scanDashboardSession(s.queryRow(ctx, `SELECT `+sessionCols+` FROM dashboard_sessions WHERE token_hash = ?`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("session", "")
	}
	if err != nil {
		return nil, err
	}
	if !now.Before(d.ExpiresAt) || !now.Before(d.IdleExpiresAt) {
		_ = s.DeleteDashboardSession(ctx, d.ID)
		return nil, holdfast.NotFound("session", "")
	}
	return d, nil
}

// TouchDashboardSession records activity and extends the idle deadline
// (never past the absolute expiry).
func (s *Store) TouchDashboardSession(ctx context.Context, id string, now, idleExpires time.Time) error {
	_, err := s.exec(ctx, `UPDATE dashboard_sessions SET last_seen_at = ?,
		idle_expires_at = CASE WHEN ? < expires_at THEN ? ELSE expires_at END WHERE id = ?`,
		holdfast.Micros(now), holdfast.Micros(idleExpires), holdfast.Micros(idleExpires), id)
	return err
}

// SetDashboardSessionMode flips a session between live and test mode.
func (s *Store) SetDashboardSessionMode(ctx context.Context, id string, mode holdfast.Mode) error {
	_, err := s.exec(ctx, `UPDATE dashboard_sessions SET livemode = ? WHERE id = ?`, mode.Livemode(), id)
	return err
}

// DeleteDashboardSession signs a session out; deleting an unknown one is not an error.
func (s *Store) DeleteDashboardSession(ctx context.Context, id string) error {
	_, err := s.exec(ctx, `DELETE FROM dashboard_sessions WHERE id = ?`, id)
	return err
}

// DeleteExpiredDashboardSessions removes sessions past either deadline and
// returns how many went.
func (s *Store) DeleteExpiredDashboardSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM dashboard_sessions WHERE expires_at <= ? OR idle_expires_at <= ?`, holdfast.Micros(now), holdfast.Micros(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
