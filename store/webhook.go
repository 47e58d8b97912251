package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"holdfast"
)

// Webhook endpoints (SPEC §8) belong to one workspace and mode. Their signing
// secret is sealed with the store's secret box like every provider secret; it
// leaves the store only for the delivery worker (DeliveryClaim.Secret) and,
// once, in the object CreateWebhookEndpoint fills in.

// WebhookEndpointUpdate carries optional changes; nil fields stay as they are.
type WebhookEndpointUpdate struct {
	URL         *string
	Events      *[]string
	Description *string
	Enabled     *bool
}

const endpointCols = `id, workspace_id, livemode, url, events, description, enabled, disabled_reason, failing_since, created_at, updated_at`

func scanEndpoint(row interface{ Scan(...any) error }) (*holdfast.WebhookEndpoint, error) {
	var (
		e                holdfast.WebhookEndpoint
		events           string
		failing          sql.NullInt64
		created, updated int64
	)
	if err := row.Scan(&e.ID, &e.WorkspaceID, &e.Livemode, &e.URL, &events, &e.Description, &e.Enabled,
		&e.DisabledReason, &failing, &created, &updated); err != nil {
		return nil, err
	}
	e.Object = "webhook_endpoint"
	if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
		return nil, err
	}
	e.FailingSince = timePtr(failing)
	e.CreatedAt, e.UpdatedAt = holdfast.FromMicros(created), holdfast.FromMicros(updated)
	return &e, nil
}

// CreateWebhookEndpoint inserts e for its workspace and mode (e.Livemode),
// assigning ID, Object and timestamps. e.Secret must hold the signing secret;
// it is stored sealed and left in e so the caller can show it once. Validation
// of URL and event types is the caller's (the API's) job.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *holdfast.WebhookEndpoint, now time.Time) error {
	if e.Secret == "" {
		return holdfast.Errorf(holdfast.EINVALID, "webhook endpoint needs a signing secret")
	}
	if e.ID == "" {
		e.ID = holdfast.NewID(holdfast.PrefixEndpoint)
	}
	if len(e.Events) == 0 {
		e.Events = []string{"*"}
	}
	e.Object = "webhook_endpoint"
	e.CreatedAt = holdfast.FromMicros(holdfast.Micros(now))
	e.UpdatedAt = e.CreatedAt
	events, _ := json.Marshal(e.Events)
	_, err := s.exec(ctx, `INSERT INTO webhook_endpoints (id, workspace_id, livemode, url, events, description, enabled, secret_enc, disabled_reason, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`,
		e.ID, e.WorkspaceID, e.Livemode, e.URL, string(events), e.Description, e.Enabled, s.seal(e.Secret),
		holdfast.Micros(now), holdfast.Micros(now))
	return err
}

// GetWebhookEndpoint returns an endpoint (without its secret); ENOTFOUND when
// it does not exist in this workspace and mode.
func (s *Store) GetWebhookEndpoint(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.WebhookEndpoint, error) {
	e, err := scanEndpoint(s.queryRow(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE id = ? AND workspace_id = ? AND livemode = ?`,
		id, wsID, mode.Livemode()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("webhook endpoint", id)
	}
	return e, err
}

// WebhookEndpointSecret returns the decrypted signing secret of an endpoint;
// ENOTFOUND as GetWebhookEndpoint.
func (s *Store) WebhookEndpointSecret(ctx context.Context, wsID string, mode holdfast.Mode, id string) (string, error) {
	var enc string
	err := s.queryRow(ctx, `SELECT secret_enc FROM webhook_endpoints WHERE id = ? AND workspace_id = ? AND livemode = ?`,
		id, wsID, mode.Livemode()).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", holdfast.NotFound("webhook endpoint", id)
	} else if err != nil {
		return "", err
	}
	return s.open(enc)
}

// ListWebhookEndpoints returns one page of a workspace's endpoints in a mode,
// newest first.
func (s *Store) ListWebhookEndpoints(ctx context.Context, wsID string, mode holdfast.Mode, q ListQuery) (Listed[*holdfast.WebhookEndpoint], error) {
	where, args := q.filter("", []string{"workspace_id = ?", "livemode = ?"}, []any{wsID, mode.Livemode()})
	var out Listed[*holdfast.WebhookEndpoint]
	if q.Count {
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM webhook_endpoints`+whereSQL(where), args...).Scan(&out.Total); err != nil {
			return out, err
		}
	}
	page, pargs := q.page("")
	rows, err := s.query(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints`+whereSQL(where)+page, append(args, pargs...)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return out, err
		}
		out.Data = append(out.Data, e)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if !q.Count {
		out.Data, out.HasMore = trim(out.Data, q)
	}
	return out, nil
}

// UpdateWebhookEndpoint applies u (now is the mode's clock); ENOTFOUND as
// GetWebhookEndpoint. Disabling pauses the endpoint's pending deliveries;
// enabling clears the failure state (disabled_reason, failing_since) and makes
// paused deliveries due at once, so a receiver that was fixed gets its backlog.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, wsID string, mode holdfast.Mode, id string, u WebhookEndpointUpdate, now time.Time) (*holdfast.WebhookEndpoint, error) {
	var out *holdfast.WebhookEndpoint
	err := s.InTx(ctx, func(ctx context.Context) error {
		e, err := s.GetWebhookEndpoint(ctx, wsID, mode, id)
		if err != nil {
			return err
		}
		wasEnabled := e.Enabled
		if u.URL != nil {
			e.URL = *u.URL
		}
		if u.Events != nil {
			e.Events = slices.Clone(*u.Events)
		}
		if u.Description != nil {
			e.Description = *u.Description
		}
		if u.Enabled != nil {
			e.Enabled = *u.Enabled
		}
		switch {
		case e.Enabled && !wasEnabled:
			e.DisabledReason, e.FailingSince = "", nil
			err = s.resumeDeliveries(ctx, id, now)
		case !e.Enabled && wasEnabled:
			err = s.pauseDeliveries(ctx, id)
		}
		if err != nil {
			return err
		}
		e.UpdatedAt = holdfast.FromMicros(holdfast.Micros(now))
		events, _ := json.Marshal(e.Events)
		_, err = s.exec(ctx, `UPDATE webhook_endpoints SET url = ?, events = ?, description = ?, enabled = ?, disabled_reason = ?, failing_since = ?, updated_at = ? WHERE id = ?`,
			e.URL, string(events), e.Description, e.Enabled, e.DisabledReason, microsPtr(e.FailingSince), holdfast.Micros(now), id)
		out = e
		return err
	})
	return out, err
}

// DeleteWebhookEndpoint removes an endpoint with its deliveries and their
// attempts; ENOTFOUND as GetWebhookEndpoint. Events stay in the log.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, wsID string, mode holdfast.Mode, id string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.GetWebhookEndpoint(ctx, wsID, mode, id); err != nil {
			return err
		}
		// Explicit rather than relying on ON DELETE CASCADE alone, so the
		// result does not depend on SQLite's foreign_keys pragma.
		if _, err := s.exec(ctx, `DELETE FROM webhook_delivery_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)`, id); err != nil {
			return err
		}
		if _, err := s.exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
			return err
		}
		_, err := s.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
		return err
	})
}

// pauseDeliveries takes an endpoint's pending deliveries off the schedule
// (next_attempt_at NULL) while it is disabled.
func (s *Store) pauseDeliveries(ctx context.Context, endpointID string) error {
	_, err := s.exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = NULL WHERE endpoint_id = ? AND status = ?`, endpointID, holdfast.DeliveryPending)
	return err
}

// resumeDeliveries makes an endpoint's paused deliveries due at now.
func (s *Store) resumeDeliveries(ctx context.Context, endpointID string, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE endpoint_id = ? AND status = ? AND next_attempt_at IS NULL`,
		holdfast.Micros(now), endpointID, holdfast.DeliveryPending)
	return err
}

// endpointMatches reports whether an endpoint subscribed to events receives typ.
func endpointMatches(events []string, typ string) bool {
	return slices.Contains(events, "*") || slices.Contains(events, typ)
}
