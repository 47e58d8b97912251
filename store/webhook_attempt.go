package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"holdfast"
)

// prefixDeliveryAttempt starts the ids of logged delivery attempts.
const prefixDeliveryAttempt = "dla_"

// attemptInsertRows bounds one multi-row INSERT of attempts (7 parameters a row).
const attemptInsertRows = 400

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

func (r *AttemptRecord) code() any {
	if r.StatusCode == 0 {
		return nil
	}
	return r.StatusCode
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
// The common case — successes — takes a few set-based statements per batch
// rather than several per delivery, which is what lets SQLite's single writer
// keep up with many endpoints. It returns the ids of endpoints disabled.
func (s *Store) RecordDeliveryAttempts(ctx context.Context, recs []AttemptRecord) (disabled []string, err error) {
	err = s.InTx(ctx, func(ctx context.Context) error {
		if err := s.insertAttempts(ctx, recs); err != nil {
			return err
		}
		if err := s.applyDeliveryOutcomes(ctx, recs); err != nil {
			return err
		}
		disabled, err = s.applyEndpointOutcomes(ctx, recs)
		return err
	})
	return disabled, err
}

// insertAttempts writes the attempt rows with multi-row INSERTs.
func (s *Store) insertAttempts(ctx context.Context, recs []AttemptRecord) error {
	for chunk := range slices.Chunk(recs, attemptInsertRows) {
		args := make([]any, 0, 7*len(chunk))
		for _, r := range chunk {
			args = append(args, holdfast.NewID(prefixDeliveryAttempt), r.Claim.ID, r.code(), r.Latency.Milliseconds(),
				r.ResponseBody, r.Error, holdfast.Micros(r.At))
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(chunk)), ", ")
		if _, err := s.exec(ctx, `INSERT INTO webhook_delivery_attempts (id, delivery_id, status_code, latency_ms, response_body, error, created_at) VALUES `+values, args...); err != nil {
			return err
		}
	}
	return nil
}

// applyDeliveryOutcomes updates the deliveries. Successes are grouped by
// (status code, lease) into two set-based UPDATEs each — one bumping the
// count of deliveries whose lease ran out, one finishing the others — and
// everything else goes row by row.
func (s *Store) applyDeliveryOutcomes(ctx context.Context, recs []AttemptRecord) error {
	type key struct {
		code  int
		lease string
	}
	type group struct {
		ids  []any
		last int64
	}
	count := make(map[string]int, len(recs))
	for _, r := range recs {
		count[r.Claim.ID]++
	}
	groups := map[key]*group{}
	for _, r := range recs {
		c := r.Claim
		// A delivery twice in one batch (its lease ran out while queued and
		// this worker claimed it again) is applied in order, row by row.
		if !r.Success || count[c.ID] > 1 {
			if err := s.applyDeliveryOutcome(ctx, r); err != nil {
				return err
			}
			continue
		}
		k := key{r.StatusCode, c.Lease}
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
		}
		g.ids, g.last = append(g.ids, c.ID), max(g.last, holdfast.Micros(r.At))
	}
	for k, g := range groups {
		for chunk := range slices.Chunk(g.ids, 500) {
			in := deliveryQMarks(len(chunk))
			if _, err := s.exec(ctx, `UPDATE webhook_deliveries SET attempt_count = attempt_count + 1
				WHERE id IN (`+in+`) AND (lease IS NULL OR lease <> ?)`, append(slices.Clone(chunk), k.lease)...); err != nil {
				return err
			}
			args := append([]any{holdfast.DeliverySucceeded, k.code, g.last}, chunk...)
			if _, err := s.exec(ctx, `UPDATE webhook_deliveries SET status = ?, next_attempt_at = NULL, attempt_count = attempt_count + 1,
				last_status_code = ?, last_error = '', lease = NULL, locked_until = NULL, updated_at = ?
				WHERE id IN (`+in+`) AND lease = ?`, append(args, k.lease)...); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyDeliveryOutcome updates one delivery, fenced by its lease.
func (s *Store) applyDeliveryOutcome(ctx context.Context, r AttemptRecord) error {
	c, at := r.Claim, holdfast.Micros(r.At)
	set := `attempt_count = attempt_count + 1, last_status_code = ?, last_error = ?, lease = NULL, locked_until = NULL, updated_at = ?`
	args := []any{r.code(), r.Error, at}
	switch {
	case r.Success:
		set += `, status = ?, next_attempt_at = NULL`
		args = append(args, holdfast.DeliverySucceeded)
	case r.GiveUp:
		set += `, status = ?, next_attempt_at = NULL`
		args = append(args, holdfast.DeliveryFailed)
	case r.NextAttemptAt != nil:
		// A disabled endpoint's deliveries stay paused (NULL) whatever the
		// schedule says; the endpoint may have been disabled mid-attempt.
		set += `, status = ?, next_attempt_at = CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = webhook_deliveries.endpoint_id AND e.enabled = ?) THEN CAST(? AS BIGINT) ELSE NULL END`
		args = append(args, holdfast.DeliveryPending, true, holdfast.Micros(*r.NextAttemptAt))
	}
	res, err := s.exec(ctx, `UPDATE webhook_deliveries SET `+set+` WHERE id = ? AND lease = ?`, append(args, c.ID, c.Lease)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// The lease ran out and someone else holds the delivery: log the count
		// only and leave its state to the current holder.
		_, err = s.exec(ctx, `UPDATE webhook_deliveries SET attempt_count = attempt_count + 1 WHERE id = ?`, c.ID)
	}
	return err
}

// applyEndpointOutcomes maintains failing_since and disables endpoints that
// failed for too long. Endpoints with only successes in the batch are cleared
// in one statement; the others replay their outcomes in order.
func (s *Store) applyEndpointOutcomes(ctx context.Context, recs []AttemptRecord) (disabled []string, err error) {
	failing := map[string]bool{}
	for _, r := range recs {
		if !r.Success {
			failing[r.Claim.EndpointID] = true
		}
	}
	var clear []any
	cleared := map[string]bool{}
	for _, r := range recs {
		id := r.Claim.EndpointID
		if failing[id] {
			d, err := s.applyEndpointOutcome(ctx, r)
			if err != nil {
				return nil, err
			}
			if d {
				disabled = append(disabled, id)
			}
		} else if !cleared[id] {
			cleared[id] = true
			clear = append(clear, id)
		}
	}
	for chunk := range slices.Chunk(clear, 500) {
		if _, err := s.exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE failing_since IS NOT NULL AND id IN (`+deliveryQMarks(len(chunk))+`)`, chunk...); err != nil {
			return nil, err
		}
	}
	return disabled, nil
}

// applyEndpointOutcome applies one attempt to its endpoint's failure state.
func (s *Store) applyEndpointOutcome(ctx context.Context, r AttemptRecord) (disabled bool, err error) {
	c, at := r.Claim, holdfast.Micros(r.At)
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
// Its pending deliveries end as failed, like Stripe stops retrying events of
// a disabled endpoint: the log then reads the same whether the three days
// passed in small steps or in one advance of the test clock, and a re-send
// from the log stays possible. (A manual disable only pauses them.)
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
	if err := s.failPendingDeliveries(ctx, c.EndpointID, now); err != nil {
		return false, err
	}
	ep, err := s.GetWebhookEndpoint(ctx, c.WorkspaceID, c.Mode, c.EndpointID)
	if err != nil {
		return false, err
	}
	_, err = s.RecordEvent(ctx, c.WorkspaceID, c.Mode, holdfast.EventEndpointDisabled, ep.ID, ep, now)
	return err == nil, err
}

// failPendingDeliveries ends an endpoint's pending deliveries as failed.
// Leases are left alone: an attempt in flight still records its outcome.
func (s *Store) failPendingDeliveries(ctx context.Context, endpointID string, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE webhook_deliveries SET status = ?, next_attempt_at = NULL, updated_at = ? WHERE endpoint_id = ? AND status = ?`,
		holdfast.DeliveryFailed, holdfast.Micros(now), endpointID, holdfast.DeliveryPending)
	return err
}
