// Package stripe is Holdfast's Stripe adapter and the only package that
// talks to Stripe. Signed webhook events come in (mirroring customers and
// subscriptions, handing payment failures and their outcomes to the recovery
// engine through holdfast.RecoveryEvents); API calls go out: backfill sync
// and decline look-ups (Ingester), invoice pay, cancel-flow offers and
// customer-portal sessions (Provider, which implements the root package's
// PaymentProvider, OfferApplier and PortalSessions for live mode).
//
// One file per cross-cutting concern of the outgoing calls:
//
//	client.go       API version pinning, API base, timeouts (this file)
//	retry.go        network retries
//	idempotency.go  idempotency keys
//	errors.go       error classification: card decline vs provider error
//	limits.go       Stripe's documented parameter limits
package stripe

import (
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v85"
)

// APIVersion is the Stripe API version every outgoing request pins (the
// version stripe-go v85 is generated for; the library sends it as the
// Stripe-Version header of every request). Incoming webhook events of other
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
// retries follow retry.go.
func NewClient(apiKey, apiBase string) *stripego.Client {
	return NewClientWithHTTP(apiKey, apiBase, nil)
}

// NewClientWithHTTP is NewClient with a caller-supplied HTTP client (tests
// use it to count requests or inject failures); nil means a client with a
// 30-second timeout.
func NewClientWithHTTP(apiKey, apiBase string, hc *http.Client) *stripego.Client {
	return newClient(apiKey, newBackends(apiBase, hc, nil))
}

// newBackends is the one place a stripe-go backend is configured: API base,
// HTTP client, silenced logging and the network retry count (nil: the
// default of retry.go).
func newBackends(apiBase string, hc *http.Client, maxRetries *int64) *stripego.Backends {
	if hc == nil {
		hc = &http.Client{Timeout: requestTimeout}
	}
	base := strings.TrimSuffix(strings.TrimSpace(apiBase), "/")
	if base == "" {
		base = DefaultAPIBase
	}
	cfg := &stripego.BackendConfig{
		HTTPClient:        hc,
		URL:               stripego.String(base),
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(networkRetries(maxRetries)),
	}
	return stripego.NewBackendsWithConfig(cfg)
}

// newClient authenticates a client with apiKey over shared backends.
func newClient(apiKey string, b *stripego.Backends) *stripego.Client {
	return stripego.NewClient(apiKey, stripego.WithBackends(b))
}
