package holdfast

import (
	"context"
	"time"
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

// CustomerEraser is the store's part of deleting a customer; *store.Store
// implements it.
type CustomerEraser interface {
	// InTx runs fn in one transaction carried by its ctx (or joins ctx's).
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// EraseCustomer erases a live customer's personal data and marks it
	// deleted. Returns ENOTFOUND when there is no such live customer.
	EraseCustomer(ctx context.Context, wsID string, mode Mode, id string, now time.Time) (*DeletedCustomer, error)
	// RecordEvent records an event (and queues its webhook deliveries).
	RecordEvent(ctx context.Context, wsID string, mode Mode, typ, objectID string, obj any, now time.Time) (*Event, error)
}

// DeleteCustomer is the one use case behind DELETE /v1/customers/:id and
// Stripe's customer.deleted: it erases the customer's personal data (email,
// name, metadata, tags, the addresses and texts of the dunning emails sent to
// them, cancel-flow feedback), ends its in-flight recoveries as abandoned
// through recov (when not nil) and records customer.deleted, all in one
// transaction. Payments and recoveries keep their amounts and outcomes
// (anonymous aggregates), so stats do not change retroactively.
//
// Returns ENOTFOUND when the customer does not exist in the workspace and
// mode, or is already deleted (a second DELETE is a 404).
func DeleteCustomer(ctx context.Context, st CustomerEraser, recov RecoveryEvents, wsID string, mode Mode, id string, now time.Time) (*DeletedCustomer, error) {
	var out *DeletedCustomer
	err := st.InTx(ctx, func(ctx context.Context) error {
		del, err := st.EraseCustomer(ctx, wsID, mode, id, now)
		if err != nil {
			return err
		}
		if recov != nil {
			if err := recov.CustomerDeleted(ctx, wsID, mode, id, now); err != nil {
				return err
			}
		}
		if _, err := st.RecordEvent(ctx, wsID, mode, EventCustomerDeleted, id, del, now); err != nil {
			return err
		}
		out = del
		return nil
	})
	return out, err
}
