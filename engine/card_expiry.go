package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"holdfast"
	"holdfast/mail"
	"holdfast/store"
)

// Expiring-card notices (issue 15). A customer with an active (or trialing)
// subscription whose default card expires before the subscription's next
// renewal gets an email at each configured number of days before the end of
// the card's expiry month, at 09:00 in the customer's time zone. Each
// customer has at most one job (kind card_expiry, keyed by the customer):
// whenever the card, the subscriptions or the configuration change, the plan
// is made again and the job moved, so a replaced or automatically updated
// card (a new card key) gets no further notice for the old one. The unique
// key of card_expiry_notices makes each threshold of each card one email.

const jobCardExpiry = "card_expiry"

func cardExpiryJobKey(customerID string) string { return "cardexp:" + customerID }

// noticeHour is the local hour notices go out; a threshold found late waits
// for the next morning (09:00–12:00 counts as morning).
const (
	noticeHour    = 9
	noticeHourEnd = 12
)

var _ holdfast.CardExpiryEvents = (*Engine)(nil)

// cardKey names a card with its expiry: an automatically updated card (same
// payment method, new expiry) is a new card.
func cardKey(c holdfast.Card) string {
	id := c.PaymentMethod
	if id == "" {
		id = "fp:" + c.Fingerprint
	}
	return fmt.Sprintf("%s|%02d/%04d", id, c.ExpMonth, c.ExpYear)
}

// cardPlanIn is what decides a customer's notices.
type cardPlanIn struct {
	now         time.Time
	enabled     bool
	days        []int
	month, year int
	loc         *time.Location
	renewals    []time.Time  // period ends of active/trialing subscriptions that renew
	noticed     map[int]bool // thresholds this card already has a notice for
	unsettled   bool         // a sent notice of this card has no outcome yet
}

// cardPlanOut is the plan: a threshold to send now, when to look again, and
// whether the card has expired with notices still unsettled.
type cardPlanOut struct {
	send          int
	next          time.Time
	expiresAt     time.Time
	settleExpired bool
}

// planCardNotices is the pure notice schedule. A threshold whose time passed
// unsent (the card or subscription became known late) is sent at the next
// morning, but only the most recent one, and never after a later threshold
// went out.
func planCardNotices(in cardPlanIn) cardPlanOut {
	var out cardPlanOut
	exp, ok := holdfast.CardExpiresAt(in.month, in.year, in.loc)
	if !ok {
		return out
	}
	out.expiresAt = exp
	if !in.now.Before(exp) {
		out.settleExpired = in.unsettled
		return out
	}
	renews := slices.ContainsFunc(in.renewals, func(r time.Time) bool { return !r.Before(exp) })
	if in.enabled && renews {
		last := exp.AddDate(0, 0, -1) // the last day the card works
		late := 0
		for _, d := range in.days {
			at := time.Date(last.Year(), last.Month(), last.Day()-d, noticeHour, 0, 0, 0, in.loc)
			switch {
			case in.noticed[d]:
			case at.After(in.now):
				out.next = earliest(out.next, at)
			case !noticedBelow(in.noticed, d) && (late == 0 || d < late):
				late = d
			}
		}
		if late > 0 {
			if h := in.now.In(in.loc).Hour(); h >= noticeHour && h < noticeHourEnd {
				out.send = late
			} else if m := nextMorning(in.now, in.loc); m.Before(exp) {
				out.next = earliest(out.next, m)
			} else {
				out.send = late
			}
		}
	}
	if out.send == 0 && out.next.IsZero() && in.unsettled {
		out.next = exp // settle the card as expired unless it changes first
	}
	return out
}

func noticedBelow(noticed map[int]bool, d int) bool {
	for k, ok := range noticed {
		if ok && k < d {
			return true
		}
	}
	return false
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// nextMorning is the next noticeHour:00 in loc strictly after now.
func nextMorning(now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	m := time.Date(l.Year(), l.Month(), l.Day(), noticeHour, 0, 0, 0, loc)
	if !m.After(now) {
		m = time.Date(l.Year(), l.Month(), l.Day()+1, noticeHour, 0, 0, 0, loc)
	}
	return m
}

// cardPlanState is a customer's plan input with what built it.
type cardPlanState struct {
	in       cardPlanIn
	settings holdfast.CardExpirySettings
	card     holdfast.Card
	key      string
	notices  []*holdfast.CardExpiryNotice
}

// customerLoc is a customer's time zone, else the workspace's, else UTC.
func (e *Engine) customerLoc(ctx context.Context, c *holdfast.Customer) (*time.Location, error) {
	if loc := loadLocation(c.Timezone); loc != nil {
		return loc, nil
	}
	ws, err := e.workspace(ctx, c.WorkspaceID)
	if err != nil {
		return nil, err
	}
	if ws.loc != nil {
		return ws.loc, nil
	}
	return time.UTC, nil
}

func (e *Engine) cardPlanState(ctx context.Context, c *holdfast.Customer, now time.Time) (*cardPlanState, error) {
	mode := holdfast.ModeOf(c.Livemode)
	st := &cardPlanState{card: store.CustomerCardOf(c)}
	st.key = cardKey(st.card)
	var err error
	if st.settings, err = e.st.CardExpirySettings(ctx, c.WorkspaceID, mode); err != nil {
		return nil, err
	}
	loc, err := e.customerLoc(ctx, c)
	if err != nil {
		return nil, err
	}
	subs, err := e.st.CustomerSubscriptions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if st.notices, err = e.st.CustomerCardNotices(ctx, c.ID); err != nil {
		return nil, err
	}
	st.in = cardPlanIn{now: now, enabled: st.settings.Enabled, days: st.settings.DaysBefore, month: c.CardExpMonth,
		year: c.CardExpYear, loc: loc, noticed: map[int]bool{}}
	for _, s := range subs {
		if (s.Status == "active" || s.Status == "trialing") && !s.CancelAtPeriodEnd && s.CurrentPeriodEnd != nil {
			st.in.renewals = append(st.in.renewals, *s.CurrentPeriodEnd)
		}
	}
	for _, n := range st.notices {
		if n.CardKey != st.key {
			continue
		}
		st.in.noticed[n.DaysBefore] = true
		if n.Status == holdfast.SendSent && n.Outcome == "" {
			st.in.unsettled = true
		}
	}
	if c.Deleted || (c.DefaultPaymentMethod == "" && c.CardFingerprint == "") {
		st.in.month, st.in.year = 0, 0 // no card: nothing to plan
	}
	return st, nil
}

// CustomerBillingChanged plans a customer's notices again after its card or
// subscriptions changed (holdfast.CardExpiryEvents). A card that had notices
// and was replaced or automatically updated before it expired is settled as
// updated, with a card.updated_before_expiry event.
func (e *Engine) CustomerBillingChanged(ctx context.Context, wsID string, mode holdfast.Mode, customerID string) error {
	return e.st.InTx(ctx, func(ctx context.Context) error {
		now, err := e.modeNow(ctx, wsID, mode)
		if err != nil {
			return err
		}
		c, err := e.st.GetCustomer(ctx, wsID, mode, customerID)
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			return e.st.DeleteJob(ctx, cardExpiryJobKey(customerID))
		} else if err != nil {
			return err
		}
		if c.CardExpMonth == 0 && c.DefaultPaymentMethod == "" && c.CardFingerprint == "" {
			// No card: nothing to plan and nothing replaced (the same answer
			// as the full plan), without the reads.
			return e.st.DeleteJob(ctx, cardExpiryJobKey(customerID))
		}
		st, err := e.cardPlanState(ctx, c, now)
		if err != nil {
			return err
		}
		if err := e.settleReplacedCards(ctx, c, st, now); err != nil {
			return err
		}
		return e.scheduleCardExpiry(ctx, c, st, now, false)
	})
}

// settleReplacedCards settles the notified cards that are no longer the
// customer's card and had not expired yet.
func (e *Engine) settleReplacedCards(ctx context.Context, c *holdfast.Customer, st *cardPlanState, now time.Time) error {
	if st.card.PaymentMethod == "" && st.card.Fingerprint == "" {
		return nil // no card now: removed, not replaced
	}
	done := map[string]bool{}
	for _, n := range st.notices {
		if n.CardKey == st.key || done[n.CardKey] || n.Status != holdfast.SendSent || n.Outcome != "" || !now.Before(n.ExpiresAt) {
			continue
		}
		done[n.CardKey] = true
		k, err := e.st.SettleCardNotices(ctx, c.ID, n.CardKey, holdfast.CardOutcomeUpdated, now)
		if err != nil {
			return err
		}
		if k == 0 {
			continue
		}
		ev := map[string]any{
			"object": "card_update", "livemode": c.Livemode, "customer": c.ID, "provider_customer": c.ProviderID,
			"previous_card": map[string]any{"payment_method": n.PaymentMethod, "brand": n.Brand, "last4": n.Last4,
				"exp_month": n.ExpMonth, "exp_year": n.ExpYear},
			"card": c.Card, "notices_sent": k, "updated_at": now,
		}
		if _, err := e.st.RecordEvent(ctx, c.WorkspaceID, holdfast.ModeOf(c.Livemode), holdfast.EventCardUpdatedBeforeExpiry, c.ID, ev, now); err != nil {
			return err
		}
	}
	return nil
}

// scheduleCardExpiry moves the customer's job to the plan's next moment, or
// removes it. From inside the job (fromJob) the job never comes back at or
// before now, so a plan can never spin.
func (e *Engine) scheduleCardExpiry(ctx context.Context, c *holdfast.Customer, st *cardPlanState, now time.Time, fromJob bool) error {
	p := planCardNotices(st.in)
	key := cardExpiryJobKey(c.ID)
	at := p.next
	if p.send > 0 || p.settleExpired {
		at = now
	}
	if at.IsZero() {
		return e.st.DeleteJob(ctx, key)
	}
	if fromJob && !at.After(now) {
		at = now.Add(time.Minute)
	}
	mode := holdfast.ModeOf(c.Livemode)
	if err := e.st.ScheduleJob(ctx, store.Job{WorkspaceID: c.WorkspaceID, Mode: mode, Kind: jobCardExpiry, RefID: c.ID,
		DedupeKey: key, RunAt: at}, e.clock.Now()); err != nil {
		return err
	}
	if mode == holdfast.ModeLive && !at.After(now) {
		e.kickSoon()
	}
	return nil
}

// runCardExpiry is a customer's notice job: send what is due, settle an
// expired card, deliver queued notices, then schedule the next look.
func (e *Engine) runCardExpiry(ctx context.Context, j store.Job, now time.Time) error {
	var queued []*holdfast.CardExpiryNotice
	err := e.st.InTx(ctx, func(ctx context.Context) error {
		queued = nil
		c, err := e.st.CustomerAny(ctx, j.RefID)
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if c.Deleted {
			return nil
		}
		st, err := e.cardPlanState(ctx, c, now)
		if err != nil {
			return err
		}
		p := planCardNotices(st.in)
		if p.settleExpired {
			if _, err := e.st.SettleCardNotices(ctx, c.ID, st.key, holdfast.CardOutcomeExpired, p.expiresAt); err != nil {
				return err
			}
		}
		if p.send > 0 {
			if err := e.newCardNotice(ctx, c, st, p, now); err != nil {
				return err
			}
		}
		notices, err := e.st.CustomerCardNotices(ctx, c.ID)
		for _, n := range notices {
			if n.Status == holdfast.SendQueued {
				queued = append(queued, n)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, n := range queued {
		if err := e.deliverCardNotice(ctx, n, now); err != nil {
			return err
		}
	}
	return e.st.InTx(ctx, func(ctx context.Context) error {
		c, err := e.st.CustomerAny(ctx, j.RefID)
		if err != nil || c.Deleted {
			return nil
		}
		st, err := e.cardPlanState(ctx, c, now)
		if err != nil {
			return err
		}
		return e.scheduleCardExpiry(ctx, c, st, now, true)
	})
}

// newCardNotice renders and records one notice, queued for delivery (or
// failed when it cannot be sent: no address, a broken template).
func (e *Engine) newCardNotice(ctx context.Context, c *holdfast.Customer, st *cardPlanState, p cardPlanOut, now time.Time) error {
	ws, err := e.workspace(ctx, c.WorkspaceID)
	if err != nil {
		return err
	}
	n := &holdfast.CardExpiryNotice{
		ID: holdfast.NewID(holdfast.PrefixCardNotice), Livemode: c.Livemode, WorkspaceID: c.WorkspaceID, Customer: c.ID,
		CardKey: st.key, PaymentMethod: st.card.PaymentMethod, Brand: st.card.Brand, Last4: st.card.Last4,
		ExpMonth: st.card.ExpMonth, ExpYear: st.card.ExpYear, ExpiresAt: p.expiresAt, DaysBefore: p.send,
		Status: holdfast.SendQueued, CreatedAt: now,
	}
	link := e.link(n.ID, now)
	vars := mail.CardVars{
		Vars:      mail.Vars{CustomerName: "there", UpdateURL: link, InvoiceURL: link, WorkspaceName: ws.name},
		CardBrand: mail.CardBrandName(n.Brand), CardLast4: n.Last4,
		ExpiresOn: p.expiresAt.AddDate(0, 0, -1).Format("January 2, 2006"),
	}
	if c.Name != nil && strings.TrimSpace(*c.Name) != "" {
		vars.CustomerName = *c.Name
	}
	if c.Email != nil {
		n.To = *c.Email
	}
	out, err := mail.RenderCard(mail.Template{Subject: st.settings.Template.Subject, Body: st.settings.Template.Body}, vars)
	switch {
	case err != nil:
		n.Status, n.Error = holdfast.SendFailed, "template: "+err.Error()
	case n.To == "":
		n.Status, n.Error = holdfast.SendFailed, "the customer has no email address"
	}
	n.Subject, n.BodyText, n.BodyHTML = out.Subject, out.Text, out.HTML
	_, err = e.st.InsertCardNotice(ctx, n)
	return err
}

// deliverCardNotice sends a queued notice and records the outcome: sent
// (with card.expiring_notice_sent) or, for a permanent failure, failed. A
// temporary failure is returned so the job is retried with backoff.
func (e *Engine) deliverCardNotice(ctx context.Context, n *holdfast.CardExpiryNotice, now time.Time) error {
	mode := holdfast.ModeOf(n.Livemode)
	var err error
	if s := e.sender(mode); s == nil {
		err = errNoMailer
	} else {
		err = s.Send(ctx, mail.Message{To: n.To, Subject: n.Subject, Text: n.BodyText, HTML: n.BodyHTML, MessageID: n.ID})
	}
	if err != nil && !mail.IsPermanent(err) {
		return err
	}
	return e.st.InTx(ctx, func(ctx context.Context) error {
		status, msg := holdfast.SendSent, ""
		if err != nil {
			status, msg = holdfast.SendFailed, err.Error()
		}
		ok, ferr := e.st.FinishCardNotice(ctx, n.ID, status, msg, now)
		if ferr != nil || !ok || status != holdfast.SendSent {
			return ferr
		}
		sent, gerr := e.st.GetCardNotice(ctx, n.ID)
		if gerr != nil {
			return gerr
		}
		_, err := e.st.RecordEvent(ctx, n.WorkspaceID, mode, holdfast.EventCardExpiringNoticeSent, n.ID, sent, now)
		return err
	})
}

// ReplanCardExpiry plans every candidate customer of a mode again (the
// configuration changed); turned off, it drops every queued notice job.
func (e *Engine) ReplanCardExpiry(ctx context.Context, wsID string, mode holdfast.Mode) error {
	s, err := e.st.CardExpirySettings(ctx, wsID, mode)
	if err != nil {
		return err
	}
	if !s.Enabled {
		return e.st.DeleteJobsOfKind(ctx, wsID, mode, jobCardExpiry)
	}
	ids, err := e.st.CardExpiryCandidates(ctx, wsID, mode)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := e.CustomerBillingChanged(ctx, wsID, mode, id); err != nil {
			return err
		}
	}
	return nil
}
