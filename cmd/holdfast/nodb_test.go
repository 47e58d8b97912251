package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"holdfast/store/storetest"
)

// TestAdminCommandsRefuseToCreateADatabase: commands other than serve,
// migrate and workspace create, pointed at a database that does not exist
// (or a PostgreSQL schema without Holdfast's tables), change nothing, create
// no file, and name the database they looked at; a missing workspace in an
// existing database names it too.
func TestAdminCommandsRefuseToCreateADatabase(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			c := &cliEnv{t: t, env: map[string]string{"HOLDFAST_DATABASE_URL": storetest.URL(t, backend), "HOLDFAST_SECRET_KEY": "k-for-tests"}}
			dbPath, isFile := strings.CutPrefix(c.env["HOLDFAST_DATABASE_URL"], "sqlite://")
			want := "no Holdfast database at "
			if isFile {
				want += "sqlite://" + dbPath
			}
			for _, args := range [][]string{
				{"workspace", "show", "ws_nope"},
				{"workspace", "update", "ws_nope", "--plan", "enterprise"},
				{"key", "list", "--workspace", "ws_nope"},
				{"key", "create", "--workspace", "ws_nope", "--mode", "test"},
				{"key", "revoke", "key_nope"},
				{"key", "rotate", "key_nope"},
				{"user", "create", "--workspace", "ws_nope", "--email", "a@example.com"},
				{"user", "reset", "--email", "a@example.com"},
				{"stripe", "sync", "--workspace", "ws_nope", "--mode", "test"},
			} {
				code, out, errs := c.run(args...)
				if code == 0 || out != "" || !strings.Contains(errs, want) {
					t.Errorf("%v: exit %d, stdout %q, stderr %q (want %q)", args, code, out, errs, want)
				}
			}
			if isFile {
				entries, _ := os.ReadDir(filepath.Dir(dbPath))
				if len(entries) != 0 {
					t.Fatalf("refused commands left files behind: %v", entries)
				}
			}
			// The commands that may start a database do, and then the others work on it.
			ws := c.runJSON("workspace", "create", "--name", "Acme")
			if code, _, errs := c.run("key", "list", "--workspace", ws["id"].(string)); code != 0 {
				t.Fatalf("key list on the new database: %s", errs)
			}
			code, _, errs := c.run("workspace", "show", "ws_nope")
			if code == 0 || !strings.Contains(errs, "(database ") {
				t.Fatalf("unknown workspace does not name the database: %q", errs)
			}
			if isFile && !strings.Contains(errs, dbPath) {
				t.Fatalf("unknown workspace names another database: %q", errs)
			}
		})
	}
}

// TestKeyListTable: the plain key list is a table with a header row that
// shows each key's name, and says so when there is no key.
func TestKeyListTable(t *testing.T) {
	c := newCLI(t)
	ws := c.runJSON("workspace", "create", "--name", "Acme")["id"].(string)
	if code, out, _ := c.run("key", "list", "--workspace", ws); code != 0 || !strings.HasPrefix(out, "no keys in workspace "+ws) {
		t.Fatalf("empty list: %d %q", code, out)
	}
	c.runJSON("key", "create", "--workspace", ws, "--mode", "test", "--name", "CI deploy", "--scopes", "read,write")
	c.runJSON("key", "create", "--workspace", ws, "--mode", "live", "--publishable")
	code, out, errs := c.run("key", "list", "--workspace", ws)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if code != 0 || len(lines) != 3 {
		t.Fatalf("key list: %d %q %s", code, out, errs)
	}
	header := strings.Fields(lines[0])
	if strings.Join(header[:7], " ") != "ID NAME MODE KIND SCOPES TOKEN STATE" {
		t.Fatalf("header %q", lines[0])
	}
	// Columns line up under the header.
	nameCol := strings.Index(lines[0], "NAME")
	var named string
	for _, l := range lines[1:] {
		if strings.Contains(l, "read,write") {
			named = l
		}
	}
	if !strings.HasPrefix(named[nameCol:], "CI deploy ") || !strings.Contains(named, "hf_test_") || !strings.Contains(named, "active") {
		t.Fatalf("row %q under header %q", named, lines[0])
	}
}
