package store

import (
	"context"
	"time"

	"holdfast"
)

// A simulation lease marks the one simulation a workspace may run at a time
// (POST /v1/simulations), shared by every process on the database. holder is
// the taker's own random token; expiry is real time.

// TakeSimulationLease takes the workspace's lease for holder until expires,
// unless another holder has it and it has not expired at now. ok reports
// whether holder has it now. One statement: on PostgreSQL a concurrent taker
// waits on the row and then finds the lease live, so exactly one wins.
func (s *Store) TakeSimulationLease(ctx context.Context, wsID, holder string, now, expires time.Time) (ok bool, err error) {
	res, err := s.exec(ctx, `INSERT INTO simulation_leases (workspace_id, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE simulation_leases.expires_at <= ? OR simulation_leases.holder = excluded.holder`,
		wsID, holder, holdfast.Micros(expires), holdfast.Micros(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseSimulationLease frees the workspace's lease if holder still has it.
func (s *Store) ReleaseSimulationLease(ctx context.Context, wsID, holder string) error {
	_, err := s.exec(ctx, `DELETE FROM simulation_leases WHERE workspace_id = ? AND holder = ?`, wsID, holder)
	return err
}
