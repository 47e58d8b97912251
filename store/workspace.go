package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/netip"
	"time"

	"holdfast"
)

// WorkspaceUpdate carries optional changes; nil fields stay as they are.
type WorkspaceUpdate struct {
	Plan         *holdfast.Plan
	TrialEndsAt  **time.Time // set to a nil *time.Time to clear
	IPAllowlist  *[]netip.Prefix
	WidgetSecret *string
	Timezone     *string
}

// CreateWorkspace inserts a workspace with a fresh widget secret, its test clock,
// and the default campaign and cancel flow of both modes.
func (s *Store) CreateWorkspace(ctx context.Context, w *holdfast.Workspace, now time.Time) error {
	if w.ID == "" {
		w.ID = holdfast.NewID(holdfast.PrefixWorkspace)
	}
	if w.Plan == "" {
		w.Plan = holdfast.DefaultPlan
	}
	if w.Timezone == "" {
		w.Timezone = "UTC"
	}
	if w.WidgetSecret == "" {
		w.WidgetSecret = "wsec_" + holdfast.RandomBase62(40)
	}
	w.CreatedAt = holdfast.FromMicros(holdfast.Micros(now))
	w.UpdatedAt = w.CreatedAt
	allow, _ := json.Marshal(w.AllowlistStrings())
	return s.InTx(ctx, func(ctx context.Context) error {
		_, err := s.exec(ctx, `INSERT INTO workspaces (id, name, plan, trial_ends_at, ip_allowlist, widget_secret_enc, timezone, is_demo, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.ID, w.Name, string(w.Plan), microsPtr(w.TrialEndsAt), string(allow), s.seal(w.WidgetSecret), w.Timezone, w.IsDemo,
			holdfast.Micros(now), holdfast.Micros(now))
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, `INSERT INTO test_clocks (workspace_id, offset_us, updated_at) VALUES (?, 0, ?)`, w.ID, holdfast.Micros(now)); err != nil {
			return err
		}
		for _, hook := range workspaceSeeds {
			if err := hook(ctx, s, w, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// workspaceSeeds give a new workspace its defaults inside the creating
// transaction: this list is all of them.
var workspaceSeeds = []func(ctx context.Context, s *Store, w *holdfast.Workspace, now time.Time) error{
	seedDefaultCampaigns, // campaign_seed.go: "Smart recovery" in both modes
	seedCancelFlows,      // cancel.go: the default cancel flow in both modes
}

const workspaceCols = `id, name, plan, trial_ends_at, ip_allowlist, widget_secret_enc, timezone, is_demo, created_at, updated_at`

func (s *Store) scanWorkspace(row interface{ Scan(...any) error }) (*holdfast.Workspace, error) {
	var (
		w                 holdfast.Workspace
		plan, allow, wenc string
		trial             sql.NullInt64
		created, updated  int64
	)
	if err := row.Scan(&w.ID, &w.Name, &plan, &trial, &allow, &wenc, &w.Timezone, &w.IsDemo, &created, &updated); err != nil {
		return nil, err
	}
	w.Plan = holdfast.Plan(plan)
	w.TrialEndsAt = timePtr(trial)
	var entries []string
	_ = json.Unmarshal([]byte(allow), &entries)
	for _, e := range entries {
		if p, err := holdfast.ParseAllowlistEntry(e); err == nil {
			w.IPAllowlist = append(w.IPAllowlist, p)
		}
	}
	secret, err := s.open(wenc)
	if err != nil {
		return nil, err
	}
	w.WidgetSecret = secret
	w.CreatedAt, w.UpdatedAt = holdfast.FromMicros(created), holdfast.FromMicros(updated)
	return &w, nil
}

// GetWorkspace returns ENOTFOUND for an unknown id.
func (s *Store) GetWorkspace(ctx context.Context, id string) (*holdfast.Workspace, error) {
	w, err := s.scanWorkspace(s.queryRow(ctx, `SELECT `+workspaceCols+` FROM workspaces WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("workspace", id)
	}
	return w, err
}

// ListWorkspaces returns every workspace, oldest first.
func (s *Store) ListWorkspaces(ctx context.Context) ([]*holdfast.Workspace, error) {
	rows, err := s.query(ctx, `SELECT `+workspaceCols+` FROM workspaces ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*holdfast.Workspace
	for rows.Next() {
		w, err := s.scanWorkspace(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DemoWorkspace returns the demo workspace, or ENOTFOUND when none exists.
func (s *Store) DemoWorkspace(ctx context.Context) (*holdfast.Workspace, error) {
	w, err := s.scanWorkspace(s.queryRow(ctx, `SELECT `+workspaceCols+` FROM workspaces WHERE is_demo = ? ORDER BY created_at LIMIT 1`, true))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("workspace", "demo")
	}
	return w, err
}

// UpdateWorkspace applies u; ENOTFOUND for an unknown id.
func (s *Store) UpdateWorkspace(ctx context.Context, id string, u WorkspaceUpdate, now time.Time) (*holdfast.Workspace, error) {
	var out *holdfast.Workspace
	err := s.InTx(ctx, func(ctx context.Context) error {
		w, err := s.scanWorkspace(s.queryRow(ctx, `SELECT `+workspaceCols+` FROM workspaces WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return holdfast.NotFound("workspace", id)
		} else if err != nil {
			return err
		}
		if u.Plan != nil {
			w.Plan = *u.Plan
		}
		if u.TrialEndsAt != nil {
			w.TrialEndsAt = *u.TrialEndsAt
		}
		if u.IPAllowlist != nil {
			w.IPAllowlist = *u.IPAllowlist
		}
		if u.WidgetSecret != nil {
			w.WidgetSecret = *u.WidgetSecret
		}
		if u.Timezone != nil {
			w.Timezone = *u.Timezone
		}
		allow, _ := json.Marshal(w.AllowlistStrings())
		w.UpdatedAt = now.UTC()
		_, err = s.exec(ctx, `UPDATE workspaces SET plan = ?, trial_ends_at = ?, ip_allowlist = ?, widget_secret_enc = ?, timezone = ?, updated_at = ? WHERE id = ?`,
			string(w.Plan), microsPtr(w.TrialEndsAt), string(allow), s.seal(w.WidgetSecret), w.Timezone, holdfast.Micros(now), id)
		s.authChanged()
		out = w
		return err
	})
	return out, err
}

// SetWorkspaceSecret stores an encrypted provider secret (stripe_webhook_secret,
// stripe_api_key, …) for one mode.
func (s *Store) SetWorkspaceSecret(ctx context.Context, wsID string, mode holdfast.Mode, name, value string, now time.Time) error {
	if _, err := s.GetWorkspace(ctx, wsID); err != nil {
		return err
	}
	_, err := s.exec(ctx, `INSERT INTO workspace_secrets (workspace_id, livemode, name, value_enc, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, livemode, name) DO UPDATE SET value_enc = excluded.value_enc, updated_at = excluded.updated_at`,
		wsID, mode.Livemode(), name, s.seal(value), holdfast.Micros(now))
	return err
}

// WorkspaceSecret returns a decrypted provider secret, "" when unset.
func (s *Store) WorkspaceSecret(ctx context.Context, wsID string, mode holdfast.Mode, name string) (string, error) {
	var enc string
	err := s.queryRow(ctx, `SELECT value_enc FROM workspace_secrets WHERE workspace_id = ? AND livemode = ? AND name = ?`, wsID, mode.Livemode(), name).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return s.open(enc)
}

// Provider secret names.
const (
	SecretStripeWebhook = "stripe_webhook_secret"
	SecretStripeAPIKey  = "stripe_api_key"
)

func (s *Store) seal(v string) string {
	if s.box == nil {
		panic("store: secret box not configured (call SetSecretBox)")
	}
	return s.box.Seal(v)
}

func (s *Store) open(v string) (string, error) {
	if s.box == nil {
		panic("store: secret box not configured (call SetSecretBox)")
	}
	return s.box.Open(v)
}

func microsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return holdfast.Micros(*t)
}

func timePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := holdfast.FromMicros(n.Int64)
	return &t
}
