package store

import (
	"context"
	"encoding/json"
	"time"

	"holdfast"
)

// Every workspace starts with the default playbook (holdfast.DefaultCampaign)
// in each mode; the store only writes it.

// seedDefaultCampaigns gives a new workspace the default playbook in both modes.
func seedDefaultCampaigns(ctx context.Context, s *Store, w *holdfast.Workspace, now time.Time) error {
	for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
		if err := s.engInsertCampaign(ctx, holdfast.DefaultCampaign(w.ID, mode, now)); err != nil {
			return err
		}
	}
	return nil
}

// engInsertCampaign stores a campaign row as it is.
func (s *Store) engInsertCampaign(ctx context.Context, c *holdfast.Campaign) error {
	steps, err := json.Marshal(c.Steps)
	if err != nil {
		return err
	}
	filters, err := json.Marshal(c.Filters)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO campaigns (`+campaignCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.WorkspaceID, c.Livemode, c.Name, c.IsDefault, c.Priority, string(steps), c.MaxRetries, c.SmartRetries,
		string(filters), holdfast.Micros(c.CreatedAt), holdfast.Micros(c.UpdatedAt))
	return err
}

// EnsureDefaultCampaign returns the default campaign of a workspace and mode,
// creating it when missing (a workspace created before campaigns existed).
func (s *Store) EnsureDefaultCampaign(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time) (*holdfast.Campaign, error) {
	c, err := scanCampaign(s.queryRow(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE workspace_id = ? AND livemode = ? AND is_default = ?
		ORDER BY created_at, id LIMIT 1`, wsID, mode.Livemode(), true))
	if err == nil {
		return c, nil
	}
	if err = engNotFound(err, "campaign", "default"); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return nil, err
	}
	c = holdfast.DefaultCampaign(wsID, mode, now)
	return c, s.engInsertCampaign(ctx, c)
}
