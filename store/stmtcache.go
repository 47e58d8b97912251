package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements by query text, for stores that run
// the same few statements very many times (the simulator's scratch
// database): SQLite then parses each statement once per connection instead
// of on every call. Off (nil) for ordinary stores.
type stmtCache struct {
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending []string // seen inside a transaction, prepared at the next call outside one
}

// maxCachedStmts bounds the cache; statements past it simply run unprepared.
const maxCachedStmts = 1024

// prepared returns q prepared (bound to the transaction, when there is
// one), or nil when the store keeps no cache or q could not be prepared.
func (c Conn) prepared(ctx context.Context, q string) *sql.Stmt {
	sc := c.s.stmts
	if sc == nil {
		return nil
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	st, ok := sc.stmts[q]
	if !ok && len(sc.stmts)+len(sc.pending) < maxCachedStmts {
		if c.tx != nil {
			// Preparing needs a connection, and the scratch store has one:
			// the transaction's. Prepare it once the transaction is over.
			sc.pending = append(sc.pending, q)
			sc.stmts[q] = nil
			return nil
		}
		sc.stmts[q] = c.s.prepare(ctx, q)
		st = sc.stmts[q]
	}
	if c.tx == nil && len(sc.pending) > 0 {
		for _, p := range sc.pending {
			sc.stmts[p] = c.s.prepare(ctx, p)
		}
		sc.pending = sc.pending[:0]
	}
	if st == nil {
		return nil
	}
	if c.tx != nil {
		return c.tx.StmtContext(ctx, st)
	}
	return st
}

// prepare prepares q on the pool; nil when it cannot be prepared.
func (s *Store) prepare(ctx context.Context, q string) *sql.Stmt {
	st, err := s.db.PrepareContext(ctx, s.rebind(q))
	if err != nil {
		return nil
	}
	return st
}
