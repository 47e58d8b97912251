package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"holdfast"
	"holdfast/store"
)

// The runners: Workers goroutines that lease due jobs (live by real time,
// test by each workspace's test clock), run them, and delete them. A failed
// job is retried with backoff; after MaxJobAttempts it is given up. Stop
// stops claiming, lets running jobs finish (up to DrainTimeout), and gives
// back the leases of claimed jobs it did not start.

// Start runs the background runners until Stop or ctx ends.
func (e *Engine) Start(ctx context.Context) {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	if e.cancel != nil {
		return
	}
	claimCtx, cancel := context.WithCancel(ctx)
	e.cancel = cancel
	e.stopped = make(chan struct{})
	// Jobs run on a context that outlives claimCtx by DrainTimeout, so a
	// shutdown lets an SMTP delivery or a Stripe call finish.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for range e.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(claimCtx, jobCtx)
		}()
	}
	go func() {
		<-claimCtx.Done()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(e.cfg.DrainTimeout):
			cancelJobs()
			<-done
		}
		cancelJobs()
		close(e.stopped)
	}()
}

// Stop stops the runners and waits for running jobs to drain.
func (e *Engine) Stop() {
	e.runMu.Lock()
	cancel, stopped := e.cancel, e.stopped
	e.cancel = nil
	e.runMu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-stopped
}

// work is one runner: claim a batch, run it, repeat; sleep when idle.
func (e *Engine) work(claimCtx, jobCtx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		wake := e.wakeChan()
		n := e.runBatch(claimCtx, jobCtx)
		if claimCtx.Err() != nil {
			return
		}
		if n > 0 {
			continue
		}
		timer.Reset(e.idleWait(claimCtx))
		select {
		case <-claimCtx.Done():
			return
		case <-wake:
		case <-timer.C:
		}
	}
}

// idleWait is how long an idle runner sleeps: until the next live job is
// due, at most PollInterval (test-mode jobs follow test clocks, and leases
// run out, so the poll stays the upper bound).
func (e *Engine) idleWait(ctx context.Context) time.Duration {
	at, ok, err := e.st.NextLiveRunAt(ctx, e.clock.Now())
	if err != nil || !ok {
		return e.cfg.PollInterval
	}
	return min(max(at.Sub(e.clock.Now()), time.Millisecond), e.cfg.PollInterval)
}

// runBatch claims due jobs of both modes and runs them; it returns how many ran.
func (e *Engine) runBatch(claimCtx, jobCtx context.Context) int {
	ran := 0
	for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
		jobs, err := e.st.ClaimJobs(claimCtx, e.owner, mode, "", e.clock.Now(), e.cfg.Lease, e.cfg.BatchSize)
		if err != nil {
			if claimCtx.Err() == nil {
				e.log.Error("engine: claim jobs", "mode", mode, "err", err)
			}
			continue
		}
		for i, j := range jobs {
			if claimCtx.Err() != nil {
				ids := make([]int64, 0, len(jobs)-i)
				for _, rest := range jobs[i:] {
					ids = append(ids, rest.ID)
				}
				_ = e.st.ReleaseJobs(jobCtx, e.owner, ids)
				return ran
			}
			e.runJob(jobCtx, j)
			ran++
		}
	}
	return ran
}

// runJob runs one leased job and settles it: deleted when done, retried with
// backoff when it failed, given up after MaxJobAttempts. Test-mode jobs run
// "at" their due time on the test clock, so a long advance_clock plays a
// campaign out step by step.
func (e *Engine) runJob(ctx context.Context, j store.Job) {
	now := e.clock.Now()
	if j.Mode == holdfast.ModeTest {
		now = j.RunAt
	}
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = errors.Join(errors.New("engine: job panicked"), anyErr(p))
			}
		}()
		err = e.dispatch(ctx, j, now)
	}()
	if e.hooks.jobDone != nil {
		defer e.hooks.jobDone(j, err)
	}
	switch {
	case errors.Is(err, errUnknownKind):
		// Written by a newer binary (a rolling deploy): leave it for a node
		// that knows the kind instead of deleting work nobody here can do.
		e.log.Warn("engine: leaving a job of unknown kind for a node that knows it", "kind", j.Kind, "ref", j.RefID, "retry_in", unknownKindHold)
		if derr := e.st.DeferJob(ctx, j.ID, e.owner, e.clock.Now().Add(unknownKindHold)); derr != nil {
			e.log.Error("engine: defer job", "job", j.ID, "err", derr)
		}
	case err == nil:
		if cerr := e.st.CompleteJob(ctx, j.ID, e.owner); cerr != nil {
			e.log.Error("engine: complete job", "job", j.ID, "err", cerr)
		}
	case errors.Is(err, errCrash):
		// Simulated death: leave the job leased, as a dead process would.
	case j.Attempts+1 >= e.cfg.MaxJobAttempts || isPermanent(err):
		e.log.Error("engine: giving up on job", "kind", j.Kind, "ref", j.RefID, "attempts", j.Attempts+1, "err", err)
		if gerr := e.giveUp(ctx, j, now, err); gerr != nil {
			e.log.Error("engine: give up job", "job", j.ID, "err", gerr)
		}
		_ = e.st.CompleteJob(ctx, j.ID, e.owner)
	default:
		e.log.Warn("engine: job failed; will retry", "kind", j.Kind, "ref", j.RefID, "attempt", j.Attempts+1, "err", err)
		at := e.retryAt(ctx, j.WorkspaceID, j.Mode, j.Attempts)
		if rerr := e.st.RetryJob(ctx, j.ID, e.owner, at, err.Error()); rerr != nil {
			e.log.Error("engine: reschedule job", "job", j.ID, "err", rerr)
		}
	}
}

// dispatch runs a job by kind.
func (e *Engine) dispatch(ctx context.Context, j store.Job, now time.Time) error {
	switch j.Kind {
	case jobRecovery:
		return e.runRecovery(ctx, j.RefID, now)
	case jobSend:
		return e.runSend(ctx, j, now)
	case jobAttempt:
		return e.drive(ctx, j.RefID, nil)
	case jobCardExpiry:
		return e.runCardExpiry(ctx, j, now)
	}
	if fn := e.cfg.Jobs[j.Kind]; fn != nil {
		return fn(ctx, j.WorkspaceID, j.Mode, j.RefID, now)
	}
	return errUnknownKind
}

// errUnknownKind is dispatch's answer to a job kind no code here handles.
var errUnknownKind = errors.New("engine: unknown job kind")

// unknownKindHold is how long a job of unknown kind is kept from every
// runner before this node looks at it again.
const unknownKindHold = time.Minute

// giveUp settles a job that will not be retried.
func (e *Engine) giveUp(ctx context.Context, j store.Job, now time.Time, cause error) error {
	switch j.Kind {
	case jobSend:
		return e.giveUpSend(ctx, j, now, cause)
	case jobAttempt:
		return e.giveUpAttempt(ctx, j.RefID, cause)
	}
	return nil
}

// runRecovery is the job that runs a recovery's due actions; live attempts
// it begins are charged right after its transaction commits.
func (e *Engine) runRecovery(ctx context.Context, id string, now time.Time) error {
	var started []PayRequest
	err := e.st.InTx(ctx, func(ctx context.Context) error {
		r, err := e.loadRun(ctx, id, now, true)
		if err != nil {
			if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
				return nil
			}
			return err
		}
		if err := e.advance(ctx, r); err != nil {
			return err
		}
		started = r.started
		return nil
	})
	if err != nil {
		return err
	}
	return e.driveAll(ctx, started)
}

// jitter returns a uniform random duration in [0, n).
func jitter(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return rand.Int64N(n)
}

// anyErr turns a recovered panic value into an error.
func anyErr(v any) error {
	if err, ok := v.(error); ok {
		return err
	}
	return fmt.Errorf("%v", v)
}
