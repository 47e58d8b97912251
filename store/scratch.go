package store

import (
	"context"
	"database/sql"
	"fmt"

	"holdfast"
	"holdfast/secretbox"
)

// OpenScratch opens a throwaway SQLite database at path for `holdfast
// simulate`: no fsync (synchronous=OFF), the rollback journal in memory and a
// large page cache, because a crash loses nothing worth keeping. It is
// migrated like any other database. Put path on a memory file system
// (/dev/shm) when one exists; the caller removes the file afterwards.
func OpenScratch(ctx context.Context, path string) (*Store, error) {
	dsn := "file:" + path + "?vfs=memdb&_pragma=foreign_keys(1)&_pragma=journal_mode(MEMORY)&_pragma=synchronous(OFF)" +
		"&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One writer drives the simulation; a few connections let reads made
	// outside a transaction (while one is open) proceed.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s := &Store{db: db, dialect: SQLite, Path: path, stmts: &stmtCache{stmts: map[string]*sql.Stmt{}}}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open scratch sqlite %s: %w", path, err)
	}
	// Nothing secret is kept; a throwaway key satisfies the workspace rows.
	box, err := secretbox.New("holdfast-scratch-" + holdfast.RandomBase62(16))
	if err != nil {
		db.Close()
		return nil, err
	}
	s.box = box
	if err := s.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
