package engine

import (
	"context"
	"errors"
	"time"

	"holdfast"
	"holdfast/engine/policy"
	"holdfast/store"
)

// IdempotencyKeyPrefix starts every attempt's idempotency key; the rest is
// the attempt id, so a key names exactly one attempt forever.
const IdempotencyKeyPrefix = "hf_att_"

// beginAttempt stores a started attempt with its idempotency key. In live
// mode it also queues the attempt's job — leased to this engine when the
// caller charges right after commit, else due now for any runner — so a
// crash between commit and the recorded answer re-drives the same key.
func (e *Engine) beginAttempt(ctx context.Context, r *run, initiator string, card policy.Card) (*holdfast.PaymentAttempt, error) {
	id := holdfast.NewID(holdfast.PrefixAttempt)
	// The attempts on a card are begun one after another (see card.go); their
	// times keep that order even when this transaction's clock reading is
	// older than the card's last attempt (it waited for a lock, or a test
	// clock runs a job at its due time), so "the card's last answer" is
	// always the latest attempt.
	at := r.now
	if !at.After(r.cardLast) && !r.cardLast.IsZero() {
		at = r.cardLast.Add(time.Microsecond)
	}
	a := &holdfast.PaymentAttempt{
		ID: id, Object: "payment_attempt", Livemode: r.mode.Livemode(), WorkspaceID: r.pay.WorkspaceID, Payment: r.pay.ID,
		Recovery: r.rs.ID, Customer: r.pay.Customer, Initiator: initiator, State: holdfast.AttemptStarted,
		CardFingerprint: card.Fingerprint, CardBrand: card.Brand,
		IdempotencyKey: IdempotencyKeyPrefix + id[len(holdfast.PrefixAttempt):], CreatedAt: at,
	}
	if err := e.st.InsertAttempt(ctx, a); err != nil {
		return nil, err
	}
	r.pay.NextRetryAt = nil // this is the planned retry; the next one is planned afresh
	if r.mode == holdfast.ModeTest {
		return a, nil
	}
	j := store.Job{WorkspaceID: a.WorkspaceID, Mode: r.mode, Kind: jobAttempt, RefID: a.ID, DedupeKey: attemptJobKey(a.ID), RunAt: r.now}
	if r.own {
		real := e.clock.Now()
		if _, err := e.st.LeaseNewJob(ctx, j, e.owner, real.Add(e.cfg.Lease), real); err != nil {
			return nil, err
		}
		r.started = append(r.started, e.payRequest(r, a))
		return a, nil
	}
	if err := e.st.ScheduleJob(ctx, j, e.clock.Now()); err != nil {
		return nil, err
	}
	e.kickSoon()
	return a, nil
}

// refuse records an attempt the card-network limits did not let through.
func (e *Engine) refuse(ctx context.Context, r *run, initiator string, card policy.Card, why error) error {
	id := holdfast.NewID(holdfast.PrefixAttempt)
	at := r.now
	msg := why.Error()
	if he, ok := holdfast.AsError(why); ok {
		msg = he.Message
	}
	return e.st.InsertAttempt(ctx, &holdfast.PaymentAttempt{
		ID: id, Livemode: r.mode.Livemode(), WorkspaceID: r.pay.WorkspaceID, Payment: r.pay.ID, Recovery: r.rs.ID,
		Customer: r.pay.Customer, Initiator: initiator, State: holdfast.AttemptDone, Outcome: holdfast.OutcomeRefused,
		FailureCode: "network_limit", FailureMessage: msg, CardFingerprint: card.Fingerprint, CardBrand: card.Brand,
		IdempotencyKey: IdempotencyKeyPrefix + id[len(holdfast.PrefixAttempt):], CreatedAt: at, CompletedAt: &at,
	})
}

// payRequest describes an attempt to the provider.
func (e *Engine) payRequest(r *run, a *holdfast.PaymentAttempt) PayRequest {
	req := PayRequest{WorkspaceID: r.pay.WorkspaceID, Mode: r.mode, Invoice: r.pay.Invoice, IdempotencyKey: a.IdempotencyKey,
		Payment: r.pay, Customer: r.cust, Attempt: a}
	if r.cust != nil && after(r.cust.CardUpdatedAt, r.pay.CreatedAt) && r.cust.DefaultPaymentMethod != "" {
		req.PaymentMethod = r.cust.DefaultPaymentMethod
	}
	return req
}

// simulate charges a test-mode attempt with the simulator and records the
// answer, all inside the caller's transaction.
func (e *Engine) simulate(ctx context.Context, r *run, a *holdfast.PaymentAttempt) error {
	req := e.payRequest(r, a)
	prev, err := e.st.PaymentAttempts(ctx, r.pay.ID)
	if err != nil {
		return err
	}
	req.Previous = prev
	res, err := e.sim.Pay(ctx, req)
	if err != nil {
		return err
	}
	return e.applyResult(ctx, r, a, res)
}

// applyResult records a provider answer on a started attempt with the state
// change and events it causes, then plans the recovery again. It runs in the
// transaction of the locked run. A second answer for the same attempt (two
// runners raced after a lease ran out) changes nothing.
func (e *Engine) applyResult(ctx context.Context, r *run, a *holdfast.PaymentAttempt, res PayResult) error {
	if res.Succeeded {
		a.Outcome = holdfast.OutcomeSucceeded
	} else {
		a.Outcome = holdfast.OutcomeFailed
		d := res.Decline
		a.DeclineCode, a.FailureCode, a.AdviceCode, a.NetworkAdviceCode, a.FailureMessage =
			d.Code, orDefault(d.FailureCode, "card_declined"), d.AdviceCode, d.NetworkAdviceCode, d.Message
	}
	ok, err := e.st.CompleteAttempt(ctx, a, r.now)
	if err != nil || !ok {
		return err
	}
	if err := e.st.DeleteJob(ctx, attemptJobKey(a.ID)); err != nil {
		return err
	}
	r.pay.ProviderError = nil // the card network answered
	r.pay.AttemptCount++
	typ := holdfast.EventRetryFailed
	if res.Succeeded {
		typ = holdfast.EventRetrySucceeded
	} else {
		r.pay.DeclineCode, r.pay.FailureCode, r.pay.AdviceCode, r.pay.NetworkAdviceCode, r.pay.FailureMessage =
			a.DeclineCode, a.FailureCode, a.AdviceCode, a.NetworkAdviceCode, a.FailureMessage
	}
	if res.Succeeded && r.rs.Status == holdfast.RecoveryInFlight {
		if err := e.end(ctx, r, holdfast.RecoveryRecovered, "retry"); err != nil {
			return err
		}
	} else if err := e.saveRun(ctx, r); err != nil {
		return err
	}
	atts, err := e.st.PaymentAttempts(ctx, r.pay.ID)
	if err != nil {
		return err
	}
	payload := *r.pay
	payload.Attempts = atts
	if _, err := e.st.RecordEvent(ctx, r.pay.WorkspaceID, r.mode, typ, r.pay.ID, payload, r.now); err != nil {
		return err
	}
	if r.rs.Status != holdfast.RecoveryInFlight {
		return nil
	}
	return e.advance(ctx, r)
}

// drive charges a started live attempt and records the answer. Called right
// after the attempt's transaction committed (req is that transaction's
// request), or by a runner that took over the attempt's job after a crash or
// a failed call (req nil: read again); either way the same idempotency key
// goes to the provider.
func (e *Engine) drive(ctx context.Context, attemptID string, req *PayRequest) error {
	if req == nil {
		a, err := e.st.GetAttempt(ctx, attemptID)
		if err != nil {
			if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
				return nil
			}
			return err
		}
		if a.State != holdfast.AttemptStarted {
			return nil
		}
		r, err := e.loadRun(ctx, a.Recovery, e.clock.Now(), true)
		if err != nil {
			return err
		}
		rq := e.payRequest(r, a)
		req = &rq
	}
	a := req.Attempt
	res, err := e.live.Pay(ctx, *req)
	if err != nil {
		// Not an answer from the card network (see provider_error.go).
		e.noteProviderError(ctx, a, err)
		return err
	}
	if e.hooks.afterPay != nil {
		if err := e.hooks.afterPay(a); err != nil {
			return err
		}
	}
	var next []PayRequest
	err = e.st.InTx(ctx, func(ctx context.Context) error {
		r, err := e.loadRun(ctx, a.Recovery, e.clock.Now(), true)
		if err != nil {
			return err
		}
		if err := e.applyResult(ctx, r, a, res); err != nil {
			return err
		}
		next = r.started
		return nil
	})
	if err != nil {
		return err
	}
	return e.driveAll(ctx, next)
}

// driveAll drives attempts begun by this engine, one after another.
func (e *Engine) driveAll(ctx context.Context, reqs []PayRequest) error {
	var errs []error
	for i := range reqs {
		id := reqs[i].Attempt.ID
		if err := e.drive(ctx, id, &reqs[i]); err != nil {
			if errors.Is(err, errCrash) {
				return err
			}
			// The attempt's job is leased to us; release it so a runner retries.
			errs = append(errs, err)
			e.releaseAttempt(ctx, id, err)
		}
	}
	return errors.Join(errs...)
}

// releaseAttempt hands an attempt whose charge failed (unknown outcome) to
// the runners, to be sent again with its key after a backoff.
func (e *Engine) releaseAttempt(ctx context.Context, attemptID string, cause error) {
	j, err := e.st.JobByKey(ctx, attemptJobKey(attemptID))
	if err != nil {
		return
	}
	_ = e.st.RetryJob(ctx, j.ID, e.owner, e.retryAt(ctx, j.WorkspaceID, j.Mode, j.Attempts), cause.Error())
}

// RetryPayment retries a pending payment at once (POST /v1/payments/:id/retry).
// It returns ENOTFOUND for an unknown payment, ECONFLICT unless the payment is
// pending, while another retry of it is in flight, or when a card-network
// limit or an earlier never-retry answer forbids another attempt. A manual
// retry does not use the campaign's automatic retry budget.
func (e *Engine) RetryPayment(ctx context.Context, wsID string, mode holdfast.Mode, paymentID string) (*holdfast.Payment, error) {
	var started []PayRequest
	err := e.st.InTx(ctx, func(ctx context.Context) error {
		now, err := e.modeNow(ctx, wsID, mode)
		if err != nil {
			return err
		}
		pay, err := e.st.GetPayment(ctx, wsID, mode, paymentID)
		if err != nil {
			return err
		}
		if err := retryable(pay.ID, pay.Status, pay.Recovery, holdfast.RecoveryInFlight); err != nil {
			return err
		}
		r, err := e.loadRun(ctx, pay.Recovery, now, true)
		if err != nil {
			return err
		}
		// Check again under the lock: the payment read above may be older
		// than a retry (on any process) that has recovered it since.
		if err := retryable(pay.ID, r.pay.Status, r.pay.Recovery, r.rs.Status); err != nil {
			return err
		}
		card := currentCard(r.pay, r.cust)
		if ok, err := e.lockCard(ctx, r, card); err != nil {
			return err
		} else if !ok {
			return holdfast.Errorf(holdfast.ECONFLICT, "Another charge on this payment's card is in progress; retry in a moment.")
		}
		hist, atts, err := e.history(ctx, r)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if a.State == holdfast.AttemptStarted {
				return holdfast.Errorf(holdfast.ECONFLICT, "A retry of payment %s is already in progress.", pay.ID)
			}
		}
		if cardInFlight(hist, card) {
			return holdfast.Errorf(holdfast.ECONFLICT, "Another charge on this payment's card is in progress; retry in a moment.")
		}
		in, err := e.planInput(ctx, r, hist, atts)
		if err != nil {
			return err
		}
		if err := policy.CheckNetworkLimits(now, in.Card, in.History); err != nil {
			return err
		}
		r.cardLast = lastOnCard(hist, in.Card)
		a, err := e.beginAttempt(ctx, r, holdfast.InitiatorManual, in.Card)
		if err != nil {
			return err
		}
		if mode == holdfast.ModeTest {
			return e.simulate(ctx, r, a)
		}
		started = r.started
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := e.driveAll(ctx, started); err != nil {
		e.log.Warn("engine: manual retry left for the runners", "payment", paymentID, "err", err)
		e.Kick()
	}
	return e.paymentWithAttempts(ctx, wsID, mode, paymentID)
}

// retryable returns ECONFLICT unless a payment is pending with an in-flight
// recovery.
func retryable(id, status, recovery, recoveryStatus string) error {
	if status != holdfast.PaymentPending || recovery == "" || recoveryStatus != holdfast.RecoveryInFlight {
		if status == holdfast.PaymentPending {
			status = "no longer in recovery"
		}
		return holdfast.Errorf(holdfast.ECONFLICT, "Payment %s is %s; only pending payments can be retried.", id, status)
	}
	return nil
}

// paymentWithAttempts reads a payment with its attempts, as GET /v1/payments/:id shows it.
func (e *Engine) paymentWithAttempts(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Payment, error) {
	p, err := e.st.GetPayment(ctx, wsID, mode, id)
	if err != nil {
		return nil, err
	}
	if p.Attempts, err = e.st.PaymentAttempts(ctx, id); err != nil {
		return nil, err
	}
	return p, nil
}

// backoff is the wait before the n-th retry of a failed job: 1 s doubling to
// an hour, with ±20 % jitter so that failures do not retry in lockstep.
func backoff(n int) time.Duration {
	d := time.Second << min(max(n, 0), 12)
	d = min(d, time.Hour)
	j := time.Duration(jitter(int64(d) / 5))
	return d - time.Duration(int64(d)/10) + j
}
