// Package engine is Holdfast's recovery engine (SPEC §6, §9): it opens a
// payment and a recovery for each failed invoice, runs the recovery's campaign
// (smart retries through a provider, dunning emails), ends it as recovered,
// lost or abandoned, and keeps every piece of scheduled work in the jobs table
// so that it survives restarts and is shared by several serve processes.
//
// Every state change commits in one transaction with its event (recovery.*,
// payment.retry_*, dunning.sent). A retry is stored as a started attempt with
// its idempotency key and committed before the provider is called, so a crash
// at any point re-drives the same attempt with the same key and never charges
// twice. Live mode follows real time; test mode follows each workspace's test
// clock, and AdvanceClock runs whatever became due before it returns.
package engine

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"holdfast"
	"holdfast/mail"
	"holdfast/store"
)

// Config configures an Engine. Zero values get the defaults noted.
type Config struct {
	Store  *store.Store
	Clock  holdfast.Clock // real time; default holdfast.RealClock
	Logger *slog.Logger
	// Mailer delivers live-mode dunning email (HOLDFAST_SMTP_URL). Without
	// one, live sends are recorded as failed.
	Mailer mail.Sender
	// TestMailer delivers test-mode email. Nil keeps test-mode email in an
	// in-memory capture (recorded as sent, delivered nowhere).
	TestMailer mail.Sender
	// PublicURL is the base of /r/ links in emails (HOLDFAST_PUBLIC_URL).
	PublicURL string
	// LiveProvider charges live invoices: package stripe's Provider, wired
	// by cmd/holdfast (tests use fakes). Without one, live retries fail with
	// an unknown outcome and are re-driven until one is configured.
	LiveProvider Provider
	// Chooser, when set, may pick the campaign of each recovery that opens
	// (a running experiment's arm) before the campaigns' own filters do.
	Chooser holdfast.CampaignChooser
	// TestProvider replaces the test-mode simulator of SPEC §9. Only
	// `holdfast simulate` sets it: its simulated card network answers the
	// retries of a throwaway workspace, so the simulation runs this engine.
	TestProvider Provider
	// Unguarded turns off the card-network guard (the limits and the stop
	// after a never-retry answer) for campaigns without smart retries. Only
	// `holdfast simulate` sets it, on a throwaway database, to measure what a
	// blind schedule without Holdfast's guard would do to the network rules;
	// serve never does.
	Unguarded bool
	// Portal opens Stripe customer-portal sessions for live-mode card-update
	// links (expiring-card notices, the in-app notice).
	Portal holdfast.PortalSessions
	// SigningKey signs /r/ link tokens; required for click tracking.
	SigningKey []byte
	// LinkTTL is how long a dunning link works; default 90 days.
	LinkTTL time.Duration
	// OnAdvance hooks run after advance_clock has run the engine's due work
	// (webhook deliveries of test mode).
	OnAdvance []func(ctx context.Context, wsID string, now time.Time) error
	// Jobs runs job kinds other packages schedule in the jobs table (a
	// cancel session's timeout), by kind; see HandleJob.
	Jobs map[string]JobFunc
	// Workers is the number of background job runners; default 4.
	Workers int
	// BatchSize is how many due jobs a runner leases at once; default 4
	// (larger batches claim less often but make later jobs of a batch wait).
	BatchSize int
	// PollInterval is how often idle runners look for due work; default 1 s.
	PollInterval time.Duration
	// Lease is how long a claimed job stays reserved; default 5 minutes.
	Lease time.Duration
	// MaxJobAttempts bounds retries of a failing job; default 20.
	MaxJobAttempts int
	// DrainTimeout bounds how long Stop waits for running jobs; default 30 s.
	DrainTimeout time.Duration
	// Owner names this engine in job leases; default host-pid-random.
	Owner string
}

// Engine implements holdfast.RecoveryEvents and the API's engine service.
type Engine struct {
	cfg     Config
	st      *store.Store
	clock   holdfast.Clock
	log     *slog.Logger
	owner   string
	live    Provider
	sim     Provider
	capture *mail.Capture

	wakeMu sync.Mutex
	wake   chan struct{}

	runMu   sync.Mutex
	cancel  context.CancelFunc
	stopped chan struct{}

	wsCache sync.Map // workspace id → wsInfo

	hooks testHooks
}

// testHooks let tests observe and break the engine at chosen points.
type testHooks struct {
	// afterPay runs after the provider answered and before the answer is
	// recorded; returning errCrash simulates the process dying there.
	afterPay func(att *holdfast.PaymentAttempt) error
	// jobDone runs after every job a runner finished (successfully or not).
	jobDone func(j store.Job, err error)
}

var _ holdfast.RecoveryEvents = (*Engine)(nil)

// New builds an engine; Start runs its background runners.
func New(cfg Config) *Engine {
	cfg.Clock = cmp.Or[holdfast.Clock](cfg.Clock, holdfast.RealClock{})
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	cfg.LinkTTL = cmp.Or(cfg.LinkTTL, 90*24*time.Hour)
	cfg.Workers = cmp.Or(cfg.Workers, 4)
	cfg.BatchSize = cmp.Or(cfg.BatchSize, 4)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, time.Second)
	cfg.Lease = cmp.Or(cfg.Lease, 5*time.Minute)
	cfg.MaxJobAttempts = cmp.Or(cfg.MaxJobAttempts, 20)
	cfg.DrainTimeout = cmp.Or(cfg.DrainTimeout, 30*time.Second)
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	if cfg.Owner == "" {
		host, _ := os.Hostname()
		cfg.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), holdfast.RandomBase62(6))
	}
	e := &Engine{
		cfg: cfg, st: cfg.Store, clock: cfg.Clock, log: cfg.Logger, owner: cfg.Owner,
		capture: &mail.Capture{}, wake: make(chan struct{}),
	}
	e.live = cfg.LiveProvider
	if e.live == nil {
		e.live = noProvider{}
	}
	e.sim = simProvider{}
	if cfg.TestProvider != nil {
		e.sim = cfg.TestProvider
	}
	return e
}

// Captured returns the test-mode emails kept in memory (no TestMailer).
func (e *Engine) Captured() []mail.Message { return e.capture.Messages() }

// Kick wakes the runners to look for due work now instead of at the next poll.
func (e *Engine) Kick() {
	e.wakeMu.Lock()
	close(e.wake)
	e.wake = make(chan struct{})
	e.wakeMu.Unlock()
}

// kickSoon wakes the runners now and again shortly after: work queued inside
// a caller's transaction becomes visible only when the caller commits.
func (e *Engine) kickSoon() {
	e.Kick()
	time.AfterFunc(50*time.Millisecond, e.Kick)
	time.AfterFunc(500*time.Millisecond, e.Kick)
}

func (e *Engine) wakeChan() <-chan struct{} {
	e.wakeMu.Lock()
	defer e.wakeMu.Unlock()
	return e.wake
}

// wsInfo is what the engine needs of a workspace, cached briefly.
type wsInfo struct {
	name    string
	loc     *time.Location
	fetched time.Time
}

// workspace returns a workspace's name and time zone (cached for a minute).
func (e *Engine) workspace(ctx context.Context, wsID string) (wsInfo, error) {
	if v, ok := e.wsCache.Load(wsID); ok && time.Since(v.(wsInfo).fetched) < time.Minute {
		return v.(wsInfo), nil
	}
	w, err := e.st.GetWorkspace(ctx, wsID)
	if err != nil {
		return wsInfo{}, err
	}
	info := wsInfo{name: w.Name, loc: loadLocation(w.Timezone), fetched: time.Now()}
	e.wsCache.Store(wsID, info)
	return info, nil
}

// loadLocation parses an IANA zone name; unknown or empty means nil (UTC).
// Zones are cached: reading the zone database on every plan costs more than
// the plan.
func loadLocation(name string) *time.Location {
	if name == "" {
		return nil
	}
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	zones.Store(name, loc)
	return loc
}

var zones sync.Map // zone name → *time.Location (nil when unknown)

// JobFunc runs one job another package scheduled (store.ScheduleJob): ref is
// the job's ref_id, now the mode's time (a test-mode job runs at its due
// time). An error retries the job with backoff.
type JobFunc func(ctx context.Context, wsID string, mode holdfast.Mode, ref string, now time.Time) error

// HandleJob makes the engine's runners (and advance_clock) run jobs of kind
// with fn; call it while wiring, before Start. The jobs table is then the
// one scheduler for that work too.
func (e *Engine) HandleJob(kind string, fn JobFunc) {
	if e.cfg.Jobs == nil {
		e.cfg.Jobs = map[string]JobFunc{}
	}
	e.cfg.Jobs[kind] = fn
}

// OnAdvance registers a hook to run after advance_clock has run the engine's
// due work; call it while wiring, before the server takes requests.
func (e *Engine) OnAdvance(fn func(ctx context.Context, wsID string, now time.Time) error) {
	e.cfg.OnAdvance = append(e.cfg.OnAdvance, fn)
}
