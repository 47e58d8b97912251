package store

import (
	"context"
	"time"

	"holdfast"
)

// DashboardReasonCount is one row of the dashboard's cancel-reasons
// breakdown: how many sessions gave a reason and how many of them were saved
// or canceled.
type DashboardReasonCount struct {
	Reason   string // "" for sessions that never answered the survey
	Total    int64
	Saved    int64
	Canceled int64
}

// DashboardCancelReasons counts a workspace's cancel sessions in one mode by
// survey reason (creation time from inclusive, to exclusive, both optional),
// most frequent first. Owned by the dashboard.
func (s *Store) DashboardCancelReasons(ctx context.Context, wsID string, mode holdfast.Mode, from, to *time.Time) ([]DashboardReasonCount, error) {
	where := []string{"workspace_id = ?", "livemode = ?"}
	args := []any{wsID, mode.Livemode()}
	if from != nil {
		where, args = append(where, "created_at >= ?"), append(args, holdfast.Micros(*from))
	}
	if to != nil {
		where, args = append(where, "created_at < ?"), append(args, holdfast.Micros(*to))
	}
	rows, err := s.query(ctx, `SELECT COALESCE(reason, ''), COUNT(*),
		SUM(CASE WHEN outcome IN ('saved_discount', 'saved_pause', 'saved_downgrade', 'saved_other') THEN 1 ELSE 0 END),
		SUM(CASE WHEN outcome = 'canceled' THEN 1 ELSE 0 END)
		FROM cancel_sessions`+whereSQL(where)+` GROUP BY COALESCE(reason, '') ORDER BY COUNT(*) DESC, COALESCE(reason, '')`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DashboardReasonCount{}
	for rows.Next() {
		var c DashboardReasonCount
		if err := rows.Scan(&c.Reason, &c.Total, &c.Saved, &c.Canceled); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
