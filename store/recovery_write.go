package store

import (
	"context"
	"encoding/json"
	"time"

	"holdfast"
)

// RecoveryState is a recovery with the engine's private progress: the
// campaign snapshot it runs and the two step cursors (SPEC §6 steps are
// ordered; emails and retries advance separately so a retry the smart policy
// moves later never holds up an email that is due).
type RecoveryState struct {
	holdfast.Recovery
	// Playbook is the campaign as it was when the recovery opened.
	Playbook holdfast.Campaign
	// EmailCursor and RetryCursor index the next email and retry step not yet
	// processed (len(Steps) when none is left).
	EmailCursor int
	RetryCursor int
	// CardEmailSent records that the card-update email of a never-retry or
	// needs-customer decline has gone out, so it is sent once per recovery.
	CardEmailSent bool
}

const recoveryStateCols = recoveryCols + `, playbook, email_cursor, retry_cursor, card_email_sent`

func scanRecoveryState(row interface{ Scan(...any) error }) (*RecoveryState, error) {
	var (
		st       RecoveryState
		playbook string
	)
	r, err := scanRecovery(scanTail{row: row, tail: []any{&playbook, &st.EmailCursor, &st.RetryCursor, &st.CardEmailSent}})
	if err != nil {
		return nil, err
	}
	st.Recovery = *r
	if playbook != "" {
		if err := json.Unmarshal([]byte(playbook), &st.Playbook); err != nil {
			return nil, err
		}
	}
	return &st, nil
}

// scanTail lets a shared row scanner read its columns while extra columns
// selected after them land in tail.
type scanTail struct {
	row  interface{ Scan(...any) error }
	tail []any
}

func (t scanTail) Scan(dest ...any) error { return t.row.Scan(append(dest, t.tail...)...) }

// InsertRecovery stores a new recovery with its campaign snapshot.
func (s *Store) InsertRecovery(ctx context.Context, r *RecoveryState) error {
	r.Object = "recovery"
	pb, err := json.Marshal(r.Playbook)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO recoveries (`+recoveryStateCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.WorkspaceID, r.Livemode, r.Payment, engNull(r.Customer), r.Campaign, r.Status, r.Amount, r.Currency,
		r.StepIndex, r.RetriesUsed, r.EmailsSent, r.AwaitingCard, r.RecoveredBy, holdfast.Micros(r.StartedAt),
		microsPtr(r.EndedAt), microsPtr(r.NextActionAt), holdfast.Micros(r.CreatedAt), holdfast.Micros(r.UpdatedAt),
		string(pb), r.EmailCursor, r.RetryCursor, r.CardEmailSent)
	return err
}

// SaveRecovery writes the engine's progress on a recovery read with
// LockRecovery. emails_sent is not written: the send path counts it.
func (s *Store) SaveRecovery(ctx context.Context, r *RecoveryState, now time.Time) error {
	r.UpdatedAt = holdfast.FromMicros(holdfast.Micros(now))
	_, err := s.exec(ctx, `UPDATE recoveries SET customer_id = ?, status = ?, step_index = ?, retries_used = ?, awaiting_card = ?,
		recovered_by = ?, ended_at = ?, next_action_at = ?, updated_at = ?, email_cursor = ?, retry_cursor = ?, card_email_sent = ?
		WHERE id = ?`,
		engNull(r.Customer), r.Status, r.StepIndex, r.RetriesUsed, r.AwaitingCard, r.RecoveredBy, microsPtr(r.EndedAt),
		microsPtr(r.NextActionAt), holdfast.Micros(now), r.EmailCursor, r.RetryCursor, r.CardEmailSent, r.ID)
	return err
}

// LockRecovery reads a recovery with its engine state for update; ENOTFOUND otherwise.
func (s *Store) LockRecovery(ctx context.Context, id string) (*RecoveryState, error) {
	r, err := scanRecoveryState(s.queryRow(ctx, `SELECT `+recoveryStateCols+` FROM recoveries WHERE id = ?`+s.forUpdate(), id))
	if err != nil {
		return nil, engNotFound(err, "recovery", id)
	}
	return r, nil
}

// InFlightRecoveries returns the ids of a workspace's in-flight recoveries
// of one customer (our id) or, when subscription is set instead, of the
// payments of one Stripe subscription; oldest first.
func (s *Store) InFlightRecoveries(ctx context.Context, wsID string, mode holdfast.Mode, customerID, subscription string) ([]string, error) {
	q := `SELECT r.id FROM recoveries r WHERE r.workspace_id = ? AND r.livemode = ? AND r.status = ? AND r.customer_id = ? ORDER BY r.created_at, r.id`
	args := []any{wsID, mode.Livemode(), holdfast.RecoveryInFlight, customerID}
	if subscription != "" {
		// CROSS JOIN makes SQLite start from the subscription's payments
		// (payments_subscription) instead of every in-flight recovery; to
		// PostgreSQL it is a plain join.
		q = `SELECT r.id FROM payments p CROSS JOIN recoveries r
			WHERE r.payment_id = p.id AND p.workspace_id = ? AND p.livemode = ? AND r.status = ? AND p.subscription = ? ORDER BY r.created_at, r.id`
		args[3] = subscription
	}
	return s.queryIDs(ctx, q, args...)
}

// AddEmailSent counts one delivered dunning email on its recovery.
func (s *Store) AddEmailSent(ctx context.Context, recoveryID string) error {
	_, err := s.exec(ctx, `UPDATE recoveries SET emails_sent = emails_sent + 1 WHERE id = ?`, recoveryID)
	return err
}
