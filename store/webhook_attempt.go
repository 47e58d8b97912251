package store

import (
	"context"
	"strconv"
	"time"

	"holdfast"
)

// prefixDeliveryAttempt starts the ids of logged delivery attempts.
const prefixDeliveryAttempt = "dla_"

// AttemptRecord is the result of one delivery attempt and what follows from
// it. The retry schedule is computed by the caller (package webhook); the
// store applies it atomically.
type AttemptRecord struct {
	Claim *DeliveryClaim
	// At is when the request was sent, in the delivery's mode clock.
	At           time.Time
	StatusCode   int // 0: no response
	Latency      time.Duration
	ResponseBody string
	Error        string
	Success      bool
	// After a failure: NextAttemptAt schedules the next try; GiveUp marks the
	// delivery failed for good; neither leaves status and schedule alone (a
	// re-send of a delivery that had already finished).
	NextAttemptAt *time.Time
	GiveUp        bool
	// DisableAfter disables the endpoint once it has failed continuously
	// (no success in between) for this long; 0 never disables.
	DisableAfter time.Duration
}

// RecordDeliveryAttempts logs attempts and applies their outcomes in one
// transaction (the worker records a batch at a time). For each record:
//   - the attempt row is written, whatever happened to the lease;
//   - the delivery's count, status, schedule and last result change and its
//     lease is released, if the lease is still the claim's (otherwise another
//     worker owns the delivery now, and only the count moves);
//   - success clears the endpoint's failing_since; failure sets it if unset,
//     and when it is DisableAfter old the endpoint is disabled, its pending
//     deliveries paused and a webhook_endpoint.disabled event written.
//
// It returns the ids of endpoints disabled by this call.
func (s *Store) RecordDeliveryAttempts(ctx context.Context, recs []AttemptRecord) (disabled []string, err error) {
	err = s.InTx(ctx, func(ctx context.Context) error {
		for _, r := range recs {
			d, err := s.recordAttempt(ctx, r)
			if err != nil {
				return err
			}
			if d {
				disabled = append(disabled, r.Claim.EndpointID)
			}
		}
		return nil
	})
	return disabled, err
}

func (s *Store) recordAttempt(ctx context.Context, r AttemptRecord) (disabled bool, err error) {
	c, at := r.Claim, holdfast.Micros(r.At)
	var code any
	if r.StatusCode != 0 {
		code = r.StatusCode
	}
	if _, err := s.exec(ctx, `INSERT INTO webhook_delivery_attempts (id, delivery_id, status_code, latency_ms, response_body, error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		holdfast.NewID(prefixDeliveryAttempt), c.ID, code, r.Latency.Milliseconds(), r.ResponseBody, r.Error, at); err != nil {
		return false, err
	}
	set := `attempt_count = attempt_count + 1, last_status_code = ?, last_error = ?, lease = NULL, locked_until = NULL, updated_at = ?`
	args := []any{code, r.Error, at}
	switch {
	case r.Success:
		set += `, status = ?, next_attempt_at = NULL`
		args = append(args, DeliverySucceeded)
	case r.GiveUp:
		set += `, status = ?, next_attempt_at = NULL`
		args = append(args, DeliveryFailed)
	case r.NextAttemptAt != nil:
		// A disabled endpoint's deliveries stay paused (NULL) whatever the
		// schedule says; the endpoint may have been disabled mid-attempt.
		set += `, status = ?, next_attempt_at = CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = webhook_deliveries.endpoint_id AND e.enabled = ?) THEN CAST(? AS BIGINT) ELSE NULL END`
		args = append(args, DeliveryPending, true, holdfast.Micros(*r.NextAttemptAt))
	}
	res, err := s.exec(ctx, `UPDATE webhook_deliveries SET `+set+` WHERE id = ? AND lease = ?`, append(args, c.ID, c.Lease)...)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// The lease ran out and someone else holds the delivery: log the count
		// only and leave its state to the current holder.
		if _, err := s.exec(ctx, `UPDATE webhook_deliveries SET attempt_count = attempt_count + 1 WHERE id = ?`, c.ID); err != nil {
			return false, err
		}
	}
	if r.Success {
		_, err := s.exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`, c.EndpointID)
		return false, err
	}
	if _, err := s.exec(ctx, `UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL`, at, c.EndpointID); err != nil {
		return false, err
	}
	if r.DisableAfter <= 0 {
		return false, nil
	}
	return s.disableFailingEndpoint(ctx, c, r.At, r.DisableAfter)
}

// disableFailingEndpoint disables an enabled endpoint that has been failing
// since at least now-after, in the transaction of the attempt that found it.
func (s *Store) disableFailingEndpoint(ctx context.Context, c *DeliveryClaim, now time.Time, after time.Duration) (bool, error) {
	reason := "Disabled automatically after failing continuously for " + after.String() + "."
	if after%(24*time.Hour) == 0 {
		reason = "Disabled automatically after failing continuously for " + strconv.Itoa(int(after/(24*time.Hour))) + " days."
	}
	res, err := s.exec(ctx, `UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?, updated_at = ?
		WHERE id = ? AND enabled = ? AND failing_since IS NOT NULL AND failing_since <= ?`,
		false, reason, holdfast.Micros(now), c.EndpointID, true, holdfast.Micros(now.Add(-after)))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if err := s.pauseDeliveries(ctx, c.EndpointID); err != nil {
		return false, err
	}
	ep, err := s.GetWebhookEndpoint(ctx, c.WorkspaceID, c.Mode, c.EndpointID)
	if err != nil {
		return false, err
	}
	_, err = s.RecordEvent(ctx, c.WorkspaceID, c.Mode, holdfast.EventEndpointDisabled, ep.ID, ep, now)
	return err == nil, err
}
