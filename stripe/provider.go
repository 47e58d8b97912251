package stripe

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
	"holdfast/store"
)

// ProviderConfig configures a Provider. Zero values get defaults.
type ProviderConfig struct {
	Store *store.Store
	// APIBase is the Stripe API base without /v1 (HOLDFAST_STRIPE_API_BASE);
	// "" means Stripe itself.
	APIBase string
	// HTTPClient carries the calls; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// MaxNetworkRetries is stripe-go's per-call retry count; nil means
	// DefaultMaxNetworkRetries (tests use 0).
	MaxNetworkRetries *int64
	Logger            *slog.Logger
}

// Provider is live mode's billing provider: it pays invoices for the
// recovery engine (holdfast.PaymentProvider, pay.go), carries out cancel-flow
// outcomes (holdfast.OfferApplier, applier.go) and opens customer-portal
// sessions (holdfast.PortalSessions, portal.go), each with the workspace's
// Stripe API key of the mode. cmd/holdfast builds one and hands it to the
// services.
type Provider struct {
	st       *store.Store
	backends *stripego.Backends
	log      *slog.Logger
}

var (
	_ holdfast.PaymentProvider = (*Provider)(nil)
	_ holdfast.OfferApplier    = (*Provider)(nil)
)

// NewProvider builds a Provider from cfg.
func NewProvider(cfg ProviderConfig) *Provider {
	return &Provider{st: cfg.Store, backends: newBackends(cfg.APIBase, cfg.HTTPClient, cfg.MaxNetworkRetries),
		log: cmp.Or(cfg.Logger, slog.Default())}
}

// client returns a client with the workspace's API key of mode, or nil when
// none is configured.
func (p *Provider) client(ctx context.Context, wsID string, mode holdfast.Mode) (*stripego.Client, error) {
	key, err := p.st.WorkspaceSecret(ctx, wsID, mode, store.SecretStripeAPIKey)
	if err != nil || key == "" {
		return nil, err
	}
	return newClient(key, p.backends), nil
}
