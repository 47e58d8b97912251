package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"holdfast"
)

const campaignCols = `id, workspace_id, livemode, name, is_default, priority, steps, max_retries, smart_retries, filters, created_at, updated_at`

func scanCampaign(row interface{ Scan(...any) error }) (*holdfast.Campaign, error) {
	var (
		c                holdfast.Campaign
		steps, filters   string
		created, updated int64
	)
	if err := row.Scan(&c.ID, &c.WorkspaceID, &c.Livemode, &c.Name, &c.IsDefault, &c.Priority, &steps, &c.MaxRetries,
		&c.SmartRetries, &filters, &created, &updated); err != nil {
		return nil, err
	}
	c.Object = "campaign"
	c.Steps = []holdfast.CampaignStep{}
	if err := json.Unmarshal([]byte(steps), &c.Steps); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(filters), &c.Filters)
	c.CreatedAt, c.UpdatedAt = holdfast.FromMicros(created), holdfast.FromMicros(updated)
	return &c, nil
}

// GetCampaign returns a campaign of a workspace and mode; ENOTFOUND otherwise.
func (s *Store) GetCampaign(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Campaign, error) {
	c, err := scanCampaign(s.queryRow(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = ? AND workspace_id = ? AND livemode = ?`,
		id, wsID, mode.Livemode()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("campaign", id)
	}
	return c, err
}

// Campaigns returns all campaigns of a workspace and mode, highest priority
// first (then oldest), the order in which a failed payment is matched.
func (s *Store) Campaigns(ctx context.Context, wsID string, mode holdfast.Mode) ([]holdfast.Campaign, error) {
	rows, err := s.query(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE workspace_id = ? AND livemode = ? ORDER BY priority DESC, created_at, id`,
		wsID, mode.Livemode())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []holdfast.Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}
