package stripe

import (
	"context"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast/store"
)

// card mirrors a synced customer's default card (issue 15). The list asks
// Stripe to expand it; when it still comes as a bare id (an older API
// version, a fake) and that payment method was never mirrored, it is fetched.
// A failed fetch is logged and leaves the card's details blank: the next
// payment_method or customer event fills them in.
func (s *syncRun) card(ctx context.Context, o obj, snap store.CustomerSnapshot, at time.Time) error {
	pmID := snap.DefaultPaymentMethod
	if pmID == "" {
		return nil
	}
	pm := o.obj("invoice_settings", "default_payment_method")
	if pm == nil {
		if _, known, err := s.in.store.PaymentMethodCard(ctx, s.ws, s.mode, pmID); err != nil {
			return err
		} else if !known {
			pm = s.fetchPaymentMethod(ctx, pmID)
		}
	}
	return s.in.retryTx(ctx, func(ctx context.Context) error {
		c := &call{in: s.in, ws: s.ws, mode: s.mode, ev: &Event{Type: "sync", Object: o, Created: at}}
		var err error
		if c.now, err = s.in.now(ctx, s.ws, s.mode); err != nil {
			return err
		}
		cus, err := s.in.store.CustomerByProviderID(ctx, s.ws, s.mode, snap.ProviderID)
		if err != nil || cus.Deleted {
			return err
		}
		card, _, err := c.mirrorPaymentMethod(ctx, pm, pmID, snap.ProviderID)
		if err != nil {
			return err
		}
		ok, err := s.in.store.MirrorCustomerCard(ctx, cus.ID, card, at, "")
		if err != nil || !ok {
			return err
		}
		return c.billingChanged(ctx, cus.ID)
	})
}

// fetchPaymentMethod retrieves one payment method; nil when that fails.
func (s *syncRun) fetchPaymentMethod(ctx context.Context, id string) obj {
	if s.sc == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	got, err := s.sc.V1PaymentMethods.Retrieve(ctx, id, nil)
	o, err := rawObj(err, func() *stripego.APIResponse { return got.LastResponse })
	if err != nil {
		s.in.log.Warn("stripe payment method look-up failed", "workspace", s.ws, "mode", s.mode, "payment_method", id, "err", err)
		return nil
	}
	if o.str("type") != "" && o.str("type") != "card" {
		return nil
	}
	return o
}
