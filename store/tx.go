package store

import (
	"context"
	"database/sql"
)

// Transactions travel in the context: InTx starts one (or joins the one
// already in ctx), and every store method reaches the database through
// s.conn(ctx), so steps that must happen together — across packages, e.g.
// the Stripe ingester recording an event and the engine opening a recovery —
// share one transaction simply by passing ctx along.

type txKey struct{ s *Store }

// Conn is the subset of *sql.DB / *sql.Tx the store uses, with `?`
// placeholders rebound for PostgreSQL.
type Conn struct {
	s  *Store
	q  querier
	tx *sql.Tx // nil outside a transaction
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Exec runs a statement.
func (c Conn) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := c.prepared(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, c.s.rebind(q), c.s.pgArgs(args)...)
}

// Query runs a query.
func (c Conn) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := c.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, c.s.rebind(q), c.s.pgArgs(args)...)
}

// QueryRow runs a single-row query.
func (c Conn) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := c.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, c.s.rebind(q), c.s.pgArgs(args)...)
}

// conn returns the transaction in ctx, or the pool.
func (s *Store) conn(ctx context.Context) Conn {
	if tx, ok := ctx.Value(txKey{s}).(*sql.Tx); ok {
		return Conn{s: s, q: tx, tx: tx}
	}
	return Conn{s: s, q: s.db}
}

// Conn exposes conn for sibling packages that keep their own SQL (the job
// runner); prefer store methods.
func (s *Store) Conn(ctx context.Context) Conn { return s.conn(ctx) }

// InTransaction reports whether ctx carries a transaction of this store.
func (s *Store) InTransaction(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{s}).(*sql.Tx)
	return ok
}

// InTx runs fn in a transaction carried by the ctx it receives, committing
// when fn returns nil. Inside an existing transaction it simply joins it, so
// the outermost caller decides the boundary.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.InTransaction(ctx) {
		return fn(ctx)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(context.WithValue(ctx, txKey{s}, tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// exec, query and queryRow run on the transaction in ctx, or the pool.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.conn(ctx).Exec(ctx, q, args...)
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.conn(ctx).Query(ctx, q, args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.conn(ctx).QueryRow(ctx, q, args...)
}
