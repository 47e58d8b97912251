// Package store keeps Holdfast's state in SQLite (embedded default) or
// PostgreSQL. One implementation serves both: queries are written with `?`
// placeholders and rebound for PostgreSQL, timestamps are Unix microseconds and
// JSON is TEXT, so the same SQL runs on either database.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"holdfast"
	"holdfast/secretbox"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database behind a Store.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the database handle every other package uses.
type Store struct {
	db      *sql.DB
	dialect Dialect
	// Path of the SQLite file (empty for PostgreSQL); the secret key file lives beside it.
	Path string
	// box encrypts provider secrets at rest; set with SetSecretBox.
	box *secretbox.Box

	rebindCache sync.Map // query text → rebound text for PostgreSQL

	// authGen counts changes to what authentication reads (keys,
	// workspaces, test clocks) made through this Store; see AuthGeneration.
	authGen atomic.Uint64

	stmts *stmtCache // prepared statements; only scratch stores keep them
}

// Open connects to the database named by rawURL ("sqlite://path", "sqlite::memory:"
// is not supported on purpose, "postgres://…") without migrating.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	switch {
	case isSQLiteURL(rawURL):
		path, _ := SQLitePath(rawURL)
		if path == "" {
			return nil, holdfast.Errorf(holdfast.EVALIDATION, "database url %q has no file path", rawURL)
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		// The database holds customers' personal data and hashed secrets:
		// create it readable by its owner only. SQLite gives the -wal and
		// -shm files it creates later the database file's permissions.
		if err := createPrivate(path); err != nil {
			return nil, fmt.Errorf("create database file: %w", err)
		}
		// cache_size gives each connection a 32 MiB page cache (SQLite's
		// default is 2 MiB): inserts land on random leaves of the customer
		// indexes, and with the default cache ingestion slowed as the table
		// grew (cmd/holdfast-bench -growth-to: 1.6× slower from 10k to 50k
		// customers; flat with 32 MiB). Pages are cached only as they are read.
		// WAL lets readers run beside the single writer; busy_timeout waits for
		// the writer instead of failing; _txlock=immediate takes the write lock
		// at BEGIN so two writers never deadlock upgrading read locks.
		// journal_size_limit truncates the WAL file back to 64 MiB whenever a
		// checkpoint resets it: a long ingestion burst with readers always
		// present can grow the WAL past 100 MB, and without a limit the file
		// keeps that size on disk for good.
		dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32768)&_pragma=journal_size_limit(67108864)&_txlock=immediate"
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(8)
		s := &Store{db: db, dialect: SQLite, Path: path}
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		return s, nil
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		if _, err := url.Parse(rawURL); err != nil {
			return nil, holdfast.Errorf(holdfast.EVALIDATION, "bad database url: %v", err)
		}
		db, err := sql.Open("pgx", rawURL)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(10)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect postgres: %w", err)
		}
		return &Store{db: db, dialect: Postgres}, nil
	}
	return nil, holdfast.Errorf(holdfast.EVALIDATION, "unsupported database url %q (want sqlite://PATH or postgres://…)", rawURL)
}

// createPrivate creates path empty with mode 0600 unless it exists; an
// existing file keeps its permissions (the operator may have chosen them).
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

func isSQLiteURL(rawURL string) bool {
	return strings.HasPrefix(rawURL, "sqlite://") || strings.HasPrefix(rawURL, "sqlite:") || strings.HasPrefix(rawURL, "file:")
}

// SQLitePath returns the file path of an SQLite database URL
// (sqlite://PATH, sqlite:PATH or file:PATH, query ignored); ok is false for
// other databases.
func SQLitePath(rawURL string) (path string, ok bool) {
	if !isSQLiteURL(rawURL) {
		return "", false
	}
	path = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite://"), "sqlite:"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path, true
}

// Initialized reports whether the database already holds Holdfast's tables
// (admin commands refuse to start a new database by accident).
func (s *Store) Initialized(ctx context.Context) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'workspaces'`
	if s.dialect == Postgres {
		q = `SELECT COUNT(*) FROM (SELECT to_regclass('workspaces') AS t) x WHERE t IS NOT NULL`
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// Migrate applies every embedded migration that has not run yet.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return err
	}
	d := goose.DialectSQLite3
	if s.dialect == Postgres {
		d = goose.DialectPostgres
	}
	// Out-of-order is allowed because features land in parallel with numbers from
	// separate ranges; a database migrated by a newer build must still accept an
	// older-numbered migration that lands later.
	p, err := goose.NewProvider(d, s.db, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close releases the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// Dialect reports which database this store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the pool for packages (like the job runner) that need raw access.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks the database answers; used by /readyz.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// rebind turns `?` placeholders into `$n` for PostgreSQL.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	if v, ok := s.rebindCache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	out := b.String()
	s.rebindCache.Store(q, out)
	return out
}

// SetSecretBox installs the cipher used for provider secrets.
func (s *Store) SetSecretBox(b *secretbox.Box) { s.box = b }

// SecretBox returns the cipher for provider secrets.
func (s *Store) SecretBox() *secretbox.Box { return s.box }
