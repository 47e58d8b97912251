package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"holdfast"
	"holdfast/store"
)

// wire builds the services behind the API. Each issue adds its service here.
func wire(ctx context.Context, e *env, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger, reg *prometheus.Registry) (*wiring, error) {
	w := &wiring{}
	return w, nil
}
