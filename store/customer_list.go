package store

import (
	"context"
	"strings"

	"holdfast"
)

// CustomerFilter narrows ListCustomers. Empty fields do not filter.
type CustomerFilter struct {
	// Email matches exactly, ignoring case (through the email_lower column).
	Email string
	// Tag keeps customers carrying this tag (through customer_tags).
	Tag string
}

// ListCustomers returns a newest-first page of a workspace's customers in one
// mode; erased (deleted) customers never appear. Page mode (q.Count) also
// returns the total; cursor mode (q.After) pages by (created_at, id).
//
// Each filter reads its own index: the partial customers_live index for the
// plain list, customers_email for email and customer_tags_list for a tag, so
// no common filter scans the table. Deep pages select ids first from the
// index alone and join the rows afterwards (see pageIDs).
func (s *Store) ListCustomers(ctx context.Context, wsID string, mode holdfast.Mode, f CustomerFilter, q ListQuery) (Listed[holdfast.Customer], error) {
	var out Listed[holdfast.Customer]
	var src listSource
	switch {
	case f.Tag != "":
		src = listSource{
			table: "customer_tags t", created: "t.created_at", id: "t.customer_id",
			where: []string{"t.workspace_id = ?", "t.livemode = ?", "t.tag = ?"},
			args:  []any{wsID, mode.Livemode(), f.Tag},
		}
		if f.Email != "" {
			src.table += " JOIN customers c ON c.id = t.customer_id"
			src.where = append(src.where, "c.email_lower = ?")
			src.args = append(src.args, strings.ToLower(strings.TrimSpace(f.Email)))
		} else {
			src.counter = &counterKey{wsID, mode, counterTagPrefix + f.Tag}
		}
		// Erasure deletes a customer's tag rows, so every tag row is live.
	case f.Email != "":
		src = listSource{
			table: "customers", created: "created_at", id: "id",
			where: []string{"workspace_id = ?", "livemode = ?", "email_lower = ?", "deleted_at IS NULL"},
			args:  []any{wsID, mode.Livemode(), strings.ToLower(strings.TrimSpace(f.Email))},
		}
	default:
		src = listSource{
			table: "customers", created: "created_at", id: "id",
			where: []string{"workspace_id = ?", "livemode = ?", "deleted_at IS NULL"},
			args:  []any{wsID, mode.Livemode()},
		}
		src.counter = &counterKey{wsID, mode, counterCustomers}
	}
	ids, total, hasMore, err := s.pageIDs(ctx, src, q)
	if err != nil {
		return out, err
	}
	out.Total, out.HasMore = total, hasMore
	out.Data, err = byIDs(ctx, s, "customers", customerCols, ids, scanCustomer, func(c *holdfast.Customer) string { return c.ID })
	return out, err
}
