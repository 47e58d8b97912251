package store

import (
	"context"

	"holdfast"
)

// PaymentFilter narrows ListPayments. Empty fields do not filter.
type PaymentFilter struct {
	Status   string // pending | recovered | failed | canceled
	Customer string // our customer id (cus_…)
}

// ListPayments returns a newest-first page of a workspace's payments in one
// mode. Every filter has its own index (payments_list, payments_status,
// payments_customer), so the page reads an index range; totals of the whole
// list and of each status are maintained counts, a customer's a small COUNT.
func (s *Store) ListPayments(ctx context.Context, wsID string, mode holdfast.Mode, f PaymentFilter, q ListQuery) (Listed[holdfast.Payment], error) {
	src := listSource{
		table: "payments", created: "created_at", id: "id",
		where: []string{"workspace_id = ?", "livemode = ?"},
		args:  []any{wsID, mode.Livemode()},
	}
	if f.Status != "" {
		src.where = append(src.where, "status = ?")
		src.args = append(src.args, f.Status)
	}
	if f.Customer != "" {
		src.where = append(src.where, "customer_id = ?")
		src.args = append(src.args, f.Customer)
	} else if f.Status != "" {
		src.counter = &counterKey{wsID, mode, counterPayments + ":" + f.Status}
	} else {
		src.counter = &counterKey{wsID, mode, counterPayments}
	}
	var out Listed[holdfast.Payment]
	ids, total, hasMore, err := s.pageIDs(ctx, src, q)
	if err != nil {
		return out, err
	}
	out.Total, out.HasMore = total, hasMore
	out.Data, err = byIDs(ctx, s, "payments", paymentCols, ids, scanPayment, func(p *holdfast.Payment) string { return p.ID })
	return out, err
}
