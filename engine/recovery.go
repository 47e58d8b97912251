package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"holdfast"
	"holdfast/engine/policy"
	"holdfast/store"
)

// Job kinds of the engine's scheduled work.
const (
	jobRecovery = "recovery" // run a recovery's due actions (ref: recovery id)
	jobSend     = "send"     // deliver a dunning email (ref: send id)
	jobAttempt  = "attempt"  // drive a started attempt to its outcome (ref: attempt id)
)

func recoveryJobKey(id string) string { return "rec:" + id }
func sendJobKey(id string) string     { return "send:" + id }
func attemptJobKey(id string) string  { return "att:" + id }

// run is one recovery loaded, locked, inside a transaction.
type run struct {
	rs   *store.RecoveryState
	pay  *holdfast.Payment
	cust *holdfast.Customer // nil when not mirrored
	mode holdfast.Mode
	now  time.Time
	// own: the caller drives live attempts itself right after commit (it is a
	// runner or a manual retry); otherwise a runner picks them up.
	own bool
	// started are the requests of live attempts begun in this transaction,
	// to send right after it commits.
	started []PayRequest
	// cards are the card locks this transaction holds (see lockCard);
	// cardLast is when the card a retry is about to charge was last
	// charged, so the new attempt is stamped after it.
	cards    map[string]bool
	cardLast time.Time
}

// loadRun locks a recovery and its payment and reads its customer.
func (e *Engine) loadRun(ctx context.Context, recoveryID string, now time.Time, own bool) (*run, error) {
	rs, err := e.st.LockRecovery(ctx, recoveryID)
	if err != nil {
		return nil, err
	}
	mode := holdfast.ModeOf(rs.Livemode)
	pay, err := e.st.LockPayment(ctx, rs.WorkspaceID, mode, rs.Payment)
	if err != nil {
		return nil, err
	}
	r := &run{rs: rs, pay: pay, mode: mode, now: now, own: own}
	if pay.Customer != "" {
		if c, err := e.st.CustomerAny(ctx, pay.Customer); err == nil {
			r.cust = c
		} else if holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			return nil, err
		}
	}
	return r, nil
}

// maxPass bounds the actions one pass runs, so a malformed playbook can
// never spin a runner.
const maxPass = 64

// advance runs every action of the recovery due at r.now, then schedules its
// next one (or ends it). Call it inside a transaction with the recovery
// locked (loadRun). Test-mode retries run inline (the simulator has no side
// effects); live ones are begun here and charged after commit.
func (e *Engine) advance(ctx context.Context, r *run) error {
	for range maxPass {
		if r.rs.Status != holdfast.RecoveryInFlight {
			return e.st.DeleteJob(ctx, recoveryJobKey(r.rs.ID))
		}
		hist, atts, err := e.history(ctx, r)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if a.State == holdfast.AttemptStarted {
				// A charge is in flight; its completion plans again.
				return e.st.DeleteJob(ctx, recoveryJobKey(r.rs.ID))
			}
		}
		in, err := e.planInput(ctx, r, hist, atts)
		if err != nil {
			return err
		}
		act := plan(in)
		r.rs.AwaitingCard = act.AwaitingCard
		if act.At.After(r.now) {
			return e.wait(ctx, r, act)
		}
		if act.Kind == actRetry || act.Kind == actCardRetry {
			// A charge is begun only under its card's lock, with the history
			// read after taking it (see lockCard).
			if !r.holdsCard(in.Card) {
				ok, err := e.lockCard(ctx, r, in.Card)
				if err != nil {
					return err
				}
				if !ok {
					return e.waitForCard(ctx, r, act)
				}
				continue // plan again on the history as it is under the lock
			}
			if cardInFlight(hist, in.Card) {
				return e.waitForCard(ctx, r, act)
			}
			r.cardLast = lastOnCard(hist, in.Card)
		}
		done, err := e.do(ctx, r, act, in)
		if err != nil || done {
			return err
		}
	}
	e.log.Warn("engine: recovery pass hit its action bound", "recovery", r.rs.ID)
	return e.wait(ctx, r, plannedAction{At: r.now.Add(time.Hour)})
}

// do runs one due action. done means the pass is over (the recovery ended or
// a live charge must happen after commit).
func (e *Engine) do(ctx context.Context, r *run, act plannedAction, in planInput) (done bool, err error) {
	switch act.Kind {
	case actLost:
		return true, e.end(ctx, r, holdfast.RecoveryLost, "")
	case actEmail, actCardEmail:
		if act.Kind == actCardEmail {
			r.rs.CardEmailSent = true
		}
		if act.Step >= 0 {
			r.rs.EmailCursor = act.Step + 1
		}
		return false, e.queueEmail(ctx, r, act.Step)
	case actSkipRetry:
		r.rs.RetryCursor = act.Step + 1
		return false, nil
	}
	initiator := holdfast.InitiatorSchedule
	if act.Kind == actCardRetry {
		initiator = holdfast.InitiatorCardUpdate
	}
	if err := policy.CheckNetworkLimits(r.now, in.Card, in.History); err != nil && !in.Unguarded {
		// The planner keeps to the limits, so this is a safety net: record
		// the refusal and move on rather than ask again at once.
		if act.Kind == actRetry {
			r.rs.RetryCursor = act.Step + 1
		}
		r.pay.NextRetryAt = nil
		return false, e.refuse(ctx, r, initiator, in.Card, err)
	}
	if act.Kind == actRetry {
		r.rs.RetryCursor = act.Step + 1
		r.rs.RetriesUsed++
	}
	att, err := e.beginAttempt(ctx, r, initiator, in.Card)
	if err != nil {
		return false, err
	}
	if r.mode == holdfast.ModeTest {
		// Simulated: charge and record inside this transaction.
		return false, e.simulate(ctx, r, att)
	}
	if err := e.saveRun(ctx, r); err != nil {
		return false, err
	}
	return true, nil
}

// wait saves the recovery and schedules its job at the next action.
func (e *Engine) wait(ctx context.Context, r *run, act plannedAction) error {
	at := act.At
	r.rs.NextActionAt = &at
	r.rs.StepIndex = min(r.rs.EmailCursor, r.rs.RetryCursor, len(r.rs.Playbook.Steps))
	r.pay.NextRetryAt = act.NextRetry
	if err := e.saveRun(ctx, r); err != nil {
		return err
	}
	return e.st.ScheduleJob(ctx, store.Job{WorkspaceID: r.rs.WorkspaceID, Mode: r.mode, Kind: jobRecovery,
		RefID: r.rs.ID, DedupeKey: recoveryJobKey(r.rs.ID), RunAt: at}, e.clock.Now())
}

// saveRun writes the recovery and its payment.
func (e *Engine) saveRun(ctx context.Context, r *run) error {
	if err := e.st.SaveRecovery(ctx, r.rs, r.now); err != nil {
		return err
	}
	return e.st.UpdatePayment(ctx, r.pay, r.now)
}

// end closes a recovery (recovered, lost, abandoned) with its event; the
// payment follows (recovered, failed, canceled).
func (e *Engine) end(ctx context.Context, r *run, status, recoveredBy string) error {
	if status == holdfast.RecoveryRecovered {
		by, err := e.noticeCredit(ctx, r, recoveredBy)
		if err != nil {
			return err
		}
		recoveredBy = by
	}
	r.rs.Status = status
	r.rs.RecoveredBy = recoveredBy
	at := r.now
	r.rs.EndedAt = &at
	r.rs.NextActionAt = nil
	r.rs.AwaitingCard = false
	r.pay.NextRetryAt = nil
	var typ string
	switch status {
	case holdfast.RecoveryRecovered:
		r.pay.Status, typ = holdfast.PaymentRecovered, holdfast.EventRecoveryRecovered
	case holdfast.RecoveryLost:
		r.pay.Status, typ = holdfast.PaymentFailed, holdfast.EventRecoveryLost
	case holdfast.RecoveryAbandoned:
		r.pay.Status, typ = holdfast.PaymentCanceled, holdfast.EventRecoveryAbandoned
	default:
		return fmt.Errorf("engine: cannot end a recovery as %q", status)
	}
	if err := e.saveRun(ctx, r); err != nil {
		return err
	}
	if err := e.st.DeleteJob(ctx, recoveryJobKey(r.rs.ID)); err != nil {
		return err
	}
	_, err := e.st.RecordEvent(ctx, r.rs.WorkspaceID, r.mode, typ, r.rs.ID, r.rs.Recovery, r.now)
	return err
}

// history reads, in one query, the attempts on the customer's payments and
// on the card a retry would charge (whoever's payment they were for) over
// the network-limit window (and at least since the recovery opened), and
// picks out this payment's own attempts.
func (e *Engine) history(ctx context.Context, r *run) (hist, payAtts []holdfast.PaymentAttempt, err error) {
	p := r.pay
	since := r.now.Add(-31 * 24 * time.Hour)
	if p.CreatedAt.Before(since) {
		since = p.CreatedAt
	}
	hist, err = e.st.CustomerAttempts(ctx, p.WorkspaceID, r.mode, p.Customer, p.ID, currentCard(p, r.cust).Fingerprint, since)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range hist {
		if a.Payment == p.ID {
			payAtts = append(payAtts, a)
		}
	}
	return hist, payAtts, nil
}

// planInput gathers what the planner needs: the attempt history on the
// customer's cards, the card a retry would charge, the time zone, and
// whether the card changed since the last charge.
func (e *Engine) planInput(ctx context.Context, r *run, hist, payAtts []holdfast.PaymentAttempt) (planInput, error) {
	p := r.pay
	opened := r.rs.StartedAt
	in := planInput{
		Now: r.now, Opened: opened, Playbook: r.rs.Playbook, EmailCursor: r.rs.EmailCursor, RetryCursor: r.rs.RetryCursor,
		RetriesUsed: r.rs.RetriesUsed, CardEmailed: r.rs.CardEmailSent,
		Decline:      policy.Decline{Code: orDefault(p.DeclineCode, p.FailureCode), AdviceCode: p.AdviceCode, NetworkAdviceCode: p.NetworkAdviceCode},
		Card:         currentCard(p, r.cust),
		PlannedRetry: p.NextRetryAt,
		Unguarded:    e.cfg.Unguarded && !r.rs.Playbook.SmartRetries,
	}
	// The network limits count reattempts (Visa: 15 reattempts in 30 days),
	// so the failure that opened the recovery is not one of them — unless it
	// was a never-retry answer, which locks its card against every retry.
	if d := openingDecline(p, payAtts); policy.Classify(d) == policy.ClassNeverRetry {
		in.History = append(in.History, policy.Attempt{At: p.CreatedAt, Fingerprint: paymentCardID(p), Brand: p.CardBrand,
			Outcome: policy.OutcomeFailed, Decline: d})
	}
	// A never-retry answer Stripe gave when another invoice on this card
	// failed locks the card for this payment too.
	if fp := in.Card.Fingerprint; fp != "" && !strings.HasPrefix(fp, "pm:") && !strings.HasPrefix(fp, "card:") {
		opens, err := e.st.CardOpenings(ctx, p.WorkspaceID, r.mode, in.Card.Fingerprint, r.now.Add(-31*24*time.Hour))
		if err != nil {
			return planInput{}, err
		}
		for _, o := range opens {
			d := policy.Decline{Code: orDefault(o.Decline.Code, o.Decline.FailureCode), AdviceCode: o.Decline.AdviceCode,
				NetworkAdviceCode: o.Decline.NetworkAdviceCode}
			if o.Payment != p.ID && policy.Classify(d) == policy.ClassNeverRetry {
				in.History = append(in.History, policy.Attempt{At: o.At, Fingerprint: in.Card.Fingerprint, Brand: o.Brand,
					Outcome: policy.OutcomeFailed, Decline: d})
			}
		}
	}
	for _, a := range hist {
		in.History = append(in.History, policy.Attempt{At: a.CreatedAt, Fingerprint: a.CardFingerprint, Brand: a.CardBrand,
			Outcome: a.Outcome, Decline: policy.Decline{Code: orDefault(a.DeclineCode, a.FailureCode), AdviceCode: a.AdviceCode,
				NetworkAdviceCode: a.NetworkAdviceCode}, Manual: a.Initiator == holdfast.InitiatorManual})
	}
	ws, err := e.workspace(ctx, p.WorkspaceID)
	if err != nil {
		return planInput{}, err
	}
	in.Location = ws.loc
	if r.cust != nil {
		if loc := loadLocation(r.cust.Timezone); loc != nil {
			in.Location = loc
		}
	}
	lastCharge := p.CreatedAt
	for _, a := range payAtts {
		lastCharge = maxTime(lastCharge, a.CreatedAt)
	}
	in.CardChanged = r.cust != nil && after(r.cust.CardUpdatedAt, lastCharge)
	return in, nil
}

// openingDecline is the decline of the opening failure: the payment's own
// fields hold the latest decline, which is the opening one until a retry
// answers.
func openingDecline(p *holdfast.Payment, atts []holdfast.PaymentAttempt) policy.Decline {
	for _, a := range atts {
		if a.Outcome == holdfast.OutcomeFailed {
			return policy.Decline{} // the payment's fields now hold a retry's decline; the attempts speak for themselves
		}
	}
	return policy.Decline{Code: orDefault(p.DeclineCode, p.FailureCode), AdviceCode: p.AdviceCode, NetworkAdviceCode: p.NetworkAdviceCode}
}

// currentCard is the card a retry charges now: the customer's new default
// when it changed after the payment opened, else the payment's card.
func currentCard(p *holdfast.Payment, c *holdfast.Customer) policy.Card {
	if c != nil && after(c.CardUpdatedAt, p.CreatedAt) {
		return policy.Card{Fingerprint: customerCardID(c), Brand: c.CardBrand, Funding: c.CardFunding}
	}
	return policy.Card{Fingerprint: paymentCardID(p), Brand: p.CardBrand, Funding: p.CardFunding}
}

// Card identities for the network limits: the fingerprint when Stripe gave
// one, else the payment method, so a new card without a known fingerprint is
// still a different card from the one that was declined.
func paymentCardID(p *holdfast.Payment) string {
	switch {
	case p.CardFingerprint != "":
		return p.CardFingerprint
	case p.PaymentMethod != "":
		return "pm:" + p.PaymentMethod
	}
	return ""
}

func customerCardID(c *holdfast.Customer) string {
	switch {
	case c.CardFingerprint != "":
		return c.CardFingerprint
	case c.DefaultPaymentMethod != "":
		return "pm:" + c.DefaultPaymentMethod
	case c.CardUpdatedAt != nil:
		return fmt.Sprintf("card:%d", holdfast.Micros(*c.CardUpdatedAt))
	}
	return ""
}
