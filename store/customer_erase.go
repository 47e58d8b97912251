package store

import (
	"context"
	"time"

	"holdfast"
)

// EraseCustomer erases a live customer's personal data (email, name,
// metadata, tags, and the addresses and texts of the dunning emails sent to
// them, plus cancel-flow feedback) and marks the customer deleted. It is the
// store's step of holdfast.DeleteCustomer, which also ends the customer's
// recoveries and records customer.deleted in the same transaction.
//
// Returns ENOTFOUND when the customer does not exist in the workspace and
// mode, or is already deleted.
func (s *Store) EraseCustomer(ctx context.Context, wsID string, mode holdfast.Mode, id string, now time.Time) (*holdfast.DeletedCustomer, error) {
	var out *holdfast.DeletedCustomer
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
		out = &holdfast.DeletedCustomer{ID: id, Object: "customer", Livemode: mode.Livemode(), ProviderID: providerID, Deleted: true}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
