package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"holdfast"
)

// Experiments (live A/B tests of campaigns): the experiment rows, the arm
// each customer got (sticky) and the arm of each recovery.

const experimentCols = `id, workspace_id, livemode, name, status, arms, filters, started_at, stopped_at, created_at, updated_at`

func scanExperiment(row interface{ Scan(...any) error }) (*holdfast.Experiment, error) {
	var (
		x                         holdfast.Experiment
		arms, filters             string
		started, created, updated int64
		stopped                   sql.NullInt64
	)
	if err := row.Scan(&x.ID, &x.WorkspaceID, &x.Livemode, &x.Name, &x.Status, &arms, &filters, &started, &stopped,
		&created, &updated); err != nil {
		return nil, err
	}
	x.Object = "experiment"
	if err := json.Unmarshal([]byte(arms), &x.Arms); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(filters), &x.Filters)
	x.StartedAt, x.CreatedAt, x.UpdatedAt = holdfast.FromMicros(started), holdfast.FromMicros(created), holdfast.FromMicros(updated)
	if stopped.Valid {
		t := holdfast.FromMicros(stopped.Int64)
		x.StoppedAt = &t
	}
	return &x, nil
}

// CreateExperiment stores a running experiment and its experiment.started
// event. Returns ECONFLICT when another experiment of the workspace and
// mode is running.
func (s *Store) CreateExperiment(ctx context.Context, x *holdfast.Experiment, now time.Time) error {
	now = holdfast.FromMicros(holdfast.Micros(now))
	if x.ID == "" {
		x.ID = holdfast.NewID(holdfast.PrefixExperiment)
	}
	x.Object, x.Status, x.StartedAt, x.CreatedAt, x.UpdatedAt = "experiment", holdfast.ExperimentRunning, now, now, now
	arms, err := json.Marshal(x.Arms)
	if err != nil {
		return err
	}
	filters, err := json.Marshal(x.Filters)
	if err != nil {
		return err
	}
	mode := holdfast.ModeOf(x.Livemode)
	return s.InTx(ctx, func(ctx context.Context) error {
		running, err := s.RunningExperiment(ctx, x.WorkspaceID, mode)
		if err != nil {
			return err
		}
		if running != nil {
			return holdfast.Errorf(holdfast.ECONFLICT, "Experiment %s is running; stop it before starting another.", running.ID)
		}
		if _, err := s.exec(ctx, `INSERT INTO experiments (`+experimentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			x.ID, x.WorkspaceID, x.Livemode, x.Name, x.Status, string(arms), string(filters), holdfast.Micros(now), nil,
			holdfast.Micros(now), holdfast.Micros(now)); err != nil {
			return err
		}
		_, err = s.RecordEvent(ctx, x.WorkspaceID, mode, holdfast.EventExperimentStarted, x.ID, x, now)
		return err
	})
}

// GetExperiment returns an experiment of a workspace and mode; ENOTFOUND otherwise.
func (s *Store) GetExperiment(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Experiment, error) {
	x, err := scanExperiment(s.queryRow(ctx, `SELECT `+experimentCols+` FROM experiments WHERE id = ? AND workspace_id = ? AND livemode = ?`,
		id, wsID, mode.Livemode()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("experiment", id)
	}
	return x, err
}

// ListExperiments pages a workspace's experiments, newest first.
func (s *Store) ListExperiments(ctx context.Context, wsID string, mode holdfast.Mode, q ListQuery) (Listed[holdfast.Experiment], error) {
	src := listSource{table: "experiments", created: "created_at", id: "id",
		where: []string{"workspace_id = ?", "livemode = ?"}, args: []any{wsID, mode.Livemode()}}
	var out Listed[holdfast.Experiment]
	ids, total, hasMore, err := s.pageIDs(ctx, src, q)
	if err != nil {
		return out, err
	}
	out.Total, out.HasMore = total, hasMore
	out.Data, err = byIDs(ctx, s, "experiments", experimentCols, ids, scanExperiment, func(x *holdfast.Experiment) string { return x.ID })
	return out, err
}

// RunningExperiment returns the workspace's running experiment, or nil.
func (s *Store) RunningExperiment(ctx context.Context, wsID string, mode holdfast.Mode) (*holdfast.Experiment, error) {
	x, err := scanExperiment(s.queryRow(ctx, `SELECT `+experimentCols+` FROM experiments WHERE workspace_id = ? AND livemode = ? AND status = ?
		ORDER BY created_at DESC LIMIT 1`, wsID, mode.Livemode(), holdfast.ExperimentRunning))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return x, err
}

// StopExperiment stops a running experiment with its experiment.stopped
// event. ENOTFOUND for an unknown id; ECONFLICT when it is already stopped.
func (s *Store) StopExperiment(ctx context.Context, wsID string, mode holdfast.Mode, id string, now time.Time) (*holdfast.Experiment, error) {
	now = holdfast.FromMicros(holdfast.Micros(now))
	var out *holdfast.Experiment
	err := s.InTx(ctx, func(ctx context.Context) error {
		x, err := scanExperiment(s.queryRow(ctx, `SELECT `+experimentCols+` FROM experiments WHERE id = ? AND workspace_id = ? AND livemode = ?`+s.forUpdate(),
			id, wsID, mode.Livemode()))
		if errors.Is(err, sql.ErrNoRows) {
			return holdfast.NotFound("experiment", id)
		}
		if err != nil {
			return err
		}
		if x.Status != holdfast.ExperimentRunning {
			return holdfast.Errorf(holdfast.ECONFLICT, "Experiment %s is already stopped.", id)
		}
		if _, err := s.exec(ctx, `UPDATE experiments SET status = ?, stopped_at = ?, updated_at = ? WHERE id = ?`,
			holdfast.ExperimentStopped, holdfast.Micros(now), holdfast.Micros(now), id); err != nil {
			return err
		}
		x.Status, x.StoppedAt, x.UpdatedAt = holdfast.ExperimentStopped, &now, now
		out = x
		_, err = s.RecordEvent(ctx, wsID, mode, holdfast.EventExperimentStopped, x.ID, x, now)
		return err
	})
	return out, err
}

// ExperimentArmOf returns the arm a customer already has in an experiment.
func (s *Store) ExperimentArmOf(ctx context.Context, experimentID, customerKey string) (arm int, ok bool, err error) {
	err = s.queryRow(ctx, `SELECT arm FROM experiment_assignments WHERE experiment_id = ? AND customer_key = ?`, experimentID, customerKey).Scan(&arm)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return arm, err == nil, err
}

// AssignExperiment records a customer's arm (first assignment wins) and the
// recovery that got it.
func (s *Store) AssignExperiment(ctx context.Context, experimentID, customerKey, recoveryID string, arm int, now time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.exec(ctx, `INSERT INTO experiment_assignments (experiment_id, customer_key, arm, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (experiment_id, customer_key) DO NOTHING`, experimentID, customerKey, arm, holdfast.Micros(now)); err != nil {
			return err
		}
		_, err := s.exec(ctx, `INSERT INTO experiment_recoveries (recovery_id, experiment_id, arm, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (recovery_id) DO NOTHING`, recoveryID, experimentID, arm, holdfast.Micros(now))
		return err
	})
}

// ArmCounts are the raw figures of one experiment arm.
type ArmCounts struct {
	Recoveries int
	InFlight   int
	Recovered  int
	Revenue    map[string]int64 // recovered amount per currency
	Charges    int              // attempts that reached the provider
}

// ExperimentArmCounts sums each arm's recoveries, outcomes, recovered
// revenue and charges.
func (s *Store) ExperimentArmCounts(ctx context.Context, experimentID string) (map[int]*ArmCounts, error) {
	out := map[int]*ArmCounts{}
	get := func(arm int) *ArmCounts {
		if out[arm] == nil {
			out[arm] = &ArmCounts{Revenue: map[string]int64{}}
		}
		return out[arm]
	}
	rows, err := s.query(ctx, `SELECT x.arm, r.status, r.currency, COUNT(*), COALESCE(SUM(r.amount), 0)
		FROM experiment_recoveries x JOIN recoveries r ON r.id = x.recovery_id
		WHERE x.experiment_id = ? GROUP BY x.arm, r.status, r.currency`, experimentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			arm, n           int
			status, currency string
			amount           int64
		)
		if err := rows.Scan(&arm, &status, &currency, &n, &amount); err != nil {
			return nil, err
		}
		c := get(arm)
		c.Recoveries += n
		switch status {
		case holdfast.RecoveryInFlight:
			c.InFlight += n
		case holdfast.RecoveryRecovered:
			c.Recovered += n
			c.Revenue[currency] += amount
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows2, err := s.query(ctx, `SELECT x.arm, COUNT(*) FROM experiment_recoveries x JOIN payment_attempts a ON a.recovery_id = x.recovery_id
		WHERE x.experiment_id = ? AND a.outcome IN (?, ?) GROUP BY x.arm`, experimentID, holdfast.OutcomeSucceeded, holdfast.OutcomeFailed)
	if err != nil {
		return nil, err
	}
	defer rows2.Close()
	for rows2.Next() {
		var arm, n int
		if err := rows2.Scan(&arm, &n); err != nil {
			return nil, err
		}
		get(arm).Charges = n
	}
	return out, rows2.Err()
}
