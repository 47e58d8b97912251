package store_test

import (
	"context"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

func TestDefaultCampaignSeeded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &holdfast.Workspace{Name: "Seeded"}
		if err := s.CreateWorkspace(ctx, w, t0); err != nil {
			t.Fatal(err)
		}
		for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
			cs, err := s.Campaigns(ctx, w.ID, mode)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 1 || !cs[0].IsDefault || cs[0].Name != holdfast.DefaultCampaignName || cs[0].Livemode != mode.Livemode() {
				t.Fatalf("%s campaigns = %+v", mode, cs)
			}
			c := cs[0]
			var retries, emails int
			for _, st := range c.Steps {
				switch st.Action {
				case holdfast.ActionRetry:
					retries++
				case holdfast.ActionEmail:
					emails++
					if st.Template == nil || st.Template.Subject == "" {
						t.Fatalf("email step without template: %+v", st)
					}
				}
			}
			if !c.SmartRetries || retries != c.MaxRetries || emails != 3 || c.Steps[len(c.Steps)-1].AfterHours < 21*24 {
				t.Fatalf("default playbook shape: %+v", c)
			}
		}
	})
}

func TestRecoveryWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &holdfast.Workspace{Name: "Writes"}
		if err := s.CreateWorkspace(ctx, w, t0); err != nil {
			t.Fatal(err)
		}
		mode := holdfast.ModeTest
		p := &holdfast.Payment{ID: holdfast.NewID(holdfast.PrefixPayment), WorkspaceID: w.ID, Invoice: "in_1", PaymentIntent: "pi_1",
			Charge: "ch_1", Amount: 1200, Currency: "usd", Status: holdfast.PaymentPending, CreatedAt: t0, UpdatedAt: t0}
		if err := s.InsertPayment(ctx, p); err != nil {
			t.Fatal(err)
		}
		dup := *p
		dup.ID = holdfast.NewID(holdfast.PrefixPayment)
		if err := s.InsertPayment(ctx, &dup); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
			t.Fatalf("second payment for one invoice: %v", err)
		}
		for _, ref := range [][3]string{{"in_1", "", ""}, {"", "pi_1", ""}, {"", "", "ch_1"}} {
			got, err := s.PaymentByRef(ctx, w.ID, mode, ref[0], ref[1], ref[2])
			if err != nil || got.ID != p.ID {
				t.Fatalf("by %v: %v %v", ref, got, err)
			}
		}
		if _, err := s.PaymentByRef(ctx, w.ID, holdfast.ModeLive, "in_1", "", ""); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("other mode: %v", err)
		}

		camp := holdfast.DefaultCampaign(w.ID, mode, t0)
		r := &store.RecoveryState{Recovery: holdfast.Recovery{ID: holdfast.NewID(holdfast.PrefixRecovery), WorkspaceID: w.ID,
			Status: holdfast.RecoveryInFlight, Payment: p.ID, Campaign: camp.ID, Amount: 1200, Currency: "usd",
			StartedAt: t0, CreatedAt: t0, UpdatedAt: t0}, Playbook: *camp}
		if err := s.InsertRecovery(ctx, r); err != nil {
			t.Fatal(err)
		}
		p.Recovery, p.DeclineCode, p.AttemptCount = r.ID, "insufficient_funds", 2
		if err := s.UpdatePayment(ctx, p, t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetPayment(ctx, w.ID, mode, p.ID)
		if got.Recovery != r.ID || got.DeclineCode != "insufficient_funds" || got.AttemptCount != 2 {
			t.Fatalf("payment update lost: %+v", got)
		}

		err := s.InTx(ctx, func(ctx context.Context) error {
			st, err := s.LockRecovery(ctx, r.ID)
			if err != nil {
				return err
			}
			if len(st.Playbook.Steps) != len(camp.Steps) {
				t.Fatalf("playbook snapshot = %+v", st.Playbook)
			}
			st.EmailCursor, st.RetryCursor, st.CardEmailSent, st.RetriesUsed = 1, 2, true, 1
			return s.SaveRecovery(ctx, st, t0.Add(time.Minute))
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.AddEmailSent(ctx, r.ID)
		st, _ := s.LockRecovery(ctx, r.ID)
		if st.EmailCursor != 1 || st.RetryCursor != 2 || !st.CardEmailSent || st.RetriesUsed != 1 || st.EmailsSent != 1 {
			t.Fatalf("state = %+v", st)
		}

		a := &holdfast.PaymentAttempt{ID: holdfast.NewID(holdfast.PrefixAttempt), WorkspaceID: w.ID, Payment: p.ID, Recovery: r.ID,
			Initiator: holdfast.InitiatorSchedule, State: holdfast.AttemptStarted, IdempotencyKey: "hf_att_x", CreatedAt: t0.Add(time.Hour)}
		if err := s.InsertAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
		a2 := *a
		a2.ID = holdfast.NewID(holdfast.PrefixAttempt)
		if err := s.InsertAttempt(ctx, &a2); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
			t.Fatalf("reused idempotency key: %v", err)
		}
		a.Outcome, a.DeclineCode = holdfast.OutcomeFailed, "insufficient_funds"
		if ok, err := s.CompleteAttempt(ctx, a, t0.Add(time.Hour)); !ok || err != nil {
			t.Fatalf("complete: %v %v", ok, err)
		}
		if ok, _ := s.CompleteAttempt(ctx, a, t0.Add(time.Hour)); ok {
			t.Fatal("attempt completed twice")
		}
		hist, _ := s.CustomerAttempts(ctx, w.ID, mode, "", p.ID, "", t0)
		if len(hist) != 1 || hist[0].State != holdfast.AttemptDone || hist[0].Outcome != holdfast.OutcomeFailed {
			t.Fatalf("history = %+v", hist)
		}

		d := &holdfast.DunningSend{ID: holdfast.NewID(holdfast.PrefixDunningSend), WorkspaceID: w.ID, Recovery: r.ID, Payment: p.ID,
			To: "a@example.com", Subject: "s", Template: "payment_failed", Status: holdfast.SendQueued, CreatedAt: t0}
		if err := s.InsertSend(ctx, d); err != nil {
			t.Fatal(err)
		}
		_ = s.NoteSendFailure(ctx, d.ID, "451")
		if ok, _ := s.FinishSend(ctx, d, holdfast.SendSent, "", t0.Add(time.Minute)); !ok {
			t.Fatal("queued send not finished")
		}
		if ok, _ := s.FinishSend(ctx, d, holdfast.SendFailed, "x", t0.Add(time.Minute)); ok {
			t.Fatal("sent send moved again")
		}
		_ = s.RecordClick(ctx, d.ID, t0.Add(2*time.Minute))
		_ = s.RecordClick(ctx, d.ID, t0.Add(3*time.Minute))
		gs, _ := s.GetSend(ctx, d.ID)
		if gs.Status != holdfast.SendSent || gs.Attempts != 2 || gs.SentAt == nil || gs.ClickedAt == nil || !gs.ClickedAt.Equal(t0.Add(2*time.Minute)) {
			t.Fatalf("send = %+v", gs)
		}
	})
}
