package store

import (
	"context"

	"holdfast"
)

// EventFilter narrows ListEvents; zero fields match everything.
type EventFilter struct {
	Type     string
	ObjectID string
}

// ListEvents returns one page of a workspace's event log in a mode, newest
// first (/v1/events). Type validation is the caller's: an unknown type simply
// matches nothing here.
func (s *Store) ListEvents(ctx context.Context, wsID string, mode holdfast.Mode, f EventFilter, q ListQuery) (Listed[*holdfast.Event], error) {
	where, args := q.filter("", []string{"workspace_id = ?", "livemode = ?"}, []any{wsID, mode.Livemode()})
	if f.Type != "" {
		where, args = append(where, "type = ?"), append(args, f.Type)
	}
	if f.ObjectID != "" {
		where, args = append(where, "object_id = ?"), append(args, f.ObjectID)
	}
	var out Listed[*holdfast.Event]
	if q.Count {
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM events`+whereSQL(where), args...).Scan(&out.Total); err != nil {
			return out, err
		}
	}
	page, pargs := q.page("")
	rows, err := s.query(ctx, `SELECT `+eventCols+` FROM events`+whereSQL(where)+page, append(args, pargs...)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return out, err
		}
		out.Data = append(out.Data, ev)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if !q.Count {
		out.Data, out.HasMore = trim(out.Data, q)
	}
	return out, nil
}
