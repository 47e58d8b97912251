package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"holdfast"
)

// Dashboard users. Passwords arrive already hashed (the dashboard package
// owns the algorithm); set-password links are stored as a hash of their
// token, like API keys, so a database leak reveals no usable link.

const userCols = `id, workspace_id, email, password_hash, last_login_at, created_at`

// UserRecord is a user with the stored password hash, for sign-in.
type UserRecord struct {
	holdfast.User
	PasswordHash string
}

func scanUser(row interface{ Scan(...any) error }) (*UserRecord, error) {
	var (
		u         UserRecord
		lastLogin sql.NullInt64
		created   int64
	)
	if err := row.Scan(&u.ID, &u.WorkspaceID, &u.Email, &u.PasswordHash, &lastLogin, &created); err != nil {
		return nil, err
	}
	u.Object = "user"
	u.HasPassword = u.PasswordHash != ""
	u.LastLoginAt = timePtr(lastLogin)
	u.CreatedAt = holdfast.FromMicros(created)
	return &u, nil
}

// NormalizeEmail is the form in which emails are compared.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser inserts u (ID and CreatedAt are filled in) with an optional
// password hash and an optional set-password token hash valid until
// setupExpires. Returns ENOTFOUND for an unknown workspace and ECONFLICT
// when the email is already taken (in any workspace).
func (s *Store) CreateUser(ctx context.Context, u *holdfast.User, passwordHash, setupTokenHash string, setupExpires time.Time, now time.Time) error {
	if _, err := s.GetWorkspace(ctx, u.WorkspaceID); err != nil {
		return err
	}
	u.Email = strings.TrimSpace(u.Email)
	if u.ID == "" {
		u.ID = holdfast.NewID(holdfast.PrefixUser)
	}
	u.Object = "user"
	u.HasPassword = passwordHash != ""
	u.CreatedAt = holdfast.FromMicros(holdfast.Micros(now))
	var tok, exp any
	if setupTokenHash != "" {
		tok, exp = setupTokenHash, holdfast.Micros(setupExpires)
	}
	_, err := s.exec(ctx, `INSERT INTO users (id, workspace_id, email, email_lower, password_hash, setup_token_hash, setup_expires_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.WorkspaceID, u.Email, NormalizeEmail(u.Email), passwordHash, tok, exp, holdfast.Micros(now), holdfast.Micros(now))
	if isUniqueViolation(err) {
		return holdfast.Errorf(holdfast.ECONFLICT, "a user with email %s already exists", u.Email)
	}
	return err
}

// GetUser returns a user by id; ENOTFOUND otherwise.
func (s *Store) GetUser(ctx context.Context, id string) (*UserRecord, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("user", id)
	}
	return u, err
}

// UserByEmail finds a user by email, case-insensitively; ENOTFOUND otherwise.
func (s *Store) UserByEmail(ctx context.Context, email string) (*UserRecord, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE email_lower = ?`, NormalizeEmail(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("user", email)
	}
	return u, err
}

// UserBySetupToken finds the user a set-password link belongs to. An
// unknown, used or expired link is ENOTFOUND.
func (s *Store) UserBySetupToken(ctx context.Context, tokenHash string, now time.Time) (*UserRecord, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE setup_token_hash = ? AND setup_expires_at > ?`,
		tokenHash, holdfast.Micros(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("password link", "")
	}
	return u, err
}

// SetUserPassword stores a new password hash, burns any set-password link
// and signs the user out everywhere (a password change must end sessions an
// attacker may hold). ENOTFOUND for an unknown user.
func (s *Store) SetUserPassword(ctx context.Context, id, passwordHash string, now time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.exec(ctx, `UPDATE users SET password_hash = ?, setup_token_hash = NULL, setup_expires_at = NULL, updated_at = ? WHERE id = ?`,
			passwordHash, holdfast.Micros(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return holdfast.NotFound("user", id)
		}
		_, err = s.exec(ctx, `DELETE FROM dashboard_sessions WHERE user_id = ?`, id)
		return err
	})
}

// SetUserPasswordWithSetupToken uses a set-password link: in one statement
// it stores the new password hash and burns the link, but only while the
// link (tokenHash, unexpired) still belongs to user id, so of several
// concurrent uses of one link exactly one succeeds. It signs the user out
// everywhere like SetUserPassword. ENOTFOUND when the link is unknown, used,
// expired or not this user's.
func (s *Store) SetUserPasswordWithSetupToken(ctx context.Context, id, tokenHash, passwordHash string, now time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.exec(ctx, `UPDATE users SET password_hash = ?, setup_token_hash = NULL, setup_expires_at = NULL, updated_at = ?
			WHERE id = ? AND setup_token_hash = ? AND setup_expires_at > ?`,
			passwordHash, holdfast.Micros(now), id, tokenHash, holdfast.Micros(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return holdfast.NotFound("password link", "")
		}
		_, err = s.exec(ctx, `DELETE FROM dashboard_sessions WHERE user_id = ?`, id)
		return err
	})
}

// SetUserSetupToken issues a new set-password link for a user (replacing
// any earlier one). ENOTFOUND for an unknown user.
func (s *Store) SetUserSetupToken(ctx context.Context, id, tokenHash string, expires, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE users SET setup_token_hash = ?, setup_expires_at = ?, updated_at = ? WHERE id = ?`,
		tokenHash, holdfast.Micros(expires), holdfast.Micros(now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return holdfast.NotFound("user", id)
	}
	return nil
}

// ResetUserPassword is an administrator's reset: the password is cleared,
// every session of the user ends, and a new set-password link (replacing
// any earlier one) is the only way back in. ENOTFOUND for an unknown user.
func (s *Store) ResetUserPassword(ctx context.Context, id, tokenHash string, expires, now time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.exec(ctx, `UPDATE users SET password_hash = '', setup_token_hash = ?, setup_expires_at = ?, updated_at = ? WHERE id = ?`,
			tokenHash, holdfast.Micros(expires), holdfast.Micros(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return holdfast.NotFound("user", id)
		}
		_, err = s.exec(ctx, `DELETE FROM dashboard_sessions WHERE user_id = ?`, id)
		return err
	})
}

// RecordUserLogin remembers a successful sign-in.
func (s *Store) RecordUserLogin(ctx context.Context, id string, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, holdfast.Micros(now), id)
	return err
}

// WorkspaceUsers lists a workspace's users, oldest first.
func (s *Store) WorkspaceUsers(ctx context.Context, wsID string) ([]holdfast.User, error) {
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users WHERE workspace_id = ? ORDER BY created_at, id`, wsID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []holdfast.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u.User)
	}
	return out, rows.Err()
}
