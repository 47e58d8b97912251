package cancelflow

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"holdfast"
	"holdfast/store"
)

// Config configures a Service. Zero values get defaults.
type Config struct {
	Store *store.Store
	// StripeAPIBase is Stripe's API origin without /v1 (HOLDFAST_STRIPE_API_BASE).
	StripeAPIBase string
	// HTTPClient carries live Stripe calls; default has a 30 s timeout.
	HTTPClient *http.Client
	// StripeMaxRetries is stripe-go's network retry count (default 2; tests use 0).
	StripeMaxRetries *int64
	Logger           *slog.Logger
	// Live and Test replace the mode's applier (tests); by default live
	// mode calls Stripe and test mode simulates.
	Live, Test Applier
}

// Service runs cancel flows for every workspace.
type Service struct {
	st         *store.Store
	live, test Applier
	log        *slog.Logger
}

// New builds a Service.
func New(cfg Config) *Service {
	log := cmp.Or(cfg.Logger, slog.Default())
	s := &Service{st: cfg.Store, live: cfg.Live, test: cfg.Test, log: log}
	if s.live == nil {
		hc := cfg.HTTPClient
		if hc == nil {
			hc = &http.Client{Timeout: 30 * time.Second}
		}
		retries := int64(2)
		if cfg.StripeMaxRetries != nil {
			retries = *cfg.StripeMaxRetries
		}
		s.live = NewStripeApplier(cfg.Store, cmp.Or(cfg.StripeAPIBase, "https://api.stripe.com"), hc, retries, log)
	}
	if s.test == nil {
		s.test = simApplier{}
	}
	return s
}

func (s *Service) applier(mode holdfast.Mode) Applier {
	if mode == holdfast.ModeLive {
		return s.live
	}
	return s.test
}

// Flow returns the cancel-flow configuration of a workspace and mode.
func (s *Service) Flow(ctx context.Context, wsID string, mode holdfast.Mode) (*holdfast.CancelFlow, error) {
	return s.st.CancelFlow(ctx, wsID, mode)
}

// PutFlow validates and stores a configuration; EVALIDATION naming the field
// when it is invalid. Sessions already in progress keep the offer they were
// shown; later responds use the new configuration.
func (s *Service) PutFlow(ctx context.Context, wsID string, mode holdfast.Mode, f *holdfast.CancelFlow, now time.Time) (*holdfast.CancelFlow, error) {
	norm, err := ValidateFlow(f)
	if err != nil {
		return nil, err
	}
	return s.st.PutCancelFlow(ctx, wsID, mode, norm, now)
}
