package stripe

import (
	"context"
	"strings"
	"time"

	"holdfast"
	"holdfast/store"
)

// Invoice events drive recoveries: invoice.payment_failed opens one (through
// the engine, once per invoice), invoice.paid / invoice.payment_succeeded end
// it as recovered, invoice.voided / invoice.marked_uncollectible as lost.
//
// Ordering: each invoice's latest known state is kept (store.LockInvoiceState,
// which also serializes events about one invoice). Paid and void are final in
// Stripe, so a payment failure or an uncollectible mark that arrives after
// them is stale and ignored; so is a failure older than an uncollectible mark.

// Invoice states kept per invoice.
const (
	invoiceFailed        = "failed"
	invoicePaidState     = "paid"
	invoiceVoid          = "void"
	invoiceUncollectible = "uncollectible"
)

// invoiceInfo is what recovery needs from a Stripe invoice.
type invoiceInfo struct {
	ID, Customer, Subscription, PaymentIntent, Charge, HostedURL, Currency string
	CustomerEmail, CustomerName                                            *string
	Amount                                                                 int64
	Decline                                                                holdfast.Decline
	Card                                                                   holdfast.Card
}

// parseInvoice reads an invoice in the shapes of several API versions: the
// subscription at `subscription` or `parent.subscription_details`, the
// payment intent and charge at `payment_intent`/`charge` or in `payments`,
// each an id or an expanded object carrying the decline.
func parseInvoice(o obj) invoiceInfo {
	inv := invoiceInfo{
		ID:            o.id("id"),
		Customer:      o.id("customer"),
		CustomerEmail: o.strPtr("customer_email"),
		CustomerName:  o.strPtr("customer_name"),
		Subscription:  first(o.id("subscription"), o.id("parent", "subscription_details", "subscription"), o.id("subscription_details", "subscription")),
		PaymentIntent: o.id("payment_intent"),
		Charge:        o.id("charge"),
		HostedURL:     o.str("hosted_invoice_url"),
		Currency:      strings.ToLower(o.str("currency")),
		Amount:        first64(o.int("amount_remaining"), o.int("amount_due"), o.int("total")),
	}
	if inv.Subscription == "" {
		for _, line := range o.list("lines") {
			inv.Subscription = first(line.id("subscription"), line.id("parent", "subscription_item_details", "subscription"))
			if inv.Subscription != "" {
				break
			}
		}
	}
	pis, charges := []obj{o.obj("payment_intent")}, []obj{o.obj("charge")}
	for _, p := range o.list("payments") {
		inv.PaymentIntent = first(inv.PaymentIntent, p.id("payment", "payment_intent"))
		inv.Charge = first(inv.Charge, p.id("payment", "charge"))
		pis, charges = append(pis, p.obj("payment", "payment_intent")), append(charges, p.obj("payment", "charge"))
	}
	for _, pi := range pis {
		if pi != nil {
			d, c := declineFromPaymentIntent(pi)
			inv.Decline, inv.Card = mergeDecline(inv.Decline, d), mergeCard(inv.Card, c)
		}
	}
	for _, ch := range charges {
		if ch != nil {
			d, c := declineFromCharge(ch)
			inv.Decline, inv.Card = mergeDecline(inv.Decline, d), mergeCard(inv.Card, c)
		}
	}
	return inv
}

// prepareInvoiceFailure looks a missing decline up through the Stripe API
// in live mode, before the event's transaction opens (no network call ever
// holds a database lock). Test mode never calls Stripe.
func prepareInvoiceFailure(ctx context.Context, c *call) {
	if c.mode != holdfast.ModeLive {
		return
	}
	inv := parseInvoice(c.ev.Object)
	if inv.ID == "" || inv.Decline.Code != "" {
		return
	}
	if _, _, ok, err := c.in.store.FindDecline(ctx, c.ws, c.mode, inv.PaymentIntent, inv.Charge, inv.ID); ok || err != nil {
		return
	}
	c.fetched = c.in.fetchDecline(ctx, c.ws, inv)
}

func invoicePaymentFailed(ctx context.Context, c *call) error {
	inv := parseInvoice(c.ev.Object)
	if c.fetched != nil {
		inv = *c.fetched
	}
	_, err := c.openRecovery(ctx, inv, c.ev.Created)
	return err
}

// openRecovery hands a failed invoice to the engine unless a newer outcome is
// already known, reporting whether it did. Shared by invoice.payment_failed
// and the backfill sync.
func (c *call) openRecovery(ctx context.Context, inv invoiceInfo, at time.Time) (bool, error) {
	if inv.ID == "" {
		return false, nil
	}
	st, err := c.in.store.LockInvoiceState(ctx, c.ws, c.mode, inv.ID, c.now)
	if err != nil {
		return false, err
	}
	switch {
	case st.Status == invoicePaidState || st.Status == invoiceVoid:
		return false, nil // final: this failure is older news
	case st.Status == invoiceUncollectible && !st.At.Before(at):
		return false, nil
	case st.Status == "" || (st.Status == invoiceFailed && st.At.Before(at)):
		if err := c.in.store.SetInvoiceState(ctx, c.ws, c.mode, inv.ID, store.InvoiceState{Status: invoiceFailed, At: at}, c.now); err != nil {
			return false, err
		}
	}
	f := holdfast.InvoiceFailure{
		WorkspaceID: c.ws, Mode: c.mode, Invoice: inv.ID, ProviderCustomerID: inv.Customer, Subscription: inv.Subscription,
		PaymentIntent: inv.PaymentIntent, Charge: inv.Charge, Amount: inv.Amount, Currency: inv.Currency,
		HostedInvoiceURL: inv.HostedURL, Decline: inv.Decline, Card: inv.Card, ProviderTime: at,
	}
	if inv.Customer != "" {
		cus, err := c.in.store.EnsureCustomer(ctx, c.ws, c.mode, inv.Customer, inv.CustomerEmail, inv.CustomerName, c.now)
		if err != nil {
			return false, err
		}
		if !cus.Deleted {
			f.Customer = cus.ID
		}
	}
	if f.Decline.Code == "" {
		d, card, ok, err := c.in.store.FindDecline(ctx, c.ws, c.mode, inv.PaymentIntent, inv.Charge, inv.ID)
		if err != nil {
			return false, err
		}
		if ok {
			f.Decline, f.Card = mergeDecline(f.Decline, d), mergeCard(f.Card, card)
		}
	}
	if err := c.in.fail("mirrored"); err != nil {
		return false, err
	}
	eng, err := c.engine()
	if err != nil {
		return false, err
	}
	_, err = eng.InvoiceFailed(ctx, f)
	return err == nil, err
}

func invoicePaid(ctx context.Context, c *call) error {
	id := c.ev.Object.id("id")
	if id == "" {
		return nil
	}
	st, err := c.in.store.LockInvoiceState(ctx, c.ws, c.mode, id, c.now)
	if err != nil {
		return err
	}
	if st.Status == invoiceVoid && st.At.After(c.ev.Created) {
		return nil
	}
	if st.Status != invoicePaidState || st.At.Before(c.ev.Created) {
		if err := c.in.store.SetInvoiceState(ctx, c.ws, c.mode, id, store.InvoiceState{Status: invoicePaidState, At: c.ev.Created}, c.now); err != nil {
			return err
		}
	}
	if err := c.in.fail("mirrored"); err != nil {
		return err
	}
	eng, err := c.engine()
	if err != nil {
		return err
	}
	return eng.InvoicePaid(ctx, c.ws, c.mode, id, c.now)
}

func invoiceLost(ctx context.Context, c *call) error {
	id := c.ev.Object.id("id")
	if id == "" {
		return nil
	}
	status, reason := invoiceUncollectible, "marked_uncollectible"
	if c.ev.Type == "invoice.voided" {
		status, reason = invoiceVoid, "voided"
	}
	st, err := c.in.store.LockInvoiceState(ctx, c.ws, c.mode, id, c.now)
	if err != nil {
		return err
	}
	if st.Status == invoicePaidState || (st.Status == invoiceVoid && status == invoiceUncollectible) {
		return nil // final already; an uncollectible mark cannot follow payment or voiding
	}
	if st.Status != status || st.At.Before(c.ev.Created) {
		if err := c.in.store.SetInvoiceState(ctx, c.ws, c.mode, id, store.InvoiceState{Status: status, At: c.ev.Created}, c.now); err != nil {
			return err
		}
	}
	if err := c.in.fail("mirrored"); err != nil {
		return err
	}
	eng, err := c.engine()
	if err != nil {
		return err
	}
	return eng.InvoiceLost(ctx, c.ws, c.mode, id, reason, c.now)
}
