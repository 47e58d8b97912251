package cancelflow

import (
	"cmp"
	"context"
	"sync"
	"time"

	"holdfast"
)

// sweepBatch bounds one query of expired sessions.
const sweepBatch = 100

// AbandonExpired abandons every session of a workspace and mode still in
// progress whose expires_at is at or before now, recording
// cancel_session.abandoned for each. Test mode passes the workspace's test
// clock: the engine's advance_clock calls this so an advance past the
// timeout abandons sessions before it returns. Returns how many it abandoned.
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
// moment it expired, not when a sweep noticed, so the record does not depend
// on how often sweeps run.
func (s *Service) abandon(ctx context.Context, cs *holdfast.CancelSession, now time.Time) error {
	_, err := s.complete(ctx, cs, holdfast.OutcomeAbandoned, nil, holdfast.EventCancelAbandoned, cs.ExpiresAt, now)
	return err
}

// farFuture bounds the test-mode query: test clocks run ahead of real time
// by any offset, so every open test session is a candidate.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Sweep abandons expired sessions of every workspace: live sessions by now
// (real time), test sessions by each workspace's test clock (now plus its
// offset). Returns how many it abandoned.
func (s *Service) Sweep(ctx context.Context, now time.Time) (int, error) {
	total := 0
	wss, err := s.st.OpenCancelSessionWorkspaces(ctx, holdfast.ModeLive, now)
	if err != nil {
		return 0, err
	}
	for _, ws := range wss {
		n, err := s.AbandonExpired(ctx, ws, holdfast.ModeLive, now)
		total += n
		if err != nil {
			return total, err
		}
	}
	if wss, err = s.st.OpenCancelSessionWorkspaces(ctx, holdfast.ModeTest, farFuture); err != nil {
		return total, err
	}
	for _, ws := range wss {
		testNow, err := holdfast.ModeNow(ctx, holdfast.FixedClock{T: now}, s.st, ws, holdfast.ModeTest)
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			continue // workspace deleted meanwhile
		} else if err != nil {
			return total, err
		}
		n, err := s.AbandonExpired(ctx, ws, holdfast.ModeTest, testNow)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// SweeperConfig configures the background timeout sweep.
type SweeperConfig struct {
	Clock    holdfast.Clock // real time
	Interval time.Duration  // default 30 s
	// OnSweep, when set, is called after every pass: a test signal, so tests
	// wait for a pass instead of sleeping.
	OnSweep func(abandoned int, err error)
}

// Sweeper runs Sweep periodically until stopped.
type Sweeper struct {
	svc    *Service
	cfg    SweeperConfig
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewSweeper builds a sweeper over svc.
func NewSweeper(svc *Service, cfg SweeperConfig) *Sweeper {
	if cfg.Clock == nil {
		cfg.Clock = holdfast.RealClock{}
	}
	cfg.Interval = cmp.Or(cfg.Interval, 30*time.Second)
	return &Sweeper{svc: svc, cfg: cfg}
}

// Start runs a pass at once and then every interval, until ctx ends or Stop.
func (w *Sweeper) Start(ctx context.Context) {
	ctx, w.cancel = context.WithCancel(ctx)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(w.cfg.Interval)
		defer t.Stop()
		for {
			n, err := w.svc.Sweep(ctx, w.cfg.Clock.Now())
			if err != nil && ctx.Err() == nil {
				w.svc.log.Error("cancel flow: timeout sweep failed", "err", err)
			}
			if w.cfg.OnSweep != nil {
				w.cfg.OnSweep(n, err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Stop ends the sweeper and waits for a running pass to finish.
func (w *Sweeper) Stop() {
	if w.cancel != nil {
		w.cancel()
	}
	w.wg.Wait()
}

// trunc drops sub-microsecond precision: timestamps are stored in whole
// microseconds, and an answer should show what a later read will show.
func trunc(t time.Time) time.Time { return holdfast.FromMicros(holdfast.Micros(t)) }
