package store

import (
	"context"
	"time"

	"holdfast"
)

// DeletedCustomer is what DELETE /v1/customers/:id returns and what the
// customer.deleted event carries: no personal data is left to show.
type DeletedCustomer struct {
	ID         string `json:"id"`
	Object     string `json:"object"` // "customer"
	Livemode   bool   `json:"livemode"`
	ProviderID string `json:"provider_id"`
	Deleted    bool   `json:"deleted"`
}

// DeleteCustomer erases a live customer's personal data (email, name,
// metadata, tags, and the addresses and texts of the dunning emails sent to
// them, plus cancel-flow feedback) and marks the customer deleted; recov
// (when not nil) ends its in-flight recoveries as abandoned; a
// customer.deleted event is recorded. All of it commits in one transaction.
// Payments and recoveries keep their amounts and outcomes (anonymous
// aggregates), so stats do not change retroactively.
//
// Returns ENOTFOUND when the customer does not exist in the workspace and
// mode, or is already deleted (a second DELETE is a 404).
func (s *Store) DeleteCustomer(ctx context.Context, wsID string, mode holdfast.Mode, id string, recov holdfast.RecoveryEvents, now time.Time) (*DeletedCustomer, error) {
	var out *DeletedCustomer
	err := s.InTx(ctx, func(ctx context.Context) error {
		// The conditional UPDATE is the lock: of two concurrent deletes one
		// changes the row and the other finds it already deleted.
		res, err := s.exec(ctx, `UPDATE customers SET email = NULL, email_lower = NULL, name = NULL, metadata = '{}', tags = '[]',
			deleted_at = ?, updated_at = ? WHERE id = ? AND workspace_id = ? AND livemode = ? AND deleted_at IS NULL`,
			holdfast.Micros(now), holdfast.Micros(now), id, wsID, mode.Livemode())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return holdfast.NotFound("customer", id)
		}
		var providerID string
		if err := s.queryRow(ctx, `SELECT provider_id FROM customers WHERE id = ?`, id).Scan(&providerID); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM customer_tags WHERE customer_id = ?`,
			`UPDATE dunning_sends SET to_addr = '', subject = '', body_text = '', body_html = '' WHERE customer_id = ?`,
			`UPDATE cancel_sessions SET feedback = NULL WHERE customer_id = ?`,
		} {
			if _, err := s.exec(ctx, q, id); err != nil {
				return err
			}
		}
		if recov != nil {
			if err := recov.CustomerDeleted(ctx, wsID, mode, id, now); err != nil {
				return err
			}
		}
		out = &DeletedCustomer{ID: id, Object: "customer", Livemode: mode.Livemode(), ProviderID: providerID, Deleted: true}
		_, err = s.RecordEvent(ctx, wsID, mode, holdfast.EventCustomerDeleted, id, out, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
