package store_test

import (
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

const lease = time.Minute

func (f *whFixture) claim(filter store.DueFilter, now time.Time) []*store.DeliveryClaim {
	f.t.Helper()
	cs, err := f.s.ClaimDueDeliveries(f.ctx, filter, now, lease, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	return cs
}

func (f *whFixture) record(recs ...store.AttemptRecord) []string {
	f.t.Helper()
	d, err := f.s.RecordDeliveryAttempts(f.ctx, recs)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func TestClaimDueDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newWHFixture(t, s)
		live := f.endpoint(holdfast.ModeLive, nil, true)
		f.endpoint(holdfast.ModeTest, nil, true)
		f.event(holdfast.ModeLive, holdfast.EventRecoveryStarted, t0)
		f.event(holdfast.ModeLive, holdfast.EventRecoveryLost, t0.Add(time.Hour))
		// Test-mode event stamped by a test clock one day ahead.
		if _, err := s.AdvanceTestClock(f.ctx, f.ws.ID, 24*time.Hour, t0); err != nil {
			t.Fatal(err)
		}
		f.event(holdfast.ModeTest, holdfast.EventRecoveryStarted, t0.Add(24*time.Hour+time.Minute))
		f.fanOut()

		t.Run("OnlyDue", func(t *testing.T) {
			cs := f.claim(store.DueFilter{}, t0.Add(30*time.Second)) // real time; test clock t0+24h30s
			if len(cs) != 1 || cs[0].Event.Type != holdfast.EventRecoveryStarted || cs[0].Mode != holdfast.ModeLive {
				t.Fatalf("claimed %d", len(cs))
			}
			c := cs[0]
			if c.URL != live.URL || c.Secret != live.Secret || c.Lease == "" || c.AttemptCount != 0 || c.ClockOffset != 0 {
				t.Fatalf("claim %+v", c)
			}
			if err := s.ReleaseDeliveries(f.ctx, cs); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("TestModeDueByTestClock", func(t *testing.T) {
			// Real t0+2m is test time t0+24h2m: the test event is due.
			cs := f.claim(store.DueFilter{WorkspaceID: f.ws.ID, Mode: holdfast.ModeTest}, t0.Add(2*time.Minute))
			if len(cs) != 1 || cs[0].Mode != holdfast.ModeTest || cs[0].ClockOffset != 24*time.Hour {
				t.Fatalf("claimed %+v", cs)
			}
			if n, _ := s.CountDueDeliveries(f.ctx, store.DueFilter{WorkspaceID: f.ws.ID, Mode: holdfast.ModeTest}, t0.Add(2*time.Minute)); n != 1 {
				t.Fatalf("CountDueDeliveries = %d, want the leased one", n)
			}
			if cs := f.claim(store.DueFilter{Mode: holdfast.ModeTest}, t0.Add(time.Minute-time.Second)); len(cs) != 0 {
				t.Fatalf("claimed %d before due / while leased", len(cs))
			}
			s.ReleaseDeliveries(f.ctx, cs)
			if cs := f.claim(store.DueFilter{Mode: holdfast.ModeTest}, t0); len(cs) != 0 {
				t.Fatalf("test delivery claimed before its test-clock time")
			}
		})
		t.Run("LeaseExcludesUntilExpired", func(t *testing.T) {
			now := t0.Add(2 * time.Hour)
			first := f.claim(store.DueFilter{Mode: holdfast.ModeLive}, now)
			if len(first) != 2 {
				t.Fatalf("claimed %d, want 2", len(first))
			}
			if again := f.claim(store.DueFilter{Mode: holdfast.ModeLive}, now.Add(lease-time.Second)); len(again) != 0 {
				t.Fatalf("claimed %d leased deliveries", len(again))
			}
			_, err := s.ClaimDelivery(f.ctx, f.ws.ID, holdfast.ModeLive, live.ID, first[0].ID, now, lease)
			wantCode(t, err, holdfast.ECONFLICT)
			after := f.claim(store.DueFilter{Mode: holdfast.ModeLive}, now.Add(lease+time.Second))
			if len(after) != 2 || after[0].Lease == first[0].Lease {
				t.Fatalf("expired leases not reclaimed: %d", len(after))
			}
			// The first holder's result arrives late: logged, but the state
			// belongs to the new holder.
			stale := f.record(store.AttemptRecord{Claim: first[0], At: now, StatusCode: 200, Success: true})
			if len(stale) != 0 {
				t.Fatal("disabled on success")
			}
			d, _ := s.GetWebhookDelivery(f.ctx, f.ws.ID, holdfast.ModeLive, live.ID, first[0].ID)
			if d.Status != holdfast.DeliveryPending || d.AttemptCount != 1 || len(d.Attempts) != 1 {
				t.Fatalf("stale record changed state: %+v", d)
			}
			s.ReleaseDeliveries(f.ctx, after)
		})
		t.Run("ClaimDeliveryErrNotFound", func(t *testing.T) {
			d := f.deliveries(live)[0]
			_, err := s.ClaimDelivery(f.ctx, f.ws.ID, holdfast.ModeTest, live.ID, d.ID, t0, lease)
			wantCode(t, err, holdfast.ENOTFOUND)
			_, err = s.ClaimDelivery(f.ctx, f.ws.ID, holdfast.ModeLive, live.ID, "dlv_nope", t0, lease)
			wantCode(t, err, holdfast.ENOTFOUND)
		})
	})
}

// TestClaimConcurrent has several claimers race over the same due
// deliveries: each delivery must be handed out exactly once.
func TestClaimConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newWHFixture(t, s)
		for range 4 {
			f.endpoint(holdfast.ModeLive, nil, true)
		}
		for i := range 25 {
			f.event(holdfast.ModeLive, holdfast.EventDunningSent, t0.Add(time.Duration(i)*time.Second))
		}
		f.fanOut()
		var (
			mu   sync.Mutex
			seen = map[string]int{}
			wg   sync.WaitGroup
		)
		for range 6 {
			wg.Go(func() {
				for {
					cs, err := s.ClaimDueDeliveries(f.ctx, store.DueFilter{}, t0.Add(time.Hour), lease, 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(cs) == 0 {
						return
					}
					mu.Lock()
					for _, c := range cs {
						seen[c.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != 100 {
			t.Fatalf("claimed %d distinct deliveries, want 100", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("delivery %s claimed %d times", id, n)
			}
		}
	})
}

func TestRecordDeliveryAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newWHFixture(t, s)
		ep := f.endpoint(holdfast.ModeLive, []string{holdfast.EventRecoveryStarted}, true)
		watcher := f.endpoint(holdfast.ModeLive, []string{holdfast.EventEndpointDisabled}, true)
		f.event(holdfast.ModeLive, holdfast.EventRecoveryStarted, t0)
		f.fanOut()
		claimOne := func(now time.Time) *store.DeliveryClaim {
			t.Helper()
			cs := f.claim(store.DueFilter{}, now)
			if len(cs) != 1 {
				t.Fatalf("claimed %d at %v, want 1", len(cs), now)
			}
			return cs[0]
		}
		get := func(id string) *holdfast.WebhookDelivery {
			d, err := s.GetWebhookDelivery(f.ctx, f.ws.ID, holdfast.ModeLive, ep.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		endpoint := func() *holdfast.WebhookEndpoint {
			e, _ := s.GetWebhookEndpoint(f.ctx, f.ws.ID, holdfast.ModeLive, ep.ID)
			return e
		}

		t.Run("FailureSchedulesNext", func(t *testing.T) {
			c := claimOne(t0)
			next := t0.Add(30 * time.Second)
			f.record(store.AttemptRecord{Claim: c, At: t0, StatusCode: 500, Latency: 12 * time.Millisecond, ResponseBody: "oops",
				NextAttemptAt: &next, DisableAfter: 72 * time.Hour})
			d := get(c.ID)
			if d.Status != holdfast.DeliveryPending || d.AttemptCount != 1 || !d.NextAttemptAt.Equal(next) || *d.LastStatusCode != 500 {
				t.Fatalf("delivery %+v", d)
			}
			a := d.Attempts[0]
			if *a.StatusCode != 500 || a.LatencyMS != 12 || a.ResponseBody != "oops" || !a.CreatedAt.Equal(t0) {
				t.Fatalf("attempt %+v", a)
			}
			if e := endpoint(); e.FailingSince == nil || !e.FailingSince.Equal(t0) || !e.Enabled {
				t.Fatalf("endpoint %+v", e)
			}
			if cs := f.claim(store.DueFilter{}, next.Add(-time.Millisecond)); len(cs) != 0 {
				t.Fatal("claimed before next attempt")
			}
		})
		t.Run("NetworkErrorHasNoStatus", func(t *testing.T) {
			c := claimOne(t0.Add(time.Minute))
			next := t0.Add(2 * time.Minute)
			f.record(store.AttemptRecord{Claim: c, At: t0.Add(time.Minute), Error: "timeout", NextAttemptAt: &next, DisableAfter: 72 * time.Hour})
			d := get(c.ID)
			if d.LastStatusCode != nil || d.LastError != "timeout" || d.Attempts[1].StatusCode != nil || d.Attempts[1].Error != "timeout" {
				t.Fatalf("delivery %+v", d)
			}
			if e := endpoint(); !e.FailingSince.Equal(t0) {
				t.Fatalf("failing_since moved to %v", e.FailingSince)
			}
		})
		t.Run("SuccessClearsFailure", func(t *testing.T) {
			c := claimOne(t0.Add(2 * time.Minute))
			f.record(store.AttemptRecord{Claim: c, At: t0.Add(2 * time.Minute), StatusCode: 204, Success: true})
			d := get(c.ID)
			if d.Status != holdfast.DeliverySucceeded || d.NextAttemptAt != nil || d.AttemptCount != 3 || d.LastError != "" {
				t.Fatalf("delivery %+v", d)
			}
			if e := endpoint(); e.FailingSince != nil {
				t.Fatalf("failing_since = %v after success", e.FailingSince)
			}
			if cs := f.claim(store.DueFilter{}, t0.Add(time.Hour)); len(cs) != 0 {
				t.Fatal("succeeded delivery claimed again")
			}
		})
		t.Run("ResendOfFinishedKeepsStatus", func(t *testing.T) {
			d := get(f.deliveries(ep)[0].ID)
			c, err := s.ClaimDelivery(f.ctx, f.ws.ID, holdfast.ModeLive, ep.ID, d.ID, t0.Add(3*time.Minute), lease)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != holdfast.DeliverySucceeded || c.AttemptCount != 3 {
				t.Fatalf("claim %+v", c)
			}
			f.record(store.AttemptRecord{Claim: c, At: t0.Add(3 * time.Minute), StatusCode: 503})
			d = get(d.ID)
			if d.Status != holdfast.DeliverySucceeded || d.AttemptCount != 4 || *d.LastStatusCode != 503 {
				t.Fatalf("delivery %+v", d)
			}
		})
		t.Run("GiveUpAndDisable", func(t *testing.T) {
			f.event(holdfast.ModeLive, holdfast.EventRecoveryStarted, t0.Add(time.Hour))
			f.fanOut()
			// failing_since is t0+3m from the failed re-send above.
			c := claimOne(t0.Add(time.Hour))
			early := t0.Add(time.Hour)
			if dis := f.record(store.AttemptRecord{Claim: c, At: early, StatusCode: 500, NextAttemptAt: &early, DisableAfter: 72 * time.Hour}); len(dis) != 0 {
				t.Fatal("disabled after one hour")
			}
			c = claimOne(early)
			at := t0.Add(3*time.Minute + 72*time.Hour)
			dis := f.record(store.AttemptRecord{Claim: c, At: at, StatusCode: 500, GiveUp: true, DisableAfter: 72 * time.Hour})
			if len(dis) != 1 || dis[0] != ep.ID {
				t.Fatalf("disabled %v, want the endpoint", dis)
			}
			if d := get(c.ID); d.Status != holdfast.DeliveryFailed || d.NextAttemptAt != nil {
				t.Fatalf("delivery %+v", d)
			}
			e := endpoint()
			if e.Enabled || e.DisabledReason == "" {
				t.Fatalf("endpoint %+v", e)
			}
			l, err := s.ListEvents(f.ctx, f.ws.ID, holdfast.ModeLive, store.EventFilter{Type: holdfast.EventEndpointDisabled}, store.ListQuery{Limit: 10, Count: true})
			if err != nil || l.Total != 1 || l.Data[0].ObjectID != ep.ID || !l.Data[0].CreatedAt.Equal(at) {
				t.Fatalf("disabled events %+v, %v", l, err)
			}
			// The disabled event reaches endpoints subscribed to it.
			f.fanOut()
			if ds := f.deliveries(watcher); len(ds) != 1 || ds[0].EventType != holdfast.EventEndpointDisabled {
				t.Fatalf("watcher deliveries %+v", ds)
			}
		})
		t.Run("DisabledPausesAndEnableResumes", func(t *testing.T) {
			f.event(holdfast.ModeLive, holdfast.EventRecoveryStarted, t0.Add(80*time.Hour))
			// Created while disabled: no delivery.
			f.fanOut()
			on, off := true, false
			if _, err := s.UpdateWebhookEndpoint(f.ctx, f.ws.ID, holdfast.ModeLive, ep.ID, store.WebhookEndpointUpdate{Enabled: &on}, t0.Add(81*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if e := endpoint(); !e.Enabled || e.DisabledReason != "" || e.FailingSince != nil {
				t.Fatalf("re-enabled endpoint %+v", e)
			}
			f.event(holdfast.ModeLive, holdfast.EventRecoveryStarted, t0.Add(82*time.Hour))
			f.fanOut()
			if _, err := s.UpdateWebhookEndpoint(f.ctx, f.ws.ID, holdfast.ModeLive, ep.ID, store.WebhookEndpointUpdate{Enabled: &off}, t0.Add(82*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if cs := f.claim(store.DueFilter{Mode: holdfast.ModeLive}, t0.Add(90*time.Hour)); len(cs) != 1 || cs[0].EndpointID != watcher.ID {
				t.Fatalf("claimed %d deliveries of a disabled endpoint", len(cs)-1)
			} else {
				s.ReleaseDeliveries(f.ctx, cs)
			}
			if _, err := s.UpdateWebhookEndpoint(f.ctx, f.ws.ID, holdfast.ModeLive, ep.ID, store.WebhookEndpointUpdate{Enabled: &on}, t0.Add(91*time.Hour)); err != nil {
				t.Fatal(err)
			}
			cs := f.claim(store.DueFilter{Mode: holdfast.ModeLive}, t0.Add(91*time.Hour))
			var mine int
			for _, c := range cs {
				if c.EndpointID == ep.ID {
					mine++
				}
			}
			if mine != 1 {
				t.Fatalf("resumed %d deliveries, want 1", mine)
			}
		})
	})
}

func TestListEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newWHFixture(t, s)
		types := []string{holdfast.EventRecoveryStarted, holdfast.EventRecoveryLost, holdfast.EventRecoveryStarted, holdfast.EventCancelSaved, holdfast.EventRecoveryStarted}
		var ids []string
		for i, typ := range types {
			ids = append(ids, f.event(holdfast.ModeLive, typ, t0.Add(time.Duration(i)*time.Minute)).ID)
		}
		f.event(holdfast.ModeTest, holdfast.EventRecoveryStarted, t0)
		after, before := t0.Add(30*time.Second), t0.Add(4*time.Minute)
		tests := []struct {
			name  string
			f     store.EventFilter
			q     store.ListQuery
			total int64
			want  []string
		}{
			{"All", store.EventFilter{}, store.ListQuery{Limit: 10, Count: true}, 5, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"Page2", store.EventFilter{}, store.ListQuery{Limit: 2, Offset: 2, Count: true}, 5, []string{ids[2], ids[1]}},
			{"PastEnd", store.EventFilter{}, store.ListQuery{Limit: 10, Offset: 10, Count: true}, 5, nil},
			{"Type", store.EventFilter{Type: holdfast.EventRecoveryStarted}, store.ListQuery{Limit: 10, Count: true}, 3, []string{ids[4], ids[2], ids[0]}},
			{"UnknownType", store.EventFilter{Type: "nope"}, store.ListQuery{Limit: 10, Count: true}, 0, nil},
			{"Range", store.EventFilter{}, store.ListQuery{Limit: 10, Count: true, CreatedAfter: &after, CreatedBefore: &before}, 3, []string{ids[3], ids[2], ids[1]}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				l, err := s.ListEvents(f.ctx, f.ws.ID, holdfast.ModeLive, tt.f, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, ev := range l.Data {
					got = append(got, ev.ID)
					if !ev.Livemode || ev.Object != "event" {
						t.Fatalf("event %+v", ev)
					}
				}
				if l.Total != tt.total || len(got) != len(tt.want) {
					t.Fatalf("total %d items %v, want %d %v", l.Total, got, tt.total, tt.want)
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Fatalf("items %v, want %v", got, tt.want)
					}
				}
			})
		}
	})
}

// TestRecordDeliveryAttemptsBatch records one mixed batch: successes are
// applied set-wise, failures in order, and each endpoint ends in the state
// its last outcome implies.
func TestRecordDeliveryAttemptsBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newWHFixture(t, s)
		okEP := f.endpoint(holdfast.ModeLive, nil, true)
		flaky := f.endpoint(holdfast.ModeLive, nil, true)  // success then failure
		healed := f.endpoint(holdfast.ModeLive, nil, true) // failure then success
		for i := range 2 {
			f.event(holdfast.ModeLive, holdfast.EventRecoveryStarted, t0.Add(time.Duration(i)*time.Second))
		}
		f.fanOut()
		cs := f.claim(store.DueFilter{}, t0.Add(time.Minute))
		if len(cs) != 6 {
			t.Fatalf("claimed %d", len(cs))
		}
		by := map[string][]*store.DeliveryClaim{}
		for _, c := range cs {
			by[c.EndpointID] = append(by[c.EndpointID], c)
		}
		at := t0.Add(time.Minute)
		next := at.Add(time.Hour)
		ok := func(c *store.DeliveryClaim, code int) store.AttemptRecord {
			return store.AttemptRecord{Claim: c, At: at, StatusCode: code, Success: true}
		}
		fail := func(c *store.DeliveryClaim) store.AttemptRecord {
			return store.AttemptRecord{Claim: c, At: at, StatusCode: 500, NextAttemptAt: &next, DisableAfter: 72 * time.Hour}
		}
		f.record(ok(by[okEP.ID][0], 200), ok(by[okEP.ID][1], 204), ok(by[flaky.ID][0], 200), fail(by[flaky.ID][1]),
			fail(by[healed.ID][0]), ok(by[healed.ID][1], 200))

		tests := []struct {
			name    string
			ep      *holdfast.WebhookEndpoint
			failing bool
			status  []string
		}{
			{"AllSucceeded", okEP, false, []string{holdfast.DeliverySucceeded, holdfast.DeliverySucceeded}},
			{"SuccessThenFailure", flaky, true, []string{holdfast.DeliveryPending, holdfast.DeliverySucceeded}},
			{"FailureThenSuccess", healed, false, []string{holdfast.DeliverySucceeded, holdfast.DeliveryPending}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e, _ := s.GetWebhookEndpoint(f.ctx, f.ws.ID, holdfast.ModeLive, tt.ep.ID)
				if (e.FailingSince != nil) != tt.failing {
					t.Fatalf("failing_since = %v, want failing %v", e.FailingSince, tt.failing)
				}
				ds := f.deliveries(tt.ep) // newest first: second event first
				for i, d := range ds {
					if d.Status != tt.status[i] || d.AttemptCount != 1 || len(d.Attempts) != 1 {
						t.Fatalf("delivery %d: %+v", i, d)
					}
					if d.Status == holdfast.DeliverySucceeded && (d.NextAttemptAt != nil || d.LastStatusCode == nil) {
						t.Fatalf("succeeded delivery %+v", d)
					}
					if d.Status == holdfast.DeliveryPending && !d.NextAttemptAt.Equal(next) {
						t.Fatalf("pending delivery next %v", d.NextAttemptAt)
					}
				}
			})
		}
		if cs := f.claim(store.DueFilter{}, t0.Add(30*time.Minute)); len(cs) != 0 {
			t.Fatalf("%d leases not released", len(cs))
		}
	})
}
