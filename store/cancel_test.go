package store_test

import (
	"context"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

func cancelTestWorkspace(t *testing.T, s *store.Store) *holdfast.Workspace {
	t.Helper()
	w := &holdfast.Workspace{Name: "Acme"}
	if err := s.CreateWorkspace(context.Background(), w, t0); err != nil {
		t.Fatal(err)
	}
	return w
}

func cancelTestSession(t *testing.T, s *store.Store, wsID string, mode holdfast.Mode, customer string, at time.Time) *holdfast.CancelSession {
	t.Helper()
	cs := &holdfast.CancelSession{ID: holdfast.NewID(holdfast.PrefixCancelSession), WorkspaceID: wsID, Livemode: mode.Livemode(),
		Customer: customer, Subscription: "sub_1", Status: holdfast.SessionInProgress, ExpiresAt: at.Add(30 * time.Minute), CreatedAt: at}
	if err := s.CreateCancelSession(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestCancelFlowDefaultsAndPut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := cancelTestWorkspace(t, s)
		for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
			f, err := s.CancelFlow(ctx, w.ID, mode)
			if err != nil {
				t.Fatal(err)
			}
			if f.Livemode != mode.Livemode() || len(f.Reasons) == 0 || f.SessionTimeoutMinutes != 30 || f.UpdatedAt == nil {
				t.Fatalf("%s: default flow not seeded: %+v", mode, f)
			}
		}
		f := &holdfast.CancelFlow{Reasons: []holdfast.CancelReason{{ID: "price", Label: "Price", Offer: &holdfast.Offer{Type: "pause", MaxMonths: 2}}},
			SessionTimeoutMinutes: 10, DiscountCooldownDays: 0}
		if _, err := s.PutCancelFlow(ctx, w.ID, holdfast.ModeTest, f, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, _ := s.CancelFlow(ctx, w.ID, holdfast.ModeTest)
		if len(got.Reasons) != 1 || got.Reasons[0].Offer.MaxMonths != 2 || got.SessionTimeoutMinutes != 10 || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("put not stored: %+v", got)
		}
		live, _ := s.CancelFlow(ctx, w.ID, holdfast.ModeLive)
		if len(live.Reasons) == 1 {
			t.Fatal("test-mode put changed the live flow")
		}
		unseeded, err := s.CancelFlow(ctx, "ws_unseeded", holdfast.ModeLive)
		if err != nil || len(unseeded.Reasons) == 0 || unseeded.UpdatedAt != nil {
			t.Fatalf("missing row should give the default: %+v %v", unseeded, err)
		}
	})
}

func TestCancelSessionCreatedAtCollision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := cancelTestWorkspace(t, s)
		at := t0.Add(123 * time.Microsecond)
		a := cancelTestSession(t, s, w.ID, holdfast.ModeTest, "cus_a", at)
		b := cancelTestSession(t, s, w.ID, holdfast.ModeTest, "cus_b", at)
		c := cancelTestSession(t, s, w.ID, holdfast.ModeTest, "cus_c", at)
		other := cancelTestSession(t, s, w.ID, holdfast.ModeLive, "cus_d", at) // another mode may share the instant
		if !a.CreatedAt.Equal(at) || !b.CreatedAt.Equal(at.Add(time.Microsecond)) || !c.CreatedAt.Equal(at.Add(2*time.Microsecond)) {
			t.Fatalf("created_at not bumped: %v %v %v", a.CreatedAt, b.CreatedAt, c.CreatedAt)
		}
		if !other.CreatedAt.Equal(at) {
			t.Fatalf("live session bumped needlessly: %v", other.CreatedAt)
		}
		got, err := s.GetCancelSession(ctx, w.ID, holdfast.ModeTest, b.ID)
		if err != nil || !got.CreatedAt.Equal(b.CreatedAt) {
			t.Fatalf("stored created_at: %v %v", got, err)
		}
		// Inside a transaction too (PostgreSQL must not abort it on the probe).
		err = s.InTx(ctx, func(ctx context.Context) error {
			d := &holdfast.CancelSession{ID: holdfast.NewID(holdfast.PrefixCancelSession), WorkspaceID: w.ID, Customer: "cus_e",
				Subscription: "sub_1", Status: holdfast.SessionInProgress, ExpiresAt: at, CreatedAt: at}
			if err := s.CreateCancelSession(ctx, d); err != nil {
				return err
			}
			_, err := s.RecordEvent(ctx, w.ID, holdfast.ModeTest, holdfast.EventCancelStarted, d.ID, d, at)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestCancelSessionUpdateAndErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := cancelTestWorkspace(t, s)
		cs := cancelTestSession(t, s, w.ID, holdfast.ModeTest, "cus_a", t0)
		for _, tc := range []struct {
			name string
			ws   string
			mode holdfast.Mode
			id   string
		}{
			{"ErrNotFoundOtherMode", w.ID, holdfast.ModeLive, cs.ID},
			{"ErrNotFoundOtherWorkspace", "ws_other", holdfast.ModeTest, cs.ID},
			{"ErrNotFoundUnknownID", w.ID, holdfast.ModeTest, "cs_nope"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := s.GetCancelSession(ctx, tc.ws, tc.mode, tc.id); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
					t.Fatalf("want ENOTFOUND, got %v", err)
				}
			})
		}
		reason := "price"
		offer := &holdfast.Offer{Type: "discount", PercentOff: 20, DurationMonths: 2}
		cs.Reason, cs.Offer = &reason, offer
		resp := t0.Add(time.Minute)
		cs.RespondedAt = &resp
		if err := s.UpdateCancelSession(ctx, cs, &resp, resp); err != nil {
			t.Fatal(err)
		}
		if err := s.BumpCancelSessionAttempt(ctx, cs, resp); err != nil || cs.ApplyAttempt != 1 {
			t.Fatalf("bump: %v (attempt %d)", err, cs.ApplyAttempt)
		}
		if got, _ := s.GetCancelSession(ctx, w.ID, holdfast.ModeTest, cs.ID); got.ApplyAttempt != 1 {
			t.Fatalf("stored attempt %d", got.ApplyAttempt)
		}
		outcome := holdfast.OutcomeSavedDiscount
		done := t0.Add(2 * time.Minute)
		cs.Status, cs.Outcome, cs.AcceptedOffer, cs.CompletedAt = holdfast.SessionCompleted, &outcome, offer, &done
		cs.Applied = &holdfast.AppliedChange{Provider: "simulated", Actions: []holdfast.ProviderAction{{Method: "POST", Path: "/v1/subscriptions/sub_1", IdempotencyKey: "k"}}}
		if err := s.UpdateCancelSession(ctx, cs, nil, done); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetCancelSession(ctx, w.ID, holdfast.ModeTest, cs.ID)
		if got.Status != holdfast.SessionCompleted || *got.Outcome != outcome || *got.Reason != "price" || got.AcceptedOffer.PercentOff != 20 ||
			!got.CompletedAt.Equal(done) || !got.RespondedAt.Equal(resp) || got.Applied.Actions[0].IdempotencyKey != "k" {
			t.Fatalf("update not stored: %+v", got)
		}
		if err := s.UpdateCancelSession(ctx, cs, nil, done); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
			t.Fatalf("second write to a completed session: want ECONFLICT, got %v", err)
		}
		if err := s.BumpCancelSessionAttempt(ctx, cs, done); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
			t.Fatalf("bump on a completed session: want ECONFLICT, got %v", err)
		}
		ghost := *cs
		ghost.ID = "cs_ghost"
		if err := s.UpdateCancelSession(ctx, &ghost, nil, done); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("unknown session: want ENOTFOUND, got %v", err)
		}
	})
}

func TestCancelSessionDiscountGuardAndExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := cancelTestWorkspace(t, s)
		a := cancelTestSession(t, s, w.ID, holdfast.ModeTest, "cus_a", t0)
		offered := t0.Add(time.Minute)
		if err := s.UpdateCancelSession(ctx, a, &offered, offered); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(time.Hour)
		if err := s.UpdateCancelSession(ctx, a, &later, later); err != nil { // first offer time is kept
			t.Fatal(err)
		}
		b := cancelTestSession(t, s, w.ID, holdfast.ModeTest, "cus_a", t0.Add(2*time.Hour))
		// a saw a discount but nobody accepted one yet.
		if got, err := s.LastDiscountAccepted(ctx, w.ID, holdfast.ModeTest, "cus_a", ""); err != nil || got != nil {
			t.Fatalf("a discount only offered counts: %v %v", got, err)
		}
		done := t0.Add(3 * time.Hour)
		c := cancelTestSession(t, s, w.ID, holdfast.ModeTest, "cus_a", done)
		outcome := holdfast.OutcomeSavedDiscount
		c.Status, c.Outcome, c.CompletedAt = holdfast.SessionCompleted, &outcome, &done
		if err := s.UpdateCancelSession(ctx, c, &done, done); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name     string
			mode     holdfast.Mode
			customer string
			exclude  string
			want     *time.Time
		}{
			{"Accepted", holdfast.ModeTest, "cus_a", b.ID, &done},
			{"OwnSessionExcluded", holdfast.ModeTest, "cus_a", c.ID, nil},
			{"OtherCustomer", holdfast.ModeTest, "cus_b", "", nil},
			{"OtherMode", holdfast.ModeLive, "cus_a", "", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.LastDiscountAccepted(ctx, w.ID, tc.mode, tc.customer, tc.exclude)
				if err != nil || (got == nil) != (tc.want == nil) || (got != nil && !got.Equal(*tc.want)) {
					t.Fatalf("got %v %v, want %v", got, err, tc.want)
				}
			})
		}
		// a expires at t0+30m, b at t0+2h30m.
		exp, err := s.ExpiredCancelSessions(ctx, w.ID, holdfast.ModeTest, t0.Add(time.Hour), 10)
		if err != nil || len(exp) != 1 || exp[0].ID != a.ID {
			t.Fatalf("expired: %v %v", exp, err)
		}
		wss, err := s.OpenCancelSessionWorkspaces(ctx, holdfast.ModeTest, t0.Add(time.Hour))
		if err != nil || len(wss) != 1 || wss[0] != w.ID {
			t.Fatalf("open workspaces: %v %v", wss, err)
		}
		if wss, _ := s.OpenCancelSessionWorkspaces(ctx, holdfast.ModeLive, t0.Add(time.Hour)); len(wss) != 0 {
			t.Fatalf("live has none: %v", wss)
		}
	})
}

func TestCancelSessionListsAndCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := cancelTestWorkspace(t, s)
		outcomes := []string{holdfast.OutcomeSavedPause, holdfast.OutcomeCanceled, "", holdfast.OutcomeSavedDiscount, holdfast.OutcomeCanceled, holdfast.OutcomeAbandoned}
		var ids []string
		for i, o := range outcomes {
			// Two sessions per instant: the cursor must still visit each once.
			cs := cancelTestSession(t, s, w.ID, holdfast.ModeTest, "cus_a", t0.Add(time.Duration(i/2)*time.Second))
			ids = append(ids, cs.ID)
			if o != "" {
				oc := o
				cs.Status, cs.Outcome = holdfast.SessionCompleted, &oc
				if err := s.UpdateCancelSession(ctx, cs, nil, t0); err != nil {
					t.Fatal(err)
				}
			}
		}
		cancelTestSession(t, s, w.ID, holdfast.ModeLive, "cus_a", t0) // other mode: never listed

		page, err := s.ListCancelSessions(ctx, w.ID, holdfast.ModeTest, "", store.ListQuery{Limit: 4, Offset: 4, Count: true})
		if err != nil || page.Total != 6 || len(page.Data) != 2 || page.Data[1].ID != ids[0] {
			t.Fatalf("page 2: %+v %v", page, err)
		}
		canceled, _ := s.ListCancelSessions(ctx, w.ID, holdfast.ModeTest, holdfast.OutcomeCanceled, store.ListQuery{Limit: 20, Count: true})
		if canceled.Total != 2 || canceled.Data[0].ID != ids[4] || canceled.Data[1].ID != ids[1] {
			t.Fatalf("filter: %+v", canceled)
		}

		var seen []string
		var before *time.Time
		for pages := 0; ; pages++ {
			l, err := s.ListCancelSessionsBefore(ctx, w.ID, holdfast.ModeTest, "", before, 4)
			if err != nil {
				t.Fatal(err)
			}
			for _, cs := range l.Data {
				seen = append(seen, cs.ID)
			}
			if !l.HasMore {
				break
			}
			// Round-trip through the RFC 3339 text the API hands out.
			c, err := time.Parse(time.RFC3339Nano, l.Data[len(l.Data)-1].CreatedAt.UTC().Format(time.RFC3339Nano))
			if err != nil {
				t.Fatal(err)
			}
			before = &c
		}
		if len(seen) != 6 {
			t.Fatalf("cursor walk saw %d sessions: %v", len(seen), seen)
		}
		for i := range seen {
			if seen[i] != ids[len(ids)-1-i] {
				t.Fatalf("cursor order wrong at %d: %v", i, seen)
			}
		}
		// A hand-written cursor: strictly older than the instant of ids[2]/ids[3].
		hand := t0.Add(time.Second)
		l, _ := s.ListCancelSessionsBefore(ctx, w.ID, holdfast.ModeTest, "", &hand, 10)
		if len(l.Data) != 2 || l.Data[0].ID != ids[1] {
			t.Fatalf("hand cursor: %+v", l.Data)
		}
		// A sub-microsecond cursor just after ids[1]'s instant includes it.
		frac := l.Data[0].CreatedAt.Add(500 * time.Nanosecond)
		l, _ = s.ListCancelSessionsBefore(ctx, w.ID, holdfast.ModeTest, "", &frac, 10)
		if len(l.Data) != 2 || l.Data[0].ID != ids[1] {
			t.Fatalf("fractional cursor: %+v", l.Data)
		}

		all, err := s.CancelSessionCounts(ctx, w.ID, holdfast.ModeTest, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := store.CancelSessionCounts{Total: 6, InProgress: 1, SavedDiscount: 1, SavedPause: 1, Canceled: 2, Abandoned: 1}
		if all != want {
			t.Fatalf("counts: got %+v want %+v", all, want)
		}
		if r := all.SaveRate(); r == nil || *r != 0.5 {
			t.Fatalf("save rate %v", r)
		}
		from, to := t0.Add(time.Second), t0.Add(2*time.Second)
		win, _ := s.CancelSessionCounts(ctx, w.ID, holdfast.ModeTest, &from, &to)
		if win != (store.CancelSessionCounts{Total: 2, InProgress: 1, SavedDiscount: 1}) {
			t.Fatalf("windowed counts: %+v", win)
		}
		if r := (store.CancelSessionCounts{InProgress: 3}).SaveRate(); r != nil {
			t.Fatalf("save rate without finished sessions should be nil, got %v", *r)
		}
	})
}
