package engine

import (
	"context"
	"time"

	"holdfast"
)

// The provider events that end or wake a recovery. Each runs in the
// caller's transaction (the ingester's, or the customer-deletion handler's),
// so the mirrored change and its consequence commit together.

// InvoicePaid ends the invoice's recovery as recovered: by our retry when one
// is in flight (Stripe's invoice.paid can overtake our own answer), else by
// the customer. A recovery that was lost because its steps ran out is
// recovered too when the customer pays later; a canceled one stays canceled.
func (e *Engine) InvoicePaid(ctx context.Context, wsID string, mode holdfast.Mode, invoice string, _ time.Time) error {
	return e.st.InTx(ctx, func(ctx context.Context) error {
		r, err := e.runByInvoice(ctx, wsID, mode, invoice)
		if r == nil || err != nil {
			return err
		}
		if st := r.rs.Status; st != holdfast.RecoveryInFlight && st != holdfast.RecoveryLost {
			return nil
		}
		by := "customer"
		atts, err := e.st.PaymentAttempts(ctx, r.pay.ID)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if a.State == holdfast.AttemptStarted || a.Outcome == holdfast.OutcomeSucceeded {
				by = "retry"
			}
		}
		return e.end(ctx, r, holdfast.RecoveryRecovered, by)
	})
}

// InvoiceLost ends the invoice's in-flight recovery as lost (voided,
// marked uncollectible).
func (e *Engine) InvoiceLost(ctx context.Context, wsID string, mode holdfast.Mode, invoice, _ string, _ time.Time) error {
	return e.st.InTx(ctx, func(ctx context.Context) error {
		r, err := e.runByInvoice(ctx, wsID, mode, invoice)
		if r == nil || err != nil || r.rs.Status != holdfast.RecoveryInFlight {
			return err
		}
		return e.end(ctx, r, holdfast.RecoveryLost, "")
	})
}

// SubscriptionEndedUnpaid ends the in-flight recoveries of a Stripe
// subscription's payments as lost (canceled for non-payment).
func (e *Engine) SubscriptionEndedUnpaid(ctx context.Context, wsID string, mode holdfast.Mode, subscription string, _ time.Time) error {
	if subscription == "" {
		return nil
	}
	return e.endAll(ctx, wsID, mode, "", subscription, holdfast.RecoveryLost)
}

// CustomerDeleted ends a customer's in-flight recoveries as abandoned and
// erases the personal data kept on their dunning sends.
func (e *Engine) CustomerDeleted(ctx context.Context, wsID string, mode holdfast.Mode, customerID string, _ time.Time) error {
	return e.st.InTx(ctx, func(ctx context.Context) error {
		if err := e.endAll(ctx, wsID, mode, customerID, "", holdfast.RecoveryAbandoned); err != nil {
			return err
		}
		return e.st.EraseCustomerSends(ctx, customerID, "not sent: the customer was deleted")
	})
}

// CardUpdated records a customer's new payment method and retries their
// pending payments at once (in test mode within this transaction; in live
// mode right after it commits).
func (e *Engine) CardUpdated(ctx context.Context, wsID string, mode holdfast.Mode, customerID string, card holdfast.Card, _ time.Time) error {
	return e.st.InTx(ctx, func(ctx context.Context) error {
		now, err := e.modeNow(ctx, wsID, mode)
		if err != nil {
			return err
		}
		c, err := e.st.GetCustomer(ctx, wsID, mode, customerID)
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		if err := e.st.RecordCardUpdate(ctx, c.ID, card, now); err != nil {
			return err
		}
		if err := e.st.AdoptCustomerPayments(ctx, wsID, mode, c.ID, c.ProviderID); err != nil {
			return err
		}
		ids, err := e.st.InFlightRecoveries(ctx, wsID, mode, c.ID, "")
		if err != nil {
			return err
		}
		for _, id := range ids {
			r, err := e.loadRun(ctx, id, now, false)
			if err != nil {
				return err
			}
			if err := e.advance(ctx, r); err != nil {
				return err
			}
		}
		if len(ids) > 0 && mode == holdfast.ModeLive {
			e.kickSoon()
		}
		return nil
	})
}

// endAll ends the in-flight recoveries of a customer or a subscription.
func (e *Engine) endAll(ctx context.Context, wsID string, mode holdfast.Mode, customerID, subscription, status string) error {
	return e.st.InTx(ctx, func(ctx context.Context) error {
		ids, err := e.st.InFlightRecoveries(ctx, wsID, mode, customerID, subscription)
		if err != nil {
			return err
		}
		now, err := e.modeNow(ctx, wsID, mode)
		if err != nil {
			return err
		}
		for _, id := range ids {
			r, err := e.loadRun(ctx, id, now, false)
			if err != nil {
				return err
			}
			if r.rs.Status != holdfast.RecoveryInFlight {
				continue
			}
			if err := e.end(ctx, r, status, ""); err != nil {
				return err
			}
		}
		return nil
	})
}

// runByInvoice loads and locks the recovery of an invoice's payment; nil
// when the invoice has none.
func (e *Engine) runByInvoice(ctx context.Context, wsID string, mode holdfast.Mode, invoice string) (*run, error) {
	p, err := e.st.PaymentByInvoice(ctx, wsID, mode, invoice)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND || (err == nil && p.Recovery == "") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now, err := e.modeNow(ctx, wsID, mode)
	if err != nil {
		return nil, err
	}
	return e.loadRun(ctx, p.Recovery, now, false)
}
