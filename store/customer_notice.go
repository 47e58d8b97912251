package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// Views and clicks of the in-app payment notice (issue 15).

// NoticeAction is one view or click of the in-app notice.
type NoticeAction struct {
	ID          string    `json:"id"`
	Object      string    `json:"object"` // "customer_notice_action"
	Livemode    bool      `json:"livemode"`
	WorkspaceID string    `json:"-"`
	Customer    string    `json:"customer"` // our cus_… id
	Action      string    `json:"action"`   // view | click
	State       string    `json:"state"`    // the notice's state when it happened
	Style       string    `json:"style"`    // banner | wall
	Payment     string    `json:"payment"`
	Recovery    string    `json:"recovery"`
	CreatedAt   time.Time `json:"created_at"`
}

// Notice actions.
const (
	NoticeView  = "view"
	NoticeClick = "click"
)

// InsertNoticeAction records a view or click.
func (s *Store) InsertNoticeAction(ctx context.Context, a *NoticeAction) error {
	_, err := s.exec(ctx, `INSERT INTO customer_notice_events (id, workspace_id, livemode, customer_id, action, state, style,
		payment_id, recovery_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.WorkspaceID, a.Livemode, a.Customer, a.Action, a.State, a.Style, a.Payment, a.Recovery, holdfast.Micros(a.CreatedAt))
	return err
}

// CustomerNoticeActions lists a customer's views and clicks in [from, to]
// (zero bounds are open), oldest first, at most 200.
func (s *Store) CustomerNoticeActions(ctx context.Context, customerID string, from, to time.Time) ([]NoticeAction, error) {
	q := `SELECT id, workspace_id, livemode, customer_id, action, state, style, payment_id, recovery_id, created_at
		FROM customer_notice_events WHERE customer_id = ?`
	args := []any{customerID}
	if !from.IsZero() {
		q += ` AND created_at >= ?`
		args = append(args, holdfast.Micros(from))
	}
	if !to.IsZero() {
		q += ` AND created_at <= ?`
		args = append(args, holdfast.Micros(to))
	}
	rows, err := s.query(ctx, q+` ORDER BY created_at, id LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NoticeAction
	for rows.Next() {
		var (
			a  NoticeAction
			at int64
		)
		if err := rows.Scan(&a.ID, &a.WorkspaceID, &a.Livemode, &a.Customer, &a.Action, &a.State, &a.Style, &a.Payment,
			&a.Recovery, &at); err != nil {
			return nil, err
		}
		a.Object, a.CreatedAt = "customer_notice_action", holdfast.FromMicros(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// NoticeClickedSince reports whether a customer clicked a failed-payment
// notice at or after since (the in_app_notice credit of a recovery).
func (s *Store) NoticeClickedSince(ctx context.Context, customerID string, since time.Time) (bool, error) {
	var one int
	err := s.queryRow(ctx, `SELECT 1 FROM customer_notice_events WHERE customer_id = ? AND action = ? AND state = ?
		AND created_at >= ? LIMIT 1`, customerID, NoticeClick, holdfast.NoticePaymentFailed, holdfast.Micros(since)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// InAppNoticeCounts computes stats.in_app_notice: views and clicks in
// [from, to), and recoveries started in it that the notice recovered.
func (s *Store) InAppNoticeCounts(ctx context.Context, wsID string, mode holdfast.Mode, from, to *time.Time) (holdfast.InAppNoticeCounts, error) {
	var out holdfast.InAppNoticeCounts
	for _, c := range []struct {
		action string
		dst    *int64
	}{{NoticeView, &out.Views}, {NoticeClick, &out.Clicks}} {
		where, args := timeRange("created_at", from, to, []string{"workspace_id = ?", "livemode = ?", "action = ?"}, []any{wsID, mode.Livemode(), c.action})
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM customer_notice_events`+whereSQL(where), args...).Scan(c.dst); err != nil {
			return out, err
		}
	}
	where, args := timeRange("started_at", from, to, []string{"workspace_id = ?", "livemode = ?", "status = ?", "recovered_by = ?"},
		[]any{wsID, mode.Livemode(), holdfast.RecoveryRecovered, holdfast.RecoveredByInAppNotice})
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM recoveries`+whereSQL(where), args...).Scan(&out.Recovered)
	return out, err
}

// NoticeSampleCustomers picks Stripe customer ids of a mode for the notice
// demo page: one with a payment under recovery, one with an active
// subscription and nothing owed, and one whose card expires within 45 days
// of now (each "" when there is none).
func (s *Store) NoticeSampleCustomers(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time) (failed, healthy, expiring string, err error) {
	pick := func(q string, args ...any) (string, error) {
		var id string
		err := s.queryRow(ctx, q, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return id, err
	}
	live := mode.Livemode()
	if failed, err = pick(`SELECT c.provider_id FROM payments p JOIN customers c ON c.id = p.customer_id
		WHERE p.workspace_id = ? AND p.livemode = ? AND p.status = ? AND c.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT 1`,
		wsID, live, holdfast.PaymentPending); err != nil {
		return
	}
	if healthy, err = pick(`SELECT c.provider_id FROM customers c JOIN subscriptions sub ON sub.customer_id = c.id
		WHERE c.workspace_id = ? AND c.livemode = ? AND c.deleted_at IS NULL AND sub.status = 'active'
		AND (c.card_expires_at IS NULL OR c.card_expires_at > ?)
		AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.customer_id = c.id AND p.status = ?)
		ORDER BY c.created_at LIMIT 1`, wsID, live, holdfast.Micros(now.AddDate(0, 3, 0)), holdfast.PaymentPending); err != nil {
		return
	}
	expiring, err = pick(`SELECT c.provider_id FROM customers c JOIN subscriptions sub ON sub.customer_id = c.id
		WHERE c.workspace_id = ? AND c.livemode = ? AND c.deleted_at IS NULL AND sub.status = 'active'
		AND c.card_expires_at > ? AND c.card_expires_at <= ? AND sub.current_period_end >= c.card_expires_at
		AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.customer_id = c.id AND p.status = ?)
		ORDER BY c.created_at LIMIT 1`, wsID, live, holdfast.Micros(now), holdfast.Micros(now.AddDate(0, 0, 45)), holdfast.PaymentPending)
	return
}
