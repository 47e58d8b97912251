package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"holdfast"
)

// modeNow is the current time of a workspace's mode: real time in live mode,
// the workspace's test clock (real time plus its offset) in test mode. A
// failed test-clock read is returned, not replaced by real time: a test-mode
// object must never get a live timestamp because of a transient store error.
func (e *Engine) modeNow(ctx context.Context, wsID string, mode holdfast.Mode) (time.Time, error) {
	return holdfast.ModeNow(ctx, e.clock, e.st, wsID, mode)
}

// retryAt is when a failed job runs again: its mode's clock plus the job's
// backoff. It only schedules a retry (the caller cannot fail), so when the
// test clock cannot be read it logs and falls back to real time, which is
// never later than the test clock: the retry comes early, never lost.
func (e *Engine) retryAt(ctx context.Context, wsID string, mode holdfast.Mode, attempts int) time.Time {
	now, err := e.modeNow(ctx, wsID, mode)
	if err != nil {
		e.log.Warn("engine: test clock unreadable; scheduling retry by real time", "workspace", wsID, "mode", mode, "err", err)
		now = e.clock.Now()
	}
	return now.Add(backoff(attempts))
}

// Bounds of one advance_clock call.
const (
	// maxAdvanceJobs caps the jobs one call runs (a decade of campaigns for a
	// large test workspace is still well under it).
	maxAdvanceJobs = 100_000
	// advanceWait bounds the wait for due jobs another runner holds.
	advanceWait = 2 * time.Minute
)

// AdvanceClock moves a workspace's test clock forward by d, then runs every
// test-mode job of the workspace that became due, earliest first, each at its
// own due time (so one long advance plays a campaign out step by step and a
// job's follow-ups that fall inside the window run too). Jobs another runner
// holds are waited for. Then the OnAdvance hooks run (cancel-session
// timeouts, webhook deliveries). It returns the new test-clock time.
func (e *Engine) AdvanceClock(ctx context.Context, wsID string, d time.Duration) (time.Time, error) {
	if d <= 0 {
		return time.Time{}, holdfast.ParamError("seconds", "The clock can only move forward.")
	}
	if _, err := e.st.AdvanceTestClock(ctx, wsID, d, e.clock.Now()); err != nil {
		return time.Time{}, err
	}
	deadline := time.Now().Add(advanceWait)
	for ran := 0; ran < maxAdvanceJobs; {
		jobs, err := e.st.ClaimJobs(ctx, e.owner, holdfast.ModeTest, wsID, e.clock.Now(), e.cfg.Lease, 1)
		if err != nil {
			return time.Time{}, err
		}
		if len(jobs) == 1 {
			e.runJob(ctx, jobs[0])
			ran++
			continue
		}
		due, err := e.st.DueTestJobs(ctx, wsID, e.clock.Now())
		if err != nil {
			return time.Time{}, err
		}
		if due == 0 {
			break
		}
		// A background runner holds a due job: it will finish it shortly.
		if time.Now().After(deadline) {
			e.log.Warn("engine: advance_clock stopped waiting for jobs held by other runners", "workspace", wsID, "jobs", due)
			break
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	now, err := e.modeNow(ctx, wsID, holdfast.ModeTest)
	if err != nil {
		return time.Time{}, err
	}
	var errs []error
	for _, hook := range e.cfg.OnAdvance {
		if err := hook(ctx, wsID, now); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return time.Time{}, fmt.Errorf("engine: advance_clock hooks: %w", err)
	}
	return now, nil
}
