package store

import (
	"context"
	"time"

	"holdfast"
)

// ListCancelSessions returns a newest-first page of a workspace's sessions
// in one mode, optionally only those with outcome (page mode for /v1, or
// ListQuery.After for an opaque cursor).
func (s *Store) ListCancelSessions(ctx context.Context, wsID string, mode holdfast.Mode, outcome string, q ListQuery) (Listed[*holdfast.CancelSession], error) {
	where := []string{"workspace_id = ?", "livemode = ?"}
	args := []any{wsID, mode.Livemode()}
	switch {
	case outcome == holdfast.OutcomeAbandoned && !q.AsOf.IsZero():
		where = append(where, "(outcome = ? OR (status = ? AND expires_at <= ?))")
		args = append(args, outcome, holdfast.SessionInProgress, holdfast.Micros(q.AsOf))
	case outcome != "":
		where = append(where, "outcome = ?")
		args = append(args, outcome)
	}
	where, args = q.filter("", where, args)
	var out Listed[*holdfast.CancelSession]
	if q.Count {
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM cancel_sessions`+whereSQL(where), args...).Scan(&out.Total); err != nil {
			return out, err
		}
	}
	page, pargs := q.page("")
	items, err := s.cancelSessions(ctx, `SELECT `+cancelSessionCols+` FROM cancel_sessions`+whereSQL(where)+page, append(args, pargs...)...)
	if err != nil {
		return out, err
	}
	if !q.AsOf.IsZero() {
		for i, cs := range items {
			items[i] = cs.At(q.AsOf)
		}
	}
	out.Data = items
	if !q.Count {
		out.Data, out.HasMore = trim(items, q)
	}
	return out, nil
}

// ListCancelSessionsBefore serves the /api/v1 timestamp cursor: up to limit
// sessions created strictly before `before` (all when nil), newest first,
// with HasMore when older ones remain. created_at is unique per workspace
// and mode, so the last item's created_at (RFC 3339 with microseconds) is an
// exact cursor for the next page; a hand-written timestamp with finer than
// microsecond precision still means "strictly older than this instant".
func (s *Store) ListCancelSessionsBefore(ctx context.Context, wsID string, mode holdfast.Mode, outcome string, before *time.Time, limit int) (Listed[*holdfast.CancelSession], error) {
	return s.ListCancelSessions(ctx, wsID, mode, outcome, BeforeQuery(before, limit))
}

// BeforeQuery is the ListQuery of the /api/v1 timestamp cursor: up to limit
// objects created strictly before `before` (all when nil).
func BeforeQuery(before *time.Time, limit int) ListQuery {
	q := ListQuery{Limit: limit}
	if before != nil {
		// created_at < before, in whole microseconds: round a fractional
		// microsecond up so an object at floor(before) still counts as older.
		us := before.UnixMicro()
		if before.Nanosecond()%1000 != 0 {
			us++
		}
		b := holdfast.FromMicros(us)
		q.CreatedBefore = &b
	}
	return q
}

// CancelSessionCounts are the cancel-session numbers of the stats object.
type CancelSessionCounts struct {
	Total          int64
	InProgress     int64
	SavedDiscount  int64
	SavedPause     int64
	SavedDowngrade int64
	SavedOther     int64
	Canceled       int64
	Abandoned      int64
}

// Saved is the number of sessions that ended with any saved_* outcome.
func (c CancelSessionCounts) Saved() int64 {
	return c.SavedDiscount + c.SavedPause + c.SavedDowngrade + c.SavedOther
}

// SaveRate is saved / (saved + canceled), nil when neither happened.
func (c CancelSessionCounts) SaveRate() *float64 {
	den := c.Saved() + c.Canceled
	if den == 0 {
		return nil
	}
	r := float64(c.Saved()) / float64(den)
	return &r
}

// CancelSessionCounts counts a workspace's sessions in one mode by creation
// time: from inclusive, to exclusive, either bound optional.
func (s *Store) CancelSessionCounts(ctx context.Context, wsID string, mode holdfast.Mode, from, to *time.Time) (CancelSessionCounts, error) {
	where := []string{"workspace_id = ?", "livemode = ?"}
	args := []any{wsID, mode.Livemode()}
	if from != nil {
		where = append(where, "created_at >= ?")
		args = append(args, holdfast.Micros(*from))
	}
	if to != nil {
		where = append(where, "created_at < ?")
		args = append(args, holdfast.Micros(*to))
	}
	var c CancelSessionCounts
	rows, err := s.query(ctx, `SELECT status, COALESCE(outcome, ''), COUNT(*) FROM cancel_sessions`+whereSQL(where)+` GROUP BY status, outcome`, args...)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			status, outcome string
			n               int64
		)
		if err := rows.Scan(&status, &outcome, &n); err != nil {
			return c, err
		}
		c.Total += n
		if status == holdfast.SessionInProgress {
			c.InProgress += n
			continue
		}
		switch outcome {
		case holdfast.OutcomeSavedDiscount:
			c.SavedDiscount += n
		case holdfast.OutcomeSavedPause:
			c.SavedPause += n
		case holdfast.OutcomeSavedDowngrade:
			c.SavedDowngrade += n
		case holdfast.OutcomeSavedOther:
			c.SavedOther += n
		case holdfast.OutcomeCanceled:
			c.Canceled += n
		case holdfast.OutcomeAbandoned:
			c.Abandoned += n
		}
	}
	return c, rows.Err()
}
