package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// Claiming: a worker leases due deliveries before sending them. The lease is a
// random token plus locked_until in real time (leases are about processes, not
// about test clocks). Until locked_until passes nobody else claims the
// delivery, and RecordDeliveryAttempts only changes a delivery whose lease
// still matches, so one attempt is never sent by two workers at once and a
// worker that died mid-attempt is replaced once its lease runs out.

// DeliveryClaim is one delivery leased to a worker for one attempt, with
// everything needed to send it.
type DeliveryClaim struct {
	ID           string
	WorkspaceID  string
	Mode         holdfast.Mode
	EndpointID   string
	URL          string
	Secret       string
	Event        *holdfast.Event
	Status       string    // status before this attempt
	AttemptCount int       // attempts made before this one
	CreatedAt    time.Time // mode clock
	// FirstAttemptAt is when the first attempt was sent (mode clock), nil
	// before it: the retry window runs from there.
	FirstAttemptAt *time.Time
	// DueAt is when the attempt was scheduled (next_attempt_at, mode clock);
	// zero for a finished delivery claimed for a re-send.
	DueAt time.Time
	// ClockOffset is how far the mode's clock ran ahead of real time at claim
	// time: the workspace's test-clock offset in test mode, 0 in live mode.
	ClockOffset time.Duration
	Lease       string
}

// DueFilter narrows ClaimDueDeliveries; zero fields match everything.
type DueFilter struct {
	WorkspaceID string
	Mode        holdfast.Mode
}

// deliveryQueue is webhook_deliveries as a queue of due work (claim.go):
// pending deliveries, due at next_attempt_at (NULL while paused).
var deliveryQueue = dueQueue{table: "webhook_deliveries", due: "next_attempt_at", owner: "lease",
	where: []string{"q.status = ?"}, args: []any{holdfast.DeliveryPending}}

// ClaimDueDeliveries leases up to limit pending deliveries that are due, for
// lease (real time). A delivery is due when next_attempt_at has passed in its
// mode's clock: real time (now) for live mode, now plus the workspace's
// test-clock offset for test mode. Deliveries leased by someone else whose
// lease has not expired are skipped. The claim is the one shared with jobs
// (claim.go): when nothing is due it only reads, so an idle poll never takes
// SQLite's write lock; PostgreSQL callers skip each other's rows.
func (s *Store) ClaimDueDeliveries(ctx context.Context, f DueFilter, now time.Time, lease time.Duration, limit int) ([]*DeliveryClaim, error) {
	var modes []bool
	for _, live := range []bool{true, false} {
		if f.Mode != "" && f.Mode.Livemode() != live {
			continue
		}
		due, err := s.anyDue(ctx, deliveryQueue, live, f.WorkspaceID, now)
		if err != nil {
			return nil, err
		}
		if due {
			modes = append(modes, live)
		}
	}
	if len(modes) == 0 {
		return nil, nil
	}
	var out []*DeliveryClaim
	err := s.InTx(ctx, func(ctx context.Context) error {
		token := holdfast.RandomBase62(20)
		var ids []string
		for _, live := range modes {
			rows, err := s.leaseDue(ctx, deliveryQueue, live, f.WorkspaceID, now, token, now.Add(lease), limit-len(ids), "id")
			if err != nil {
				return err
			}
			got, err := collectIDs(rows)
			if err != nil {
				return err
			}
			ids = append(ids, got...)
			if len(ids) >= limit {
				break
			}
		}
		var err error
		out, err = s.loadClaims(ctx, ids, token)
		return err
	})
	return out, err
}

// ClaimDelivery leases one delivery of an endpoint, whatever its status, for a
// manual re-send or a test ping. ENOTFOUND when the delivery is not the
// endpoint's in this workspace and mode; ECONFLICT while another attempt of it
// is in flight.
func (s *Store) ClaimDelivery(ctx context.Context, wsID string, mode holdfast.Mode, endpointID, id string, now time.Time, lease time.Duration) (*DeliveryClaim, error) {
	var out *DeliveryClaim
	err := s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.GetWebhookEndpoint(ctx, wsID, mode, endpointID); err != nil {
			return err
		}
		var locked sql.NullInt64
		err := s.queryRow(ctx, `SELECT locked_until FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?`, id, endpointID).Scan(&locked)
		if errors.Is(err, sql.ErrNoRows) {
			return holdfast.NotFound("webhook delivery", id)
		} else if err != nil {
			return err
		}
		if locked.Valid && locked.Int64 >= holdfast.Micros(now) {
			return holdfast.Errorf(holdfast.ECONFLICT, "An attempt of webhook delivery '%s' is in progress; retry in a few seconds.", id)
		}
		token := holdfast.RandomBase62(20)
		if _, err := s.exec(ctx, `UPDATE webhook_deliveries SET lease = ?, locked_until = ? WHERE id = ?`,
			token, holdfast.Micros(now.Add(lease)), id); err != nil {
			return err
		}
		claims, err := s.loadClaims(ctx, []string{id}, token)
		if err == nil && len(claims) == 1 {
			out = claims[0]
		}
		return err
	})
	return out, err
}

// loadClaims reads what a worker needs to send leased deliveries.
func (s *Store) loadClaims(ctx context.Context, ids []string, token string) ([]*DeliveryClaim, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.query(ctx, `SELECT d.id, d.workspace_id, d.livemode, d.endpoint_id, e.url, e.secret_enc, d.status, d.attempt_count, d.created_at,
			(SELECT MIN(a.created_at) FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id),
			COALESCE(tc.offset_us, 0), d.next_attempt_at, ev.id, ev.workspace_id, ev.livemode, ev.type, ev.object_id, ev.data, ev.created_at
		FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id
		JOIN events ev ON ev.id = d.event_id
		LEFT JOIN test_clocks tc ON tc.workspace_id = d.workspace_id
		WHERE d.id IN (`+deliveryQMarks(len(ids))+`) ORDER BY d.next_attempt_at, d.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	secrets := map[string]string{} // sealed → opened, one decryption per endpoint
	out := make([]*DeliveryClaim, 0, len(ids))
	for rows.Next() {
		var (
			c            DeliveryClaim
			ev           holdfast.Event
			live         bool
			sealed, data string
			created, off int64
			evCreated    int64
			first, due   sql.NullInt64
		)
		if err := rows.Scan(&c.ID, &c.WorkspaceID, &live, &c.EndpointID, &c.URL, &sealed, &c.Status, &c.AttemptCount, &created,
			&first, &off, &due, &ev.ID, &ev.WorkspaceID, &ev.Livemode, &ev.Type, &ev.ObjectID, &data, &evCreated); err != nil {
			return nil, err
		}
		secret, ok := secrets[sealed]
		if !ok {
			if secret, err = s.open(sealed); err != nil {
				return nil, err
			}
			secrets[sealed] = secret
		}
		c.Secret, c.Mode, c.Lease = secret, holdfast.ModeOf(live), token
		c.CreatedAt, c.FirstAttemptAt = holdfast.FromMicros(created), timePtr(first)
		if due.Valid {
			c.DueAt = holdfast.FromMicros(due.Int64)
		}
		if !live {
			c.ClockOffset = time.Duration(off) * time.Microsecond
		}
		ev.Object, ev.Data, ev.CreatedAt = "event", []byte(data), holdfast.FromMicros(evCreated)
		c.Event = &ev
		out = append(out, &c)
	}
	return out, rows.Err()
}

// ReleaseDeliveries gives leases back without recording an attempt, for
// deliveries a stopping worker did not (finish to) send; they are claimable
// again at once.
func (s *Store) ReleaseDeliveries(ctx context.Context, claims []*DeliveryClaim) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		for _, c := range claims {
			if _, err := s.exec(ctx, `UPDATE webhook_deliveries SET lease = NULL, locked_until = NULL WHERE id = ? AND lease = ?`, c.ID, c.Lease); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountDueDeliveries counts pending deliveries that are due now (leased or
// not), so a caller that must see them all done can wait for the ones another
// worker holds.
func (s *Store) CountDueDeliveries(ctx context.Context, f DueFilter, now time.Time) (int, error) {
	nowUS := holdfast.Micros(now)
	where := []string{"d.status = ?", "d.next_attempt_at <= CASE WHEN d.livemode THEN ? ELSE ? + tc.offset_us END"}
	args := []any{holdfast.DeliveryPending, nowUS, nowUS}
	if f.Mode != "" {
		where = append(where, "d.livemode = ?")
		args = append(args, f.Mode.Livemode())
	}
	if f.WorkspaceID != "" {
		where = append(where, "d.workspace_id = ?")
		args = append(args, f.WorkspaceID)
	}
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM webhook_deliveries d JOIN test_clocks tc ON tc.workspace_id = d.workspace_id`+whereSQL(where), args...).Scan(&n)
	return n, err
}
