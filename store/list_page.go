package store

import (
	"context"
	"strings"

	"holdfast"
)

// listSource describes where a list's ids come from: a table (or join) whose
// created/id columns are covered by an index that starts with the where
// columns, so both the count and the page read the index only.
type listSource struct {
	table   string
	created string // column holding the object's created_at
	id      string // column holding the object's id
	where   []string
	args    []any
	// counter, when set, is an exact maintained count of the list (see
	// counter.go), read instead of COUNT(*) unless a created_at range applies.
	counter *counterKey
}

// pageIDs returns the ids of one page of src, newest first, plus the total
// (page mode) or has_more (cursor mode).
//
// Deep page-mode pages are the expensive case of OFFSET pagination: the
// database walks every skipped index entry. Two things keep that bounded:
// only ids are selected (an index-only walk, rows are fetched for the page
// alone), and a page in the older half of the list is read from the oldest
// end instead, so no page ever skips more than half the list.
func (s *Store) pageIDs(ctx context.Context, src listSource, q ListQuery) (ids []string, total int64, hasMore bool, err error) {
	where, args := keyset(q, src.created, src.id, src.where, src.args)
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	if q.Count {
		if total, err = s.countList(ctx, src, q, where, args); err != nil {
			return nil, 0, false, err
		}
		off := int64(q.Offset)
		if off >= total {
			return []string{}, total, false, nil
		}
		if n := total - off - int64(limit); off > total/2 && n >= 0 {
			// Older half: the same page read from the oldest end.
			ids, err = s.selectIDs(ctx, src, where, args, "ASC", limit, n)
			for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
				ids[i], ids[j] = ids[j], ids[i]
			}
			return ids, total, false, err
		} else if off > total/2 {
			// The last, partial page: everything older than the offset.
			ids, err = s.selectIDs(ctx, src, where, args, "ASC", int(total-off), 0)
			for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
				ids[i], ids[j] = ids[j], ids[i]
			}
			return ids, total, false, err
		}
		ids, err = s.selectIDs(ctx, src, where, args, "DESC", limit, off)
		return ids, total, false, err
	}
	// Cursor mode: one look-ahead row tells has_more.
	ids, err = s.selectIDs(ctx, src, where, args, "DESC", limit+1, int64(q.Offset))
	if err != nil {
		return nil, 0, false, err
	}
	if len(ids) > limit {
		return ids[:limit], 0, true, nil
	}
	return ids, 0, false, nil
}

func (s *Store) selectIDs(ctx context.Context, src listSource, where []string, args []any, dir string, limit int, offset int64) ([]string, error) {
	q := `SELECT ` + src.id + ` FROM ` + src.table + whereSQL(where) +
		` ORDER BY ` + src.created + ` ` + dir + `, ` + src.id + ` ` + dir + ` LIMIT ? OFFSET ?`
	rows, err := s.query(ctx, q, append(append([]any{}, args...), limit, offset)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]string, 0, limit)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (s *Store) countList(ctx context.Context, src listSource, q ListQuery, where []string, args []any) (int64, error) {
	if src.counter != nil && q.CreatedAfter == nil && q.CreatedBefore == nil {
		return s.readCounter(ctx, *src.counter)
	}
	var n int64
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM `+src.table+whereSQL(where), args...).Scan(&n)
	return n, err
}

// keyset appends the created_after/created_before range and the cursor
// position for the given columns. The cursor condition is written as
// `created <= c AND (created < c OR id < i)` rather than the plain OR so the
// leading range is an index range on both databases, keeping deep cursor
// pages as fast as the first.
func keyset(q ListQuery, created, id string, where []string, args []any) ([]string, []any) {
	where = append([]string{}, where...)
	args = append([]any{}, args...)
	if q.CreatedAfter != nil {
		where = append(where, created+" > ?")
		args = append(args, holdfast.Micros(*q.CreatedAfter))
	}
	if q.CreatedBefore != nil {
		where = append(where, created+" < ?")
		args = append(args, holdfast.Micros(*q.CreatedBefore))
	}
	if q.After != nil {
		where = append(where, created+" <= ?", "("+created+" < ? OR "+id+" < ?)")
		args = append(args, q.After.CreatedAt, q.After.CreatedAt, q.After.ID)
	}
	return where, args
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// anySlice converts ids to query arguments.
func anySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// byIDs loads the rows of ids from table and returns them in the order of
// ids (the order the page query chose); rows that vanished meanwhile are skipped.
func byIDs[T any](ctx context.Context, s *Store, table, cols string, ids []string, scan func(interface{ Scan(...any) error }) (*T, error), idOf func(*T) string) ([]T, error) {
	out := make([]T, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, `SELECT `+cols+` FROM `+table+` WHERE id IN (`+placeholders(len(ids))+`)`, anySlice(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[string]*T, len(ids))
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		found[idOf(v)] = v
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if v, ok := found[id]; ok {
			out = append(out, *v)
		}
	}
	return out, nil
}
