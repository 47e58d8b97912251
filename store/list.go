package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"holdfast"
)

// ListQuery selects one page of a newest-first list. Page mode uses
// Limit/Offset (and Count for the total); cursor mode uses After, the
// (created_at, id) position of the last object already seen, which keeps
// paging stable while rows are inserted and when timestamps collide.
type ListQuery struct {
	Limit         int
	Offset        int
	After         *Cursor
	CreatedAfter  *time.Time // strictly after
	CreatedBefore *time.Time // strictly before
	Count         bool
	// AsOf, for cancel sessions, is the moment the list is read: a session
	// in progress past its expires_at is listed (and filtered) as abandoned,
	// without writing (holdfast.CancelSession.At). Zero lists rows as stored.
	AsOf time.Time
}

// Cursor is a position in a newest-first list.
type Cursor struct {
	CreatedAt int64 // Unix µs
	ID        string
}

// EncodeCursor renders an opaque cursor for /api/v1.
func EncodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt, 10) + ":" + c.ID))
}

// DecodeCursor parses an opaque cursor; EVALIDATION (param "cursor") when malformed.
func DecodeCursor(s string) (Cursor, error) {
	bad := holdfast.ParamError("cursor", "Malformed cursor %q.", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, bad
	}
	ts, id, ok := strings.Cut(string(raw), ":")
	if !ok || id == "" {
		return Cursor{}, bad
	}
	us, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return Cursor{}, bad
	}
	return Cursor{CreatedAt: us, ID: id}, nil
}

// CursorOf returns the cursor positioned at an object.
func CursorOf(createdAt time.Time, id string) Cursor {
	return Cursor{CreatedAt: holdfast.Micros(createdAt), ID: id}
}

// filter appends the range and cursor conditions for a table whose columns
// are `created_at` and `id` (prefixed with alias when given).
func (q ListQuery) filter(alias string, where []string, args []any) ([]string, []any) {
	col := func(c string) string {
		if alias != "" {
			return alias + "." + c
		}
		return c
	}
	if q.CreatedAfter != nil {
		where = append(where, col("created_at")+" > ?")
		args = append(args, holdfast.Micros(*q.CreatedAfter))
	}
	if q.CreatedBefore != nil {
		where = append(where, col("created_at")+" < ?")
		args = append(args, holdfast.Micros(*q.CreatedBefore))
	}
	if q.After != nil {
		// Same as created_at < c OR (created_at = c AND id < i), written so the
		// leading created_at <= c is an index range: deep cursor pages stay as
		// fast as the first (the plain OR form walks the skipped entries).
		where = append(where, col("created_at")+" <= ?", "("+col("created_at")+" < ? OR "+col("id")+" < ?)")
		args = append(args, q.After.CreatedAt, q.After.CreatedAt, q.After.ID)
	}
	return where, args
}

// page appends ORDER BY newest first and LIMIT/OFFSET. Without Count (cursor
// mode) it fetches one extra row so trim can tell has_more.
func (q ListQuery) page(alias string) (string, []any) {
	col := func(c string) string {
		if alias != "" {
			return alias + "." + c
		}
		return c
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	if !q.Count {
		limit++ // cursor mode: a look-ahead row tells has_more
	}
	return " ORDER BY " + col("created_at") + " DESC, " + col("id") + " DESC LIMIT ? OFFSET ?", []any{limit, q.Offset}
}

// Listed is one page of results.
type Listed[T any] struct {
	Data    []T
	Total   int64 // only when ListQuery.Count
	HasMore bool
}

// trim cuts the look-ahead row and sets HasMore.
func trim[T any](items []T, q ListQuery) ([]T, bool) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}

// whereSQL joins conditions.
func whereSQL(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// queryIDs runs a query whose single column is an id and collects the ids.
func (s *Store) queryIDs(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return collectIDs(rows)
}

// collectIDs reads (and closes) rows whose single column is an id.
func collectIDs(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
