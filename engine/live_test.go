package engine

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/mail"
	"holdfast/mail/smtptest"
	"holdfast/store"
	hfstripe "holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// fakePay is POST /v1/invoices/{id}/pay on the fake Stripe: it charges once
// per new idempotency key (following a per-invoice script of outcomes,
// "succeeded" by default) and replays the stored answer for a repeated key,
// as Stripe does.
type fakePay struct {
	mu      sync.Mutex
	script  map[string][]string // invoice → outcomes in order
	answers map[string]fakeAnswer
	charges map[string]int      // invoice → charges made
	keys    map[string][]string // invoice → distinct keys seen
}

type fakeAnswer struct {
	status int
	body   any
}

func newFakePay(s *stripetest.Server) *fakePay {
	f := &fakePay{script: map[string][]string{}, answers: map[string]fakeAnswer{}, charges: map[string]int{}, keys: map[string][]string{}}
	s.Handle("POST /v1/invoices/{id}/pay", f.serve)
	return f
}

func (f *fakePay) serve(w http.ResponseWriter, r *http.Request) {
	inv, key := r.PathValue("id"), r.Header.Get("Idempotency-Key")
	f.mu.Lock()
	defer f.mu.Unlock()
	a, seen := f.answers[key]
	if !seen {
		f.keys[inv] = append(f.keys[inv], key)
		f.charges[inv]++
		outcome := "succeeded"
		if s := f.script[inv]; len(s) > 0 {
			outcome, f.script[inv] = s[0], s[1:]
		}
		if outcome == "succeeded" {
			a = fakeAnswer{http.StatusOK, map[string]any{"id": inv, "object": "invoice", "status": "paid"}}
		} else {
			a = fakeAnswer{http.StatusPaymentRequired, map[string]any{"error": map[string]any{"type": "card_error",
				"code": "card_declined", "decline_code": outcome, "advice_code": "try_again_later", "message": "Your card was declined."}}}
		}
		f.answers[key] = a
	}
	stripetest.WriteJSON(w, a.status, a.body)
}

func (f *fakePay) stats(inv string) (charges int, keys []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.charges[inv], append([]string(nil), f.keys[inv]...)
}

// liveEnv is an env whose live provider is Stripe at a local fake.
func liveEnv(t *testing.T, st *store.Store, opts ...func(*Config)) (*env, *stripetest.Server, *fakePay) {
	fake := stripetest.New(t)
	pay := newFakePay(fake)
	v := newEnv(t, st, append([]func(*Config){func(c *Config) {
		c.LiveProvider = hfstripe.NewProvider(hfstripe.ProviderConfig{Store: st, APIBase: fake.URL})
	}}, opts...)...)
	if err := st.SetWorkspaceSecret(v.ctx, v.ws.ID, holdfast.ModeLive, store.SecretStripeAPIKey, "sk_test_fake", t0); err != nil {
		t.Fatal(err)
	}
	return v, fake, pay
}

func TestLiveRetryThroughStripe(t *testing.T) {
	eachDBLive(t, func(t *testing.T, st *store.Store) {
		v, fake, pay := liveEnv(t, st)
		c := v.customer(holdfast.ModeLive, "live@example.com")
		f := v.failure(holdfast.ModeLive, c, "try_again_later")
		pay.script[f.Invoice] = []string{"insufficient_funds", "succeeded"}
		p := v.open(f)
		if p.NextRetryAt == nil {
			t.Fatal("no retry planned")
		}
		v.clock.Set(p.NextRetryAt.Add(time.Minute))
		v.e.runBatch(v.ctx, v.ctx)
		got := v.payment(holdfast.ModeLive, p.ID)
		if len(got.Attempts) != 1 || got.Attempts[0].Outcome != holdfast.OutcomeFailed || got.Attempts[0].DeclineCode != "insufficient_funds" ||
			got.Attempts[0].AdviceCode != "try_again_later" {
			t.Fatalf("first retry = %+v", got.Attempts)
		}
		reqs := fake.Requests()
		last := reqs[len(reqs)-1]
		if last.IdempotencyKey != got.Attempts[0].IdempotencyKey || last.Authorization != "Bearer sk_test_fake" {
			t.Fatalf("pay request = %+v", last)
		}
		v.clock.Set(got.NextRetryAt.Add(time.Minute))
		v.e.runBatch(v.ctx, v.ctx)
		got = v.payment(holdfast.ModeLive, p.ID)
		if got.Status != holdfast.PaymentRecovered || len(got.Attempts) != 2 {
			t.Fatalf("payment = %s %+v", got.Status, got.Attempts)
		}
		if charges, keys := pay.stats(f.Invoice); charges != 2 || len(keys) != 2 {
			t.Fatalf("charges %d keys %v", charges, keys)
		}
	})
}

// TestCrashAfterProviderCall kills the engine between Stripe's answer and
// recording it; the restarted engine re-drives the attempt with the same
// idempotency key, so the customer is charged once.
func TestCrashAfterProviderCall(t *testing.T) {
	for _, path := range []string{"Scheduled", "Manual"} {
		t.Run(path, func(t *testing.T) {
			eachDBLive(t, func(t *testing.T, st *store.Store) {
				v, fake, pay := liveEnv(t, st)
				crashed := false
				v.e.hooks.afterPay = func(*holdfast.PaymentAttempt) error {
					if !crashed {
						crashed = true
						return errCrash
					}
					return nil
				}
				c := v.customer(holdfast.ModeLive, "crash@example.com")
				f := v.failure(holdfast.ModeLive, c, "try_again_later")
				p := v.open(f)
				if path == "Scheduled" {
					v.clock.Set(p.NextRetryAt.Add(time.Minute))
					v.e.runBatch(v.ctx, v.ctx)
				} else {
					_, _ = v.e.RetryPayment(v.ctx, v.ws.ID, holdfast.ModeLive, p.ID)
				}
				if !crashed {
					t.Fatal("the provider was never called")
				}
				got := v.payment(holdfast.ModeLive, p.ID)
				if len(got.Attempts) != 1 || got.Attempts[0].Outcome != "" {
					t.Fatalf("after crash: %+v", got.Attempts)
				}
				// Restart: a new engine (new owner) once the dead one's lease ran out.
				e2 := New(v.e.cfg.withOwner("restarted"))
				v.clock.Add(2 * time.Minute)
				e2.runBatch(v.ctx, v.ctx)
				got = v.payment(holdfast.ModeLive, p.ID)
				if got.Status != holdfast.PaymentRecovered || len(got.Attempts) != 1 || got.Attempts[0].Outcome != holdfast.OutcomeSucceeded {
					t.Fatalf("after restart: %s %+v", got.Status, got.Attempts)
				}
				charges, keys := pay.stats(f.Invoice)
				if charges != 1 || len(keys) != 1 || keys[0] != got.Attempts[0].IdempotencyKey || fake.Count("POST", "/v1/invoices/") != 2 {
					t.Fatalf("charges %d, keys %v, pay calls %d", charges, keys, fake.Count("POST", "/v1/invoices/"))
				}
			})
		})
	}
}

func (c Config) withOwner(owner string) Config { c.Owner = owner; return c }

// eachDBLive is eachDB without an env, for tests that build their own.
func eachDBLive(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	eachStore(t, fn)
}

func TestSMTPDownThenUp(t *testing.T) {
	eachDBLive(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.Start(t)
		sender, err := mail.NewSMTP(srv.URL(), "billing@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		v := newEnv(t, st, func(c *Config) { c.Mailer = sender })
		srv.SetDown(true)
		c := v.customer(holdfast.ModeLive, "down@example.com")
		p := v.open(v.failure(holdfast.ModeLive, c, "stolen_card"))
		sends := v.sends(p.Recovery)
		if len(sends) != 1 || sends[0].Status != holdfast.SendQueued {
			t.Fatalf("send not queued at once: %+v", sends)
		}
		v.e.runBatch(v.ctx, v.ctx)
		s, _ := v.st.GetSend(v.ctx, sends[0].ID)
		if s.Status != holdfast.SendQueued || s.Attempts != 1 || !strings.Contains(s.Error, "451") || len(srv.Messages()) != 0 {
			t.Fatalf("while down: %+v, %d received", s, len(srv.Messages()))
		}
		srv.SetDown(false)
		v.e.runBatch(v.ctx, v.ctx) // still backing off: nothing yet
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("retried before its backoff: %d", n)
		}
		for range 3 {
			v.clock.Add(time.Hour)
			v.e.runBatch(v.ctx, v.ctx)
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].MessageID != "<"+s.ID+"@acme.test>" {
			t.Fatalf("received %d messages: %+v", len(got), got)
		}
		s, _ = v.st.GetSend(v.ctx, s.ID)
		if s.Status != holdfast.SendSent || s.SentAt == nil || s.Attempts != 2 {
			t.Fatalf("send = %+v", s)
		}
		if r := v.recovery(holdfast.ModeLive, p.Recovery); r.EmailsSent != 1 {
			t.Fatalf("emails_sent = %d", r.EmailsSent)
		}
	})
}

func TestSMTPPermanentFailure(t *testing.T) {
	eachDBLive(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.Start(t)
		sender, _ := mail.NewSMTP(srv.URL(), "billing@acme.test")
		v := newEnv(t, st, func(c *Config) { c.Mailer = sender })
		srv.RejectRecipient("gone@example.com")
		c := v.customer(holdfast.ModeLive, "gone@example.com")
		p := v.open(v.failure(holdfast.ModeLive, c, "expired_card"))
		v.e.runBatch(v.ctx, v.ctx)
		s := v.sends(p.Recovery)
		if len(s) != 1 || s[0].Status != holdfast.SendFailed || !strings.Contains(s[0].Error, "550") {
			t.Fatalf("send = %+v", s)
		}
		if n, _ := v.st.CountJobs(v.ctx); n != 1 { // only the recovery's own job is left
			t.Fatalf("jobs left = %d", n)
		}
	})
}

// TestRunnersStartStop runs the background runners: a kicked runner
// delivers the queued email without waiting for its poll interval, and Stop
// returns once it has drained.
func TestRunnersStartStop(t *testing.T) {
	eachDBLive(t, func(t *testing.T, st *store.Store) {
		capture := &mail.Capture{}
		done := make(chan store.Job, 16)
		v := newEnv(t, st, func(c *Config) { c.Mailer = capture; c.PollInterval = time.Hour; c.Workers = 2 })
		v.e.hooks.jobDone = func(j store.Job, err error) {
			if err != nil {
				t.Errorf("job %s: %v", j.Kind, err)
			}
			done <- j
		}
		ctx, cancel := context.WithCancel(v.ctx)
		defer cancel()
		v.e.Start(ctx)
		c := v.customer(holdfast.ModeLive, "bg@example.com")
		v.open(v.failure(holdfast.ModeLive, c, "lost_card"))
		select {
		case j := <-done:
			if j.Kind != jobSend {
				t.Fatalf("first job = %s", j.Kind)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the runner did not pick up the queued email")
		}
		v.e.Stop()
		if msgs := capture.Messages(); len(msgs) != 1 || msgs[0].To != "bg@example.com" {
			t.Fatalf("delivered = %+v", msgs)
		}
	})
}
