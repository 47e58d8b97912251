package store

import (
	"context"
	"encoding/json"
	"time"

	"holdfast"
)

func init() { OnWorkspaceCreate(seedDefaultCampaigns) }

// DefaultCampaignName names the playbook every workspace starts with.
const DefaultCampaignName = "Smart recovery"

// DefaultCampaign is the "Smart recovery" playbook (SPEC §6): a retry and an
// email right after the first failure, then decline-aware retries over about
// three weeks, with a reminder and a last-chance email before the end. With
// smart retries on, each retry step runs no earlier than its after_hours and
// when the decline's class says (paydays for insufficient funds, hours for
// transient faults, never blindly for a dead or expired card).
func DefaultCampaign(wsID string, mode holdfast.Mode, now time.Time) *holdfast.Campaign {
	now = holdfast.FromMicros(holdfast.Micros(now))
	return &holdfast.Campaign{
		ID: holdfast.NewID(holdfast.PrefixCampaign), Object: "campaign", Livemode: mode.Livemode(), WorkspaceID: wsID,
		Name: DefaultCampaignName, IsDefault: true, Priority: 0, MaxRetries: 6, SmartRetries: true,
		Steps: []holdfast.CampaignStep{
			{AfterHours: 0, Action: holdfast.ActionRetry},
			{AfterHours: 1, Action: holdfast.ActionEmail, Template: &holdfast.EmailTemplate{
				Name:    "payment_failed",
				Subject: "Your payment to {{.WorkspaceName}} didn't go through",
				Body: "Hi {{.CustomerName}},\n\n" +
					"We tried to charge {{.Amount}} for your {{.WorkspaceName}} subscription, but the payment didn't go through.\n\n" +
					"You can update your card or pay the invoice here:\n{{.UpdateURL}}\n\n" +
					"We'll try again automatically over the next few days. If you've already updated your details, you can ignore this email.\n\n" +
					"Thanks,\n{{.WorkspaceName}}\n",
			}},
			{AfterHours: 48, Action: holdfast.ActionRetry},
			{AfterHours: 120, Action: holdfast.ActionRetry},
			{AfterHours: 168, Action: holdfast.ActionEmail, Template: &holdfast.EmailTemplate{
				Name:    "reminder",
				Subject: "Reminder: your {{.WorkspaceName}} payment of {{.Amount}} is still due",
				Body: "Hi {{.CustomerName}},\n\n" +
					"Your payment of {{.Amount}} to {{.WorkspaceName}} is still outstanding.\n\n" +
					"Please update your card or pay the invoice here:\n{{.UpdateURL}}\n\n" +
					"Thanks,\n{{.WorkspaceName}}\n",
			}},
			{AfterHours: 240, Action: holdfast.ActionRetry},
			{AfterHours: 336, Action: holdfast.ActionRetry},
			{AfterHours: 456, Action: holdfast.ActionEmail, Template: &holdfast.EmailTemplate{
				Name:    "last_chance",
				Subject: "Last chance to keep your {{.WorkspaceName}} subscription",
				Body: "Hi {{.CustomerName}},\n\n" +
					"We still haven't been able to collect {{.Amount}} for your {{.WorkspaceName}} subscription. " +
					"We'll make a final attempt in a few days; if it fails, your subscription may be canceled.\n\n" +
					"Update your card or pay now:\n{{.UpdateURL}}\n\n" +
					"Thanks,\n{{.WorkspaceName}}\n",
			}},
			{AfterHours: 504, Action: holdfast.ActionRetry},
		},
		CreatedAt: now, UpdatedAt: now,
	}
}

// seedDefaultCampaigns gives a new workspace the default playbook in both modes.
func seedDefaultCampaigns(ctx context.Context, s *Store, w *holdfast.Workspace, now time.Time) error {
	for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
		if err := s.engInsertCampaign(ctx, DefaultCampaign(w.ID, mode, now)); err != nil {
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
	c = DefaultCampaign(wsID, mode, now)
	return c, s.engInsertCampaign(ctx, c)
}
