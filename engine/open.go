package engine

import (
	"context"
	"strings"
	"time"

	"holdfast"
	"holdfast/store"
)

// InvoiceFailed opens a pending payment and its in-flight recovery under the
// matching campaign, exactly once per invoice, in the caller's transaction;
// the recovery's first actions that are due at once run in the same pass (the
// card-update email of a never-retry or needs-customer decline). A later call
// for the same invoice — Stripe reports each failed retry too — only fills in
// decline and card details the payment is missing.
func (e *Engine) InvoiceFailed(ctx context.Context, f holdfast.InvoiceFailure) (*holdfast.Payment, error) {
	var out *holdfast.Payment
	err := e.st.InTx(ctx, func(ctx context.Context) error {
		now, err := e.modeNow(ctx, f.WorkspaceID, f.Mode)
		if err != nil {
			return err
		}
		existing, err := e.st.PaymentByInvoice(ctx, f.WorkspaceID, f.Mode, f.Invoice)
		switch {
		case err == nil:
			out, err = e.fillIn(ctx, existing, f.Decline, f.Card, f, now)
			return err
		case holdfast.ErrorCode(err) != holdfast.ENOTFOUND:
			return err
		}
		out, err = e.open(ctx, f, now)
		return err
	})
	return out, err
}

// open creates the payment, the recovery and its recovery.started event,
// then runs the recovery's first pass.
func (e *Engine) open(ctx context.Context, f holdfast.InvoiceFailure, now time.Time) (*holdfast.Payment, error) {
	cust, err := e.customerOf(ctx, f)
	if err != nil {
		return nil, err
	}
	var tags []string
	p := &holdfast.Payment{
		ID: holdfast.NewID(holdfast.PrefixPayment), Livemode: f.Mode.Livemode(), WorkspaceID: f.WorkspaceID,
		ProviderCustomerID: f.ProviderCustomerID, Subscription: f.Subscription, Invoice: f.Invoice,
		PaymentIntent: f.PaymentIntent, Charge: f.Charge, Amount: f.Amount, Currency: strings.ToLower(f.Currency),
		Status: holdfast.PaymentPending, HostedInvoiceURL: f.HostedInvoiceURL, ProviderUpdatedAt: f.ProviderTime.UnixMicro(),
		CreatedAt: now, UpdatedAt: now,
	}
	if cust != nil {
		p.Customer, tags = cust.ID, cust.Tags
	}
	setDecline(p, f.Decline)
	setCard(p, f.Card)
	recID := holdfast.NewID(holdfast.PrefixRecovery)
	camp, err := e.chooseCampaign(ctx, f, p, recID, tags, now)
	if err != nil {
		return nil, err
	}
	rs := &store.RecoveryState{Recovery: holdfast.Recovery{
		ID: recID, Livemode: p.Livemode, WorkspaceID: p.WorkspaceID,
		Status: holdfast.RecoveryInFlight, Payment: p.ID, Customer: p.Customer, Campaign: camp.ID, Amount: p.Amount,
		Currency: p.Currency, StartedAt: now, CreatedAt: now, UpdatedAt: now,
	}, Playbook: *camp}
	p.Recovery = rs.ID
	if err := e.st.InsertPayment(ctx, p); err != nil {
		return nil, err
	}
	if err := e.st.InsertRecovery(ctx, rs); err != nil {
		return nil, err
	}
	if _, err := e.st.RecordEvent(ctx, p.WorkspaceID, f.Mode, holdfast.EventRecoveryStarted, rs.ID, rs.Recovery, now); err != nil {
		return nil, err
	}
	r := &run{rs: rs, pay: p, cust: cust, mode: f.Mode, now: now}
	if err := e.advance(ctx, r); err != nil {
		return nil, err
	}
	return e.paymentWithAttempts(ctx, p.WorkspaceID, f.Mode, p.ID)
}

// chooseCampaign asks the Chooser (a running experiment) first, then
// matches the campaigns' filters.
func (e *Engine) chooseCampaign(ctx context.Context, f holdfast.InvoiceFailure, p *holdfast.Payment, recID string, tags []string, now time.Time) (*holdfast.Campaign, error) {
	if e.cfg.Chooser != nil {
		key := p.Customer
		if key == "" {
			key = p.ProviderCustomerID
		}
		if key == "" {
			key = "invoice:" + p.Invoice
		}
		c, err := e.cfg.Chooser.ChooseCampaign(ctx, holdfast.RecoveryOpening{WorkspaceID: f.WorkspaceID, Mode: f.Mode, RecoveryID: recID,
			CustomerKey: key, Amount: p.Amount, Currency: p.Currency, Tags: tags, Now: now})
		if err != nil || c != nil {
			return c, err
		}
	}
	return e.matchCampaign(ctx, f.WorkspaceID, f.Mode, p.Amount, p.Currency, tags, now)
}

// customerOf finds the failed invoice's customer: by our id, else by Stripe's.
func (e *Engine) customerOf(ctx context.Context, f holdfast.InvoiceFailure) (*holdfast.Customer, error) {
	var (
		c   *holdfast.Customer
		err error
	)
	switch {
	case f.Customer != "":
		c, err = e.st.CustomerAny(ctx, f.Customer)
	case f.ProviderCustomerID != "":
		c, err = e.st.CustomerByProviderID(ctx, f.WorkspaceID, f.Mode, f.ProviderCustomerID)
	default:
		return nil, nil
	}
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND || (err == nil && c.Deleted) {
		return nil, nil
	}
	return c, err
}

// matchCampaign picks the playbook for a failed payment: the first
// non-default campaign whose filters match (highest priority first, then
// oldest), else the workspace's default.
func (e *Engine) matchCampaign(ctx context.Context, wsID string, mode holdfast.Mode, amount int64, currency string, tags []string, now time.Time) (*holdfast.Campaign, error) {
	cs, err := e.st.Campaigns(ctx, wsID, mode)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if c := &cs[i]; !c.IsDefault && c.Matches(amount, currency, tags) {
			return c, nil
		}
	}
	for i := range cs {
		if cs[i].IsDefault {
			return &cs[i], nil
		}
	}
	return e.st.EnsureDefaultCampaign(ctx, wsID, mode, now)
}

// DeclineReported fills in the decline details of an open payment (charge.failed,
// payment_intent.payment_failed); a no-op when no payment matches yet. A
// decline that arrives after the opening is acted on at once (a never-retry
// code sends the card-update email now).
func (e *Engine) DeclineReported(ctx context.Context, d holdfast.DeclineReport) error {
	return e.st.InTx(ctx, func(ctx context.Context) error {
		p, err := e.st.PaymentByRef(ctx, d.WorkspaceID, d.Mode, d.Invoice, d.PaymentIntent, d.Charge)
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		now, err := e.modeNow(ctx, d.WorkspaceID, d.Mode)
		if err != nil {
			return err
		}
		_, err = e.fillIn(ctx, p, d.Decline, d.Card, holdfast.InvoiceFailure{PaymentIntent: d.PaymentIntent, Charge: d.Charge}, now)
		return err
	})
}

// fillIn completes a payment's missing decline, card and reference details
// and, when anything changed on a payment still in recovery, plans again.
func (e *Engine) fillIn(ctx context.Context, p *holdfast.Payment, dec holdfast.Decline, card holdfast.Card, f holdfast.InvoiceFailure, now time.Time) (*holdfast.Payment, error) {
	mode := holdfast.ModeOf(p.Livemode)
	if p.Status != holdfast.PaymentPending || p.Recovery == "" {
		return e.paymentWithAttempts(ctx, p.WorkspaceID, mode, p.ID)
	}
	r, err := e.loadRun(ctx, p.Recovery, now, false)
	if err != nil {
		return nil, err
	}
	before := fillable(r.pay)
	if r.pay.DeclineCode == "" && r.pay.FailureCode == "" && r.pay.AttemptCount == 0 {
		setDecline(r.pay, dec)
	}
	if r.pay.CardFingerprint == "" && r.pay.PaymentMethod == "" {
		setCard(r.pay, card)
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&r.pay.PaymentIntent, f.PaymentIntent)
	fill(&r.pay.Charge, f.Charge)
	fill(&r.pay.HostedInvoiceURL, f.HostedInvoiceURL)
	fill(&r.pay.Subscription, f.Subscription)
	if before == fillable(r.pay) {
		return e.paymentWithAttempts(ctx, p.WorkspaceID, mode, p.ID)
	}
	if err := e.st.UpdatePayment(ctx, r.pay, now); err != nil {
		return nil, err
	}
	if err := e.advance(ctx, r); err != nil {
		return nil, err
	}
	return e.paymentWithAttempts(ctx, p.WorkspaceID, mode, p.ID)
}

func setDecline(p *holdfast.Payment, d holdfast.Decline) {
	p.DeclineCode, p.FailureCode, p.AdviceCode, p.NetworkAdviceCode, p.FailureMessage =
		d.Code, d.FailureCode, d.AdviceCode, d.NetworkAdviceCode, d.Message
}

func setCard(p *holdfast.Payment, c holdfast.Card) {
	p.CardFingerprint, p.CardBrand, p.CardFunding, p.PaymentMethod = c.Fingerprint, c.Brand, c.Funding, c.PaymentMethod
}

// fillable is the part of a payment fillIn may change, for comparison.
func fillable(p *holdfast.Payment) [12]string {
	return [12]string{p.DeclineCode, p.FailureCode, p.AdviceCode, p.NetworkAdviceCode, p.FailureMessage,
		p.CardFingerprint, p.CardBrand, p.CardFunding, p.PaymentMethod, p.PaymentIntent, p.Charge,
		p.HostedInvoiceURL + "\x00" + p.Subscription}
}
