package store

import (
	"context"
	"fmt"
	"hash/fnv"
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
// no customer (not mirrored yet) it lists the payment's attempts. When card
// is set, the attempts of any payment of the workspace and mode on that card
// (another customer sharing it) are included too: the networks count per card.
func (s *Store) CustomerAttempts(ctx context.Context, wsID string, mode holdfast.Mode, customerID, paymentID, card string, since time.Time) ([]holdfast.PaymentAttempt, error) {
	own, args := `payment_id = ?`, []any{paymentID}
	if customerID != "" {
		own, args = `customer_id = ?`, []any{customerID}
	}
	if card == "" {
		return s.attemptsWhere(ctx, own+` AND workspace_id = ? AND livemode = ? AND created_at >= ?`,
			append(args, wsID, mode.Livemode(), holdfast.Micros(since))...)
	}
	return s.attemptsWhere(ctx, `(`+own+` OR card_fingerprint = ?) AND workspace_id = ? AND livemode = ? AND created_at >= ?`,
		append(args, card, wsID, mode.Livemode(), holdfast.Micros(since))...)
}

// LockCard takes the transaction's lock on one card (a workspace, mode and
// card identity), without waiting: it reports false when another
// transaction holds it. Every attempt on a card is begun under this lock, so
// the card-network limits are checked against every attempt already made,
// whichever process made it. On PostgreSQL it is a transaction-scoped
// advisory lock (held until commit or rollback; no row is needed, and a
// transaction may take it again); SQLite's immediate transactions already
// serialize every writer, so there it always succeeds. It must run inside a
// transaction.
func (s *Store) LockCard(ctx context.Context, wsID string, mode holdfast.Mode, card string) (bool, error) {
	if !s.InTransaction(ctx) {
		return false, fmt.Errorf("store: LockCard outside a transaction")
	}
	if s.dialect != Postgres {
		return true, nil
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "holdfast.card\x00%s\x00%t\x00%s", wsID, mode.Livemode(), card)
	var ok bool
	err := s.queryRow(ctx, `SELECT pg_try_advisory_xact_lock(?)`, int64(h.Sum64())).Scan(&ok)
	return ok, err
}

// AttachAttemptsToCustomer gives a payment's attempts the customer the
// payment now belongs to (the customer was mirrored after the failure).
func (s *Store) AttachAttemptsToCustomer(ctx context.Context, paymentID, customerID string) error {
	_, err := s.exec(ctx, `UPDATE payment_attempts SET customer_id = ? WHERE payment_id = ? AND customer_id IS NULL`, customerID, paymentID)
	return err
}
