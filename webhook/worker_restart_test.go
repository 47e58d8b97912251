package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/secretbox"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/webhook"
)

// openAt opens another handle on an existing database, as a second process
// (or the same one after a restart) would.
func openAt(t *testing.T, url string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secretbox.New("test-secret-key")
	st.SetSecretBox(box)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// eachShared runs fn per backend with two handles on one database.
func eachShared(t *testing.T, fn func(t *testing.T, a, b *store.Store)) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			url := storetest.URL(t, backend)
			a, b := openAt(t, url), openAt(t, url)
			t.Cleanup(func() { a.Close(); b.Close() })
			fn(t, a, b)
		})
	}
}

// delivered maps "path event-id" to how many 2xx answers the receiver gave.
func delivered(rv *recv) map[string]int {
	out := map[string]int{}
	for _, h := range rv.all() {
		var ev struct{ ID string }
		json.Unmarshal(h.body, &ev)
		if h.status/100 == 2 {
			out[h.path+" "+ev.ID]++
		}
	}
	return out
}

func (e *env) assertAllDelivered(rv *recv, eps []*holdfast.WebhookEndpoint, events []*holdfast.Event) {
	e.t.Helper()
	got := delivered(rv)
	for _, ep := range eps {
		for _, d := range e.deliveries(ep) {
			if d.Status != holdfast.DeliverySucceeded {
				e.t.Fatalf("delivery %s is %s", d.ID, d.Status)
			}
		}
		path := ep.URL[len(rv.URL):]
		for _, ev := range events {
			if got[path+" "+ev.ID] == 0 {
				e.t.Fatalf("%s never acknowledged %s", path, ev.ID)
			}
		}
	}
}

// TestWorkerRestartLosesNothing stops a worker while requests are in flight,
// records more events while nothing runs, and starts a new worker on a new
// database handle: every event reaches every endpoint, and the cut requests
// are sent again rather than logged as receiver failures.
func TestWorkerRestartLosesNothing(t *testing.T) {
	t.Parallel()
	eachShared(t, func(t *testing.T, st1, st2 *store.Store) {
		e := newEnv(t, st1, func(c *webhook.Config) { c.Concurrency = 3 })
		blocked := make(chan struct{}, 3)
		rv := newRecv(t, func(n int, r *http.Request) int {
			if n < 3 {
				blocked <- struct{}{}
				<-r.Context().Done()
			}
			return http.StatusOK
		})
		eps := []*holdfast.WebhookEndpoint{e.endpoint(holdfast.ModeLive, rv.URL+"/a"), e.endpoint(holdfast.ModeLive, rv.URL+"/b")}
		var events []*holdfast.Event
		for range 10 {
			events = append(events, e.event(holdfast.ModeLive, holdfast.EventRecoveryStarted))
		}
		e.w = e.worker(st1, func(c *webhook.Config) { c.Concurrency = 3; c.AllowLoopback = true })
		e.w.Start(e.ctx)
		for range 3 {
			<-blocked // three requests are in flight and hang
		}
		e.w.Stop()
		st1.Close() // the "process" is gone

		e.st = st2
		for range 5 {
			events = append(events, e.event(holdfast.ModeLive, holdfast.EventRecoveryLost))
		}
		e.w = e.worker(st2, func(c *webhook.Config) { c.AllowLoopback = true })
		e.w.Start(e.ctx)
		defer e.w.Stop()
		e.waitRecorded(len(eps) * len(events))
		e.assertAllDelivered(rv, eps, events)
		for _, ep := range eps {
			for _, d := range e.deliveries(ep) {
				if d.AttemptCount != 1 {
					t.Fatalf("delivery %s has %d attempts, want 1 (cut requests are not receiver failures)", d.ID, d.AttemptCount)
				}
			}
		}
	})
}

// TestWorkerCrashedLeaseIsTakenOver: deliveries claimed by a process that
// died are sent by another once the lease has run out.
func TestWorkerCrashedLeaseIsTakenOver(t *testing.T) {
	t.Parallel()
	eachShared(t, func(t *testing.T, st1, st2 *store.Store) {
		e := newEnv(t, st1)
		rv := newRecv(t, nil)
		ep := e.endpoint(holdfast.ModeTest, rv.URL+"/crash")
		var events []*holdfast.Event
		for range 8 {
			events = append(events, e.event(holdfast.ModeTest, holdfast.EventDunningSent))
		}
		if _, _, err := st1.FanOutEvents(e.ctx, 100); err != nil {
			t.Fatal(err)
		}
		held, err := st1.ClaimDueDeliveries(e.ctx, store.DueFilter{}, t0, 2*time.Minute, 3)
		if err != nil || len(held) != 3 {
			t.Fatalf("claimed %d, %v", len(held), err)
		}
		st1.Close() // crashed holding three leases

		e.st = st2
		e.w = e.worker(st2, func(c *webhook.Config) { c.PollInterval = time.Hour })
		e.w.Start(e.ctx)
		defer e.w.Stop()
		e.waitRecorded(5)
		if n := len(rv.all()); n != 5 {
			t.Fatalf("receiver got %d before the leases expired, want 5", n)
		}
		e.clock.Set(t0.Add(2*time.Minute + time.Second))
		e.w.Kick()
		e.waitRecorded(3)
		e.assertAllDelivered(rv, []*holdfast.WebhookEndpoint{ep}, events)
	})
}

// TestWorkersShareWork runs two workers on two handles of one database: every
// delivery is sent exactly once (no lease expires here, so at-least-once
// becomes exactly once).
func TestWorkersShareWork(t *testing.T) {
	t.Parallel()
	eachShared(t, func(t *testing.T, st1, st2 *store.Store) {
		e := newEnv(t, st1)
		var mu sync.Mutex
		count := map[string]int{}
		rv := newRecv(t, func(_ int, r *http.Request) int {
			mu.Lock()
			count[r.URL.Path]++
			mu.Unlock()
			return http.StatusNoContent
		})
		var eps []*holdfast.WebhookEndpoint
		for _, p := range []string{"/1", "/2", "/3", "/4", "/5"} {
			eps = append(eps, e.endpoint(holdfast.ModeTest, rv.URL+p))
		}
		w2 := e.worker(st2)
		e.w.Start(e.ctx)
		w2.Start(e.ctx)
		var events []*holdfast.Event
		for range 40 {
			events = append(events, e.event(holdfast.ModeTest, holdfast.EventCancelCanceled))
		}
		e.w.Kick()
		w2.Kick()
		e.waitRecorded(200)
		e.w.Stop()
		w2.Stop()
		got := delivered(rv)
		if len(got) != 200 {
			t.Fatalf("%d distinct deliveries acknowledged, want 200", len(got))
		}
		for k, n := range got {
			if n != 1 {
				t.Fatalf("%s delivered %d times", k, n)
			}
		}
		e.assertAllDelivered(rv, eps, events)
	})
}
