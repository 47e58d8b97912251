package engine

import (
	"context"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
)

// A job of a kind this binary does not know (written by a newer node during
// a rolling deploy) is left for a node that knows it: not deleted, kept from
// every runner for a minute, and not waited for by advance_clock. A node that
// knows the kind then runs it once.
func TestUnknownJobKindIsLeftForAnotherNode(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
			j := store.Job{WorkspaceID: v.ws.ID, Mode: mode, Kind: "from_a_newer_version", RefID: "ref_" + string(mode),
				DedupeKey: "newer:" + string(mode), RunAt: v.clock.Now()}
			if err := v.st.ScheduleJob(v.ctx, j, v.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if ran := v.e.runBatch(v.ctx, v.ctx); ran != 2 {
			t.Fatalf("ran %d jobs, want both looked at", ran)
		}
		if n, err := v.st.CountJobs(v.ctx); err != nil || n != 2 {
			t.Fatalf("jobs left %d (%v), want both kept", n, err)
		}
		if ran := v.e.runBatch(v.ctx, v.ctx); ran != 0 {
			t.Fatalf("ran %d jobs again at once, want them held", ran)
		}
		if n, err := v.st.DueTestJobs(v.ctx, v.ws.ID, v.clock.Now()); err != nil || n != 0 {
			t.Fatalf("advance_clock would wait for %d held jobs (%v)", n, err)
		}
		// Idle runners sleep their poll interval, not a millisecond, while it is held.
		if at, ok, err := v.st.NextLiveRunAt(v.ctx, v.clock.Now()); err != nil || ok {
			t.Fatalf("next live run at %v (%v, %v): a held job would wake idle runners at once", at, ok, err)
		}
		if d := v.e.idleWait(v.ctx); d != v.e.cfg.PollInterval {
			t.Fatalf("idle wait %v, want the poll interval %v", d, v.e.cfg.PollInterval)
		}
		// /metrics shows it as due, without a lag no runner here can reduce.
		v.clock.Add(10 * time.Second)
		qs, err := v.st.QueueStats(v.ctx, v.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if qs.JobsDue[[2]string{"live", "from_a_newer_version"}] != 1 || qs.JobsLag["live"] != 0 {
			t.Fatalf("queue stats due %v lag %v", qs.JobsDue, qs.JobsLag)
		}

		// A node that knows the kind, once the hold has passed.
		other := New(Config{Store: v.st, Clock: v.clock, PublicURL: "https://hf.example", SigningKey: []byte("k"), Lease: time.Minute})
		var got []string
		other.HandleJob("from_a_newer_version", func(_ context.Context, wsID string, mode holdfast.Mode, ref string, _ time.Time) error {
			got = append(got, ref)
			return nil
		})
		v.clock.Add(unknownKindHold)
		if ran := other.runBatch(v.ctx, v.ctx); ran != 2 || len(got) != 2 {
			t.Fatalf("ran %d, handled %v", ran, got)
		}
		if n, err := v.st.CountJobs(v.ctx); err != nil || n != 0 {
			t.Fatalf("jobs left %d (%v) after the knowing node ran them", n, err)
		}
	})
}
