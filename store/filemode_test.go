//go:build unix

package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"holdfast/secretbox"
	"holdfast/store"
)

// TestSQLiteFilesPrivate: the database, its WAL and shared-memory files and
// the secret-key file beside it are created readable by the owner only, even
// under the usual 022 umask that would leave them world-readable.
func TestSQLiteFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "holdfast.db")
	st, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := secretbox.LoadOrCreateKeyFile(secretbox.KeyFilePath(st.Path)); err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil { // writes, so the WAL and SHM files exist
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", secretbox.KeyFilePath(st.Path)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", filepath.Base(p), m)
		}
	}
}

// TestSQLitePragmas: every pooled connection carries the settings Open
// promises (the DSN applies them per connection, so a second connection is
// checked too).
func TestSQLitePragmas(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "holdfast.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := map[string]int64{"journal_size_limit": 64 << 20, "cache_size": -32768, "foreign_keys": 1, "busy_timeout": 10000}
	c1, err := st.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := st.DB().Conn(ctx) // held at once with c1: a distinct connection
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	for _, c := range []interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}{c1, c2} {
		for name, v := range want {
			var got int64
			if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil {
				t.Fatal(name, err)
			}
			if got != v {
				t.Errorf("PRAGMA %s = %d, want %d", name, got, v)
			}
		}
	}
}
