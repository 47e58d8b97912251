package engine

import (
	"context"
	"time"

	"holdfast"
	"holdfast/engine/policy"
)

// One charge at a time per card. The card networks' limits (Visa 15 in 30
// days, Mastercard 10 in 24 hours and 35 in 30 days, nothing after a
// never-retry answer) are counted per card, and one card can back several
// payments — of one customer or, when a card is shared, of several — whose
// recoveries are locked separately and run on any process. So every attempt
// (automatic, manual, card-update) is begun under its card's lock, taken in
// the transaction that stores the started attempt, and the history the
// limits are checked against is read after the lock is taken. A card with a
// charge still in flight takes no second one: its answer (maybe never-retry)
// must be recorded first. Together these make the attempts on a card a
// sequence — each begun after the previous one's answer is known — so no
// interleaving of processes can pass a limit.
//
// The lock is taken without waiting (store.LockCard): a retry whose card is
// busy waits cardWait and plans again (a manual retry answers ECONFLICT),
// so two transactions that hold recovery locks never wait on each other's
// cards.

// cardWait is how long an automatic or card-update retry waits when its card
// is busy (locked by another transaction, or with a charge in flight).
const cardWait = time.Minute

// cardLockKey names the lock for a charge on card: the card's identity, or —
// for a card Holdfast knows nothing about — the customer (or the payment),
// whose attempts on unknown cards are counted together.
func cardLockKey(r *run, card policy.Card) string {
	switch {
	case card.Fingerprint != "":
		return "card:" + card.Fingerprint
	case r.pay.Customer != "":
		return "customer:" + r.pay.Customer
	}
	return "payment:" + r.pay.ID
}

func (r *run) holdsCard(card policy.Card) bool { return r.cards[cardLockKey(r, card)] }

// lockCard takes the card's lock for this transaction; false when another
// transaction holds it.
func (e *Engine) lockCard(ctx context.Context, r *run, card policy.Card) (bool, error) {
	k := cardLockKey(r, card)
	if r.cards[k] {
		return true, nil
	}
	ok, err := e.st.LockCard(ctx, r.pay.WorkspaceID, r.mode, k)
	if err != nil || !ok {
		return false, err
	}
	if r.cards == nil {
		r.cards = map[string]bool{}
	}
	r.cards[k] = true
	return true, nil
}

// cardInFlight reports whether an attempt on card (of any payment in the
// history) has been begun and not answered yet.
func cardInFlight(hist []holdfast.PaymentAttempt, card policy.Card) bool {
	for _, a := range hist {
		if a.State == holdfast.AttemptStarted && a.CardFingerprint == card.Fingerprint {
			return true
		}
	}
	return false
}

// lastOnCard is when the card was last charged according to the history.
func lastOnCard(hist []holdfast.PaymentAttempt, card policy.Card) time.Time {
	var last time.Time
	for _, a := range hist {
		if a.CardFingerprint == card.Fingerprint && a.Outcome != holdfast.OutcomeRefused && a.CreatedAt.After(last) {
			last = a.CreatedAt
		}
	}
	return last
}

// waitForCard postpones a due retry whose card is busy; the retry runs when
// the job comes back (its planned time has come by then).
func (e *Engine) waitForCard(ctx context.Context, r *run, act plannedAction) error {
	at := r.now.Add(cardWait)
	return e.wait(ctx, r, plannedAction{Kind: act.Kind, Step: act.Step, At: at, NextRetry: &at, AwaitingCard: act.AwaitingCard,
		Reason: "another charge on this card is in progress"})
}
