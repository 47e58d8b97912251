package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/webhook"
)

// hang blocks a receiver until the client gives up.
func hang(_ int, r *http.Request) int {
	<-r.Context().Done()
	return http.StatusOK
}

func TestWorkerHangingReceiverIsCut(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const timeout = 300 * time.Millisecond
		e := newEnv(t, st, func(c *webhook.Config) { c.Timeout = timeout })
		rv := newRecv(t, hang)
		ep := e.endpoint(holdfast.ModeTest, rv.URL)
		e.event(holdfast.ModeTest, holdfast.EventDunningSent)
		e.runDue(holdfast.ModeTest)
		d := e.only(ep)
		a := d.Attempts[0]
		if a.Error != "timeout" || a.StatusCode != nil || d.Status != holdfast.DeliveryPending || d.NextAttemptAt == nil {
			t.Fatalf("delivery %+v attempt %+v", d, a)
		}
		if lat := time.Duration(a.LatencyMS) * time.Millisecond; lat < timeout || lat > timeout+2*time.Second {
			t.Fatalf("latency %v, want about %v", lat, timeout)
		}
	})
}

// TestWorkerHangingReceiverCutAtTenSeconds runs the real default budget once
// (on SQLite: the cut does not depend on the database).
func TestWorkerHangingReceiverCutAtTenSeconds(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 10 s of real time")
	}
	t.Parallel()
	e := newEnv(t, storetest.Open(t, "sqlite"))
	rv := newRecv(t, hang)
	ep := e.endpoint(holdfast.ModeTest, rv.URL)
	e.event(holdfast.ModeTest, holdfast.EventDunningSent)
	e.runDue(holdfast.ModeTest)
	// The attempt log records where the cut fell: at the 10 s budget, not
	// before it and not at some later transport default.
	a := e.only(ep).Attempts[0]
	if a.Error != "timeout" || a.LatencyMS < 10_000 || a.LatencyMS > 12_000 {
		t.Fatalf("attempt %+v, want a timeout logged at about 10 s", a)
	}
}

func TestWorkerRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		var stolen atomic.Int32
		target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
		t.Cleanup(target.Close)
		rv := newRecv(t, nil)
		redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/elsewhere", http.StatusTemporaryRedirect)
		}))
		t.Cleanup(redirect.Close)
		ep := e.endpoint(holdfast.ModeTest, redirect.URL)
		e.event(holdfast.ModeTest, holdfast.EventCancelSaved)
		e.runDue(holdfast.ModeTest)
		d := e.only(ep)
		if stolen.Load() != 0 || len(rv.all()) != 0 {
			t.Fatalf("redirect followed: target hit %d times", stolen.Load())
		}
		if d.Status != holdfast.DeliveryPending || *d.LastStatusCode != http.StatusTemporaryRedirect || d.NextAttemptAt == nil {
			t.Fatalf("delivery %+v", d)
		}
	})
}

// TestWorkerRefusesLoopbackWithoutConsent: without the operator's consent
// (HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS) deliveries of either mode never reach
// a receiver on this machine, whatever URL got stored: the API refuses
// these URLs, and endpoints stored anyway (or whose DNS changes later) are
// stopped at connect time. A test key must not be able to probe loopback
// services and read their answers back from the delivery log.
func TestWorkerRefusesLoopbackWithoutConsent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, func(c *webhook.Config) { c.AllowLoopback = false })
		rv := newRecv(t, nil)
		port := rv.URL[strings.LastIndex(rv.URL, ":"):]
		for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
			tests := []struct{ name, url string }{
				{"LiteralIP", "https://127.0.0.1" + port + "/hooks"},
				{"NameResolvingToLoopback", "https://localhost" + port + "/hooks"},
				{"PlainHTTP", "http://127.0.0.1" + port + "/hooks"},
				{"PlainHTTPLocalhost", "http://localhost" + port + "/hooks"},
				{"IPv4Mapped", "http://[::ffff:127.0.0.1]" + port + "/hooks"},
			}
			var eps []*holdfast.WebhookEndpoint
			for _, tt := range tests {
				eps = append(eps, e.endpoint(mode, tt.url))
			}
			e.event(mode, holdfast.EventCustomerDeleted)
			e.runDue(mode)
			for i, tt := range tests {
				t.Run(string(mode)+"/"+tt.name, func(t *testing.T) {
					a := e.only(eps[i]).Attempts[0]
					if !strings.HasPrefix(a.Error, "blocked: ") || a.StatusCode != nil || a.ResponseBody != "" {
						t.Fatalf("attempt %+v, want blocked", a)
					}
				})
			}
		}
		if n := len(rv.all()); n != 0 {
			t.Fatalf("receiver reached %d times", n)
		}
	})
}

func TestWorkerPingAndSend(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		rv := newRecv(t, func(n int, _ *http.Request) int { return []int{200, 200, 500, 500}[min(n, 3)] })
		ep := e.endpoint(holdfast.ModeTest, rv.URL, holdfast.EventRecoveryStarted)
		bystander := newRecv(t, nil)
		e.endpoint(holdfast.ModeTest, bystander.URL)

		d, err := e.w.Ping(e.ctx, e.ws.ID, holdfast.ModeTest, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("PingDelivered", func(t *testing.T) {
			if d.EventType != holdfast.EventPing || d.Status != holdfast.DeliverySucceeded || len(d.Attempts) != 1 {
				t.Fatalf("ping delivery %+v", d)
			}
			h := rv.all()[0]
			if !strings.Contains(string(h.body), `"type":"ping"`) || !strings.Contains(string(h.body), ep.ID) {
				t.Fatalf("ping body %s", h.body)
			}
			if err := webhook.Verify(h.header.Get("Holdfast-Signature"), h.body, ep.Secret, time.Minute, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			e.runDue(holdfast.ModeTest)
			if n := len(bystander.all()); n != 0 {
				t.Fatalf("bystander received the ping %d times", n)
			}
		})
		t.Run("ResendSucceeded", func(t *testing.T) {
			got, err := e.w.Send(e.ctx, e.ws.ID, holdfast.ModeTest, ep.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != holdfast.DeliverySucceeded || len(got.Attempts) != 2 || len(rv.all()) != 2 {
				t.Fatalf("re-sent delivery %+v", got)
			}
		})
		t.Run("FailedResendKeepsStatus", func(t *testing.T) {
			got, err := e.w.Send(e.ctx, e.ws.ID, holdfast.ModeTest, ep.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != holdfast.DeliverySucceeded || len(got.Attempts) != 3 || *got.LastStatusCode != 500 || got.NextAttemptAt != nil {
				t.Fatalf("re-sent delivery %+v", got)
			}
		})
		t.Run("FailedPingRetries", func(t *testing.T) {
			got, err := e.w.Ping(e.ctx, e.ws.ID, holdfast.ModeTest, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != holdfast.DeliveryPending || got.NextAttemptAt == nil || got.AttemptCount != 1 {
				t.Fatalf("failed ping %+v", got)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			tests := []struct {
				name          string
				mode          holdfast.Mode
				endpoint, dlv string
			}{
				{"UnknownDelivery", holdfast.ModeTest, ep.ID, "dlv_nope"},
				{"OtherMode", holdfast.ModeLive, ep.ID, d.ID},
				{"UnknownEndpoint", holdfast.ModeTest, "we_nope", d.ID},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, err := e.w.Send(e.ctx, e.ws.ID, tt.mode, tt.endpoint, tt.dlv)
					if holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
						t.Fatalf("Send = %v, want not found", err)
					}
				})
			}
			if _, err := e.w.Ping(e.ctx, e.ws.ID, holdfast.ModeLive, ep.ID); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
				t.Fatalf("Ping = %v", err)
			}
		})
	})
}
