// Package dashboard serves Holdfast's server-rendered dashboard: sign-in,
// the KPIs of SPEC §5, recoveries, payments, customers, campaigns, cancel
// sessions, webhooks and settings. Pages are html/template with embedded
// assets and a few lines of progressive-enhancement JavaScript; every view is
// scoped to the signed-in user's workspace and the session's mode.
package dashboard

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"holdfast"
	"holdfast/mail"
	"holdfast/store"
)

// Prefix is where every dashboard page lives; "/" only redirects here.
const Prefix = "/dashboard"

// Patterns are the mount points the API server must route to the dashboard
// (chi patterns): the root redirect, the favicon and everything under Prefix.
var Patterns = []string{"/", "/favicon.ico", Prefix, Prefix + "/*"}

// Config holds the dashboard's collaborators. Zero values get defaults.
type Config struct {
	Store  *store.Store
	Clock  holdfast.Clock // real time; test mode adds the workspace's offset
	Logger *slog.Logger
	// PublicURL is the base of links the dashboard prints (set-password
	// links); an https URL also turns on Secure cookies.
	PublicURL string
	// SecureCookies forces Secure cookies even over plain HTTP requests
	// (behind a TLS-terminating proxy). Requests over TLS always get them.
	SecureCookies  bool
	TrustedProxies []netip.Prefix
	// Mailer sends the SMTP test message of Workspace settings; nil hides it.
	Mailer mail.Sender
	// Services are optional collaborators owned by other packages.
	Services Services
	// AllowLoopbackWebhooks is the operator's consent to test-mode webhook
	// endpoints on this machine (HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS).
	AllowLoopbackWebhooks bool
	// Throttle, SessionIdle and SessionMax tune sign-in; defaults apply when zero.
	Throttle    ThrottlePolicy
	SessionIdle time.Duration
	SessionMax  time.Duration
	// SimulationSize is how many payments the "Simulate" buttons simulate;
	// default 500 (a few seconds).
	SimulationSize int
}

// Services are engine-side operations some pages offer. Nil entries hide
// the corresponding buttons.
type Services struct {
	// ResendDelivery queues a webhook delivery to be attempted again now.
	ResendDelivery func(ctx context.Context, wsID string, mode holdfast.Mode, endpointID, deliveryID string) error
	// PutCardExpiry saves the expiring-card notice configuration and plans
	// the notices again (the engine's, as PUT /v1/card_expiry_notices); nil
	// shows the configuration read-only.
	PutCardExpiry func(ctx context.Context, wsID string, mode holdfast.Mode, p holdfast.CardExpiryPatch) (holdfast.CardExpirySettings, error)
}

// Dashboard is the HTTP handler of every dashboard page.
type Dashboard struct {
	store     *store.Store
	clock     holdfast.Clock
	log       *slog.Logger
	publicURL string
	secure    bool
	trusted   []netip.Prefix
	mailer    mail.Sender
	svc       Services
	loopback  bool // Config.AllowLoopbackWebhooks
	// onVerify, when set (tests only), is called before every password check.
	onVerify    func()
	throttle    ThrottlePolicy
	sessionIdle time.Duration
	sessionMax  time.Duration
	pages       *pages
	handler     http.Handler
	simN        int
}

// New builds the dashboard.
func New(cfg Config) *Dashboard {
	d := &Dashboard{
		store:       cfg.Store,
		clock:       cfg.Clock,
		log:         cfg.Logger,
		publicURL:   strings.TrimRight(cfg.PublicURL, "/"),
		secure:      cfg.SecureCookies || strings.HasPrefix(cfg.PublicURL, "https://"),
		trusted:     cfg.TrustedProxies,
		mailer:      cfg.Mailer,
		svc:         cfg.Services,
		loopback:    cfg.AllowLoopbackWebhooks,
		throttle:    cfg.Throttle,
		sessionIdle: cmp.Or(cfg.SessionIdle, 12*time.Hour),
		sessionMax:  cmp.Or(cfg.SessionMax, 7*24*time.Hour),
		simN:        cmp.Or(cfg.SimulationSize, 500),
	}
	if d.clock == nil {
		d.clock = holdfast.RealClock{}
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.throttle == (ThrottlePolicy{}) {
		d.throttle = DefaultThrottle
	}
	d.pages = mustParsePages()
	d.handler = d.routes()
	return d
}

// ServeHTTP makes Dashboard an http.Handler.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.handler.ServeHTTP(w, r) }
