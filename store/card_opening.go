package store

import (
	"context"
	"time"

	"holdfast"
)

// CardOpening is the failure that opened a payment on a card: Stripe's own
// charge, before any retry of ours.
type CardOpening struct {
	Payment string
	At      time.Time
	Brand   string
	Decline holdfast.Decline
}

// CardOpenings lists the payments of a workspace and mode opened on a card
// (by fingerprint) since a time whose decline fields still hold their opening
// failure (no retry has answered since), oldest first. The query repeats
// the partial index's condition (a non-empty card_fingerprint) so the
// planner may use payments_card: with a bound parameter it cannot prove that
// on its own, and without the index every payment of the workspace is
// scanned on each engine pass.
func (s *Store) CardOpenings(ctx context.Context, wsID string, mode holdfast.Mode, fingerprint string, since time.Time) ([]CardOpening, error) {
	if fingerprint == "" {
		return nil, nil
	}
	rows, err := s.query(ctx, `SELECT id, created_at, card_brand, decline_code, failure_code, advice_code, network_advice_code
		FROM payments WHERE workspace_id = ? AND livemode = ? AND card_fingerprint = ? AND card_fingerprint <> '' AND created_at >= ? AND attempt_count = 0
		ORDER BY created_at, id`, wsID, mode.Livemode(), fingerprint, holdfast.Micros(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CardOpening
	for rows.Next() {
		var (
			o  CardOpening
			at int64
		)
		if err := rows.Scan(&o.Payment, &at, &o.Brand, &o.Decline.Code, &o.Decline.FailureCode, &o.Decline.AdviceCode,
			&o.Decline.NetworkAdviceCode); err != nil {
			return nil, err
		}
		o.At = holdfast.FromMicros(at)
		out = append(out, o)
	}
	return out, rows.Err()
}
