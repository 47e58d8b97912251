//go:build unix

package store_test

import (
	"context"
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
