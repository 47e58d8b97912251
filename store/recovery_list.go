package store

import (
	"context"

	"holdfast"
)

// ListRecoveries returns a newest-first page of a workspace's recoveries in
// one mode (the /api/v1 "campaigns"), optionally only those with status.
// It reads recoveries_list or recoveries_status.
func (s *Store) ListRecoveries(ctx context.Context, wsID string, mode holdfast.Mode, status string, q ListQuery) (Listed[holdfast.Recovery], error) {
	src := listSource{
		table: "recoveries", created: "created_at", id: "id",
		where: []string{"workspace_id = ?", "livemode = ?"},
		args:  []any{wsID, mode.Livemode()},
	}
	if status != "" {
		src.where = append(src.where, "status = ?")
		src.args = append(src.args, status)
	}
	var out Listed[holdfast.Recovery]
	ids, total, hasMore, err := s.pageIDs(ctx, src, q)
	if err != nil {
		return out, err
	}
	out.Total, out.HasMore = total, hasMore
	out.Data, err = byIDs(ctx, s, "recoveries", recoveryCols, ids, scanRecovery, func(r *holdfast.Recovery) string { return r.ID })
	return out, err
}
