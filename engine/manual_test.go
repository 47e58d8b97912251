package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"holdfast"
)

func TestManualRetry(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		c := v.customer(holdfast.ModeTest, "mo@example.com", withOutcomes("insufficient_funds,succeeded"))
		p := v.open(v.failure(holdfast.ModeTest, c, "insufficient_funds"))
		t.Run("FailsThenSucceeds", func(t *testing.T) {
			got, err := v.e.RetryPayment(v.ctx, v.ws.ID, holdfast.ModeTest, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Attempts) != 1 || got.Attempts[0].Initiator != holdfast.InitiatorManual || got.Attempts[0].Outcome != holdfast.OutcomeFailed {
				t.Fatalf("attempts = %+v", got.Attempts)
			}
			if r := v.recovery(holdfast.ModeTest, p.Recovery); r.RetriesUsed != 0 {
				t.Fatalf("manual retry used the campaign budget: %d", r.RetriesUsed)
			}
			v.clock.Add(2 * time.Hour) // the minimum gap between charges
			got, err = v.e.RetryPayment(v.ctx, v.ws.ID, holdfast.ModeTest, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != holdfast.PaymentRecovered || len(got.Attempts) != 2 {
				t.Fatalf("payment = %s %+v", got.Status, got.Attempts)
			}
		})
		t.Run("ErrConflictWhenNotPending", func(t *testing.T) {
			_, err := v.e.RetryPayment(v.ctx, v.ws.ID, holdfast.ModeTest, p.ID)
			if holdfast.ErrorCode(err) != holdfast.ECONFLICT {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			for _, tc := range []struct {
				mode holdfast.Mode
				id   string
			}{{holdfast.ModeTest, "pay_nope"}, {holdfast.ModeLive, p.ID}} {
				if _, err := v.e.RetryPayment(v.ctx, v.ws.ID, tc.mode, tc.id); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
					t.Fatalf("%s %s: err = %v", tc.mode, tc.id, err)
				}
			}
		})
	})
}

func TestNetworkLimits(t *testing.T) {
	cases := []struct {
		name, brand string
		allowed     int // manual retries before the refusal (reattempts: the opening failure is not counted)
		limit       string
	}{
		{"Visa", "visa", 15, "15 attempts per card in 30 days"},
		{"Mastercard", "mastercard", 10, "10 attempts per card in 24 hours"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, v *env) {
				c := v.customer(holdfast.ModeTest, "lim@example.com")
				f := v.failure(holdfast.ModeTest, c, "insufficient_funds")
				f.Card.Brand = tc.brand
				p := v.open(f)
				n := 0
				var err error
				for ; n < 40; n++ {
					if _, err = v.e.RetryPayment(v.ctx, v.ws.ID, holdfast.ModeTest, p.ID); err != nil {
						break
					}
					v.clock.Add(time.Minute)
				}
				if n != tc.allowed || holdfast.ErrorCode(err) != holdfast.ECONFLICT || !strings.Contains(err.Error(), tc.limit) {
					t.Fatalf("refused after %d retries with %v; want %d and %q", n, err, tc.allowed, tc.limit)
				}
				// The refusal changed nothing.
				if got := v.payment(holdfast.ModeTest, p.ID); len(got.Attempts) != tc.allowed {
					t.Fatalf("attempts = %d", len(got.Attempts))
				}
				// Automatic retries wait for the window too: none runs while the card is at its limit.
				v.advance(20 * time.Hour)
				got := v.payment(holdfast.ModeTest, p.ID)
				for _, a := range got.Attempts[tc.allowed:] {
					if a.Outcome != holdfast.OutcomeRefused {
						t.Fatalf("attempt past the limit: %+v", a)
					}
				}
			})
		})
	}
}

func TestNeverRetryRefusesManual(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		c := v.customer(holdfast.ModeTest, "nr@example.com")
		p := v.open(v.failure(holdfast.ModeTest, c, "pickup_card"))
		_, err := v.e.RetryPayment(v.ctx, v.ws.ID, holdfast.ModeTest, p.ID)
		if holdfast.ErrorCode(err) != holdfast.ECONFLICT || !strings.Contains(err.Error(), "never-retry") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDeclineReportedLater(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		c := v.customer(holdfast.ModeTest, "late@example.com")
		f := v.failure(holdfast.ModeTest, c, "")
		f.Decline = holdfast.Decline{}
		p := v.open(f)
		if n := len(v.sends(p.Recovery)); n != 0 {
			t.Fatalf("sends before the decline is known = %d", n)
		}
		err := v.st.InTx(v.ctx, func(ctx context.Context) error {
			return v.e.DeclineReported(ctx, holdfast.DeclineReport{WorkspaceID: v.ws.ID, Mode: holdfast.ModeTest,
				PaymentIntent: f.PaymentIntent, Decline: holdfast.Decline{Code: "lost_card", FailureCode: "card_declined"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		got := v.payment(holdfast.ModeTest, p.ID)
		if got.DeclineCode != "lost_card" || got.NextRetryAt != nil {
			t.Fatalf("payment = %+v", got)
		}
		if s := v.sends(p.Recovery); len(s) != 1 || s[0].Status != holdfast.SendSent {
			t.Fatalf("card-update email not sent on the late decline: %+v", s)
		}
		// A second report (our own retry's charge.failed) never overwrites.
		_ = v.e.DeclineReported(v.ctx, holdfast.DeclineReport{WorkspaceID: v.ws.ID, Mode: holdfast.ModeTest,
			Invoice: f.Invoice, Decline: holdfast.Decline{Code: "insufficient_funds"}})
		if got := v.payment(holdfast.ModeTest, p.ID); got.DeclineCode != "lost_card" {
			t.Fatalf("decline overwritten: %s", got.DeclineCode)
		}
	})
}

func TestInvoiceFailedOncePerInvoice(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		c := v.customer(holdfast.ModeTest, "once@example.com")
		f := v.failure(holdfast.ModeTest, c, "do_not_honor")
		p1 := v.open(f)
		f.Decline.Code = "insufficient_funds"
		p2 := v.open(f)
		if p1.ID != p2.ID || p2.Recovery != p1.Recovery || p2.DeclineCode != "do_not_honor" {
			t.Fatalf("second failure changed the payment: %+v vs %+v", p1, p2)
		}
		if n := count(v.eventTypes(holdfast.ModeTest), holdfast.EventRecoveryStarted); n != 1 {
			t.Fatalf("recovery.started %d times", n)
		}
	})
}

func TestCampaignMatching(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		mode := holdfast.ModeTest
		def, err := v.st.EnsureDefaultCampaign(v.ctx, v.ws.ID, mode, t0)
		if err != nil {
			t.Fatal(err)
		}
		minAmt := int64(10000)
		insert := func(name string, prio int, f holdfast.CampaignFilters) string {
			c := *def
			c.ID, c.Name, c.IsDefault, c.Priority, c.Filters = holdfast.NewID(holdfast.PrefixCampaign), name, false, prio, f
			c.Steps = []holdfast.CampaignStep{{AfterHours: 0, Action: holdfast.ActionEmail, Template: &holdfast.EmailTemplate{Subject: name, Body: "b"}}}
			v.insertCampaign(&c)
			return c.ID
		}
		eur := insert("eur", 1, holdfast.CampaignFilters{Currency: "eur"})
		vip := insert("vip", 5, holdfast.CampaignFilters{CustomerTag: "vip"})
		big := insert("big", 3, holdfast.CampaignFilters{MinAmount: &minAmt})
		plain := v.customer(mode, "p@example.com")
		vipC := v.customer(mode, "v@example.com", withTags("vip"))
		cases := []struct {
			name     string
			cust     *holdfast.Customer
			amount   int64
			currency string
			want     string
		}{
			{"Default", plain, 2500, "usd", def.ID},
			{"Currency", plain, 2500, "EUR", eur},
			{"TagBeatsLowerPriority", vipC, 50000, "eur", vip},
			{"MinAmount", plain, 50000, "eur", big},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := v.failure(mode, tc.cust, "generic_decline")
				f.Amount, f.Currency = tc.amount, tc.currency
				p := v.open(f)
				if r := v.recovery(mode, p.Recovery); r.Campaign != tc.want {
					t.Fatalf("campaign = %s, want %s", r.Campaign, tc.want)
				}
			})
		}
	})
}
