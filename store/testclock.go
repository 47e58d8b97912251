package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// TestClockOffset returns how far a workspace's test clock runs ahead of real time.
func (s *Store) TestClockOffset(ctx context.Context, wsID string) (time.Duration, error) {
	var us int64
	err := s.queryRow(ctx, `SELECT offset_us FROM test_clocks WHERE workspace_id = ?`, wsID).Scan(&us)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, holdfast.NotFound("workspace", wsID)
	}
	return time.Duration(us) * time.Microsecond, err
}

// AdvanceTestClock adds d to the offset and returns the new offset.
func (s *Store) AdvanceTestClock(ctx context.Context, wsID string, d time.Duration, now time.Time) (time.Duration, error) {
	var out time.Duration
	err := s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.exec(ctx, `UPDATE test_clocks SET offset_us = offset_us + ?, updated_at = ? WHERE workspace_id = ?`,
			d.Microseconds(), holdfast.Micros(now), wsID); err != nil {
			return err
		}
		s.authChanged()
		var us int64
		if err := s.queryRow(ctx, `SELECT offset_us FROM test_clocks WHERE workspace_id = ?`, wsID).Scan(&us); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return holdfast.NotFound("workspace", wsID)
			}
			return err
		}
		out = time.Duration(us) * time.Microsecond
		return nil
	})
	return out, err
}
