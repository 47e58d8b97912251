package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"holdfast"
)

// Cancel-flow configuration: one row per workspace and mode holding the
// flow as JSON. Validation lives in package cancelflow; the store keeps what
// it is given.

// seedCancelFlows gives a new workspace the default flow in both modes.
func seedCancelFlows(ctx context.Context, s *Store, w *holdfast.Workspace, now time.Time) error {
	for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
		if _, err := s.PutCancelFlow(ctx, w.ID, mode, holdfast.DefaultCancelFlow(mode.Livemode()), now); err != nil {
			return err
		}
	}
	return nil
}

// flowConfig is the stored part of a flow; object, livemode and updated_at
// come from the row.
type flowConfig struct {
	Reasons               []holdfast.CancelReason `json:"reasons"`
	SessionTimeoutMinutes int                     `json:"session_timeout_minutes"`
	DiscountCooldownDays  int                     `json:"discount_cooldown_days"`
}

// CancelFlow returns the flow of a workspace and mode. A workspace created
// before flows were seeded gets the default (with updated_at null), so every
// workspace and mode always has one.
func (s *Store) CancelFlow(ctx context.Context, wsID string, mode holdfast.Mode) (*holdfast.CancelFlow, error) {
	var (
		raw     string
		updated int64
	)
	err := s.queryRow(ctx, `SELECT config, updated_at FROM cancel_flows WHERE workspace_id = ? AND livemode = ?`,
		wsID, mode.Livemode()).Scan(&raw, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return holdfast.DefaultCancelFlow(mode.Livemode()), nil
	}
	if err != nil {
		return nil, err
	}
	var c flowConfig
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, err
	}
	if c.Reasons == nil {
		c.Reasons = []holdfast.CancelReason{}
	}
	t := holdfast.FromMicros(updated)
	return &holdfast.CancelFlow{Object: "cancel_flow", Livemode: mode.Livemode(), Reasons: c.Reasons,
		SessionTimeoutMinutes: c.SessionTimeoutMinutes, DiscountCooldownDays: c.DiscountCooldownDays, UpdatedAt: &t}, nil
}

// PutCancelFlow replaces the flow of a workspace and mode and returns it as stored.
func (s *Store) PutCancelFlow(ctx context.Context, wsID string, mode holdfast.Mode, f *holdfast.CancelFlow, now time.Time) (*holdfast.CancelFlow, error) {
	reasons := f.Reasons
	if reasons == nil {
		reasons = []holdfast.CancelReason{}
	}
	b, err := json.Marshal(flowConfig{Reasons: reasons, SessionTimeoutMinutes: f.SessionTimeoutMinutes, DiscountCooldownDays: f.DiscountCooldownDays})
	if err != nil {
		return nil, err
	}
	if _, err := s.exec(ctx, `INSERT INTO cancel_flows (workspace_id, livemode, config, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id, livemode) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
		wsID, mode.Livemode(), string(b), holdfast.Micros(now)); err != nil {
		return nil, err
	}
	t := holdfast.FromMicros(holdfast.Micros(now))
	return &holdfast.CancelFlow{Object: "cancel_flow", Livemode: mode.Livemode(), Reasons: reasons,
		SessionTimeoutMinutes: f.SessionTimeoutMinutes, DiscountCooldownDays: f.DiscountCooldownDays, UpdatedAt: &t}, nil
}
