package main

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/dashboard"
	"holdfast/secretbox"
	"holdfast/store"
)

// openCLIStore opens the database a cliEnv's commands use.
func openCLIStore(t *testing.T, c *cliEnv) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), c.env["HOLDFAST_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := secretbox.LoadOrCreateKeyFile(secretbox.KeyFilePath(st.Path))
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secretbox.New(key)
	st.SetSecretBox(box)
	return st
}

func TestUserCreate(t *testing.T) {
	c := newCLI(t)
	c.env["HOLDFAST_PUBLIC_URL"] = "https://holdfast.example.com/"
	ws := c.runJSON("workspace", "create", "--name", "Acme")["id"].(string)

	u := c.runJSON("user", "create", "--workspace", ws, "--email", "Ann@Example.com")
	link, _ := u["password_link"].(string)
	if !strings.HasPrefix(u["id"].(string), "usr_") || u["has_password"] != false ||
		!strings.HasPrefix(link, "https://holdfast.example.com/dashboard/setup?token=") || u["password_link_expires_at"] == nil {
		t.Fatalf("user create: %v", u)
	}
	lu, _ := url.Parse(link)
	st := openCLIStore(t, c)
	got, err := st.UserBySetupToken(context.Background(), holdfast.HashToken(lu.Query().Get("token")), time.Now())
	if err != nil || got.ID != u["id"] {
		t.Fatalf("the printed link does not find the user: %v", err)
	}

	userStdin = strings.NewReader("a long enough passphrase\n")
	t.Cleanup(func() { userStdin = strings.NewReader("") })
	code, out, errs := c.run("user", "create", "--workspace", ws, "--email", "bob@example.com", "--password-stdin")
	if code != 0 || !strings.Contains(out, "Password set") || strings.Contains(out, "/dashboard/setup") {
		t.Fatalf("password-stdin: %d %s %s", code, out, errs)
	}
	bob, err := st.UserByEmail(context.Background(), "bob@example.com")
	if err != nil || !dashboard.VerifyPassword(bob.PasswordHash, "a long enough passphrase") {
		t.Fatalf("stored password: %v", err)
	}

	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"ErrDuplicateEmail", "", []string{"--workspace", ws, "--email", "ann@example.com"}, "already exists"},
		{"ErrUnknownWorkspace", "", []string{"--workspace", "ws_nope", "--email", "x@example.com"}, "No such workspace"},
		{"ErrBadEmail", "", []string{"--workspace", ws, "--email", "not-an-email"}, "not a valid email"},
		{"ErrShortPassword", "short\n", []string{"--workspace", ws, "--email", "y@example.com", "--password-stdin"}, "at least 10"},
		{"ErrMissingEmail", "", []string{"--workspace", ws}, "missing flags: --email"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			userStdin = strings.NewReader(tc.stdin)
			code, _, errs := c.run(append([]string{"user", "create"}, tc.args...)...)
			if code == 0 || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, errs, tc.want)
			}
		})
	}
	users, _ := st.WorkspaceUsers(context.Background(), ws)
	if len(users) != 2 {
		t.Fatalf("failed commands changed users: %d", len(users))
	}
}

// TestDemoLogin: the demo's dashboard user is created once and keeps its
// password across starts; a password changed by the operator is left alone
// (the banner then says how to reset it); an existing account elsewhere is
// not taken over.
func TestDemoLogin(t *testing.T) {
	ctx := context.Background()
	st := openCLIStore(t, &cliEnv{env: map[string]string{"HOLDFAST_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "d.db")}})
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ws := &holdfast.Workspace{Name: "Demo", IsDemo: true}
	if err := st.CreateWorkspace(ctx, ws, time.Now()); err != nil {
		t.Fatal(err)
	}
	p1, err := demoLogin(ctx, st, ws, time.Now())
	if err != nil || p1 == "" {
		t.Fatal(p1, err)
	}
	p2, err := demoLogin(ctx, st, ws, time.Now())
	if err != nil || p1 != p2 {
		t.Fatalf("second start: %v (same password %v)", err, p1 == p2)
	}
	u, _ := st.UserByEmail(ctx, demoEmail)
	if !dashboard.VerifyPassword(u.PasswordHash, p2) {
		t.Fatal("the printed password is not the one that works")
	}
	if users, _ := st.WorkspaceUsers(ctx, ws.ID); len(users) != 1 {
		t.Fatalf("%d demo users", len(users))
	}
	// The operator sets their own password: a restart neither prints nor replaces it.
	hash, _ := dashboard.HashPassword("my own password 123")
	if err := st.SetUserPassword(ctx, u.ID, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	if p3, err := demoLogin(ctx, st, ws, time.Now()); err != nil || p3 != "" {
		t.Fatalf("after a password change: %q %v", p3, err)
	}
	if u, _ = st.UserByEmail(ctx, demoEmail); !dashboard.VerifyPassword(u.PasswordHash, "my own password 123") {
		t.Fatal("a restart replaced the operator's password")
	}
	other := &holdfast.Workspace{Name: "Other", IsDemo: true}
	if err := st.CreateWorkspace(ctx, other, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := demoLogin(ctx, st, other, time.Now()); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
		t.Fatalf("taking over another workspace's login: %v", err)
	}
}
