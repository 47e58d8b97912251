package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"holdfast"
)

// fanOutInsertRows bounds one multi-row INSERT (9 parameters a row keeps it
// far below SQLite's and PostgreSQL's parameter limits).
const fanOutInsertRows = 400

// FanOutEvents turns up to limit events that have not been fanned out yet
// (oldest first) into deliveries: one row per enabled endpoint of the event's
// workspace and mode whose events match the type (or "*"). The deliveries are
// due at the event's time, in the event's mode clock. The events are marked fanned_out in the same
// transaction, so a crash either leaves an event untouched or fully fanned
// out; (endpoint, event) is unique, so a repeat never duplicates a delivery.
// On PostgreSQL concurrent callers skip each other's events (SKIP LOCKED).
// It returns how many events and deliveries it handled.
func (s *Store) FanOutEvents(ctx context.Context, limit int) (events, deliveries int, err error) {
	// An idle poll only reads, so it never takes SQLite's write lock.
	var one int
	err = s.queryRow(ctx, `SELECT 1 FROM events WHERE fanned_out = ? LIMIT 1`, false).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	} else if err != nil {
		return 0, 0, err
	}
	err = s.InTx(ctx, func(ctx context.Context) error {
		q := `SELECT id, workspace_id, livemode, type, created_at FROM events WHERE fanned_out = ? ORDER BY created_at, id LIMIT ?`
		if s.dialect == Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := s.query(ctx, q, false, limit)
		if err != nil {
			return err
		}
		type pending struct {
			id, ws, typ string
			live        bool
			at          int64
		}
		var evs []pending
		for rows.Next() {
			var p pending
			if err := rows.Scan(&p.id, &p.ws, &p.live, &p.typ, &p.at); err != nil {
				rows.Close()
				return err
			}
			evs = append(evs, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(evs) == 0 {
			return err
		}
		type scope struct {
			ws   string
			live bool
		}
		subscribers := map[scope][]enabledEndpoint{}
		var ins deliveryInserter
		for _, ev := range evs {
			sc := scope{ev.ws, ev.live}
			eps, ok := subscribers[sc]
			if !ok {
				if eps, err = s.enabledEndpoints(ctx, ev.ws, ev.live); err != nil {
					return err
				}
				subscribers[sc] = eps
			}
			for _, ep := range eps {
				if !endpointMatches(ep.events, ev.typ) {
					continue
				}
				deliveries++
				if err := ins.add(ctx, s, ev.ws, ev.live, ep.id, ev.id, ev.at); err != nil {
					return err
				}
			}
		}
		if err := ins.flush(ctx, s); err != nil {
			return err
		}
		ids := make([]any, len(evs))
		for i, ev := range evs {
			ids[i] = ev.id
		}
		events = len(evs)
		_, err = s.exec(ctx, `UPDATE events SET fanned_out = ? WHERE id IN (`+deliveryQMarks(len(ids))+`)`, append([]any{true}, ids...)...)
		return err
	})
	return events, deliveries, err
}

type enabledEndpoint struct {
	id     string
	events []string
}

// enabledEndpoints lists the endpoints of a workspace and mode that receive events.
func (s *Store) enabledEndpoints(ctx context.Context, wsID string, live bool) ([]enabledEndpoint, error) {
	rows, err := s.query(ctx, `SELECT id, events FROM webhook_endpoints WHERE workspace_id = ? AND livemode = ? AND enabled = ?`, wsID, live, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []enabledEndpoint
	for rows.Next() {
		var ep enabledEndpoint
		var events string
		if err := rows.Scan(&ep.id, &events); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(events), &ep.events); err != nil {
			return nil, err
		}
		out = append(out, ep)
	}
	return out, rows.Err()
}

// deliveryInserter batches pending delivery rows into multi-row INSERTs; a
// fan-out to a thousand endpoints is then a handful of statements.
type deliveryInserter struct {
	args []any
	n    int
}

func (b *deliveryInserter) add(ctx context.Context, s *Store, ws string, live bool, endpointID, eventID string, at int64) error {
	b.args = append(b.args, holdfast.NewID(holdfast.PrefixDelivery), ws, live, endpointID, eventID, holdfast.DeliveryPending, at, at, at)
	b.n++
	if b.n >= fanOutInsertRows {
		return b.flush(ctx, s)
	}
	return nil
}

func (b *deliveryInserter) flush(ctx context.Context, s *Store) error {
	if b.n == 0 {
		return nil
	}
	values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", b.n), ", ")
	_, err := s.exec(ctx, `INSERT INTO webhook_deliveries (id, workspace_id, livemode, endpoint_id, event_id, status, next_attempt_at, created_at, updated_at)
		VALUES `+values+` ON CONFLICT (endpoint_id, event_id) DO NOTHING`, b.args...)
	b.args, b.n = b.args[:0], 0
	return err
}

// CreatePingDelivery records a "ping" event for one endpoint and a delivery of
// it to that endpoint only (the event is born fanned out, so no other endpoint
// receives it), due at now in the mode's clock. A disabled endpoint gets the
// delivery paused; the caller sends it directly. ENOTFOUND for an unknown endpoint.
func (s *Store) CreatePingDelivery(ctx context.Context, wsID string, mode holdfast.Mode, endpointID string, now time.Time) (*holdfast.WebhookDelivery, error) {
	var out *holdfast.WebhookDelivery
	err := s.InTx(ctx, func(ctx context.Context) error {
		ep, err := s.GetWebhookEndpoint(ctx, wsID, mode, endpointID)
		if err != nil {
			return err
		}
		ev, err := s.RecordEvent(ctx, wsID, mode, holdfast.EventPing, ep.ID, ep, now)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, `UPDATE events SET fanned_out = ? WHERE id = ?`, true, ev.ID); err != nil {
			return err
		}
		at := holdfast.Micros(ev.CreatedAt)
		var next any = at
		if !ep.Enabled {
			next = nil
		}
		id := holdfast.NewID(holdfast.PrefixDelivery)
		if _, err := s.exec(ctx, `INSERT INTO webhook_deliveries (id, workspace_id, livemode, endpoint_id, event_id, status, next_attempt_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, wsID, mode.Livemode(), ep.ID, ev.ID, holdfast.DeliveryPending, next, at, at); err != nil {
			return err
		}
		out, err = s.GetWebhookDelivery(ctx, wsID, mode, ep.ID, id)
		return err
	})
	return out, err
}

// deliveryQMarks returns "?, ?, …" for n parameters.
func deliveryQMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
