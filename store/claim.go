package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// One claim implementation serves every queue of due work: the jobs table
// and webhook deliveries. A row is due when its due-time column has passed in
// its mode's clock: real time for live mode, real time plus the workspace's
// test-clock offset (test_clocks) for test mode. A row leased to someone else
// (locked_until in the future, real time) is skipped. Claiming is two steps:
// anyDue peeks with a plain read, so an idle poll never takes SQLite's write
// lock nor PostgreSQL row locks; leaseDue then leases the earliest due rows in
// one UPDATE, whose candidate rows PostgreSQL takes FOR UPDATE SKIP LOCKED so
// claimers in several processes never take the same row (SQLite has a single
// writer).

// dueQueue describes one table of leased, due-by-clock work (alias q).
type dueQueue struct {
	table string   // jobs | webhook_deliveries
	due   string   // due-time column, Unix µs in the mode's clock
	owner string   // lease-owner column
	where []string // extra conditions on q
	args  []any
}

// dueSelect is the query of the ids of up to n rows of one mode that are due
// at realNow and not leased, earliest first (wsID "" for every workspace).
func (s *Store) dueSelect(ctx context.Context, dq dueQueue, live bool, wsID string, realNow time.Time, n int) (string, []any, error) {
	nowUS := holdfast.Micros(realNow)
	from := dq.table + " q"
	where := append([]string{"q.livemode = ?"}, dq.where...)
	args := append([]any{live}, dq.args...)
	if live {
		where = append(where, "q."+dq.due+" <= ?")
		args = append(args, nowUS)
	} else {
		// Each workspace's test clock has its own offset. The first bound
		// (the largest offset) lets the due index range-scan; the second is exact.
		var maxOff int64
		q, qa := `SELECT COALESCE(MAX(offset_us), 0) FROM test_clocks`, []any{}
		if wsID != "" {
			q, qa = q+` WHERE workspace_id = ?`, append(qa, wsID)
		}
		if err := s.queryRow(ctx, q, qa...).Scan(&maxOff); err != nil {
			return "", nil, err
		}
		from += " JOIN test_clocks tc ON tc.workspace_id = q.workspace_id"
		where = append(where, "q."+dq.due+" <= ?", "q."+dq.due+" <= CAST(? AS BIGINT) + tc.offset_us")
		args = append(args, nowUS+maxOff, nowUS)
	}
	where = append(where, "(q.locked_until IS NULL OR q.locked_until < ?)")
	args = append(args, nowUS)
	if wsID != "" {
		where = append(where, "q.workspace_id = ?")
		args = append(args, wsID)
	}
	// Ordered by the due time alone, which the due index serves, so the
	// claim stops after n rows; ties go in any order.
	return `SELECT q.id FROM ` + from + whereSQL(where) + ` ORDER BY q.` + dq.due + ` LIMIT ?`, append(args, n), nil
}

// anyDue reports whether a row of one mode is due and not leased; a plain read.
func (s *Store) anyDue(ctx context.Context, dq dueQueue, live bool, wsID string, realNow time.Time) (bool, error) {
	sub, args, err := s.dueSelect(ctx, dq, live, wsID, realNow, 1)
	if err != nil {
		return false, err
	}
	var one int
	err = s.queryRow(ctx, `SELECT 1 FROM (`+sub+`) due`, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// leaseDue leases up to n due rows of one mode to owner until `until` (real
// time) and returns the `returning` columns of the leased rows.
func (s *Store) leaseDue(ctx context.Context, dq dueQueue, live bool, wsID string, realNow time.Time, owner string, until time.Time, n int, returning string) (*sql.Rows, error) {
	sub, args, err := s.dueSelect(ctx, dq, live, wsID, realNow, n)
	if err != nil {
		return nil, err
	}
	if s.dialect == Postgres {
		sub += ` FOR UPDATE OF q SKIP LOCKED`
	}
	return s.query(ctx, `UPDATE `+dq.table+` SET `+dq.owner+` = ?, locked_until = ? WHERE id IN (`+sub+`) RETURNING `+returning,
		append([]any{owner, holdfast.Micros(until)}, args...)...)
}
