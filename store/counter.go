package store

import (
	"context"

	"holdfast"
)

// Maintained list totals (tables list_counts and list_count_deltas, kept by
// the triggers of migration 030). A total is the folded count plus the
// deltas appended since; readers fold the deltas into the count once enough
// have piled up, so a read stays a couple of index lookups however large the
// list. Writers only ever insert delta rows, so they never wait on each
// other for a counter.

// Counter kinds.
const (
	counterCustomers = "customers"
	counterTagPrefix = "tag:"
	counterPayments  = "payments"
)

// foldAfter is how many pending deltas a read tolerates before folding them.
const foldAfter = 200

type counterKey struct {
	wsID string
	mode holdfast.Mode
	kind string
}

// readCounter returns a maintained count (zero when nothing was counted).
func (s *Store) readCounter(ctx context.Context, k counterKey) (int64, error) {
	var n, pending int64
	// One statement, hence one snapshot on PostgreSQL: a concurrent fold is
	// seen either entirely or not at all.
	err := s.queryRow(ctx, `SELECT
		COALESCE((SELECT n FROM list_counts WHERE workspace_id = ? AND livemode = ? AND kind = ?), 0) +
		COALESCE((SELECT SUM(delta) FROM list_count_deltas WHERE workspace_id = ? AND livemode = ? AND kind = ?), 0),
		(SELECT COUNT(*) FROM list_count_deltas WHERE workspace_id = ? AND livemode = ? AND kind = ?)`,
		k.wsID, k.mode.Livemode(), k.kind, k.wsID, k.mode.Livemode(), k.kind, k.wsID, k.mode.Livemode(), k.kind).Scan(&n, &pending)
	if err != nil {
		return 0, err
	}
	if pending > foldAfter {
		// Best effort: a failed fold leaves the deltas for the next reader.
		_ = s.foldCounter(ctx, k)
	}
	return n, nil
}

// foldCounter moves a kind's pending deltas into its folded count in one
// transaction, never losing or double-counting a delta committed meanwhile:
// on PostgreSQL the sum comes from exactly the rows one DELETE … RETURNING
// removed; SQLite transactions hold the write lock from BEGIN, so its SUM
// and DELETE see the same rows.
func (s *Store) foldCounter(ctx context.Context, k counterKey) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		var sum int64
		var err error
		args := []any{k.wsID, k.mode.Livemode(), k.kind}
		if s.dialect == Postgres {
			err = s.queryRow(ctx, `WITH d AS (DELETE FROM list_count_deltas WHERE workspace_id = ? AND livemode = ? AND kind = ? RETURNING delta)
				SELECT COALESCE(SUM(delta), 0) FROM d`, args...).Scan(&sum)
		} else {
			err = s.queryRow(ctx, `SELECT COALESCE(SUM(delta), 0) FROM list_count_deltas WHERE workspace_id = ? AND livemode = ? AND kind = ?`, args...).Scan(&sum)
			if err == nil {
				_, err = s.exec(ctx, `DELETE FROM list_count_deltas WHERE workspace_id = ? AND livemode = ? AND kind = ?`, args...)
			}
		}
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, `INSERT INTO list_counts (workspace_id, livemode, kind, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (workspace_id, livemode, kind) DO UPDATE SET n = list_counts.n + excluded.n`, k.wsID, k.mode.Livemode(), k.kind, sum)
		return err
	})
}

// FoldCounters folds every pending delta (a maintenance step; reads fold
// on their own). It returns how many kinds it folded.
func (s *Store) FoldCounters(ctx context.Context) (int, error) {
	rows, err := s.query(ctx, `SELECT DISTINCT workspace_id, livemode, kind FROM list_count_deltas`)
	if err != nil {
		return 0, err
	}
	var keys []counterKey
	for rows.Next() {
		var (
			k  counterKey
			lm bool
		)
		if err := rows.Scan(&k.wsID, &lm, &k.kind); err != nil {
			rows.Close()
			return 0, err
		}
		k.mode = holdfast.ModeOf(lm)
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := s.foldCounter(ctx, k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// CustomerCount is the number of live (not deleted) customers of a
// workspace in a mode.
func (s *Store) CustomerCount(ctx context.Context, wsID string, mode holdfast.Mode) (int64, error) {
	return s.readCounter(ctx, counterKey{wsID, mode, counterCustomers})
}
