package engine

import (
	"context"
	"errors"
	"time"

	"holdfast"
)

// Provider errors are not declines (issue 12). When the provider's Pay
// returns an error — Stripe refused the request (a bad or restricted key, an
// invalid request), rate-limited it, failed, or could not be reached — the
// card network never saw the charge. The attempt stays started: its job
// sends it again with backoff under the same idempotency key (a charge that
// did happen is replayed, never repeated). It is not a card attempt, so it
// counts toward neither the network limits nor the campaign's budget; the
// payment shows it (provider_error, with Stripe's message) and provider.error
// goes out, so a merchant whose key was revoked hears of it the same day.
// Only an answer from the card network — a decline or a success — is
// recorded as the attempt's outcome, and it clears provider_error. If the
// provider keeps failing until the job's retries run out (about nine hours),
// the attempt ends as refused (failure_code provider_error), which the
// limits ignore, and its budget is given back.

// providerErrorOf describes a failed Pay call for the payment.
func providerErrorOf(err error, at time.Time) *holdfast.ProviderError {
	var pe *holdfast.ProviderError
	if errors.As(err, &pe) {
		out := *pe
		out.OccurredAt = at
		return &out
	}
	return &holdfast.ProviderError{Message: err.Error(), OccurredAt: at}
}

// sameProviderError reports whether two provider errors are the same kind of
// failure (then the payment's streak goes on without a new event).
func sameProviderError(a, b *holdfast.ProviderError) bool {
	return a != nil && b != nil && a.HTTPStatus == b.HTTPStatus && a.Type == b.Type && a.Code == b.Code
}

// noteProviderError records a failed Pay call on the attempt's payment and,
// when it starts a streak (or the kind of failure changed), emits
// provider.error. The attempt itself is left started for its job to send
// again. Failing to record is logged: the retry goes on regardless.
func (e *Engine) noteProviderError(ctx context.Context, a *holdfast.PaymentAttempt, cause error) {
	var pe *holdfast.ProviderError
	if ctx.Err() != nil || !errors.As(cause, &pe) {
		return // shutting down, or our own failure (the database): not the provider's doing
	}
	now := e.clock.Now()
	pe = providerErrorOf(cause, now)
	e.log.Warn("engine: provider error; the attempt will be sent again with the same idempotency key",
		"payment", a.Payment, "attempt", a.ID, "http_status", pe.HTTPStatus, "type", pe.Type, "code", pe.Code,
		"request_id", pe.RequestID, "err", pe.Message)
	err := e.st.InTx(ctx, func(ctx context.Context) error {
		cur, err := e.st.GetAttempt(ctx, a.ID)
		if err != nil || cur.State != holdfast.AttemptStarted {
			return err
		}
		r, err := e.loadRun(ctx, a.Recovery, now, false)
		if err != nil {
			return err
		}
		announce := !sameProviderError(r.pay.ProviderError, pe)
		r.pay.ProviderError = pe
		if err := e.st.UpdatePayment(ctx, r.pay, r.now); err != nil {
			return err
		}
		if !announce {
			return nil
		}
		atts, err := e.st.PaymentAttempts(ctx, r.pay.ID)
		if err != nil {
			return err
		}
		payload := *r.pay
		payload.Attempts = atts
		_, err = e.st.RecordEvent(ctx, r.pay.WorkspaceID, r.mode, holdfast.EventProviderError, r.pay.ID, payload, r.now)
		return err
	})
	if err != nil {
		e.log.Error("engine: record provider error", "payment", a.Payment, "err", err)
	}
}

// giveUpAttempt ends an attempt the provider kept failing (its job ran out
// of retries) as refused: the card network never answered, so the limits
// ignore it and a scheduled retry's budget is given back; then the recovery
// plans again. If the charge did go through after all, Stripe's invoice.paid
// ends the recovery as recovered.
func (e *Engine) giveUpAttempt(ctx context.Context, id string, cause error) error {
	a, err := e.st.GetAttempt(ctx, id)
	if err != nil || a.State != holdfast.AttemptStarted {
		return nil
	}
	return e.st.InTx(ctx, func(ctx context.Context) error {
		r, err := e.loadRun(ctx, a.Recovery, e.clock.Now(), false)
		if err != nil {
			return err
		}
		pe := providerErrorOf(cause, r.now)
		a.Outcome, a.FailureCode = holdfast.OutcomeRefused, "provider_error"
		a.FailureMessage = "The payment provider did not take the charge: " + pe.Message
		ok, err := e.st.CompleteAttempt(ctx, a, r.now)
		if err != nil || !ok {
			return err
		}
		if err := e.st.DeleteJob(ctx, attemptJobKey(a.ID)); err != nil {
			return err
		}
		if a.Initiator == holdfast.InitiatorSchedule && r.rs.RetriesUsed > 0 {
			r.rs.RetriesUsed--
		}
		r.pay.ProviderError = pe
		if r.rs.Status != holdfast.RecoveryInFlight {
			return e.saveRun(ctx, r)
		}
		return e.advance(ctx, r)
	})
}
