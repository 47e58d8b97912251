package store

import (
	"context"
	"time"

	"holdfast"
)

// InsertAttempt stores an attempt (started, or done for a refused one).
// Returns ECONFLICT when its idempotency key is already used.
func (s *Store) InsertAttempt(ctx context.Context, a *holdfast.PaymentAttempt) error {
	a.Object = "payment_attempt"
	_, err := s.exec(ctx, `INSERT INTO payment_attempts (`+attemptCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.WorkspaceID, a.Livemode, a.Payment, engNull(a.Recovery), engNull(a.Customer), a.Initiator, a.State, a.Outcome,
		a.DeclineCode, a.FailureCode, a.AdviceCode, a.NetworkAdviceCode, a.FailureMessage, a.CardFingerprint, a.CardBrand,
		a.IdempotencyKey, holdfast.Micros(a.CreatedAt), microsPtr(a.CompletedAt))
	if isUniqueViolation(err) {
		return holdfast.Errorf(holdfast.ECONFLICT, "idempotency key %s is already used", a.IdempotencyKey)
	}
	return err
}

// CompleteAttempt records the provider's answer on a started attempt. It
// reports false when the attempt was already completed (another runner got
// there first), in which case nothing is written.
func (s *Store) CompleteAttempt(ctx context.Context, a *holdfast.PaymentAttempt, at time.Time) (bool, error) {
	a.State = holdfast.AttemptDone
	t := holdfast.FromMicros(holdfast.Micros(at))
	a.CompletedAt = &t
	res, err := s.exec(ctx, `UPDATE payment_attempts SET state = ?, outcome = ?, decline_code = ?, failure_code = ?, advice_code = ?,
		network_advice_code = ?, failure_message = ?, completed_at = ? WHERE id = ? AND state = ?`,
		holdfast.AttemptDone, a.Outcome, a.DeclineCode, a.FailureCode, a.AdviceCode, a.NetworkAdviceCode, a.FailureMessage,
		holdfast.Micros(at), a.ID, holdfast.AttemptStarted)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// GetAttempt returns an attempt by id; ENOTFOUND otherwise.
func (s *Store) GetAttempt(ctx context.Context, id string) (*holdfast.PaymentAttempt, error) {
	a, err := scanAttempt(s.queryRow(ctx, `SELECT `+attemptCols+` FROM payment_attempts WHERE id = ?`, id))
	if err != nil {
		return nil, engNotFound(err, "payment_attempt", id)
	}
	return a, nil
}

// CustomerAttempts lists the attempts on a customer's payments since a time,
// oldest first: the history the card-network limits are counted over. With
// no customer (not mirrored yet) it lists the payment's attempts.
func (s *Store) CustomerAttempts(ctx context.Context, wsID string, mode holdfast.Mode, customerID, paymentID string, since time.Time) ([]holdfast.PaymentAttempt, error) {
	if customerID == "" {
		return s.attemptsWhere(ctx, `payment_id = ? AND created_at >= ?`, paymentID, holdfast.Micros(since))
	}
	return s.attemptsWhere(ctx, `customer_id = ? AND workspace_id = ? AND livemode = ? AND created_at >= ?`,
		customerID, wsID, mode.Livemode(), holdfast.Micros(since))
}

// AttachAttemptsToCustomer gives a payment's attempts the customer the
// payment now belongs to (the customer was mirrored after the failure).
func (s *Store) AttachAttemptsToCustomer(ctx context.Context, paymentID, customerID string) error {
	_, err := s.exec(ctx, `UPDATE payment_attempts SET customer_id = ? WHERE payment_id = ? AND customer_id IS NULL`, customerID, paymentID)
	return err
}
