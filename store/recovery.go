package store

import (
	"context"
	"database/sql"
	"errors"

	"holdfast"
)

const recoveryCols = `id, workspace_id, livemode, payment_id, customer_id, campaign_id, status, amount, currency, step_index,
	retries_used, emails_sent, awaiting_card, recovered_by, started_at, ended_at, next_action_at, created_at, updated_at`

func scanRecovery(row interface{ Scan(...any) error }) (*holdfast.Recovery, error) {
	var (
		r                         holdfast.Recovery
		customer                  sql.NullString
		ended, next               sql.NullInt64
		started, created, updated int64
	)
	if err := row.Scan(&r.ID, &r.WorkspaceID, &r.Livemode, &r.Payment, &customer, &r.Campaign, &r.Status, &r.Amount, &r.Currency,
		&r.StepIndex, &r.RetriesUsed, &r.EmailsSent, &r.AwaitingCard, &r.RecoveredBy, &started, &ended, &next, &created, &updated); err != nil {
		return nil, err
	}
	r.Object = "recovery"
	r.Customer = customer.String
	r.StartedAt = holdfast.FromMicros(started)
	r.EndedAt, r.NextActionAt = timePtr(ended), timePtr(next)
	r.CreatedAt, r.UpdatedAt = holdfast.FromMicros(created), holdfast.FromMicros(updated)
	return &r, nil
}

// GetRecovery returns a recovery of a workspace and mode; ENOTFOUND otherwise.
func (s *Store) GetRecovery(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Recovery, error) {
	r, err := scanRecovery(s.queryRow(ctx, `SELECT `+recoveryCols+` FROM recoveries WHERE id = ? AND workspace_id = ? AND livemode = ?`,
		id, wsID, mode.Livemode()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("recovery", id)
	}
	return r, err
}

// CustomerRecoveries returns a customer's most recent recoveries, newest first.
func (s *Store) CustomerRecoveries(ctx context.Context, customerID string, limit int) ([]holdfast.Recovery, error) {
	rows, err := s.query(ctx, `SELECT `+recoveryCols+` FROM recoveries WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, customerID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []holdfast.Recovery{}
	for rows.Next() {
		r, err := scanRecovery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

const sendCols = `id, workspace_id, livemode, recovery_id, payment_id, customer_id, channel, to_addr, subject, body_text, body_html,
	template, status, error, attempts, sent_at, clicked_at, created_at`

func scanSend(row interface{ Scan(...any) error }) (*holdfast.DunningSend, error) {
	var (
		d             holdfast.DunningSend
		customer      sql.NullString
		sent, clicked sql.NullInt64
		created       int64
	)
	if err := row.Scan(&d.ID, &d.WorkspaceID, &d.Livemode, &d.Recovery, &d.Payment, &customer, &d.Channel, &d.To, &d.Subject,
		&d.BodyText, &d.BodyHTML, &d.Template, &d.Status, &d.Error, &d.Attempts, &sent, &clicked, &created); err != nil {
		return nil, err
	}
	d.Object = "dunning_send"
	d.Customer = customer.String
	d.SentAt, d.ClickedAt = timePtr(sent), timePtr(clicked)
	d.CreatedAt = holdfast.FromMicros(created)
	return &d, nil
}

// RecoverySends lists a recovery's dunning sends, oldest first.
func (s *Store) RecoverySends(ctx context.Context, recoveryID string) ([]holdfast.DunningSend, error) {
	rows, err := s.query(ctx, `SELECT `+sendCols+` FROM dunning_sends WHERE recovery_id = ? ORDER BY created_at, id`, recoveryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []holdfast.DunningSend{}
	for rows.Next() {
		d, err := scanSend(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

// GetSend returns a dunning send by id (any workspace: click tracking has only the id).
func (s *Store) GetSend(ctx context.Context, id string) (*holdfast.DunningSend, error) {
	d, err := scanSend(s.queryRow(ctx, `SELECT `+sendCols+` FROM dunning_sends WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("dunning_send", id)
	}
	return d, err
}
