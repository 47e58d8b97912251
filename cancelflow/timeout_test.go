package cancelflow_test

import (
	"testing"
	"time"

	"holdfast"
	"holdfast/cancelflow"
)

func TestTimeoutAbandons(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cs := e.start(test, t0, "cus_t", "sub_t")
		other := e.start(test, t0.Add(20*time.Minute), "cus_u", "sub_u")
		for _, tc := range []struct {
			name string
			at   time.Time
			want int
		}{
			{"BeforeTimeout", t0.Add(29 * time.Minute), 0},
			{"AtTimeout", t0.Add(30 * time.Minute), 1},
			{"AgainIsNoop", t0.Add(31 * time.Minute), 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n, err := e.svc.AbandonExpired(e.ctx, e.ws.ID, test, tc.at)
				if err != nil || n != tc.want {
					t.Fatalf("abandoned %d (%v), want %d", n, err, tc.want)
				}
			})
		}
		got, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, test, cs.ID)
		if got.Status != "completed" || *got.Outcome != "abandoned" || !got.CompletedAt.Equal(t0.Add(30*time.Minute)) {
			t.Fatalf("abandoned session: %+v", got)
		}
		if ev := e.events(cs.ID); len(ev) != 2 || ev[1] != "cancel_session.abandoned" {
			t.Fatalf("events: %v", ev)
		}
		if o, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, test, other.ID); o.Status != "in_progress" {
			t.Fatal("a session within its timeout was abandoned")
		}
		// A call on an expired session abandons it and conflicts.
		_, err := e.svc.Respond(e.ctx, e.ws.ID, test, t0.Add(51*time.Minute), other.ID, "other", nil)
		wantCode(t, err, holdfast.ECONFLICT)
		if o, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, test, other.ID); *o.Outcome != "abandoned" {
			t.Fatalf("expired on touch: %+v", o)
		}
	})
}

func TestTimeoutGetAbandonsLazily(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cs := e.start(test, t0, "cus_t", "sub_t")
		got, err := e.svc.Get(e.ctx, e.ws.ID, test, t0.Add(29*time.Minute), cs.ID)
		if err != nil || got.Status != "in_progress" {
			t.Fatalf("before timeout: %+v %v", got, err)
		}
		got, err = e.svc.Get(e.ctx, e.ws.ID, test, t0.Add(time.Hour), cs.ID)
		if err != nil || got.Outcome == nil || *got.Outcome != "abandoned" {
			t.Fatalf("after timeout: %+v %v", got, err)
		}
	})
}

// TestTimeoutJobFollowsTestClock: each session's timeout is a job of the
// jobs table, due at expires_at by its mode's clock: test sessions by their
// workspace's test clock (advance_clock), live sessions by wall time. A
// respond moves the job; completing the session deletes it.
func TestTimeoutJobFollowsTestClock(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		wall := time.Now().UTC()
		testSess := e.start(test, wall, "cus_t", "sub_t")
		liveSess := e.start(holdfast.ModeLive, wall, "cus_l", "sub_l")
		for _, cs := range []*holdfast.CancelSession{testSess, liveSess} {
			j, err := e.st.JobByKey(e.ctx, cancelflow.JobTimeout+":"+cs.ID)
			if err != nil || j.Kind != cancelflow.JobTimeout || j.RefID != cs.ID || !j.RunAt.Equal(cs.ExpiresAt) || j.Mode.Livemode() != cs.Livemode {
				t.Fatalf("timeout job of %s: %+v %v", cs.ID, j, err)
			}
		}
		// run claims what is due at real time `at` in one mode and runs it
		// the way the engine's runners do (test jobs at their due time).
		run := func(mode holdfast.Mode, at time.Time) int {
			t.Helper()
			jobs, err := e.st.ClaimJobs(e.ctx, "test-runner", mode, "", at, time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range jobs {
				now := at
				if mode == test {
					now = j.RunAt
				}
				if err := e.svc.RunTimeout(e.ctx, j.WorkspaceID, j.Mode, j.RefID, now); err != nil {
					t.Fatal(err)
				}
				if err := e.st.CompleteJob(e.ctx, j.ID, "test-runner"); err != nil {
					t.Fatal(err)
				}
			}
			return len(jobs)
		}
		if n := run(test, wall.Add(time.Minute)) + run(holdfast.ModeLive, wall.Add(time.Minute)); n != 0 {
			t.Fatalf("nothing due yet, ran %d", n)
		}
		if _, err := e.st.AdvanceTestClock(e.ctx, e.ws.ID, 31*time.Minute, wall); err != nil {
			t.Fatal(err)
		}
		if n := run(test, wall.Add(time.Minute)); n != 1 {
			t.Fatalf("ran %d test jobs, want the test session's", n)
		}
		if s, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, test, testSess.ID); *s.Outcome != "abandoned" || !s.CompletedAt.Equal(testSess.ExpiresAt) {
			t.Fatalf("test session: %+v", s)
		}
		if n := run(holdfast.ModeLive, wall.Add(time.Minute)); n != 0 {
			t.Fatalf("live session follows wall time, ran %d", n)
		}
		// A respond restarts the timeout: the job moves with expires_at.
		moved := e.respond(holdfast.ModeLive, wall.Add(10*time.Minute), liveSess.ID, "other")
		if j, _ := e.st.JobByKey(e.ctx, cancelflow.JobTimeout+":"+liveSess.ID); !j.RunAt.Equal(moved.ExpiresAt) {
			t.Fatalf("job at %s, session expires at %s", j.RunAt, moved.ExpiresAt)
		}
		if n := run(holdfast.ModeLive, wall.Add(31*time.Minute)); n != 0 {
			t.Fatalf("ran %d live jobs before the moved timeout", n)
		}
		if n := run(holdfast.ModeLive, moved.ExpiresAt); n != 1 {
			t.Fatalf("live job at wall time: ran %d", n)
		}
		if s, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, holdfast.ModeLive, liveSess.ID); *s.Outcome != "abandoned" {
			t.Fatalf("live session: %+v", s)
		}
		// Completing a session deletes its job.
		done := e.start(test, wall, "cus_d", "sub_d")
		if _, err := e.svc.Cancel(e.ctx, e.ws.ID, test, wall.Add(time.Minute), done.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.JobByKey(e.ctx, cancelflow.JobTimeout+":"+done.ID); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("job of a completed session: %v", err)
		}
	})
}

// TestGetNeverWrites: reading an expired session shows it abandoned but
// changes nothing; the write is the timeout job's.
func TestGetNeverWrites(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cs := e.start(test, t0, "cus_t", "sub_t")
		got, err := e.svc.Get(e.ctx, e.ws.ID, test, t0.Add(time.Hour), cs.ID)
		if err != nil || got.Status != "completed" || *got.Outcome != "abandoned" || !got.CompletedAt.Equal(cs.ExpiresAt) {
			t.Fatalf("read after timeout: %+v %v", got, err)
		}
		if s, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, test, cs.ID); s.Status != "in_progress" {
			t.Fatalf("the read wrote: %+v", s)
		}
		if ev := e.events(cs.ID); len(ev) != 1 {
			t.Fatalf("the read recorded events: %v", ev)
		}
	})
}
