package store

import (
	"context"
	"encoding/json"
	"time"

	"holdfast"
)

// ListCampaigns returns a newest-first page of a workspace's campaigns in one mode.
func (s *Store) ListCampaigns(ctx context.Context, wsID string, mode holdfast.Mode, q ListQuery) (Listed[holdfast.Campaign], error) {
	src := listSource{
		table: "campaigns", created: "created_at", id: "id",
		where: []string{"workspace_id = ?", "livemode = ?"},
		args:  []any{wsID, mode.Livemode()},
	}
	var out Listed[holdfast.Campaign]
	ids, total, hasMore, err := s.pageIDs(ctx, src, q)
	if err != nil {
		return out, err
	}
	out.Total, out.HasMore = total, hasMore
	out.Data, err = byIDs(ctx, s, "campaigns", campaignCols, ids, scanCampaign, func(c *holdfast.Campaign) string { return c.ID })
	return out, err
}

// CreateCampaign stores a new campaign, setting its ID (when empty), Object
// and timestamps. A campaign created with IsDefault takes the default flag
// from the workspace's previous default in the same transaction.
func (s *Store) CreateCampaign(ctx context.Context, c *holdfast.Campaign, now time.Time) error {
	if c.ID == "" {
		c.ID = holdfast.NewID(holdfast.PrefixCampaign)
	}
	c.Object = "campaign"
	c.CreatedAt, c.UpdatedAt = holdfast.FromMicros(holdfast.Micros(now)), holdfast.FromMicros(holdfast.Micros(now))
	steps, filters, err := campaignJSON(c)
	if err != nil {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		if c.IsDefault {
			if err := s.clearDefaultCampaign(ctx, c.WorkspaceID, holdfast.ModeOf(c.Livemode), now); err != nil {
				return err
			}
		}
		_, err := s.exec(ctx, `INSERT INTO campaigns (`+campaignCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.WorkspaceID, c.Livemode, c.Name, c.IsDefault, c.Priority, steps, c.MaxRetries, c.SmartRetries, filters,
			holdfast.Micros(now), holdfast.Micros(now))
		return err
	})
}

// UpdateCampaign overwrites a campaign's editable fields with c's. Returns
// ENOTFOUND for an unknown id (in c's workspace and mode) and ECONFLICT when
// c would leave the workspace without a default campaign. Recoveries already
// running keep the playbook they started with.
func (s *Store) UpdateCampaign(ctx context.Context, c *holdfast.Campaign, now time.Time) error {
	steps, filters, err := campaignJSON(c)
	if err != nil {
		return err
	}
	mode := holdfast.ModeOf(c.Livemode)
	return s.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.GetCampaign(ctx, c.WorkspaceID, mode, c.ID)
		if err != nil {
			return err
		}
		if cur.IsDefault && !c.IsDefault {
			return holdfast.Errorf(holdfast.ECONFLICT, "Campaign %s is the workspace's default; make another campaign the default instead of unsetting it.", c.ID)
		}
		if c.IsDefault && !cur.IsDefault {
			if err := s.clearDefaultCampaign(ctx, c.WorkspaceID, mode, now); err != nil {
				return err
			}
		}
		if _, err := s.exec(ctx, `UPDATE campaigns SET name = ?, is_default = ?, priority = ?, steps = ?, max_retries = ?, smart_retries = ?,
			filters = ?, updated_at = ? WHERE id = ?`, c.Name, c.IsDefault, c.Priority, steps, c.MaxRetries, c.SmartRetries, filters,
			holdfast.Micros(now), c.ID); err != nil {
			return err
		}
		c.Object, c.CreatedAt, c.UpdatedAt = "campaign", cur.CreatedAt, holdfast.FromMicros(holdfast.Micros(now))
		return nil
	})
}

// DeleteCampaign removes a campaign. Returns ENOTFOUND for an unknown id and
// ECONFLICT when it is the workspace default or still has in-flight
// recoveries (they would lose their playbook's owner mid-run). Finished
// recoveries keep the campaign id for analytics.
func (s *Store) DeleteCampaign(ctx context.Context, wsID string, mode holdfast.Mode, id string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		c, err := s.GetCampaign(ctx, wsID, mode, id)
		if err != nil {
			return err
		}
		if c.IsDefault {
			return holdfast.Errorf(holdfast.ECONFLICT, "Campaign %s is the workspace's default and cannot be deleted.", id)
		}
		var n int64
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM recoveries WHERE campaign_id = ? AND status = ?`, id, holdfast.RecoveryInFlight).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return holdfast.Errorf(holdfast.ECONFLICT, "Campaign %s has %d in-flight recoveries; it can be deleted once they end.", id, n)
		}
		_, err = s.exec(ctx, `DELETE FROM campaigns WHERE id = ?`, id)
		return err
	})
}

func (s *Store) clearDefaultCampaign(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE campaigns SET is_default = ?, updated_at = ? WHERE workspace_id = ? AND livemode = ? AND is_default = ?`,
		false, holdfast.Micros(now), wsID, mode.Livemode(), true)
	return err
}

func campaignJSON(c *holdfast.Campaign) (steps, filters string, err error) {
	if c.Steps == nil {
		c.Steps = []holdfast.CampaignStep{}
	}
	sb, err := json.Marshal(c.Steps)
	if err != nil {
		return "", "", err
	}
	fb, err := json.Marshal(c.Filters)
	if err != nil {
		return "", "", err
	}
	return string(sb), string(fb), nil
}
