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

// TestSweepFollowsTestClock: test sessions expire by their workspace's test
// clock (advance_clock), live sessions by wall time.
func TestSweepFollowsTestClock(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		wall := time.Now().UTC()
		testSess := e.start(test, wall, "cus_t", "sub_t")
		liveSess := e.start(holdfast.ModeLive, wall, "cus_l", "sub_l")
		if n, err := e.svc.Sweep(e.ctx, wall.Add(time.Minute)); err != nil || n != 0 {
			t.Fatalf("nothing due yet: %d %v", n, err)
		}
		if _, err := e.st.AdvanceTestClock(e.ctx, e.ws.ID, 31*time.Minute, wall); err != nil {
			t.Fatal(err)
		}
		done := make(chan int, 1)
		sw := cancelflow.NewSweeper(e.svc, cancelflow.SweeperConfig{Clock: holdfast.FixedClock{T: wall.Add(time.Minute)}, Interval: time.Hour,
			OnSweep: func(n int, err error) {
				if err != nil {
					t.Error(err)
				}
				done <- n
			}})
		sw.Start(e.ctx)
		n := <-done
		sw.Stop()
		if n != 1 {
			t.Fatalf("sweep abandoned %d, want the test session only", n)
		}
		if s, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, test, testSess.ID); *s.Outcome != "abandoned" {
			t.Fatalf("test session: %+v", s)
		}
		if s, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, holdfast.ModeLive, liveSess.ID); s.Status != "in_progress" {
			t.Fatalf("live session follows wall time: %+v", s)
		}
		if n, _ := e.svc.Sweep(e.ctx, wall.Add(31*time.Minute)); n != 1 {
			t.Fatalf("live session abandoned by wall time: %d", n)
		}
	})
}
