// Package stripe is Holdfast's Stripe adapter: signed webhook events in
// (mirroring customers and subscriptions, handing payment failures and their
// outcomes to the recovery engine) and API calls out (backfill sync, decline
// look-ups). Other packages reuse NewClient for their own calls (paying an
// invoice, applying a cancel-flow offer) so every Stripe request goes through
// one configuration: the pinned API version, the configurable API base, and
// bounded timeouts.
package stripe

import (
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v85"
)

// APIVersion is the Stripe API version every outgoing request pins (the
// version stripe-go v85 is generated for). Incoming webhook events of other
// versions are accepted: they are read with tolerant accessors over the raw
// JSON, never decoded into this version's typed structs.
const APIVersion = stripego.APIVersion

// DefaultAPIBase is Stripe's API base, used when none is configured.
const DefaultAPIBase = "https://api.stripe.com"

// requestTimeout bounds every Stripe call; a webhook or a retry must never
// hang on a slow network.
const requestTimeout = 30 * time.Second

// NewClient returns a stripe-go client authenticated with apiKey that talks to
// apiBase: a base URL without /v1 (SPEC §11, HOLDFAST_STRIPE_API_BASE), e.g.
// "http://127.0.0.1:12111" for a local fake; "" means Stripe itself. The
// library's own logging is silenced (errors come back as values) and network
// retries stay at the library default, which reuses the request's
// Idempotency-Key so a retried POST never charges twice.
func NewClient(apiKey, apiBase string) *stripego.Client {
	return NewClientWithHTTP(apiKey, apiBase, nil)
}

// NewClientWithHTTP is NewClient with a caller-supplied HTTP client (tests
// use it to count requests or inject failures); nil means a client with a
// 30-second timeout.
func NewClientWithHTTP(apiKey, apiBase string, hc *http.Client) *stripego.Client {
	if hc == nil {
		hc = &http.Client{Timeout: requestTimeout}
	}
	base := strings.TrimSuffix(strings.TrimSpace(apiBase), "/")
	if base == "" {
		base = DefaultAPIBase
	}
	cfg := &stripego.BackendConfig{
		HTTPClient:    hc,
		URL:           stripego.String(base),
		LeveledLogger: &stripego.LeveledLogger{Level: stripego.LevelNull},
	}
	return stripego.NewClient(apiKey, stripego.WithBackends(stripego.NewBackendsWithConfig(cfg)))
}
