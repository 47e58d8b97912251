// Package storetest opens real databases for tests: a fresh SQLite file, and
// (when HOLDFAST_TEST_DATABASE_URL is set) a fresh PostgreSQL schema, so one
// test body runs against both implementations.
package storetest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"holdfast"
	"holdfast/secretbox"
	"holdfast/store"
)

// PostgresEnv names the variable holding a PostgreSQL URL for tests.
const PostgresEnv = "HOLDFAST_TEST_DATABASE_URL"

// Backends lists the databases tests run against here.
func Backends() []string {
	if os.Getenv(PostgresEnv) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs fn once per available database as a subtest named after it. When
// PostgreSQL is not configured it says so once per test.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	EachNodes(t, 1, func(t *testing.T, nodes []*store.Store) { fn(t, nodes[0]) })
}

// EachNodes is Each with n stores on one database (see Nodes): n servers'
// connection pools, for tests of what must hold across processes.
func EachNodes(t *testing.T, n int, fn func(t *testing.T, nodes []*store.Store)) {
	t.Helper()
	if os.Getenv(PostgresEnv) == "" {
		if os.Getenv("HOLDFAST_REQUIRE_POSTGRES") != "" {
			t.Fatalf("HOLDFAST_REQUIRE_POSTGRES is set but %s is empty: PostgreSQL tests would be skipped", PostgresEnv)
		}
		t.Logf("%s not set; PostgreSQL variant skipped", PostgresEnv)
	}
	for _, b := range Backends() {
		t.Run(b, func(t *testing.T) {
			fn(t, Nodes(t, b, n))
		})
	}
}

// Open returns a migrated store on a fresh database of the named backend.
func Open(t testing.TB, backend string) *store.Store {
	t.Helper()
	return Nodes(t, backend, 1)[0]
}

// Nodes returns n stores (n connection pools, as n server processes would
// have) on one fresh, migrated database of the backend.
func Nodes(t testing.TB, backend string, n int) []*store.Store {
	t.Helper()
	u := URL(t, backend)
	ctx := context.Background()
	nodes := make([]*store.Store, n)
	for i := range nodes {
		s, err := store.Open(ctx, u)
		if err != nil {
			t.Fatalf("open %s: %v", backend, err)
		}
		t.Cleanup(func() { s.Close() })
		box, _ := secretbox.New("test-secret-key")
		s.SetSecretBox(box)
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrate %s: %v", backend, err)
		}
		nodes[i] = s
	}
	return nodes
}

// URL returns a database URL for a fresh, empty database of the backend
// (an SQLite file in a temp dir, or a new PostgreSQL schema dropped at cleanup).
func URL(t testing.TB, backend string) string {
	t.Helper()
	switch backend {
	case "sqlite":
		return "sqlite://" + filepath.Join(t.TempDir(), "holdfast.db")
	case "postgres":
		base := os.Getenv(PostgresEnv)
		if base == "" {
			t.Skipf("%s not set; skipping PostgreSQL", PostgresEnv)
		}
		schema := "hf_" + strings.ToLower(holdfast.RandomBase62(12))
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			db, err := sql.Open("pgx", base)
			if err == nil {
				_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
				db.Close()
			}
		})
		pu, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := pu.Query()
		q.Set("search_path", schema)
		pu.RawQuery = q.Encode()
		return pu.String()
	}
	t.Fatalf("unknown backend %q", backend)
	return ""
}
