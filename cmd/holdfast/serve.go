package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"holdfast"
	"holdfast/api"
	"holdfast/engine"
	"holdfast/ratelimit"
	"holdfast/store"
	"holdfast/stripe"
)

type serveCmd struct {
	Addr                  string `help:"Listen address (env HOLDFAST_ADDR)." default:"127.0.0.1:8080"`
	RedisURL              string `name:"redis-url" help:"Redis URL for shared rate limits, e.g. redis://127.0.0.1:6379/0 (env HOLDFAST_REDIS_URL)."`
	TrustedProxies        string `name:"trusted-proxies" help:"Comma-separated CIDRs whose X-Forwarded-For is believed (env HOLDFAST_TRUSTED_PROXIES)."`
	SMTPURL               string `name:"smtp-url" help:"SMTP server for dunning email, e.g. smtp://user:pass@host:587 (env HOLDFAST_SMTP_URL)."`
	MailFrom              string `name:"mail-from" help:"From address of dunning email (env HOLDFAST_MAIL_FROM)." default:"Holdfast <billing@localhost>"`
	StripeAPIBase         string `name:"stripe-api-base" help:"Stripe API base URL without /v1 (env HOLDFAST_STRIPE_API_BASE)." default:"https://api.stripe.com"`
	PublicURL             string `name:"public-url" help:"Public base URL for links in emails (env HOLDFAST_PUBLIC_URL); defaults to http://ADDR."`
	Demo                  bool   `help:"Create (once) a demo workspace in test mode and print a test key and the dashboard URL; turns on --allow-loopback-webhooks."`
	AllowLoopbackWebhooks bool   `name:"allow-loopback-webhooks" help:"Let test-mode webhook endpoints point at this machine (127.0.0.0/8, ::1, localhost), for local development; private, link-local and reserved addresses stay refused (env HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS=true)."`
	// Smaller demos for tests; hidden because the default is what people should see.
	DemoCustomers int `name:"demo-customers" hidden:"" help:"Customers of a newly generated demo."`
	DemoDays      int `name:"demo-days" hidden:"" help:"Days of history of a newly generated demo."`
}

// serveConfig is the validated configuration of serve.
type serveConfig struct {
	Addr           string
	RedisURL       string
	TrustedProxies []netip.Prefix
	SMTPURL        string
	MailFrom       string
	StripeAPIBase  string
	PublicURL      string
	Demo           bool
	DemoCustomers  int
	DemoDays       int
	// AllowLoopbackWebhooks is the operator's consent to loopback webhook
	// receivers; --demo implies it (its sinks are this server).
	AllowLoopbackWebhooks bool
}

func (c *serveCmd) config() (*serveConfig, error) {
	cfg := &serveConfig{Addr: c.Addr, RedisURL: c.RedisURL, SMTPURL: c.SMTPURL, MailFrom: c.MailFrom,
		StripeAPIBase: c.StripeAPIBase, PublicURL: c.PublicURL, Demo: c.Demo,
		DemoCustomers: c.DemoCustomers, DemoDays: c.DemoDays}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return nil, holdfast.Errorf(holdfast.EVALIDATION, "--addr must be host:port, got %q", c.Addr)
	}
	tp, err := parsePrefixes(c.TrustedProxies)
	if err != nil {
		return nil, holdfast.Errorf(holdfast.EVALIDATION, "--trusted-proxies: %s", oneLine(err))
	}
	cfg.TrustedProxies = tp
	if err := checkBaseURL("--public-url", c.PublicURL); err != nil {
		return nil, err
	}
	if err := checkBaseURL("--stripe-api-base", c.StripeAPIBase); err != nil {
		return nil, err
	}
	if err := checkMail(c.SMTPURL, c.MailFrom); err != nil {
		return nil, err
	}
	cfg.AllowLoopbackWebhooks = c.AllowLoopbackWebhooks || c.Demo
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + c.Addr
	}
	return cfg, nil
}

func (c *serveCmd) Run(e *env) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	log := e.logger()
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	tuneGC(e.getenv)

	st, err := e.createStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()

	clock := holdfast.RealClock{}
	limiter, closeLimiter, err := newLimiter(cfg.RedisURL, clock, log)
	if err != nil {
		return err
	}
	defer closeLimiter()

	reg := prometheus.NewRegistry()
	w, err := wire(ctx, e, st, cfg, clock, log, reg)
	if err != nil {
		return err
	}
	srv := api.New(api.Config{
		Store: st, Limiter: limiter, Logger: log, Clock: clock, TrustedProxies: cfg.TrustedProxies,
		Version: version, PublicURL: cfg.PublicURL, Registry: reg, Services: w.services, Extra: w.mounts,
		AllowLoopbackWebhooks: cfg.AllowLoopbackWebhooks,
		NotFoundPage:          w.notFound,
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	base := "http://" + ln.Addr().String()
	log.Info("holdfast listening", "addr", ln.Addr().String(), "database", string(st.Dialect()), "version", version)

	for _, start := range w.background {
		start(ctx)
	}

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	// The demo is generated while serving: its webhook endpoints deliver to
	// this server's own /demo/webhook-sink during the generation.
	if cfg.Demo {
		banner, err := setupDemo(ctx, e, st, w, base, cfg)
		if err != nil {
			_ = httpSrv.Close()
			cancel()
			for _, stop := range w.stops {
				stop()
			}
			return err
		}
		// Last, so the login and key are the first thing a person sees.
		banner.print(e)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, done := context.WithTimeout(context.Background(), 20*time.Second)
	defer done()
	err = httpSrv.Shutdown(shutdownCtx)
	cancel()
	for _, stop := range w.stops {
		stop()
	}
	log.Info("stopped")
	return err
}

// newLimiter returns the Redis limiter when a URL is configured, else the in-memory one.
func newLimiter(redisURL string, clock holdfast.Clock, log *slog.Logger) (ratelimit.Limiter, func(), error) {
	if redisURL == "" {
		return ratelimit.NewMemory(clock), func() {}, nil
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, nil, holdfast.Errorf(holdfast.EVALIDATION, "--redis-url: %v", err)
	}
	// Short timeouts: a dead Redis must degrade to the local limiter quickly.
	opts.DialTimeout = 300 * time.Millisecond
	opts.ReadTimeout = 300 * time.Millisecond
	opts.WriteTimeout = 300 * time.Millisecond
	opts.MaxRetries = 1
	client := redis.NewClient(opts)
	return ratelimit.NewRedis(client, clock, log), func() { client.Close() }, nil
}

// wiring is what wire() builds for serve: the domain services, extra HTTP
// mounts, and background workers.
type wiring struct {
	// engine is the recovery engine (the Stripe ingester reports to it).
	engine *engine.Engine
	// stripe is live mode's billing provider (invoice pay, cancel-flow
	// offers, portal sessions), shared by the services that call Stripe.
	stripe     *stripe.Provider
	services   api.Services
	mounts     []api.Mount
	notFound   http.Handler // the dashboard's 404 page for browsers
	background []func(ctx context.Context)
	stops      []func()
}

var _ = store.SQLite

// tuneGC applies holdfast.ServeGCPercent unless GOGC is set, as usual.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(holdfast.ServeGCPercent)
	}
}
