package engine

import (
	"context"
	"testing"
	"time"

	"holdfast"
)

func TestAdvanceClock(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		var hooked []time.Time
		v.e.OnAdvance(func(_ context.Context, wsID string, now time.Time) error {
			if wsID != v.ws.ID {
				t.Errorf("hook for %s", wsID)
			}
			hooked = append(hooked, now)
			return nil
		})
		t.Run("ErrNotForward", func(t *testing.T) {
			if _, err := v.e.AdvanceClock(v.ctx, v.ws.ID, 0); holdfast.ErrorCode(err) != holdfast.EVALIDATION {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("ErrUnknownWorkspace", func(t *testing.T) {
			if _, err := v.e.AdvanceClock(v.ctx, "ws_nope", time.Hour); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("RunsDueWorkInOrderThenHooks", func(t *testing.T) {
			c := v.customer(holdfast.ModeTest, "clock@example.com")
			p := v.open(v.failure(holdfast.ModeTest, c, "processing_error"))
			now := v.advance(3 * time.Hour)
			if want := t0.Add(3 * time.Hour); !now.Equal(want) {
				t.Fatalf("now = %v, want %v", now, want)
			}
			if len(hooked) != 1 || !hooked[0].Equal(now) {
				t.Fatalf("hooks = %v", hooked)
			}
			got := v.payment(holdfast.ModeTest, p.ID)
			// Within three hours: the transient retry (about an hour in) and the
			// email step (an hour in) both ran, stamped at their own due times.
			if len(got.Attempts) != 1 || !got.Attempts[0].CreatedAt.Before(now) || got.Attempts[0].CreatedAt.Sub(t0) < time.Hour {
				t.Fatalf("attempts = %+v", got.Attempts)
			}
			sends := v.sends(p.Recovery)
			if len(sends) != 1 || !sends[0].SentAt.Equal(t0.Add(time.Hour)) {
				t.Fatalf("sends = %+v", sends)
			}
			// Live mode is untouched by the test clock.
			if n, _ := v.st.DueTestJobs(v.ctx, v.ws.ID, v.clock.Now()); n != 0 {
				t.Fatalf("%d due test jobs left", n)
			}
		})
	})
}

// TestTestModeFollowsRealTime: without advance_clock, the runners pick up
// test-mode work once real time (plus the offset) reaches it.
func TestTestModeFollowsRealTime(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		c := v.customer(holdfast.ModeTest, "rt@example.com")
		p := v.open(v.failure(holdfast.ModeTest, c, "processing_error"))
		v.e.runBatch(v.ctx, v.ctx)
		if n := len(v.sends(p.Recovery)); n != 0 {
			t.Fatalf("email before its time: %d", n)
		}
		v.clock.Add(61 * time.Minute)
		v.e.runBatch(v.ctx, v.ctx)
		if n := len(v.sends(p.Recovery)); n != 1 {
			t.Fatalf("email not sent once due: %d", n)
		}
		if _, err := v.st.JobByKey(v.ctx, recoveryJobKey(p.Recovery)); err != nil {
			t.Fatalf("recovery has no next job: %v", err)
		}
	})
}
