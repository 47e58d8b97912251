package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"holdfast"
)

// Expiring-card notices (issue 15): the per-mode configuration and the
// notices sent. The engine plans and sends them; the API and the dashboard
// read and write the configuration.

// CardExpirySettings returns a mode's configuration, or the defaults when
// nobody saved one.
func (s *Store) CardExpirySettings(ctx context.Context, wsID string, mode holdfast.Mode) (holdfast.CardExpirySettings, error) {
	out := holdfast.DefaultCardExpirySettings(mode)
	var (
		days, subject, body string
		updated             int64
	)
	err := s.queryRow(ctx, `SELECT enabled, days_before, subject, body, updated_at FROM card_expiry_settings
		WHERE workspace_id = ? AND livemode = ?`, wsID, mode.Livemode()).Scan(&out.Enabled, &days, &subject, &body, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	var d []int
	if json.Unmarshal([]byte(days), &d) == nil {
		out.DaysBefore = d
	}
	if subject != "" && body != "" {
		out.Template = holdfast.EmailTemplate{Subject: subject, Body: body}
	}
	t := holdfast.FromMicros(updated)
	out.UpdatedAt = &t
	return out, nil
}

// PutCardExpirySettings saves a mode's configuration (validated by the caller).
func (s *Store) PutCardExpirySettings(ctx context.Context, wsID string, mode holdfast.Mode, c holdfast.CardExpirySettings, now time.Time) error {
	days, _ := json.Marshal(c.DaysBefore)
	_, err := s.exec(ctx, `INSERT INTO card_expiry_settings (workspace_id, livemode, enabled, days_before, subject, body, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, livemode) DO UPDATE SET enabled = excluded.enabled,
		days_before = excluded.days_before, subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at`,
		wsID, mode.Livemode(), c.Enabled, string(days), c.Template.Subject, c.Template.Body, holdfast.Micros(now))
	return err
}

// CardExpiryCandidates lists the live customers of a mode whose default card
// expires (card_expires_at, UTC) no later than a day after the period end of
// one of their active or trialing subscriptions: the only ones a notice plan
// can concern. The engine decides exactly, in each customer's time zone.
func (s *Store) CardExpiryCandidates(ctx context.Context, wsID string, mode holdfast.Mode) ([]string, error) {
	return s.queryIDs(ctx, `SELECT DISTINCT c.id FROM customers c JOIN subscriptions sub ON sub.customer_id = c.id
		WHERE c.workspace_id = ? AND c.livemode = ? AND c.deleted_at IS NULL AND c.card_expires_at IS NOT NULL
		AND sub.status IN ('active', 'trialing') AND sub.cancel_at_period_end = ? AND sub.current_period_end IS NOT NULL
		AND c.card_expires_at <= sub.current_period_end + ?`,
		wsID, mode.Livemode(), false, int64(24*time.Hour/time.Microsecond))
}

// DeleteJobsOfKind removes a mode's queued jobs of one kind (notices turned off).
func (s *Store) DeleteJobsOfKind(ctx context.Context, wsID string, mode holdfast.Mode, kind string) error {
	_, err := s.exec(ctx, `DELETE FROM jobs WHERE workspace_id = ? AND livemode = ? AND kind = ?`, wsID, mode.Livemode(), kind)
	return err
}

const cardNoticeCols = `id, workspace_id, livemode, customer_id, card_key, payment_method, brand, last4, exp_month, exp_year,
	expires_at, days_before, to_addr, subject, body_text, body_html, status, error, sent_at, clicked_at, outcome, outcome_at, created_at`

func scanCardNotice(row interface{ Scan(...any) error }) (*holdfast.CardExpiryNotice, error) {
	var (
		n                        holdfast.CardExpiryNotice
		expires, created         int64
		sent, clicked, outcomeAt sql.NullInt64
	)
	if err := row.Scan(&n.ID, &n.WorkspaceID, &n.Livemode, &n.Customer, &n.CardKey, &n.PaymentMethod, &n.Brand, &n.Last4,
		&n.ExpMonth, &n.ExpYear, &expires, &n.DaysBefore, &n.To, &n.Subject, &n.BodyText, &n.BodyHTML, &n.Status, &n.Error,
		&sent, &clicked, &n.Outcome, &outcomeAt, &created); err != nil {
		return nil, err
	}
	n.Object = "card_expiry_notice"
	n.ExpiresAt, n.CreatedAt = holdfast.FromMicros(expires), holdfast.FromMicros(created)
	n.SentAt, n.ClickedAt, n.OutcomeAt = timePtr(sent), timePtr(clicked), timePtr(outcomeAt)
	return &n, nil
}

// InsertCardNotice records a notice. It returns false, changing nothing, when
// this customer's card already has a notice for the same threshold.
func (s *Store) InsertCardNotice(ctx context.Context, n *holdfast.CardExpiryNotice) (bool, error) {
	res, err := s.exec(ctx, `INSERT INTO card_expiry_notices (id, workspace_id, livemode, customer_id, card_key, payment_method,
		brand, last4, exp_month, exp_year, expires_at, days_before, to_addr, subject, body_text, body_html, status, error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, livemode, customer_id, card_key, days_before) DO NOTHING`,
		n.ID, n.WorkspaceID, n.Livemode, n.Customer, n.CardKey, n.PaymentMethod, n.Brand, n.Last4, n.ExpMonth, n.ExpYear,
		holdfast.Micros(n.ExpiresAt), n.DaysBefore, n.To, n.Subject, n.BodyText, n.BodyHTML, n.Status, n.Error, holdfast.Micros(n.CreatedAt))
	if err != nil {
		return false, err
	}
	k, err := res.RowsAffected()
	return k == 1, err
}

// GetCardNotice returns a notice by id; ENOTFOUND otherwise.
func (s *Store) GetCardNotice(ctx context.Context, id string) (*holdfast.CardExpiryNotice, error) {
	n, err := scanCardNotice(s.queryRow(ctx, `SELECT `+cardNoticeCols+` FROM card_expiry_notices WHERE id = ?`, id))
	if err != nil {
		return nil, engNotFound(err, "card_expiry_notice", id)
	}
	return n, nil
}

// CustomerCardNotices lists a customer's notices, oldest first.
func (s *Store) CustomerCardNotices(ctx context.Context, customerID string) ([]*holdfast.CardExpiryNotice, error) {
	rows, err := s.query(ctx, `SELECT `+cardNoticeCols+` FROM card_expiry_notices WHERE customer_id = ? ORDER BY created_at, id`, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*holdfast.CardExpiryNotice
	for rows.Next() {
		n, err := scanCardNotice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// FinishCardNotice moves a queued notice to sent or failed; false when it
// was no longer queued (another runner finished it).
func (s *Store) FinishCardNotice(ctx context.Context, id, status, errMsg string, at time.Time) (bool, error) {
	var sent any
	if status == holdfast.SendSent {
		sent = holdfast.Micros(at)
	}
	if len(errMsg) > 1000 {
		errMsg = errMsg[:1000]
	}
	res, err := s.exec(ctx, `UPDATE card_expiry_notices SET status = ?, error = ?, sent_at = ? WHERE id = ? AND status = ?`,
		status, errMsg, sent, id, holdfast.SendQueued)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecordCardNoticeClick stamps a notice's first click.
func (s *Store) RecordCardNoticeClick(ctx context.Context, id string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE card_expiry_notices SET clicked_at = ? WHERE id = ? AND clicked_at IS NULL`, holdfast.Micros(at), id)
	return err
}

// SettleCardNotices sets the outcome of every sent notice of one card of a
// customer that has none yet; it returns how many it settled.
func (s *Store) SettleCardNotices(ctx context.Context, customerID, cardKey, outcome string, at time.Time) (int64, error) {
	res, err := s.exec(ctx, `UPDATE card_expiry_notices SET outcome = ?, outcome_at = ?
		WHERE customer_id = ? AND card_key = ? AND outcome = '' AND status = ?`,
		outcome, holdfast.Micros(at), customerID, cardKey, holdfast.SendSent)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CardExpiryCounts computes stats.card_expiry for [from, to): notices sent,
// and cards with a sent notice settled as updated or expired, by time.
func (s *Store) CardExpiryCounts(ctx context.Context, wsID string, mode holdfast.Mode, from, to *time.Time) (holdfast.CardExpiryCounts, error) {
	var out holdfast.CardExpiryCounts
	base := []string{"workspace_id = ?", "livemode = ?"}
	where, args := timeRange("sent_at", from, to, append(base, "status = 'sent'"), []any{wsID, mode.Livemode()})
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM card_expiry_notices`+whereSQL(where), args...).Scan(&out.NoticesSent); err != nil {
		return out, err
	}
	for _, c := range []struct {
		outcome string
		dst     *int64
	}{{holdfast.CardOutcomeUpdated, &out.UpdatedBeforeExpiry}, {holdfast.CardOutcomeExpired, &out.ExpiredWithoutUpdate}} {
		where, args := timeRange("outcome_at", from, to, append(append([]string{}, base...), "outcome = ?"), []any{wsID, mode.Livemode(), c.outcome})
		q := `SELECT COUNT(*) FROM (SELECT DISTINCT customer_id, card_key FROM card_expiry_notices` + whereSQL(where) + `) cards`
		if err := s.queryRow(ctx, q, args...).Scan(c.dst); err != nil {
			return out, err
		}
	}
	return out, nil
}
