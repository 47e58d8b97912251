package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

func userTestWorkspace(t *testing.T, s *store.Store, name string) *holdfast.Workspace {
	t.Helper()
	w := &holdfast.Workspace{Name: name}
	if err := s.CreateWorkspace(context.Background(), w, t0); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestUserCreateAndLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := userTestWorkspace(t, s, "Acme")
		u := &holdfast.User{WorkspaceID: w.ID, Email: " Ann@Example.com "}
		if err := s.CreateUser(ctx, u, "", "setuphash", t0.Add(time.Hour), t0); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			err  error
			code string
		}{
			{"ErrConflictSameEmailOtherCase", s.CreateUser(ctx, &holdfast.User{WorkspaceID: w.ID, Email: "ann@EXAMPLE.com"}, "h", "", time.Time{}, t0), holdfast.ECONFLICT},
			{"ErrNotFoundWorkspace", s.CreateUser(ctx, &holdfast.User{WorkspaceID: "ws_nope", Email: "x@example.com"}, "h", "", time.Time{}, t0), holdfast.ENOTFOUND},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if holdfast.ErrorCode(c.err) != c.code {
					t.Fatalf("got %v, want %s", c.err, c.code)
				}
			})
		}
		got, err := s.UserByEmail(ctx, "ANN@example.com")
		if err != nil || got.ID != u.ID || got.HasPassword || got.Email != "Ann@Example.com" {
			t.Fatalf("by email: %+v %v", got, err)
		}
		if _, err := s.UserBySetupToken(ctx, "setuphash", t0.Add(2*time.Hour)); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("expired link accepted: %v", err)
		}
		if got, err := s.UserBySetupToken(ctx, "setuphash", t0.Add(time.Minute)); err != nil || got.ID != u.ID {
			t.Fatalf("link: %v", err)
		}
		if err := s.SetUserPassword(ctx, u.ID, "pwhash", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserBySetupToken(ctx, "setuphash", t0.Add(time.Minute)); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("link reusable after use: %v", err)
		}
		got, _ = s.GetUser(ctx, u.ID)
		if !got.HasPassword || got.PasswordHash != "pwhash" {
			t.Fatalf("password not stored: %+v", got)
		}
		if err := s.SetUserPassword(ctx, "usr_nope", "x", t0); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("unknown user: %v", err)
		}
		list, err := s.WorkspaceUsers(ctx, w.ID)
		if err != nil || len(list) != 1 || list[0].ID != u.ID {
			t.Fatalf("list: %+v %v", list, err)
		}
	})
}

func TestDashboardSessionLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := userTestWorkspace(t, s, "Acme")
		u := &holdfast.User{WorkspaceID: w.ID, Email: "a@example.com"}
		if err := s.CreateUser(ctx, u, "pw", "", time.Time{}, t0); err != nil {
			t.Fatal(err)
		}
		d := &store.DashboardSession{UserID: u.ID, WorkspaceID: w.ID, CSRFToken: "csrf", Mode: holdfast.ModeTest,
			CreatedAt: t0, LastSeenAt: t0, IdleExpiresAt: t0.Add(time.Hour), ExpiresAt: t0.Add(3 * time.Hour)}
		if err := s.CreateDashboardSession(ctx, d, "tokhash"); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			at   time.Time
			ok   bool
		}{
			{"OK", t0.Add(30 * time.Minute), true},
			{"ErrIdleExpired", t0.Add(time.Hour), false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.DashboardSessionByToken(ctx, "tokhash", c.at)
				if c.ok != (err == nil) {
					t.Fatalf("at %v: %v", c.at, err)
				}
				if c.ok && (got.ID != d.ID || got.CSRFToken != "csrf" || got.Mode != holdfast.ModeTest) {
					t.Fatalf("got %+v", got)
				}
			})
		}
		// The idle expiry above deleted the session: a new one is extended by
		// activity but never past the absolute expiry.
		d.ID = ""
		if err := s.CreateDashboardSession(ctx, d, "tokhash2"); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchDashboardSession(ctx, d.ID, t0.Add(50*time.Minute), t0.Add(10*time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := s.DashboardSessionByToken(ctx, "tokhash2", t0.Add(2*time.Hour))
		if err != nil || !got.IdleExpiresAt.Equal(d.ExpiresAt) {
			t.Fatalf("touch: %+v %v", got, err)
		}
		if _, err := s.DashboardSessionByToken(ctx, "tokhash2", t0.Add(3*time.Hour)); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("absolute expiry ignored: %v", err)
		}
		d.ID = ""
		if err := s.CreateDashboardSession(ctx, d, "tokhash3"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDashboardSessionMode(ctx, d.ID, holdfast.ModeLive); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.DashboardSessionByToken(ctx, "tokhash3", t0); got.Mode != holdfast.ModeLive {
			t.Fatalf("mode not switched: %+v", got)
		}
		// A password change signs the user out everywhere.
		if err := s.SetUserPassword(ctx, u.ID, "new", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DashboardSessionByToken(ctx, "tokhash3", t0); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("session survived password change: %v", err)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := "email:a@example.com"
		steps := []struct {
			name string
			at   time.Time
			want int
		}{
			{"First", t0, 1},
			{"Second", t0.Add(time.Minute), 2},
			{"WithinWindow", t0.Add(50 * time.Minute), 3},
			{"ResetAfterQuietHour", t0.Add(2 * time.Hour), 1},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				n, err := s.RecordLoginFailure(ctx, key, st.at, time.Hour)
				if err != nil || n != st.want {
					t.Fatalf("got %d %v, want %d", n, err, st.want)
				}
			})
		}
		if err := s.LockLogin(ctx, key, t0.Add(3*time.Hour), t0); err != nil {
			t.Fatal(err)
		}
		if err := s.LockLogin(ctx, key, t0.Add(150*time.Minute), t0); err != nil { // earlier lock keeps the later one
			t.Fatal(err)
		}
		th, err := s.GetLoginThrottle(ctx, key)
		if err != nil || !th.Locked(t0.Add(170*time.Minute)) || th.Locked(t0.Add(3*time.Hour)) || th.Failures != 1 {
			t.Fatalf("throttle %+v %v", th, err)
		}
		if err := s.ClearLoginFailures(ctx, key); err != nil {
			t.Fatal(err)
		}
		if th, _ := s.GetLoginThrottle(ctx, key); th.Failures != 0 || th.LockedUntil != nil {
			t.Fatalf("not cleared: %+v", th)
		}
		// Pruning keeps recent and locked streaks.
		if _, err := s.RecordLoginFailure(ctx, "email:old@example.com", t0, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordLoginFailure(ctx, "email:locked@example.com", t0, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.LockLogin(ctx, "email:locked@example.com", t0.Add(5*time.Hour), t0); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PruneLoginAttempts(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour)); err != nil || n != 1 {
			t.Fatalf("pruned %d %v", n, err)
		}
		if th, _ := s.GetLoginThrottle(ctx, "email:locked@example.com"); th.Failures != 1 {
			t.Fatal("pruned a locked streak")
		}
		// Concurrent failures are all counted.
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.RecordLoginFailure(ctx, "ip:203.0.113.9", t0, time.Hour); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if th, _ := s.GetLoginThrottle(ctx, "ip:203.0.113.9"); th.Failures != 8 {
			t.Fatalf("lost increments: %d", th.Failures)
		}
	})
}
