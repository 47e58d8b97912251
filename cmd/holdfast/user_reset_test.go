package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/dashboard"
	"holdfast/store"
)

// TestUserReset: user reset prints a new working link (the old one stops
// working), clears the password and ends the user's sessions; unknown
// emails change nothing.
func TestUserReset(t *testing.T) {
	ctx := context.Background()
	c := newCLI(t)
	ws := c.runJSON("workspace", "create", "--name", "Acme")["id"].(string)
	first := c.runJSON("user", "create", "--workspace", ws, "--email", "ann@example.com")["password_link"].(string)
	st := openCLIStore(t, c)
	ann, err := st.UserByEmail(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := dashboard.HashPassword("a long enough passphrase")
	if err := st.SetUserPassword(ctx, ann.ID, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	sess := &store.DashboardSession{UserID: ann.ID, WorkspaceID: ws, Mode: holdfast.ModeLive,
		IdleExpiresAt: time.Now().Add(time.Hour), ExpiresAt: time.Now().Add(time.Hour), CreatedAt: time.Now(), LastSeenAt: time.Now(), CSRFToken: "csrf"}
	if err := st.CreateDashboardSession(ctx, sess, holdfast.HashToken("session-token")); err != nil {
		t.Fatal(err)
	}

	out := c.runJSON("user", "reset", "--email", "ann@example.com")
	link, _ := out["password_link"].(string)
	if out["id"] != ann.ID || out["has_password"] != false || !strings.HasPrefix(link, "http://127.0.0.1:8080/dashboard/setup?token=") {
		t.Fatalf("user reset: %v", out)
	}
	token := func(link string) string {
		u, _ := url.Parse(link)
		return u.Query().Get("token")
	}
	if got, err := st.UserBySetupToken(ctx, holdfast.HashToken(token(link)), time.Now()); err != nil || got.ID != ann.ID {
		t.Fatalf("the new link does not find the user: %v", err)
	}
	if _, err := st.UserBySetupToken(ctx, holdfast.HashToken(token(first)), time.Now()); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		t.Fatalf("the old link still works: %v", err)
	}
	if _, err := st.DashboardSessionByToken(ctx, holdfast.HashToken("session-token"), time.Now()); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		t.Fatalf("the session survived the reset: %v", err)
	}
	if u, _ := st.UserByEmail(ctx, "ann@example.com"); u.PasswordHash != "" {
		t.Fatal("the old password still works")
	}

	// The link's base follows HOLDFAST_PUBLIC_URL, else HOLDFAST_ADDR, like serve.
	c.env["HOLDFAST_ADDR"] = "127.0.0.1:9999"
	code, text, errs := c.run("user", "reset", "--email", "ann@example.com")
	if code != 0 || !strings.Contains(text, "http://127.0.0.1:9999/dashboard/setup?token=") || !strings.Contains(text, "session") {
		t.Fatalf("reset with HOLDFAST_ADDR: %d %s %s", code, text, errs)
	}
	c.env["HOLDFAST_PUBLIC_URL"] = "https://hf.example.com"
	if l := c.runJSON("user", "create", "--workspace", ws, "--email", "bob@example.com")["password_link"].(string); !strings.HasPrefix(l, "https://hf.example.com/dashboard/setup?") {
		t.Fatalf("create with HOLDFAST_PUBLIC_URL: %s", l)
	}
	delete(c.env, "HOLDFAST_PUBLIC_URL")
	if l := c.runJSON("user", "create", "--workspace", ws, "--email", "cy@example.com")["password_link"].(string); !strings.HasPrefix(l, "http://127.0.0.1:9999/dashboard/setup?") {
		t.Fatalf("create with HOLDFAST_ADDR: %s", l)
	}

	for _, tc := range []struct{ name, email, want string }{
		{"ErrUnknownEmail", "nobody@example.com", "no dashboard user with email nobody@example.com"},
		{"ErrBadEmail", "not-an-email", "not a valid email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := c.run("user", "reset", "--email", tc.email)
			if code == 0 || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, errs, tc.want)
			}
		})
	}
}
