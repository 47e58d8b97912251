package holdfast

import "time"

// DefaultCampaignName names the playbook every workspace starts with.
const DefaultCampaignName = "Smart recovery"

// DefaultCampaign is the "Smart recovery" playbook (SPEC §6): a retry and an
// email right after the first failure, then five decline-aware retries in all
// over four weeks, with a reminder after a week and a last-chance email
// before the final week. With smart retries on, each retry step runs no
// earlier than its after_hours and when the decline's class says (paydays
// for insufficient funds, hours for transient faults, never blindly for a
// dead or expired card).
//
// The shape comes from `holdfast simulate` (docs/simulate.md): with six
// retries over three weeks it recovered more than Stripe-style blind retries
// (fixed-8x14d) but spent 52 % of their charges; five retries spread over
// four weeks recover as much with under half the charges, because a funds
// retry weeks after the failure, on a payday, meets money a retry two days
// in does not.
func DefaultCampaign(wsID string, mode Mode, now time.Time) *Campaign {
	now = FromMicros(Micros(now))
	return &Campaign{
		ID: NewID(PrefixCampaign), Object: "campaign", Livemode: mode.Livemode(), WorkspaceID: wsID,
		Name: DefaultCampaignName, IsDefault: true, Priority: 0, MaxRetries: 5, SmartRetries: true,
		Steps: []CampaignStep{
			{AfterHours: 0, Action: ActionRetry},
			{AfterHours: 1, Action: ActionEmail, Template: &EmailTemplate{
				Name:    "payment_failed",
				Subject: "Your payment to {{.WorkspaceName}} didn't go through",
				Body: "Hi {{.CustomerName}},\n\n" +
					"We tried to charge {{.Amount}} for your {{.WorkspaceName}} subscription, but the payment didn't go through.\n\n" +
					"You can update your card or pay the invoice here:\n{{.UpdateURL}}\n\n" +
					"We'll try again automatically over the next few days. If you've already updated your details, you can ignore this email.\n\n" +
					"Thanks,\n{{.WorkspaceName}}\n",
			}},
			{AfterHours: 48, Action: ActionRetry},
			{AfterHours: 168, Action: ActionEmail, Template: &EmailTemplate{
				Name:    "reminder",
				Subject: "Reminder: your {{.WorkspaceName}} payment of {{.Amount}} is still due",
				Body: "Hi {{.CustomerName}},\n\n" +
					"Your payment of {{.Amount}} to {{.WorkspaceName}} is still outstanding.\n\n" +
					"Please update your card or pay the invoice here:\n{{.UpdateURL}}\n\n" +
					"Thanks,\n{{.WorkspaceName}}\n",
			}},
			{AfterHours: 240, Action: ActionRetry},
			{AfterHours: 456, Action: ActionEmail, Template: &EmailTemplate{
				Name:    "last_chance",
				Subject: "Last chance to keep your {{.WorkspaceName}} subscription",
				Body: "Hi {{.CustomerName}},\n\n" +
					"We still haven't been able to collect {{.Amount}} for your {{.WorkspaceName}} subscription. " +
					"We'll keep trying for about another week; if the final attempt fails, your subscription may be canceled.\n\n" +
					"Update your card or pay now:\n{{.UpdateURL}}\n\n" +
					"Thanks,\n{{.WorkspaceName}}\n",
			}},
			{AfterHours: 480, Action: ActionRetry},
			{AfterHours: 672, Action: ActionRetry},
		},
		CreatedAt: now, UpdatedAt: now,
	}
}
