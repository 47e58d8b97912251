package cancelflow

import (
	"context"
	"time"

	"holdfast"
	"holdfast/store"
)

// Timeouts: a session still in progress at its expires_at is abandoned. The
// jobs table is the one scheduler for it, as for every other piece of
// future work: Start schedules a JobTimeout job at expires_at, Respond moves
// it (each respond restarts the timeout), completion deletes it. The
// engine's runners run it when it falls due by the mode's clock (real time,
// or the workspace's test clock, so advance_clock abandons sessions in due
// order with the rest of the workspace's work). Reads never abandon: they
// show an expired session as abandoned (holdfast.CancelSession.At) and leave the write to the job.

// JobTimeout is the job kind that abandons a session at its expires_at;
// cmd/holdfast registers RunTimeout for it with the engine.
const JobTimeout = "cancel_session_timeout"

// timeoutJob is the timeout job of a session (one per session, by dedupe key).
func timeoutJob(cs *holdfast.CancelSession) store.Job {
	return store.Job{WorkspaceID: cs.WorkspaceID, Mode: holdfast.ModeOf(cs.Livemode), Kind: JobTimeout, RefID: cs.ID,
		DedupeKey: timeoutKey(cs.ID), RunAt: cs.ExpiresAt}
}

func timeoutKey(id string) string { return JobTimeout + ":" + id }

// RunTimeout is the timeout job: it abandons the session when it is still in
// progress and has expired by now (the mode's clock). A session completed
// meanwhile is left alone; one whose timeout moved is scheduled again.
func (s *Service) RunTimeout(ctx context.Context, wsID string, mode holdfast.Mode, id string, now time.Time) error {
	now = trunc(now)
	cs, err := s.st.GetCancelSession(ctx, wsID, mode, id)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	switch {
	case cs.Status != holdfast.SessionInProgress:
		return nil
	case now.Before(cs.ExpiresAt):
		return s.st.ScheduleJob(ctx, timeoutJob(cs), now)
	}
	if err := s.abandon(ctx, cs, now); err != nil && holdfast.ErrorCode(err) != holdfast.ECONFLICT {
		return err
	}
	return nil
}

// sweepBatch bounds one query of expired sessions.
const sweepBatch = 100

// AbandonExpired abandons every session of a workspace and mode still in
// progress whose expires_at is at or before now, recording
// cancel_session.abandoned for each, and returns how many it abandoned. The
// timeout jobs do this session by session; this catches up all at once
// (tests, and any session whose job was lost).
func (s *Service) AbandonExpired(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time) (int, error) {
	now = trunc(now)
	n := 0
	for {
		batch, err := s.st.ExpiredCancelSessions(ctx, wsID, mode, now, sweepBatch)
		if err != nil {
			return n, err
		}
		for _, cs := range batch {
			err := s.abandon(ctx, cs, now)
			if holdfast.ErrorCode(err) == holdfast.ECONFLICT {
				continue // finished concurrently: nothing to abandon
			}
			if err != nil {
				return n, err
			}
			n++
		}
		if len(batch) < sweepBatch {
			return n, nil
		}
	}
}

// abandon completes an expired session as abandoned. completed_at is the
// moment it expired, not when the job or a write noticed, so the record does
// not depend on when that happened.
func (s *Service) abandon(ctx context.Context, cs *holdfast.CancelSession, now time.Time) error {
	_, err := s.complete(ctx, cs, holdfast.OutcomeAbandoned, nil, holdfast.EventCancelAbandoned, cs.ExpiresAt, now)
	return err
}

// trunc drops sub-microsecond precision: timestamps are stored in whole
// microseconds, and an answer should show what a later read will show.
func trunc(t time.Time) time.Time { return holdfast.FromMicros(holdfast.Micros(t)) }
