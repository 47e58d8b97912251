package webhook_test

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/webhook"
)

func TestWorkerDefaults(t *testing.T) {
	t.Parallel()
	// The 10 s cut of SPEC §8 is the default attempt budget.
	if webhook.DefaultTimeout != 10*time.Second {
		t.Fatalf("DefaultTimeout = %v", webhook.DefaultTimeout)
	}
}

func TestWorkerSignedEnvelope(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		rv := newRecv(t, nil)
		ep := e.endpoint(holdfast.ModeTest, rv.URL+"/hooks")
		ev := e.event(holdfast.ModeTest, holdfast.EventRecoveryRecovered)
		e.runDue(holdfast.ModeTest)

		hits := rv.all()
		if len(hits) != 1 {
			t.Fatalf("receiver got %d requests", len(hits))
		}
		h := hits[0]
		t.Run("SignatureVerifiesWithCreationSecret", func(t *testing.T) {
			sig := h.header.Get("Holdfast-Signature")
			if err := webhook.Verify(sig, h.body, ep.Secret, 5*time.Minute, e.clock.Now()); err != nil {
				t.Fatalf("Verify(%q): %v", sig, err)
			}
			if err := webhook.Verify(sig, h.body, webhook.NewSecret(), 0, time.Time{}); err == nil {
				t.Fatal("another secret verifies too")
			}
		})
		t.Run("Headers", func(t *testing.T) {
			if ua := h.header.Get("User-Agent"); ua != "Holdfast-Webhooks/test" {
				t.Fatalf("User-Agent = %q", ua)
			}
			if ct := h.header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type = %q", ct)
			}
		})
		t.Run("Envelope", func(t *testing.T) {
			var got struct {
				ID        string `json:"id"`
				Object    string `json:"object"`
				Type      string `json:"type"`
				Livemode  *bool  `json:"livemode"`
				CreatedAt string `json:"created_at"`
				Data      struct {
					Object map[string]any `json:"object"`
				} `json:"data"`
			}
			if err := json.Unmarshal(h.body, &got); err != nil {
				t.Fatal(err)
			}
			if got.ID != ev.ID || got.Object != "event" || got.Type != holdfast.EventRecoveryRecovered || got.Livemode == nil || *got.Livemode {
				t.Fatalf("envelope %s", h.body)
			}
			if ts, err := time.Parse(time.RFC3339Nano, got.CreatedAt); err != nil || !ts.Equal(ev.CreatedAt) {
				t.Fatalf("created_at %q", got.CreatedAt)
			}
			if got.Data.Object["id"] != "rec_42" || got.Data.Object["amount"] != float64(1999) {
				t.Fatalf("data.object = %v", got.Data.Object)
			}
		})
		t.Run("Logged", func(t *testing.T) {
			d := e.only(ep)
			if d.Status != holdfast.DeliverySucceeded || len(d.Attempts) != 1 || *d.Attempts[0].StatusCode != 200 || d.Attempts[0].ResponseBody != "OK" {
				t.Fatalf("delivery %+v", d)
			}
		})
	})
}

func TestWorkerEventFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		rv := newRecv(t, nil)
		e.endpoint(holdfast.ModeTest, rv.URL+"/all", "*")
		e.endpoint(holdfast.ModeTest, rv.URL+"/recovery", holdfast.EventRecoveryStarted, holdfast.EventRecoveryLost)
		e.endpoint(holdfast.ModeTest, rv.URL+"/cancel", holdfast.EventCancelCanceled)
		e.endpoint(holdfast.ModeLive, rv.URL+"/live", "*")
		for _, typ := range []string{holdfast.EventRecoveryStarted, holdfast.EventDunningSent, holdfast.EventRecoveryLost} {
			e.event(holdfast.ModeTest, typ)
		}
		e.runDue(holdfast.ModeTest)
		e.runDue(holdfast.ModeLive)

		got := map[string][]string{}
		for _, h := range rv.all() {
			var ev struct{ Type string }
			json.Unmarshal(h.body, &ev)
			got[h.path] = append(got[h.path], ev.Type)
		}
		tests := []struct {
			path string
			want int
			not  string
		}{
			{"/all", 3, ""},
			{"/recovery", 2, holdfast.EventDunningSent},
			{"/cancel", 0, ""},
			{"/live", 0, ""},
		}
		for _, tt := range tests {
			t.Run(strings.TrimPrefix(tt.path, "/"), func(t *testing.T) {
				if len(got[tt.path]) != tt.want {
					t.Fatalf("%s received %v, want %d events", tt.path, got[tt.path], tt.want)
				}
				for _, typ := range got[tt.path] {
					if typ == tt.not {
						t.Fatalf("%s received %s", tt.path, typ)
					}
				}
			})
		}
	})
}

// TestWorkerRetriesUntilSuccess: a receiver failing 5 times then succeeding
// gets exactly one acknowledged delivery and 6 logged attempts whose gaps
// grow. The test-mode variant moves the workspace test clock and calls
// RunDue; the live variant moves the injected real clock under the
// background worker.
func TestWorkerRetriesUntilSuccess(t *testing.T) {
	t.Parallel()
	failFive := func(n int, _ *http.Request) int {
		if n < 5 {
			return []int{500, 503, 404, 429, 302}[n]
		}
		return 200
	}
	check := func(t *testing.T, e *env, rv *recv, ep *holdfast.WebhookEndpoint) {
		t.Helper()
		d := e.only(ep)
		if d.Status != holdfast.DeliverySucceeded || d.AttemptCount != 6 || len(d.Attempts) != 6 || d.NextAttemptAt != nil {
			t.Fatalf("delivery %+v", d)
		}
		acked := 0
		for _, h := range rv.all() {
			if h.status/100 == 2 {
				acked++
			}
		}
		if acked != 1 || len(rv.all()) != 6 {
			t.Fatalf("receiver acknowledged %d of %d requests, want 1 of 6", acked, len(rv.all()))
		}
		var prev time.Duration
		for i := 1; i < len(d.Attempts); i++ {
			gap := d.Attempts[i].CreatedAt.Sub(d.Attempts[i-1].CreatedAt)
			if gap <= prev {
				t.Fatalf("gap %d is %v, not above the previous %v", i, gap, prev)
			}
			prev = gap
		}
		if c := d.Attempts[0].StatusCode; c == nil || *c != 500 {
			t.Fatalf("first attempt %+v", d.Attempts[0])
		}
	}

	t.Run("TestClock", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, st *store.Store) {
			e := newEnv(t, st)
			rv := newRecv(t, failFive)
			ep := e.endpoint(holdfast.ModeTest, rv.URL)
			e.event(holdfast.ModeTest, holdfast.EventRetryFailed)
			e.runDue(holdfast.ModeTest)
			for range 10 {
				d := e.only(ep)
				if d.NextAttemptAt == nil {
					break
				}
				// Just short of due: nothing happens.
				e.advanceTestClockTo(d.NextAttemptAt.Add(-time.Millisecond))
				e.runDue(holdfast.ModeTest)
				if n := e.only(ep).AttemptCount; n != d.AttemptCount {
					t.Fatalf("attempted before due (%d → %d)", d.AttemptCount, n)
				}
				e.advanceTestClockTo(*d.NextAttemptAt)
				e.runDue(holdfast.ModeTest)
			}
			check(t, e, rv, ep)
		})
	})
	t.Run("InjectedClockBackground", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, st *store.Store) {
			e := newEnv(t, st, func(c *webhook.Config) { c.AllowLoopback = true; c.PollInterval = time.Hour })
			rv := newRecv(t, failFive)
			// Live mode over http to loopback is refused by the API; the store
			// takes it so the scheduling can be tested against a local receiver.
			ep := e.endpoint(holdfast.ModeLive, rv.URL)
			e.w.Start(e.ctx)
			defer e.w.Stop()
			e.event(holdfast.ModeLive, holdfast.EventRetryFailed)
			e.w.Kick()
			e.waitRecorded(1)
			for range 5 {
				d := e.only(ep)
				e.clock.Set(*d.NextAttemptAt)
				e.w.Kick()
				e.waitRecorded(1)
			}
			check(t, e, rv, ep)
		})
	})
}

func TestWorkerDisablesEndpointAfterThreeDays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		rv := newRecv(t, func(int, *http.Request) int { return 500 })
		watcher := newRecv(t, nil)
		ep := e.endpoint(holdfast.ModeTest, rv.URL)
		e.endpoint(holdfast.ModeTest, watcher.URL, holdfast.EventEndpointDisabled)
		e.event(holdfast.ModeTest, holdfast.EventRecoveryLost)
		e.runDue(holdfast.ModeTest)
		for range 40 {
			d := e.only(ep)
			if d.NextAttemptAt == nil {
				break
			}
			e.advanceTestClockTo(*d.NextAttemptAt)
			e.runDue(holdfast.ModeTest)
		}
		d := e.only(ep)
		if d.Status != holdfast.DeliveryFailed || d.AttemptCount < 15 || d.AttemptCount > 19 {
			t.Fatalf("delivery %s after %d attempts", d.Status, d.AttemptCount)
		}
		last := d.Attempts[len(d.Attempts)-1].CreatedAt
		if span := last.Sub(d.Attempts[0].CreatedAt); span != webhook.MaxRetryAge {
			t.Fatalf("attempts span %v, want exactly 72h", span)
		}
		got, err := st.GetWebhookEndpoint(e.ctx, e.ws.ID, holdfast.ModeTest, ep.ID)
		if err != nil || got.Enabled || got.DisabledReason == "" {
			t.Fatalf("endpoint %+v, %v", got, err)
		}
		l, _ := st.ListEvents(e.ctx, e.ws.ID, holdfast.ModeTest, store.EventFilter{Type: holdfast.EventEndpointDisabled}, store.ListQuery{Limit: 5, Count: true})
		if l.Total != 1 || l.Data[0].ObjectID != ep.ID {
			t.Fatalf("disabled events: %d", l.Total)
		}
		if hs := watcher.all(); len(hs) != 1 || !strings.Contains(string(hs[0].body), `"webhook_endpoint.disabled"`) {
			t.Fatalf("watcher got %d requests", len(hs))
		}
	})
}

// TestWorkerIgnoresIPAllowlist: the workspace allowlist guards the API, never
// deliveries (SPEC §8); a receiver outside it still gets its events.
func TestWorkerIgnoresIPAllowlist(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		allow := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
		if _, err := st.UpdateWorkspace(e.ctx, e.ws.ID, store.WorkspaceUpdate{IPAllowlist: &allow}, t0); err != nil {
			t.Fatal(err)
		}
		rv := newRecv(t, nil)
		ep := e.endpoint(holdfast.ModeTest, rv.URL)
		e.event(holdfast.ModeTest, holdfast.EventCancelStarted)
		e.runDue(holdfast.ModeTest)
		if d := e.only(ep); d.Status != holdfast.DeliverySucceeded || len(rv.all()) != 1 {
			t.Fatalf("delivery %s, receiver got %d", d.Status, len(rv.all()))
		}
	})
}

// TestWorkerAdvanceClockPlaysRetriesOut: one long jump of the test clock
// followed by RunDue (what advance_clock does) runs every retry that falls
// inside the jump, each at its own due time, not just one late attempt; when
// the endpoint has failed for three days, every delivery of it ends failed
// (none is left paused half-way).
func TestWorkerAdvanceClockPlaysRetriesOut(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		fails    int // requests answered 500 before a 200 (-1: always 500)
		events   int
		jump     time.Duration
		status   string
		attempts func(n int) bool
	}{
		{"SucceedsAfterThreeFailures", 3, 1, 24 * time.Hour, holdfast.DeliverySucceeded, func(n int) bool { return n == 4 }},
		{"GivesUpAfterThreeDays", -1, 1, 4 * 24 * time.Hour, holdfast.DeliveryFailed, func(n int) bool { return n >= 15 && n <= 19 }},
		{"SeveralEventsAllFail", -1, 3, 4 * 24 * time.Hour, holdfast.DeliveryFailed, func(n int) bool { return n >= 2 && n <= 19 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				e := newEnv(t, st)
				rv := newRecv(t, func(n int, _ *http.Request) int {
					if tc.fails < 0 || n < tc.fails {
						return 500
					}
					return 200
				})
				ep := e.endpoint(holdfast.ModeTest, rv.URL)
				for i := range tc.events {
					e.event(holdfast.ModeTest, holdfast.EventRetryFailed)
					e.runDue(holdfast.ModeTest)
					if i < tc.events-1 {
						e.advanceTestClockTo(e.modeNow(holdfast.ModeTest).Add(time.Minute))
					}
				}
				start := e.modeNow(holdfast.ModeTest)
				e.advanceTestClockTo(start.Add(tc.jump))
				e.runDue(holdfast.ModeTest)
				ds := e.deliveries(ep)
				total := 0
				for _, d := range ds {
					total += d.AttemptCount
					if d.Status != tc.status || !tc.attempts(d.AttemptCount) || d.NextAttemptAt != nil {
						t.Fatalf("delivery %s after %d attempts, next %v", d.Status, d.AttemptCount, d.NextAttemptAt)
					}
					for i := 1; i < len(d.Attempts); i++ {
						if !d.Attempts[i].CreatedAt.After(d.Attempts[i-1].CreatedAt) {
							t.Fatalf("attempt %d at %v, not after %v", i, d.Attempts[i].CreatedAt, d.Attempts[i-1].CreatedAt)
						}
					}
					if last := d.Attempts[len(d.Attempts)-1].CreatedAt; last.After(start.Add(tc.jump)) {
						t.Fatalf("last attempt at %v, after the clock (%v)", last, start.Add(tc.jump))
					}
				}
				if len(ds) != tc.events || len(rv.all()) != total {
					t.Fatalf("%d deliveries, receiver saw %d requests for %d attempts", len(ds), len(rv.all()), total)
				}
			})
		})
	}
}
