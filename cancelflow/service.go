package cancelflow

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"holdfast"
	"holdfast/store"
)

// Config configures a Service. Zero values get defaults.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Live and Test carry out outcomes per mode: cmd/holdfast wires
	// package stripe's Provider (live) and stripe.SimulatedApplier (test).
	// A mode without one refuses to apply (ECONFLICT; the session stays in
	// progress).
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
		s.live = noApplier{holdfast.ModeLive}
	}
	if s.test == nil {
		s.test = noApplier{holdfast.ModeTest}
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
