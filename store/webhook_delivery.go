package store

import (
	"context"
	"database/sql"
	"errors"

	"holdfast"
)

// DeliveryFilter narrows ListWebhookDeliveries; zero fields match everything.
type DeliveryFilter struct {
	Status  string // pending | succeeded | failed
	EventID string
}

const deliveryCols = `d.id, d.livemode, d.endpoint_id, d.event_id, ev.type, d.status, d.attempt_count, d.next_attempt_at, d.last_status_code, d.last_error, d.created_at, d.updated_at`

func scanDelivery(row interface{ Scan(...any) error }) (*holdfast.WebhookDelivery, error) {
	var (
		d                holdfast.WebhookDelivery
		next, code       sql.NullInt64
		created, updated int64
	)
	if err := row.Scan(&d.ID, &d.Livemode, &d.Endpoint, &d.Event, &d.EventType, &d.Status, &d.AttemptCount, &next, &code,
		&d.LastError, &created, &updated); err != nil {
		return nil, err
	}
	d.Object = "webhook_delivery"
	d.NextAttemptAt = timePtr(next)
	if code.Valid {
		c := int(code.Int64)
		d.LastStatusCode = &c
	}
	d.CreatedAt, d.UpdatedAt = holdfast.FromMicros(created), holdfast.FromMicros(updated)
	d.Attempts = []holdfast.WebhookDeliveryAttempt{}
	return &d, nil
}

// ListWebhookDeliveries returns one page of an endpoint's deliveries, newest
// first, each with its attempts (oldest first). ENOTFOUND when the endpoint
// is not in this workspace and mode.
func (s *Store) ListWebhookDeliveries(ctx context.Context, wsID string, mode holdfast.Mode, endpointID string, f DeliveryFilter, q ListQuery) (Listed[*holdfast.WebhookDelivery], error) {
	var out Listed[*holdfast.WebhookDelivery]
	if _, err := s.GetWebhookEndpoint(ctx, wsID, mode, endpointID); err != nil {
		return out, err
	}
	where, args := q.filter("d", []string{"d.endpoint_id = ?"}, []any{endpointID})
	if f.Status != "" {
		where, args = append(where, "d.status = ?"), append(args, f.Status)
	}
	if f.EventID != "" {
		where, args = append(where, "d.event_id = ?"), append(args, f.EventID)
	}
	if q.Count {
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM webhook_deliveries d`+whereSQL(where), args...).Scan(&out.Total); err != nil {
			return out, err
		}
	}
	page, pargs := q.page("d")
	rows, err := s.query(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id`+whereSQL(where)+page,
		append(args, pargs...)...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			rows.Close()
			return out, err
		}
		out.Data = append(out.Data, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	if !q.Count {
		out.Data, out.HasMore = trim(out.Data, q)
	}
	return out, s.attachAttempts(ctx, out.Data)
}

// GetWebhookDelivery returns one delivery of an endpoint with its attempts;
// ENOTFOUND when either is not in this workspace and mode.
func (s *Store) GetWebhookDelivery(ctx context.Context, wsID string, mode holdfast.Mode, endpointID, id string) (*holdfast.WebhookDelivery, error) {
	if _, err := s.GetWebhookEndpoint(ctx, wsID, mode, endpointID); err != nil {
		return nil, err
	}
	d, err := scanDelivery(s.queryRow(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
		WHERE d.id = ? AND d.endpoint_id = ?`, id, endpointID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("webhook delivery", id)
	} else if err != nil {
		return nil, err
	}
	return d, s.attachAttempts(ctx, []*holdfast.WebhookDelivery{d})
}

// attachAttempts loads the attempts of ds in one query.
func (s *Store) attachAttempts(ctx context.Context, ds []*holdfast.WebhookDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	byID := make(map[string]*holdfast.WebhookDelivery, len(ds))
	args := make([]any, len(ds))
	for i, d := range ds {
		byID[d.ID], args[i] = d, d.ID
	}
	rows, err := s.query(ctx, `SELECT delivery_id, id, status_code, latency_ms, response_body, error, created_at FROM webhook_delivery_attempts
		WHERE delivery_id IN (`+deliveryQMarks(len(args))+`) ORDER BY created_at, id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			a       holdfast.WebhookDeliveryAttempt
			dID     string
			code    sql.NullInt64
			created int64
		)
		if err := rows.Scan(&dID, &a.ID, &code, &a.LatencyMS, &a.ResponseBody, &a.Error, &created); err != nil {
			return err
		}
		if code.Valid {
			c := int(code.Int64)
			a.StatusCode = &c
		}
		a.CreatedAt = holdfast.FromMicros(created)
		if d := byID[dID]; d != nil {
			d.Attempts = append(d.Attempts, a)
		}
	}
	return rows.Err()
}
