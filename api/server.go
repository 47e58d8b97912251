// Package api serves Holdfast's HTTP surface: the /v1 and /api/v1 dialects
// over one engine, the Stripe webhook receiver, click tracking, the widget
// script, health, readiness and metrics. routes.go lists every route.
package api

import (
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"holdfast"
	"holdfast/ratelimit"
	"holdfast/store"
)

// Config holds the server's collaborators. Zero values get sensible defaults.
type Config struct {
	Store          *store.Store
	Limiter        ratelimit.Limiter
	Logger         *slog.Logger
	Clock          holdfast.Clock // real time; test mode adds each workspace's offset
	TrustedProxies []netip.Prefix
	Version        string
	PublicURL      string
	Registry       *prometheus.Registry
	// Extra mounts additional routes (dashboard, demo pages) on the root mux.
	Extra []Mount
	// NotFoundPage, when set, answers unknown top-level paths for clients
	// that accept HTML (the dashboard's 404 page); others get the JSON error.
	NotFoundPage http.Handler
	// Services are the engine-side collaborators the handlers call.
	Services Services
	// AllowLoopbackWebhooks is the operator's consent to test-mode webhook
	// endpoints on this machine (HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS); without
	// it loopback URLs are refused as in live mode (webhook.ValidateURL).
	AllowLoopbackWebhooks bool
}

// Mount attaches a handler under a pattern such as "/dashboard/*".
type Mount struct {
	Pattern string
	Handler http.Handler
	// Quiet logs the mount's requests at debug level whatever their status
	// (the demo's own webhook receivers, which refuse deliveries on purpose).
	Quiet bool
}

// Server is the HTTP API.
type Server struct {
	store   *store.Store
	limiter ratelimit.Limiter
	log     *slog.Logger
	clock   holdfast.Clock
	trusted []netip.Prefix
	version string
	public  string
	metrics *metrics
	auth    *authCache
	touches *keyTouches
	extra   []Mount
	quiet   map[string]bool
	html404 http.Handler
	svc     Services
	// loopbackHooks is Config.AllowLoopbackWebhooks.
	loopbackHooks bool
	handler       http.Handler
	mux           *chi.Mux  // the root router (handler)
	routeCtxs     sync.Pool // *chi.Context, see serve
	// allowed lists the methods served at a path (the 405 Allow header).
	allowed func(path string) []string
}

// New builds a server from cfg.
func New(cfg Config) *Server {
	s := &Server{
		store:   cfg.Store,
		limiter: cfg.Limiter,
		log:     cfg.Logger,
		clock:   cfg.Clock,
		trusted: cfg.TrustedProxies,
		version: cfg.Version,
		public:  cfg.PublicURL,
		extra:   cfg.Extra,
		quiet:   map[string]bool{},
		html404: cfg.NotFoundPage,
		svc:     cfg.Services,

		loopbackHooks: cfg.AllowLoopbackWebhooks,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.clock == nil {
		s.clock = holdfast.RealClock{}
	}
	if s.limiter == nil {
		s.limiter = ratelimit.NewMemory(s.clock)
	}
	if s.version == "" {
		s.version = "dev"
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	for _, m := range cfg.Extra {
		if m.Quiet {
			s.quiet[m.Pattern] = true
		}
	}
	s.metrics = newMetrics(reg, s.store)
	s.auth = newAuthCache(s.store, s.clock)
	s.touches = newKeyTouches(s.store)
	s.handler = s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(s.handler, w, r) }

// now is a shorthand for the real time.
func (s *Server) now() time.Time { return s.clock.Now() }
