package store

import (
	"context"
	"database/sql"
	"time"

	"holdfast"
)

// QueueStats are the engine's and the outbound queue's figures for /metrics.
// They are read from the database, so every node reports the same
// cluster-wide numbers.
type QueueStats struct {
	// JobsDue counts scheduled jobs due now (test mode at each workspace's
	// test clock), by mode ("live", "test") and kind.
	JobsDue map[[2]string]int64
	// JobsLag is, by mode, how late the oldest due job is (0 when none).
	JobsLag map[string]time.Duration
	// Attempts counts payment attempts by outcome (succeeded, failed,
	// refused; "started" while the provider call is in flight).
	Attempts map[string]int64
	// Deliveries counts outbound webhook deliveries by status (pending,
	// succeeded, failed).
	Deliveries map[string]int64
	// DeliveriesDue counts pending deliveries whose next attempt is due, and
	// DeliveriesLag is how late the oldest of them is.
	DeliveriesDue int64
	DeliveriesLag time.Duration
}

// QueueStats reads the figures at realNow. Each is one aggregate query that
// an index serves, except the attempt and delivery totals, which count
// their tables (fine at a scrape every few seconds).
func (s *Store) QueueStats(ctx context.Context, realNow time.Time) (*QueueStats, error) {
	now := holdfast.Micros(realNow)
	out := &QueueStats{JobsDue: map[[2]string]int64{}, JobsLag: map[string]time.Duration{},
		Attempts: map[string]int64{}, Deliveries: map[string]int64{}}
	// A job DeferJob holds (unknown kind, left for a newer node) counts as
	// due but not toward the lag: no runner here can run it.
	rows, err := s.query(ctx, `SELECT j.livemode, j.kind, COUNT(*),
		MAX(CASE WHEN j.locked_by IS NULL AND j.locked_until >= ? THEN NULL
			ELSE CAST(? AS BIGINT) + CASE WHEN j.livemode THEN 0 ELSE COALESCE(c.offset_us, 0) END - j.run_at END)
		FROM jobs j LEFT JOIN test_clocks c ON c.workspace_id = j.workspace_id
		WHERE j.run_at <= CAST(? AS BIGINT) + CASE WHEN j.livemode THEN 0 ELSE COALESCE(c.offset_us, 0) END
		GROUP BY j.livemode, j.kind`, now, now, now)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			live bool
			kind string
			n    int64
			lag  sql.NullInt64
		)
		if err := rows.Scan(&live, &kind, &n, &lag); err != nil {
			rows.Close()
			return nil, err
		}
		mode := string(holdfast.ModeOf(live))
		out.JobsDue[[2]string{mode, kind}] = n
		if d := time.Duration(lag.Int64) * time.Microsecond; d > out.JobsLag[mode] {
			out.JobsLag[mode] = d
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.countBy(ctx, out.Attempts, `SELECT CASE WHEN state = 'started' THEN 'started' ELSE outcome END, COUNT(*) FROM payment_attempts GROUP BY 1`); err != nil {
		return nil, err
	}
	if err := s.countBy(ctx, out.Deliveries, `SELECT status, COUNT(*) FROM webhook_deliveries GROUP BY status`); err != nil {
		return nil, err
	}
	var lag sql.NullInt64
	err = s.queryRow(ctx, `SELECT COUNT(*), MAX(CAST(? AS BIGINT) + CASE WHEN d.livemode THEN 0 ELSE COALESCE(c.offset_us, 0) END - d.next_attempt_at)
		FROM webhook_deliveries d LEFT JOIN test_clocks c ON c.workspace_id = d.workspace_id
		WHERE d.status = 'pending' AND d.next_attempt_at <= CAST(? AS BIGINT) + CASE WHEN d.livemode THEN 0 ELSE COALESCE(c.offset_us, 0) END`,
		now, now).Scan(&out.DeliveriesDue, &lag)
	if err != nil {
		return nil, err
	}
	out.DeliveriesLag = time.Duration(lag.Int64) * time.Microsecond
	return out, nil
}

func (s *Store) countBy(ctx context.Context, into map[string]int64, q string) error {
	rows, err := s.query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k string
			n int64
		)
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		into[k] = n
	}
	return rows.Err()
}
