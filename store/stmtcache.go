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
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
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
	st, ok := sc.stmts[q]
	if !ok && len(sc.stmts) < maxCachedStmts {
		var err error
		if st, err = c.s.db.PrepareContext(ctx, c.s.rebind(q)); err != nil {
			st = nil
		}
		sc.stmts[q] = st
	}
	sc.mu.Unlock()
	if st == nil {
		return nil
	}
	if c.tx != nil {
		return c.tx.StmtContext(ctx, st)
	}
	return st
}
