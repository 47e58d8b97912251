package engine

import (
	"context"
	"time"

	"holdfast"
	"holdfast/store"
)

// The in-app payment notice (issue 15): what Holdfast.paymentNotice shows a
// signed-in customer inside the merchant's app, and its views and clicks.
// The caller (the API) has checked the customer's auth hash.

// CustomerNotice returns the notice state of a Stripe customer: the oldest
// payment under recovery (payment_failed), else a default card that expires
// before the next renewal within the notice window (card_expiring), else ok.
// An unknown or deleted customer is ok: there is nothing to show.
func (e *Engine) CustomerNotice(ctx context.Context, wsID string, mode holdfast.Mode, providerCustomerID string) (*holdfast.CustomerNotice, error) {
	n := &holdfast.CustomerNotice{Object: "customer_notice", Livemode: mode.Livemode(), Customer: providerCustomerID, State: holdfast.NoticeOK}
	c, err := e.st.CustomerByProviderID(ctx, wsID, mode, providerCustomerID)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return n, nil
	} else if err != nil {
		return nil, err
	}
	if c.Deleted {
		return n, nil
	}
	now, err := e.modeNow(ctx, wsID, mode)
	if err != nil {
		return nil, err
	}
	l, err := e.st.ListPayments(ctx, wsID, mode, store.PaymentFilter{Status: holdfast.PaymentPending, Customer: c.ID}, store.ListQuery{Limit: 100})
	if err != nil {
		return nil, err
	}
	var oldest *holdfast.Payment
	for i := range l.Data {
		p := &l.Data[i]
		if p.Recovery != "" && (oldest == nil || p.CreatedAt.Before(oldest.CreatedAt)) {
			oldest = p
		}
	}
	if oldest != nil {
		n.State, n.Payment, n.Recovery = holdfast.NoticePaymentFailed, oldest.ID, oldest.Recovery
		amount, cur, due := oldest.Amount, oldest.Currency, oldest.CreatedAt
		n.AmountDue, n.Currency, n.InvoiceDueAt = &amount, &cur, &due
		u := oldest.HostedInvoiceURL
		if u == "" {
			u = e.link(c.ID, now)
		}
		n.UpdateURL = &u
		return n, nil
	}
	st, err := e.cardPlanState(ctx, c, now)
	if err != nil {
		return nil, err
	}
	exp, ok := holdfast.CardExpiresAt(st.in.month, st.in.year, st.in.loc)
	if !ok || !now.Before(exp) {
		return n, nil
	}
	window := 30
	for _, d := range st.settings.DaysBefore {
		window = max(window, d)
	}
	if exp.Sub(now) > time.Duration(window)*24*time.Hour {
		return n, nil
	}
	subs, err := e.st.CustomerSubscriptions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	var renewal *holdfast.Subscription
	for i := range subs {
		s := &subs[i]
		if (s.Status == "active" || s.Status == "trialing") && !s.CancelAtPeriodEnd && s.CurrentPeriodEnd != nil &&
			!s.CurrentPeriodEnd.Before(exp) && (renewal == nil || s.CurrentPeriodEnd.Before(*renewal.CurrentPeriodEnd)) {
			renewal = s
		}
	}
	if renewal == nil {
		return n, nil
	}
	n.State = holdfast.NoticeCardExpiring
	amount, cur, due := renewal.Amount, renewal.Currency, *renewal.CurrentPeriodEnd
	n.AmountDue, n.Currency, n.InvoiceDueAt = &amount, &cur, &due
	u := e.link(c.ID, now)
	n.UpdateURL = &u
	n.Card = &struct {
		Brand    string `json:"brand"`
		Last4    string `json:"last4"`
		ExpMonth int    `json:"exp_month"`
		ExpYear  int    `json:"exp_year"`
	}{c.CardBrand, c.CardLast4, c.CardExpMonth, c.CardExpYear}
	return n, nil
}

// RecordNoticeAction records a view or click (action) of a customer's
// notice shown as a banner or a wall (style, default banner), with the state
// it is in now; an unknown or deleted customer records nothing. Returns
// EVALIDATION for another action or style. The caller checks the auth hash.
func (e *Engine) RecordNoticeAction(ctx context.Context, wsID string, mode holdfast.Mode, providerCustomerID, action, style string) (*store.NoticeAction, error) {
	if action != store.NoticeView && action != store.NoticeClick {
		return nil, holdfast.ParamError("action", "action must be view or click.")
	}
	if style == "" {
		style = "banner"
	}
	if style != "banner" && style != "wall" {
		return nil, holdfast.ParamError("style", "style must be banner or wall.")
	}
	n, err := e.CustomerNotice(ctx, wsID, mode, providerCustomerID)
	if err != nil {
		return nil, err
	}
	now, err := e.modeNow(ctx, wsID, mode)
	if err != nil {
		return nil, err
	}
	a := &store.NoticeAction{ID: holdfast.NewID(holdfast.PrefixNoticeAction), Object: "customer_notice_action",
		Livemode: mode.Livemode(), WorkspaceID: wsID, Action: action, State: n.State, Style: style,
		Payment: n.Payment, Recovery: n.Recovery, CreatedAt: now}
	c, err := e.st.CustomerByProviderID(ctx, wsID, mode, providerCustomerID)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND || (err == nil && c.Deleted) {
		return a, nil
	} else if err != nil {
		return nil, err
	}
	a.Customer = c.ID
	return a, e.st.InsertNoticeAction(ctx, a)
}

// noticeCredit is recovered_by for a recovery ending recovered: the in-app
// notice when the customer clicked a failed-payment notice while it ran.
func (e *Engine) noticeCredit(ctx context.Context, r *run, by string) (string, error) {
	if r.rs.Customer == "" {
		return by, nil
	}
	clicked, err := e.st.NoticeClickedSince(ctx, r.rs.Customer, r.rs.StartedAt)
	if err != nil || !clicked {
		return by, err
	}
	return holdfast.RecoveredByInAppNotice, nil
}
