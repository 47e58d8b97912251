package store

import (
	"context"
	"time"

	"holdfast"
)

// Dunning sends are recorded queued in the transaction that decides them,
// then moved to sent or failed by the delivery job. Each move is guarded by
// the current status, so a delivery that lost a race never overwrites.

// InsertSend stores a new dunning send.
func (s *Store) InsertSend(ctx context.Context, d *holdfast.DunningSend) error {
	d.Object = "dunning_send"
	if d.Channel == "" {
		d.Channel = "email"
	}
	_, err := s.exec(ctx, `INSERT INTO dunning_sends (`+sendCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.WorkspaceID, d.Livemode, d.Recovery, d.Payment, engNull(d.Customer), d.Channel, d.To, d.Subject, d.BodyText,
		d.BodyHTML, d.Template, d.Status, d.Error, d.Attempts, microsPtr(d.SentAt), microsPtr(d.ClickedAt), holdfast.Micros(d.CreatedAt))
	return err
}

// LockSend reads a send for update; ENOTFOUND otherwise.
func (s *Store) LockSend(ctx context.Context, id string) (*holdfast.DunningSend, error) {
	d, err := scanSend(s.queryRow(ctx, `SELECT `+sendCols+` FROM dunning_sends WHERE id = ?`+s.forUpdate(), id))
	if err != nil {
		return nil, engNotFound(err, "dunning_send", id)
	}
	return d, nil
}

// FinishSend moves a queued send to sent or failed, counting the delivery
// attempt. It reports false (and writes nothing) unless the send was queued.
func (s *Store) FinishSend(ctx context.Context, d *holdfast.DunningSend, status, errMsg string, at time.Time) (bool, error) {
	var sentAt any
	if status == holdfast.SendSent {
		sentAt = holdfast.Micros(at)
	}
	res, err := s.exec(ctx, `UPDATE dunning_sends SET status = ?, error = ?, attempts = attempts + 1, sent_at = ? WHERE id = ? AND status = ?`,
		status, errMsg, sentAt, d.ID, holdfast.SendQueued)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if n == 1 {
		d.Status, d.Error = status, errMsg
		d.Attempts++
		if status == holdfast.SendSent {
			t := holdfast.FromMicros(holdfast.Micros(at))
			d.SentAt = &t
		}
	}
	return n == 1, err
}

// NoteSendFailure counts a failed delivery attempt that will be retried.
func (s *Store) NoteSendFailure(ctx context.Context, id, errMsg string) error {
	_, err := s.exec(ctx, `UPDATE dunning_sends SET attempts = attempts + 1, error = ? WHERE id = ? AND status = ?`,
		errMsg, id, holdfast.SendQueued)
	return err
}

// RecordClick stamps the first click of a send's link; later clicks keep it.
func (s *Store) RecordClick(ctx context.Context, id string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE dunning_sends SET clicked_at = ? WHERE id = ? AND clicked_at IS NULL`, holdfast.Micros(at), id)
	return err
}

// EraseCustomerSends removes a deleted customer's personal data from their
// dunning sends (address, subject and bodies) and stops the ones still queued.
func (s *Store) EraseCustomerSends(ctx context.Context, customerID, reason string) error {
	if _, err := s.exec(ctx, `UPDATE dunning_sends SET status = ?, error = ? WHERE customer_id = ? AND status = ?`,
		holdfast.SendFailed, reason, customerID, holdfast.SendQueued); err != nil {
		return err
	}
	_, err := s.exec(ctx, `UPDATE dunning_sends SET to_addr = '', subject = '', body_text = '', body_html = '' WHERE customer_id = ?`, customerID)
	return err
}
