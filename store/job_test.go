package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

func TestJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &holdfast.Workspace{Name: "Jobs"}
		if err := s.CreateWorkspace(ctx, w, t0); err != nil {
			t.Fatal(err)
		}
		live := func(key string, at time.Time) store.Job {
			return store.Job{WorkspaceID: w.ID, Mode: holdfast.ModeLive, Kind: "k", RefID: key, DedupeKey: key, RunAt: at}
		}
		t.Run("ClaimDueEarliestFirst", func(t *testing.T) {
			for i, k := range []string{"b", "a", "later"} {
				at := t0.Add(time.Duration(i) * time.Second)
				if k == "later" {
					at = t0.Add(time.Hour)
				}
				if err := s.ScheduleJob(ctx, live(k, at), t0); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.ClaimJobs(ctx, "r1", holdfast.ModeLive, "", t0.Add(time.Minute), time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].RefID != "b" || got[1].RefID != "a" {
				t.Fatalf("claimed %+v", got)
			}
			again, _ := s.ClaimJobs(ctx, "r2", holdfast.ModeLive, "", t0.Add(time.Minute), time.Minute, 10)
			if len(again) != 0 {
				t.Fatalf("leased jobs claimed twice: %+v", again)
			}
			// The lease runs out: another runner takes the job over.
			over, _ := s.ClaimJobs(ctx, "r2", holdfast.ModeLive, "", t0.Add(3*time.Minute), time.Minute, 1)
			if len(over) != 1 || over[0].RefID != "b" {
				t.Fatalf("expired lease not reclaimed: %+v", over)
			}
			// r1 no longer holds b: its completion must not delete it.
			if err := s.CompleteJob(ctx, got[0].ID, "r1"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.JobByKey(ctx, "b"); err != nil {
				t.Fatalf("job completed by a runner that lost its lease: %v", err)
			}
			for _, j := range append(over, got[1]) {
				owner := "r2"
				if j.RefID == "a" {
					owner = "r1"
				}
				if err := s.CompleteJob(ctx, j.ID, owner); err != nil {
					t.Fatal(err)
				}
			}
			if n, _ := s.CountJobs(ctx); n != 1 {
				t.Fatalf("jobs left = %d, want 1 (later)", n)
			}
			_ = s.DeleteJob(ctx, "later")
		})
		t.Run("RescheduleWhileRunning", func(t *testing.T) {
			_ = s.ScheduleJob(ctx, live("re", t0), t0)
			got, _ := s.ClaimJobs(ctx, "r1", holdfast.ModeLive, "", t0, time.Minute, 1)
			if len(got) != 1 {
				t.Fatalf("claimed %d", len(got))
			}
			if err := s.ScheduleJob(ctx, live("re", t0.Add(time.Hour)), t0); err != nil {
				t.Fatal(err)
			}
			_ = s.CompleteJob(ctx, got[0].ID, "r1")
			j, err := s.JobByKey(ctx, "re")
			if err != nil || !j.RunAt.Equal(t0.Add(time.Hour)) {
				t.Fatalf("rescheduled job lost: %+v %v", j, err)
			}
			_ = s.DeleteJob(ctx, "re")
		})
		t.Run("RetryCountsAttempts", func(t *testing.T) {
			_ = s.ScheduleJob(ctx, live("rt", t0), t0)
			got, _ := s.ClaimJobs(ctx, "r1", holdfast.ModeLive, "", t0, time.Minute, 1)
			if err := s.RetryJob(ctx, got[0].ID, "r1", t0.Add(10*time.Second), "smtp down"); err != nil {
				t.Fatal(err)
			}
			if early, _ := s.ClaimJobs(ctx, "r1", holdfast.ModeLive, "", t0.Add(5*time.Second), time.Minute, 1); len(early) != 0 {
				t.Fatal("retried job claimed before its backoff")
			}
			j, _ := s.ClaimJobs(ctx, "r1", holdfast.ModeLive, "", t0.Add(10*time.Second), time.Minute, 1)
			if len(j) != 1 || j[0].Attempts != 1 || j[0].LastError != "smtp down" {
				t.Fatalf("retry = %+v", j)
			}
			_ = s.CompleteJob(ctx, j[0].ID, "r1")
		})
		t.Run("TestModeFollowsTestClock", func(t *testing.T) {
			j := store.Job{WorkspaceID: w.ID, Mode: holdfast.ModeTest, Kind: "k", RefID: "t", DedupeKey: "t", RunAt: t0.Add(48 * time.Hour)}
			if err := s.ScheduleJob(ctx, j, t0); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.ClaimJobs(ctx, "r", holdfast.ModeTest, "", t0, time.Minute, 5); len(got) != 0 {
				t.Fatalf("test job due before its clock: %+v", got)
			}
			if n, _ := s.DueTestJobs(ctx, w.ID, t0); n != 0 {
				t.Fatalf("due = %d", n)
			}
			if _, err := s.AdvanceTestClock(ctx, w.ID, 49*time.Hour, t0); err != nil {
				t.Fatal(err)
			}
			if n, _ := s.DueTestJobs(ctx, w.ID, t0); n != 1 {
				t.Fatalf("due after advance = %d", n)
			}
			if got, _ := s.ClaimJobs(ctx, "r", holdfast.ModeLive, "", t0, time.Minute, 5); len(got) != 0 {
				t.Fatal("live claim took a test job")
			}
			got, err := s.ClaimJobs(ctx, "r", holdfast.ModeTest, w.ID, t0, time.Minute, 5)
			if err != nil || len(got) != 1 || got[0].Mode != holdfast.ModeTest {
				t.Fatalf("claim = %+v %v", got, err)
			}
			_ = s.CompleteJob(ctx, got[0].ID, "r")
		})
	})
}

// TestJobsClaimedOnce has several runners claim from one queue at once; on
// PostgreSQL this exercises FOR UPDATE SKIP LOCKED across connections.
func TestJobsClaimedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 300
		for i := range n {
			k := fmt.Sprintf("j%d", i)
			if err := s.ScheduleJob(ctx, store.Job{WorkspaceID: "ws", Mode: holdfast.ModeLive, Kind: "k", RefID: k, DedupeKey: k, RunAt: t0}, t0); err != nil {
				t.Fatal(err)
			}
		}
		var (
			mu   sync.Mutex
			seen = map[string]int{}
			wg   sync.WaitGroup
		)
		for r := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("runner%d", r)
				for {
					got, err := s.ClaimJobs(ctx, owner, holdfast.ModeLive, "", t0, time.Hour, 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					for _, j := range got {
						mu.Lock()
						seen[j.RefID]++
						mu.Unlock()
						if err := s.CompleteJob(ctx, j.ID, owner); err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Fatalf("claimed %d distinct jobs, want %d", len(seen), n)
		}
		for k, c := range seen {
			if c != 1 {
				t.Fatalf("job %s claimed %d times", k, c)
			}
		}
	})
}
