package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"holdfast"
)

const day = 24 * time.Hour

// advanceUntil moves the test clock a day at a time (at most limit days)
// until the recovery leaves in_flight.
func (v *env) advanceUntil(recID string, limit int) *holdfast.Recovery {
	v.t.Helper()
	for range limit {
		if r := v.recovery(holdfast.ModeTest, recID); r.Status != holdfast.RecoveryInFlight {
			return r
		}
		v.advance(day)
	}
	return v.recovery(holdfast.ModeTest, recID)
}

func TestFundsRecoveredOnLaterRetry(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		c := v.customer(holdfast.ModeTest, "jane@example.com", withOutcomes("insufficient_funds,succeeded"))
		p := v.open(v.failure(holdfast.ModeTest, c, "insufficient_funds"))
		if p.Status != holdfast.PaymentPending || p.Recovery == "" || len(p.Attempts) != 0 {
			t.Fatalf("opened payment = %+v", p)
		}
		if p.NextRetryAt == nil || p.NextRetryAt.Sub(p.CreatedAt) < 24*time.Hour {
			t.Fatalf("funds decline retried too soon: next_retry_at %v (opened %v)", p.NextRetryAt, p.CreatedAt)
		}
		r := v.advanceUntil(p.Recovery, 30)
		if r.Status != holdfast.RecoveryRecovered || r.RecoveredBy != "retry" {
			t.Fatalf("recovery = %s by %q", r.Status, r.RecoveredBy)
		}
		got := v.payment(holdfast.ModeTest, p.ID)
		if got.Status != holdfast.PaymentRecovered || len(got.Attempts) != 2 || got.AttemptCount != 2 {
			t.Fatalf("payment = %s, %d attempts", got.Status, len(got.Attempts))
		}
		a1, a2 := got.Attempts[0], got.Attempts[1]
		if a1.Outcome != holdfast.OutcomeFailed || a1.DeclineCode != "insufficient_funds" || a2.Outcome != holdfast.OutcomeSucceeded {
			t.Fatalf("attempts = %+v", got.Attempts)
		}
		for _, a := range got.Attempts {
			if a.Initiator != holdfast.InitiatorSchedule || !strings.HasPrefix(a.IdempotencyKey, IdempotencyKeyPrefix) {
				t.Fatalf("attempt = %+v", a)
			}
		}
		if gap := a2.CreatedAt.Sub(a1.CreatedAt); gap < day {
			t.Fatalf("funds retries %v apart", gap)
		}
		if a1.CreatedAt.Format("15:04") == a2.CreatedAt.Format("15:04") {
			t.Fatalf("two retries at the same clock time %s", a1.CreatedAt.Format("15:04"))
		}
		evs := v.eventTypes(holdfast.ModeTest)
		for typ, want := range map[string]int{holdfast.EventRecoveryStarted: 1, holdfast.EventRetryFailed: 1,
			holdfast.EventRetrySucceeded: 1, holdfast.EventRecoveryRecovered: 1, holdfast.EventDunningSent: 1} {
			if count(evs, typ) != want {
				t.Fatalf("events %v: want %d %s", evs, want, typ)
			}
		}
		// The first email step (an hour in) went out before the recovery.
		sends := v.sends(p.Recovery)
		if len(sends) != 1 || sends[0].Template != "payment_failed" || sends[0].Status != holdfast.SendSent {
			t.Fatalf("sends = %+v", sends)
		}
		// Nothing more happens to a recovered payment.
		v.advance(60 * day)
		if n := len(v.payment(holdfast.ModeTest, p.ID).Attempts); n != 2 {
			t.Fatalf("attempts after recovery = %d", n)
		}
	})
}

func TestCardUpdateDeclines(t *testing.T) {
	for _, code := range []string{"stolen_card", "expired_card"} {
		t.Run(code, func(t *testing.T) {
			eachDB(t, func(t *testing.T, v *env) {
				c := v.customer(holdfast.ModeTest, "sam@example.com")
				p := v.open(v.failure(holdfast.ModeTest, c, code))
				// The card-update email is out in the same pass, without any clock advance.
				sends := v.sends(p.Recovery)
				if len(sends) != 1 || sends[0].Status != holdfast.SendSent || sends[0].To != "sam@example.com" {
					t.Fatalf("sends right after opening = %+v", sends)
				}
				if !strings.Contains(sends[0].BodyText, "https://hf.example/r/"+sends[0].ID+"?t=") {
					t.Fatalf("email has no tracked link: %q", sends[0].BodyText)
				}
				msgs := v.e.Captured()
				if len(msgs) != 1 || msgs[0].MessageID != sends[0].ID {
					t.Fatalf("captured = %+v", msgs)
				}
				if r := v.recovery(holdfast.ModeTest, p.Recovery); !r.AwaitingCard {
					t.Fatalf("recovery not awaiting a card: %+v", r)
				}
				v.advance(4 * day)
				got := v.payment(holdfast.ModeTest, p.ID)
				if len(got.Attempts) != 0 || got.NextRetryAt != nil {
					t.Fatalf("blind retry on a %s card: %+v", code, got.Attempts)
				}
				if n := len(v.sends(p.Recovery)); n != 1 {
					t.Fatalf("card-update email sent %d times", n)
				}
				err := v.st.InTx(v.ctx, func(ctx context.Context) error {
					return v.e.CardUpdated(ctx, v.ws.ID, holdfast.ModeTest, c.ID, holdfast.Card{PaymentMethod: "pm_new"}, time.Now())
				})
				if err != nil {
					t.Fatal(err)
				}
				got = v.payment(holdfast.ModeTest, p.ID)
				if got.Status != holdfast.PaymentRecovered || len(got.Attempts) != 1 ||
					got.Attempts[0].Initiator != holdfast.InitiatorCardUpdate || got.Attempts[0].Outcome != holdfast.OutcomeSucceeded {
					t.Fatalf("after card update: %s %+v", got.Status, got.Attempts)
				}
			})
		})
	}
}

func TestExhaustedIsLost(t *testing.T) {
	cases := []struct {
		code        string
		wantRetries int
	}{
		{"generic_decline", 3}, // ambiguous: three retries over a week, then emails only
		{"try_again_later", 5}, // transient: every retry step of the default campaign
		{"insufficient_funds", 5},
		{"lost_card", 0},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			eachDB(t, func(t *testing.T, v *env) {
				c := v.customer(holdfast.ModeTest, "lee@example.com")
				p := v.open(v.failure(holdfast.ModeTest, c, tc.code))
				r := v.advanceUntil(p.Recovery, 40)
				if r.Status != holdfast.RecoveryLost || r.EndedAt == nil {
					t.Fatalf("recovery = %+v", r)
				}
				// The last step is at 28 days; the policy may push the final
				// retry up to 72 hours past it.
				if end := r.EndedAt.Sub(r.StartedAt); end < 28*day || end > 31*day {
					t.Fatalf("lost after %v, want about four weeks", end)
				}
				got := v.payment(holdfast.ModeTest, p.ID)
				if got.Status != holdfast.PaymentFailed || len(got.Attempts) != tc.wantRetries || got.NextRetryAt != nil {
					t.Fatalf("payment %s with %d attempts, want failed with %d", got.Status, len(got.Attempts), tc.wantRetries)
				}
				sends := v.sends(p.Recovery)
				if len(sends) != 3 || sends[2].Template != "last_chance" {
					t.Fatalf("sends = %d (%+v)", len(sends), sends)
				}
				if count(v.eventTypes(holdfast.ModeTest), holdfast.EventRecoveryLost) != 1 {
					t.Fatal("no recovery.lost event")
				}
			})
		})
	}
}

func TestEndings(t *testing.T) {
	cases := []struct {
		name        string
		act         func(v *env, p *holdfast.Payment, c *holdfast.Customer) error
		wantRec     string
		wantPay     string
		wantEvent   string
		recoveredBy string
	}{
		{"CustomerDeleted", func(v *env, p *holdfast.Payment, c *holdfast.Customer) error {
			return v.e.CustomerDeleted(v.ctx, v.ws.ID, holdfast.ModeTest, c.ID, time.Now())
		}, holdfast.RecoveryAbandoned, holdfast.PaymentCanceled, holdfast.EventRecoveryAbandoned, ""},
		{"InvoicePaidByCustomer", func(v *env, p *holdfast.Payment, c *holdfast.Customer) error {
			return v.e.InvoicePaid(v.ctx, v.ws.ID, holdfast.ModeTest, p.Invoice, time.Now())
		}, holdfast.RecoveryRecovered, holdfast.PaymentRecovered, holdfast.EventRecoveryRecovered, "customer"},
		{"InvoiceVoided", func(v *env, p *holdfast.Payment, c *holdfast.Customer) error {
			return v.e.InvoiceLost(v.ctx, v.ws.ID, holdfast.ModeTest, p.Invoice, "voided", time.Now())
		}, holdfast.RecoveryLost, holdfast.PaymentFailed, holdfast.EventRecoveryLost, ""},
		{"SubscriptionCanceledUnpaid", func(v *env, p *holdfast.Payment, c *holdfast.Customer) error {
			return v.e.SubscriptionEndedUnpaid(v.ctx, v.ws.ID, holdfast.ModeTest, p.Subscription, time.Now())
		}, holdfast.RecoveryLost, holdfast.PaymentFailed, holdfast.EventRecoveryLost, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, v *env) {
				c := v.customer(holdfast.ModeTest, "kim@example.com")
				p := v.open(v.failure(holdfast.ModeTest, c, "generic_decline"))
				if err := tc.act(v, p, c); err != nil {
					t.Fatal(err)
				}
				r := v.recovery(holdfast.ModeTest, p.Recovery)
				got := v.payment(holdfast.ModeTest, p.ID)
				if r.Status != tc.wantRec || got.Status != tc.wantPay || r.RecoveredBy != tc.recoveredBy || r.EndedAt == nil {
					t.Fatalf("recovery %s by %q, payment %s", r.Status, r.RecoveredBy, got.Status)
				}
				if count(v.eventTypes(holdfast.ModeTest), tc.wantEvent) != 1 {
					t.Fatalf("events = %v", v.eventTypes(holdfast.ModeTest))
				}
				v.advance(30 * day)
				if after := v.payment(holdfast.ModeTest, p.ID); len(after.Attempts) != 0 || after.Status != tc.wantPay {
					t.Fatalf("ended recovery kept working: %+v", after)
				}
				if tc.wantRec == holdfast.RecoveryAbandoned {
					for _, s := range v.sends(p.Recovery) {
						if s.To != "" || s.Status == holdfast.SendQueued {
							t.Fatalf("deleted customer's send kept: %+v", s)
						}
					}
				}
			})
		})
	}
}
