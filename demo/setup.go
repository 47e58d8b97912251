package demo

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/webhook"
)

// setup gives the demo workspace what a merchant would configure: two more
// campaigns besides the default, a cancel flow with a downgrade offer, and
// two webhook endpoints (one healthy, one flaky) on this server's sinks.
func (g *gen) setup(ctx context.Context) error {
	now, err := g.now(ctx)
	if err != nil {
		return err
	}
	highValue := int64(15000)
	for _, c := range []*holdfast.Campaign{
		{Name: "High-value accounts", Priority: 20, MaxRetries: 8, SmartRetries: true,
			Filters: holdfast.CampaignFilters{MinAmount: &highValue},
			Steps: []holdfast.CampaignStep{
				{AfterHours: 0, Action: holdfast.ActionRetry},
				{AfterHours: 1, Action: holdfast.ActionEmail, Template: &holdfast.EmailTemplate{Name: "personal_note",
					Subject: "A quick note about your {{.WorkspaceName}} invoice",
					Body:    "Hi {{.CustomerName}},\n\nYour payment of {{.Amount}} didn't go through. Nothing changes on your account yet; you can update your card here:\n{{.UpdateURL}}\n\nReply to this email if anything is unclear.\n\n{{.WorkspaceName}} customer success\n"}},
				{AfterHours: 24, Action: holdfast.ActionRetry},
				{AfterHours: 72, Action: holdfast.ActionRetry},
				{AfterHours: 120, Action: holdfast.ActionEmail, Template: &holdfast.EmailTemplate{Name: "reminder",
					Subject: "Your {{.WorkspaceName}} payment of {{.Amount}} is still open",
					Body:    "Hi {{.CustomerName}},\n\nWe still couldn't collect {{.Amount}}. Pay or update your card here:\n{{.UpdateURL}}\n\n{{.WorkspaceName}}\n"}},
				{AfterHours: 192, Action: holdfast.ActionRetry},
				{AfterHours: 336, Action: holdfast.ActionRetry},
				{AfterHours: 480, Action: holdfast.ActionRetry},
			}},
		{Name: "EU customers", Priority: 10, MaxRetries: 5, SmartRetries: true,
			Filters: holdfast.CampaignFilters{Currency: "eur"},
			Steps: []holdfast.CampaignStep{
				{AfterHours: 0, Action: holdfast.ActionRetry},
				{AfterHours: 2, Action: holdfast.ActionEmail, Template: &holdfast.EmailTemplate{Name: "payment_failed",
					Subject: "Zahlung fehlgeschlagen / Payment failed",
					Body:    "Hi {{.CustomerName}},\n\nyour payment of {{.Amount}} to {{.WorkspaceName}} failed. Update your card: {{.UpdateURL}}\n"}},
				{AfterHours: 72, Action: holdfast.ActionRetry},
				{AfterHours: 168, Action: holdfast.ActionRetry},
				{AfterHours: 336, Action: holdfast.ActionRetry},
			}},
	} {
		c.WorkspaceID, c.Livemode = g.ws.ID, false
		if err := g.st.CreateCampaign(ctx, c, now); err != nil {
			return err
		}
	}

	flow := holdfast.DefaultCancelFlow(false)
	flow.Reasons = append(flow.Reasons[:4:4], append([]holdfast.CancelReason{{ID: "only_basics", Label: "I only need the basic features",
		Offer: &holdfast.Offer{Type: holdfast.OfferDowngrade, PriceID: "price_demo_starter_usd",
			Message: "Switch to Starter for less and keep everything you've set up."}}}, flow.Reasons[4:]...)...)
	if _, err := g.cfg.Cancel.PutFlow(ctx, g.ws.ID, holdfast.ModeTest, flow, now); err != nil {
		return fmt.Errorf("demo: cancel flow: %w", err)
	}

	if g.cfg.SinkBase == "" {
		return nil
	}
	for _, ep := range []*holdfast.WebhookEndpoint{
		{URL: g.cfg.SinkBase + SinkPath, Description: "Demo CRM sync (always answers 200)",
			Events: []string{holdfast.EventRecoveryRecovered, holdfast.EventRecoveryLost, holdfast.EventRecoveryAbandoned,
				holdfast.EventCancelSaved, holdfast.EventCancelCanceled, holdfast.EventCustomerDeleted}},
		{URL: g.cfg.SinkBase + FlakySinkPath, Description: "Demo Slack relay (rate-limits about a quarter of the attempts)",
			Events: []string{holdfast.EventRecoveryStarted}},
	} {
		ep.WorkspaceID, ep.Livemode, ep.Enabled, ep.Secret = g.ws.ID, false, true, webhook.NewSecret()
		// The sinks are on this server: the demo runs only under serve
		// --demo, which gives the loopback consent.
		if err := webhook.ValidateURL(ep.URL, false, true); err != nil {
			return fmt.Errorf("demo: webhook sink %s: %w", ep.URL, err)
		}
		if err := g.st.CreateWebhookEndpoint(ctx, ep, now); err != nil {
			return err
		}
	}
	return nil
}

// RepointSinks moves the demo workspace's webhook endpoints that deliver to
// a demo sink of this server (a loopback URL whose path is SinkPath or
// FlakySinkPath) to sinkBase, the address this start listens on, so a
// restart on another port keeps the delivery log alive. An endpoint the
// worker disabled after failing (while nothing listened at the old address)
// is enabled again. It returns how many endpoints changed.
func RepointSinks(ctx context.Context, st *store.Store, wsID, sinkBase string, now time.Time) (int, error) {
	eps, err := st.ListWebhookEndpoints(ctx, wsID, holdfast.ModeTest, store.ListQuery{Limit: 100})
	if err != nil {
		return 0, err
	}
	moved := 0
	for _, ep := range eps.Data {
		u, err := url.Parse(ep.URL)
		if err != nil || (u.Path != SinkPath && u.Path != FlakySinkPath) || !loopbackHost(u.Hostname()) {
			continue
		}
		want := strings.TrimRight(sinkBase, "/") + u.Path
		var up store.WebhookEndpointUpdate
		if ep.URL != want {
			up.URL = &want
		}
		if !ep.Enabled && ep.DisabledReason != "" {
			on := true
			up.Enabled = &on
		}
		if up.URL == nil && up.Enabled == nil {
			continue
		}
		if _, err := st.UpdateWebhookEndpoint(ctx, wsID, holdfast.ModeTest, ep.ID, up, now); err != nil {
			return moved, err
		}
		moved++
	}
	return moved, nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}
