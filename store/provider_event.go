package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"holdfast"
)

// Stripe event bookkeeping: which events were applied (idempotency), the
// latest known state of each invoice (ordering), and decline details waiting
// for their payment. Every method joins the transaction in ctx.

// RecordProviderEvent records a Stripe event id as applied and reports
// whether it was new. A duplicate (Stripe delivers at least once) returns
// false; on PostgreSQL a concurrent delivery of the same id waits for the
// first transaction and then sees the duplicate.
func (s *Store) RecordProviderEvent(ctx context.Context, wsID string, mode holdfast.Mode, eventID, typ string, created, now time.Time) (bool, error) {
	res, err := s.exec(ctx, `INSERT INTO provider_events (workspace_id, event_id, livemode, type, created, processed_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, event_id) DO NOTHING`, wsID, eventID, mode.Livemode(), typ, holdfast.Micros(created), holdfast.Micros(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClaimProviderEvent records a Stripe event id as applied and returns the
// current time of the workspace's mode, in one statement: real time for
// live mode, real time plus the workspace's test-clock offset for test mode
// (read in the same statement, so the ingester needs no separate round trip
// for its clock). fresh is false for a duplicate, and now is then zero. On
// PostgreSQL a concurrent delivery of the same id waits for the first
// transaction and then sees the duplicate.
func (s *Store) ClaimProviderEvent(ctx context.Context, wsID string, mode holdfast.Mode, eventID, typ string, created, realNow time.Time) (fresh bool, now time.Time, err error) {
	offset := `0`
	args := []any{wsID, eventID, mode.Livemode(), typ, holdfast.Micros(created), holdfast.Micros(realNow)}
	if mode == holdfast.ModeTest {
		offset = `COALESCE((SELECT offset_us FROM test_clocks WHERE workspace_id = ?), 0)`
		args = append(args, wsID)
	}
	// WHERE true: SQLite needs it to tell the SELECT from the ON CONFLICT clause.
	var us int64
	err = s.queryRow(ctx, `INSERT INTO provider_events (workspace_id, event_id, livemode, type, created, processed_at)
		SELECT ?, ?, ?, ?, ?, CAST(? AS BIGINT) + `+offset+` WHERE true
		ON CONFLICT (workspace_id, event_id) DO NOTHING RETURNING processed_at`, args...).Scan(&us)
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, err
	}
	// The mode's clock at full precision: stored timestamps are µs anyway.
	return true, realNow.Add(time.Duration(us-holdfast.Micros(realNow)) * time.Microsecond), nil
}

// ProviderEventSeen reports whether a Stripe event id was already applied.
func (s *Store) ProviderEventSeen(ctx context.Context, wsID, eventID string) (bool, error) {
	var one int
	err := s.queryRow(ctx, `SELECT 1 FROM provider_events WHERE workspace_id = ? AND event_id = ?`, wsID, eventID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// CountProviderEvents counts the applied events of a workspace (for tests and
// diagnostics).
func (s *Store) CountProviderEvents(ctx context.Context, wsID string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM provider_events WHERE workspace_id = ?`, wsID).Scan(&n)
	return n, err
}

// InvoiceState is the latest known provider status of an invoice.
type InvoiceState struct {
	Status string    // "" (never seen), failed, paid, void, uncollectible
	At     time.Time // the provider time of that status
}

// LockInvoiceState returns an invoice's known state and holds a lock on it
// until the transaction ends, so two events about one invoice (paid and
// payment_failed delivered together) are judged one after the other.
func (s *Store) LockInvoiceState(ctx context.Context, wsID string, mode holdfast.Mode, invoice string, now time.Time) (*InvoiceState, error) {
	if _, err := s.exec(ctx, `INSERT INTO stripe_invoices (workspace_id, livemode, invoice, status, status_at, updated_at) VALUES (?, ?, ?, '', 0, ?)
		ON CONFLICT (workspace_id, livemode, invoice) DO NOTHING`, wsID, mode.Livemode(), invoice, holdfast.Micros(now)); err != nil {
		return nil, err
	}
	q := `SELECT status, status_at FROM stripe_invoices WHERE workspace_id = ? AND livemode = ? AND invoice = ?`
	if s.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var st InvoiceState
	var at int64
	if err := s.queryRow(ctx, q, wsID, mode.Livemode(), invoice).Scan(&st.Status, &at); err != nil {
		return nil, err
	}
	st.At = holdfast.FromMicros(at)
	return &st, nil
}

// SetInvoiceState stores an invoice's state (call LockInvoiceState first;
// the caller decides whether the new state wins).
func (s *Store) SetInvoiceState(ctx context.Context, wsID string, mode holdfast.Mode, invoice string, st InvoiceState, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE stripe_invoices SET status = ?, status_at = ?, updated_at = ? WHERE workspace_id = ? AND livemode = ? AND invoice = ?`,
		st.Status, holdfast.Micros(st.At), holdfast.Micros(now), wsID, mode.Livemode(), invoice)
	return err
}

type declineDetail struct {
	Decline holdfast.Decline `json:"decline"`
	Card    holdfast.Card    `json:"card"`
}

// SaveDecline keeps decline details under every given id (pi_…, ch_…, in_…)
// unless newer details are already stored for that id.
func (s *Store) SaveDecline(ctx context.Context, wsID string, mode holdfast.Mode, refs []string, d holdfast.Decline, c holdfast.Card, providerTime, now time.Time) error {
	b, err := json.Marshal(declineDetail{Decline: d, Card: c})
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if ref == "" {
			continue
		}
		if _, err := s.exec(ctx, `INSERT INTO stripe_declines (workspace_id, livemode, ref, detail, provider_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, livemode, ref) DO UPDATE SET detail = excluded.detail, provider_at = excluded.provider_at
			WHERE stripe_declines.provider_at <= excluded.provider_at`,
			wsID, mode.Livemode(), ref, string(b), holdfast.Micros(providerTime), holdfast.Micros(now)); err != nil {
			return err
		}
	}
	return nil
}

// FindDecline returns the decline details stored under the first of refs
// that has any; ok is false when none has.
func (s *Store) FindDecline(ctx context.Context, wsID string, mode holdfast.Mode, refs ...string) (d holdfast.Decline, c holdfast.Card, ok bool, err error) {
	for _, ref := range refs {
		if ref == "" {
			continue
		}
		var raw string
		err = s.queryRow(ctx, `SELECT detail FROM stripe_declines WHERE workspace_id = ? AND livemode = ? AND ref = ?`, wsID, mode.Livemode(), ref).Scan(&raw)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return d, c, false, err
		}
		var dd declineDetail
		if err = json.Unmarshal([]byte(raw), &dd); err != nil {
			return d, c, false, err
		}
		return dd.Decline, dd.Card, true, nil
	}
	return d, c, false, nil
}
