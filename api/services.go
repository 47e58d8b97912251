package api

import "holdfast"

// Services are the domain services behind the handlers, wired by cmd/holdfast.
// Each field is owned by the package that implements it; a nil service makes
// its routes answer 404 so a partially wired server still behaves.
type Services struct {
	// Engine is the recovery engine: manual retries, test clock, click tracking.
	Engine EngineService
	// Recovery is the engine's state machine as the ingester sees it; the
	// DELETE /v1/customers/:id handler calls Recovery.CustomerDeleted in its
	// transaction so the customer's in-flight recoveries end as abandoned.
	Recovery holdfast.RecoveryEvents
	// Cancel runs the cancel flow: configuration, widget sessions, timeouts.
	Cancel CancelService
	// Stripe receives Stripe webhooks (POST /hooks/stripe/:workspace_id).
	Stripe StripeWebhookService
	// Webhooks sends outbound webhooks now (test pings, manual re-sends) and
	// runs due deliveries for the test clock; package webhook's Worker.
	Webhooks WebhookService
	// Notices are the expiring-card notices and the in-app payment notice.
	Notices NoticeService
	// Experiments runs live A/B tests of campaigns; package experiment.
	Experiments ExperimentService
}
