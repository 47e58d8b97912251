package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"holdfast"
)

// Durable scheduled work. A job is a row of the jobs table: what to do (kind,
// ref_id), when (run_at, in the mode's clock: real time for live mode, the
// workspace's test clock for test mode) and who holds it (locked_by until
// locked_until, in real time). Runners lease due jobs, do the work, then
// delete them; a runner that dies simply lets its lease run out and another
// takes the job over. Work is keyed by dedupe_key, so scheduling the same
// work twice moves one job instead of queueing two.

// Job is one item of scheduled work.
type Job struct {
	ID          int64
	WorkspaceID string
	Mode        holdfast.Mode
	Kind        string
	RefID       string
	DedupeKey   string
	RunAt       time.Time
	Attempts    int
	LastError   string
}

const jobCols = `id, workspace_id, livemode, kind, ref_id, dedupe_key, run_at, attempts, last_error`

func scanJob(row interface{ Scan(...any) error }) (Job, error) {
	var (
		j        Job
		live     bool
		dedupe   *string
		runAtUS  int64
		attempts int
	)
	if err := row.Scan(&j.ID, &j.WorkspaceID, &live, &j.Kind, &j.RefID, &dedupe, &runAtUS, &attempts, &j.LastError); err != nil {
		return Job{}, err
	}
	j.Mode = holdfast.ModeOf(live)
	if dedupe != nil {
		j.DedupeKey = *dedupe
	}
	j.RunAt = holdfast.FromMicros(runAtUS)
	j.Attempts = attempts
	return j, nil
}

// ScheduleJob queues j at j.RunAt. When a job with the same dedupe key
// exists it is moved to j.RunAt and its lease is released: rescheduling work
// that is running right now means "run it again then", and the running
// holder's CompleteJob will leave the moved job alone.
func (s *Store) ScheduleJob(ctx context.Context, j Job, now time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO jobs (workspace_id, livemode, kind, ref_id, dedupe_key, run_at, attempts, last_error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 0, '', ?)
		ON CONFLICT (dedupe_key) DO UPDATE SET run_at = excluded.run_at, kind = excluded.kind, ref_id = excluded.ref_id,
			attempts = 0, last_error = '', locked_by = NULL, locked_until = NULL`,
		j.WorkspaceID, j.Mode.Livemode(), j.Kind, j.RefID, engNull(j.DedupeKey), holdfast.Micros(j.RunAt), holdfast.Micros(now))
	return err
}

// LeaseNewJob queues j already leased to owner until `until` (real time) and
// returns its id: the caller does the work itself right away, and the job
// only matters if the caller dies before CompleteJob.
func (s *Store) LeaseNewJob(ctx context.Context, j Job, owner string, until, now time.Time) (int64, error) {
	var id int64
	err := s.queryRow(ctx, `INSERT INTO jobs (workspace_id, livemode, kind, ref_id, dedupe_key, run_at, attempts, last_error, locked_by, locked_until, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 0, '', ?, ?, ?)
		ON CONFLICT (dedupe_key) DO UPDATE SET run_at = excluded.run_at, locked_by = excluded.locked_by, locked_until = excluded.locked_until
		RETURNING id`,
		j.WorkspaceID, j.Mode.Livemode(), j.Kind, j.RefID, engNull(j.DedupeKey), holdfast.Micros(j.RunAt), owner,
		holdfast.Micros(until), holdfast.Micros(now)).Scan(&id)
	return id, err
}

// DeleteJob removes the job with this dedupe key, if any.
func (s *Store) DeleteJob(ctx context.Context, dedupeKey string) error {
	_, err := s.exec(ctx, `DELETE FROM jobs WHERE dedupe_key = ?`, dedupeKey)
	return err
}

// JobByKey returns the job with this dedupe key; ENOTFOUND when there is none.
func (s *Store) JobByKey(ctx context.Context, dedupeKey string) (Job, error) {
	j, err := scanJob(s.queryRow(ctx, `SELECT `+jobCols+` FROM jobs WHERE dedupe_key = ?`, dedupeKey))
	if err != nil {
		return Job{}, engNotFound(err, "job", dedupeKey)
	}
	return j, nil
}

// jobQueue is the jobs table as a queue of due work (claim.go).
var jobQueue = dueQueue{table: "jobs", due: "run_at", owner: "locked_by"}

// ClaimJobs leases up to n due jobs of one mode to owner until realNow+lease,
// earliest first. Live jobs are due when run_at <= realNow; test jobs when
// run_at <= realNow + their workspace's test-clock offset. wsID, when set,
// restricts the claim to one workspace (advance_clock). The claim is the one
// shared with webhook deliveries (claim.go): a plain read first, then one
// UPDATE whose rows PostgreSQL takes FOR UPDATE SKIP LOCKED.
func (s *Store) ClaimJobs(ctx context.Context, owner string, mode holdfast.Mode, wsID string, realNow time.Time, lease time.Duration, n int) ([]Job, error) {
	live := mode == holdfast.ModeLive
	if due, err := s.anyDue(ctx, jobQueue, live, wsID, realNow); err != nil || !due {
		return nil, err
	}
	var out []Job
	err := s.InTx(ctx, func(ctx context.Context) error {
		rows, err := s.leaseDue(ctx, jobQueue, live, wsID, realNow, owner, realNow.Add(lease), n, jobCols)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return rows.Err()
	})
	slices.SortFunc(out, func(a, b Job) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out, err
}

// NextLiveRunAt returns when the earliest unleased live job is due, so idle
// runners can sleep exactly until then; ok is false when there is none. A
// job DeferJob holds until after realNow is left out: it is past due but not
// claimable, and counting it would wake idle runners every millisecond (the
// poll interval bounds the wait instead).
func (s *Store) NextLiveRunAt(ctx context.Context, realNow time.Time) (at time.Time, ok bool, err error) {
	var us sql.NullInt64
	err = s.queryRow(ctx, `SELECT MIN(run_at) FROM jobs WHERE livemode = ? AND locked_by IS NULL
		AND (locked_until IS NULL OR locked_until < ?)`, true, holdfast.Micros(realNow)).Scan(&us)
	if err != nil || !us.Valid {
		return time.Time{}, false, err
	}
	return holdfast.FromMicros(us.Int64), true, nil
}

// DueTestJobs counts a workspace's test jobs due at its test clock, leased or
// not: advance_clock waits until none is left.
func (s *Store) DueTestJobs(ctx context.Context, wsID string, realNow time.Time) (int, error) {
	var n int
	// A job deferred by DeferJob (no holder, held until later) is not
	// waited for: no runner is working on it.
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM jobs j JOIN test_clocks c ON c.workspace_id = j.workspace_id
		WHERE j.workspace_id = ? AND j.livemode = ? AND j.run_at <= CAST(? AS BIGINT) + c.offset_us
		AND (j.locked_by IS NOT NULL OR j.locked_until IS NULL OR j.locked_until < ?)`,
		wsID, false, holdfast.Micros(realNow), holdfast.Micros(realNow)).Scan(&n)
	return n, err
}

// CompleteJob deletes a job its owner has finished. A job that was
// rescheduled while it ran (its lease released by ScheduleJob) is kept.
func (s *Store) CompleteJob(ctx context.Context, id int64, owner string) error {
	_, err := s.exec(ctx, `DELETE FROM jobs WHERE id = ? AND locked_by = ?`, id, owner)
	return err
}

// RetryJob releases a failed job for another try at runAt, counting the attempt.
func (s *Store) RetryJob(ctx context.Context, id int64, owner string, runAt time.Time, errMsg string) error {
	if len(errMsg) > 1000 {
		errMsg = errMsg[:1000]
	}
	_, err := s.exec(ctx, `UPDATE jobs SET attempts = attempts + 1, last_error = ?, run_at = ?, locked_by = NULL, locked_until = NULL
		WHERE id = ? AND locked_by = ?`, errMsg, holdfast.Micros(runAt), id, owner)
	return err
}

// DeferJob gives back a job its owner cannot run, keeping every runner off
// it until until (real time) without counting an attempt or moving its due
// time: a job of a kind this binary does not know, left for a node that does
// (a rolling deploy), instead of deleted.
func (s *Store) DeferJob(ctx context.Context, id int64, owner string, until time.Time) error {
	_, err := s.exec(ctx, `UPDATE jobs SET locked_by = NULL, locked_until = ? WHERE id = ? AND locked_by = ?`,
		holdfast.Micros(until), id, owner)
	return err
}

// ReleaseJobs gives back leases owner holds on jobs it will not run (shutdown).
func (s *Store) ReleaseJobs(ctx context.Context, owner string, ids []int64) error {
	for _, id := range ids {
		if _, err := s.exec(ctx, `UPDATE jobs SET locked_by = NULL, locked_until = NULL WHERE id = ? AND locked_by = ?`, id, owner); err != nil {
			return err
		}
	}
	return nil
}

// CountJobs counts every queued job (tests and benchmarks).
func (s *Store) CountJobs(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM jobs`).Scan(&n)
	return n, err
}

// engNull stores "" as NULL (unique columns where absence must not collide).
func engNull(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// engNotFound turns sql.ErrNoRows into the standard ENOTFOUND error.
func engNotFound(err error, kind, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return holdfast.NotFound(kind, id)
	}
	return err
}
