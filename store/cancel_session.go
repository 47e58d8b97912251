package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"holdfast"
)

// Cancel sessions. The state machine lives in package cancelflow; the store
// guarantees that a completed session is never written again (every update
// is conditional on status in_progress) and that created_at is unique per
// workspace and mode, which makes the RFC 3339 cursor of /api/v1 exact.

const cancelSessionCols = `id, workspace_id, livemode, customer_id, customer, subscription, status, outcome, reason, feedback,
	offer, accepted_offer, applied, responded_at, apply_attempt, expires_at, completed_at, created_at, provider_error`

func scanCancelSession(row interface{ Scan(...any) error }) (*holdfast.CancelSession, error) {
	var (
		cs                        holdfast.CancelSession
		customerID                sql.NullString
		outcome, reason, feedback sql.NullString
		offer, accepted, applied  sql.NullString
		providerError             sql.NullString
		responded, completed      sql.NullInt64
		expires, created          int64
	)
	if err := row.Scan(&cs.ID, &cs.WorkspaceID, &cs.Livemode, &customerID, &cs.Customer, &cs.Subscription, &cs.Status,
		&outcome, &reason, &feedback, &offer, &accepted, &applied, &responded, &cs.ApplyAttempt, &expires, &completed, &created, &providerError); err != nil {
		return nil, err
	}
	cs.Object = "cancel_session"
	cs.CustomerID = customerID.String
	cs.Outcome, cs.Reason, cs.Feedback = optString(outcome), optString(reason), optString(feedback)
	var err error
	if cs.Offer, err = decodeJSONColumn[holdfast.Offer](offer); err != nil {
		return nil, err
	}
	if cs.AcceptedOffer, err = decodeJSONColumn[holdfast.Offer](accepted); err != nil {
		return nil, err
	}
	if cs.Applied, err = decodeJSONColumn[holdfast.AppliedChange](applied); err != nil {
		return nil, err
	}
	if cs.ProviderError, err = decodeJSONColumn[holdfast.ProviderError](providerError); err != nil {
		return nil, err
	}
	cs.RespondedAt, cs.CompletedAt = timePtr(responded), timePtr(completed)
	cs.ExpiresAt, cs.CreatedAt = holdfast.FromMicros(expires), holdfast.FromMicros(created)
	return &cs, nil
}

// CreateCancelSession inserts a new session (ID, WorkspaceID, Livemode,
// Customer, Subscription, Status, ExpiresAt and CreatedAt set by the caller).
// When another session of the workspace and mode already holds CreatedAt's
// microsecond, CreatedAt moves forward 1µs at a time until it is free; the
// caller's struct is updated. ON CONFLICT DO NOTHING (not a failed insert)
// keeps a surrounding PostgreSQL transaction usable while it probes.
func (s *Store) CreateCancelSession(ctx context.Context, cs *holdfast.CancelSession) error {
	offer, err := jsonOrNull(cs.Offer)
	if err != nil {
		return err
	}
	created := holdfast.Micros(cs.CreatedAt)
	for range 10000 {
		res, err := s.exec(ctx, `INSERT INTO cancel_sessions (id, workspace_id, livemode, customer_id, customer, subscription, status,
			reason, feedback, offer, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, livemode, created_at) DO NOTHING`,
			cs.ID, cs.WorkspaceID, cs.Livemode, emptyAsNull(cs.CustomerID), cs.Customer, cs.Subscription, cs.Status,
			cs.Reason, cs.Feedback, offer, holdfast.Micros(cs.ExpiresAt), created, created)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			cs.CreatedAt = holdfast.FromMicros(created)
			return nil
		}
		created++
	}
	return errors.New("store: no free created_at for cancel session")
}

// GetCancelSession returns a session of a workspace and mode; ENOTFOUND otherwise.
func (s *Store) GetCancelSession(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.CancelSession, error) {
	cs, err := scanCancelSession(s.queryRow(ctx, `SELECT `+cancelSessionCols+` FROM cancel_sessions WHERE id = ? AND workspace_id = ? AND livemode = ?`,
		id, wsID, mode.Livemode()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("cancel_session", id)
	}
	return cs, err
}

// UpdateCancelSession writes the mutable fields of a session that is still
// in progress. discountOfferedAt, when set, records the first time a
// discount was presented (later values never overwrite it). Returns
// ECONFLICT when the session is no longer in progress (another request
// finished it first) and ENOTFOUND when it does not exist.
func (s *Store) UpdateCancelSession(ctx context.Context, cs *holdfast.CancelSession, discountOfferedAt *time.Time, now time.Time) error {
	offer, err := jsonOrNull(cs.Offer)
	if err != nil {
		return err
	}
	accepted, err := jsonOrNull(cs.AcceptedOffer)
	if err != nil {
		return err
	}
	applied, err := jsonOrNull(cs.Applied)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE cancel_sessions SET status = ?, outcome = ?, reason = ?, feedback = ?, offer = ?, accepted_offer = ?,
		applied = ?, responded_at = ?, discount_offered_at = COALESCE(discount_offered_at, ?), expires_at = ?, completed_at = ?, updated_at = ?
		WHERE id = ? AND workspace_id = ? AND livemode = ? AND status = ?`,
		cs.Status, cs.Outcome, cs.Reason, cs.Feedback, offer, accepted, applied, microsPtr(cs.RespondedAt), microsPtr(discountOfferedAt),
		holdfast.Micros(cs.ExpiresAt), microsPtr(cs.CompletedAt), holdfast.Micros(now),
		cs.ID, cs.WorkspaceID, cs.Livemode, holdfast.SessionInProgress)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.GetCancelSession(ctx, cs.WorkspaceID, holdfast.ModeOf(cs.Livemode), cs.ID); err != nil {
		return err
	}
	return holdfast.Errorf(holdfast.ECONFLICT, "Cancel session %s is already completed.", cs.ID)
}

// BumpCancelSessionAttempt counts a definite provider rejection of an
// in-progress session's outcome, so its next attempt uses fresh idempotency
// keys. ECONFLICT when the session is no longer in progress.
func (s *Store) BumpCancelSessionAttempt(ctx context.Context, cs *holdfast.CancelSession, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE cancel_sessions SET apply_attempt = apply_attempt + 1, updated_at = ?
		WHERE id = ? AND workspace_id = ? AND livemode = ? AND status = ?`,
		holdfast.Micros(now), cs.ID, cs.WorkspaceID, cs.Livemode, holdfast.SessionInProgress)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return holdfast.Errorf(holdfast.ECONFLICT, "Cancel session %s is already completed.", cs.ID)
	}
	cs.ApplyAttempt++
	return nil
}

// RecordCancelSessionProviderError stores the provider's answer to a failed
// attempt to apply an in-progress session's outcome; with definite (the
// provider changed nothing) it also counts the rejection like
// BumpCancelSessionAttempt. ECONFLICT when the session is no longer in
// progress.
func (s *Store) RecordCancelSessionProviderError(ctx context.Context, cs *holdfast.CancelSession, pe *holdfast.ProviderError, definite bool, now time.Time) error {
	b, err := jsonOrNull(pe)
	if err != nil {
		return err
	}
	bump := 0
	if definite {
		bump = 1
	}
	res, err := s.exec(ctx, `UPDATE cancel_sessions SET provider_error = ?, apply_attempt = apply_attempt + ?, updated_at = ?
		WHERE id = ? AND workspace_id = ? AND livemode = ? AND status = ?`,
		b, bump, holdfast.Micros(now), cs.ID, cs.WorkspaceID, cs.Livemode, holdfast.SessionInProgress)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return holdfast.Errorf(holdfast.ECONFLICT, "Cancel session %s is already completed.", cs.ID)
	}
	cs.ApplyAttempt += bump
	cs.ProviderError = pe
	return nil
}

// LastDiscountAccepted returns when a customer (Stripe id) last accepted a
// discount (the completion time of the newest saved_discount session of the
// workspace and mode other than excludeID), or nil: the offer-abuse guard
// counts only discounts a customer took, not ones merely shown.
func (s *Store) LastDiscountAccepted(ctx context.Context, wsID string, mode holdfast.Mode, customer, excludeID string) (*time.Time, error) {
	var at sql.NullInt64
	err := s.queryRow(ctx, `SELECT MAX(completed_at) FROM cancel_sessions WHERE workspace_id = ? AND livemode = ? AND customer = ?
		AND outcome = ? AND id <> ?`, wsID, mode.Livemode(), customer, holdfast.OutcomeSavedDiscount, excludeID).Scan(&at)
	if err != nil || !at.Valid {
		return nil, err
	}
	t := holdfast.FromMicros(at.Int64)
	return &t, nil
}

// ExpiredCancelSessions returns up to limit sessions of a workspace and mode
// still in progress whose expires_at is at or before now, oldest first.
func (s *Store) ExpiredCancelSessions(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, limit int) ([]*holdfast.CancelSession, error) {
	return s.cancelSessions(ctx, `SELECT `+cancelSessionCols+` FROM cancel_sessions WHERE status = ? AND expires_at <= ?
		AND workspace_id = ? AND livemode = ? ORDER BY expires_at, id LIMIT ?`,
		holdfast.SessionInProgress, holdfast.Micros(now), wsID, mode.Livemode(), limit)
}

// OpenCancelSessionWorkspaces lists the workspaces with sessions of mode
// still in progress and expiring at or before before, for the timeout sweep
// (test mode compares against each workspace's own clock, so the caller
// passes a bound no test clock is behind: the real time plus the largest offset).
func (s *Store) OpenCancelSessionWorkspaces(ctx context.Context, mode holdfast.Mode, before time.Time) ([]string, error) {
	rows, err := s.query(ctx, `SELECT DISTINCT workspace_id FROM cancel_sessions WHERE status = ? AND expires_at <= ? AND livemode = ?`,
		holdfast.SessionInProgress, holdfast.Micros(before), mode.Livemode())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (s *Store) cancelSessions(ctx context.Context, q string, args ...any) ([]*holdfast.CancelSession, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*holdfast.CancelSession{}
	for rows.Next() {
		cs, err := scanCancelSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cs)
	}
	return out, rows.Err()
}

func optString(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}

func emptyAsNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonOrNull renders v as JSON text, or NULL for a nil pointer.
func jsonOrNull[T any](v *T) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// decodeJSONColumn decodes a nullable JSON column.
func decodeJSONColumn[T any](n sql.NullString) (*T, error) {
	if !n.Valid || n.String == "" || n.String == "null" {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal([]byte(n.String), v); err != nil {
		return nil, err
	}
	return v, nil
}
