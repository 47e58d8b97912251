package webhook

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"holdfast"
	"holdfast/store"
)

// Config configures a Worker. Zero fields take the defaults noted.
type Config struct {
	Store *store.Store
	// Clock is real time (default holdfast.RealClock). Test-mode deliveries
	// are scheduled on the workspace's test clock, derived from it; requests
	// are always signed with it so receivers' timestamp tolerance holds.
	Clock  holdfast.Clock
	Logger *slog.Logger // default slog.Default()
	// UserAgent is sent with every request (default DefaultUserAgent);
	// serve sets "Holdfast-Webhooks/<version>".
	UserAgent string
	// Timeout bounds one attempt (default DefaultTimeout, 10 s).
	Timeout time.Duration
	// MaxResponseBody caps how much of a response is read and logged (default 4 KiB).
	MaxResponseBody int64
	// Concurrency is how many requests are in flight at once (default 32).
	Concurrency int
	// BatchSize bounds one claim or fan-out round (default 100).
	BatchSize int
	// PollInterval is how often the worker looks for due retries and events
	// recorded by other processes when nobody Kicks it (default 1 s).
	PollInterval time.Duration
	// Lease is how long a claimed delivery stays reserved to this worker
	// (default 2 min, well above Timeout). A worker that dies mid-attempt
	// delays its deliveries by at most this much.
	Lease time.Duration
	// AllowLoopback is the operator's consent to loopback receivers
	// (HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS, serve --allow-loopback-webhooks):
	// deliveries of either mode may then connect to 127/8 and ::1. The SSRF
	// guard stays on for every other private range, in both modes. Off by
	// default; for development setups, the demo and tests.
	AllowLoopback bool
	// AfterRecord, when set, is called after each batch of attempts has been
	// committed: a test signal, so tests wait for work instead of sleeping.
	AfterRecord func(recs []store.AttemptRecord)
}

// Worker delivers events to webhook endpoints: it fans new events out into
// deliveries, claims due deliveries, sends them, and records each attempt with
// its retry schedule. All of its state is in the database, so it survives
// restarts and several processes (on PostgreSQL) can share the work.
type Worker struct {
	cfg        Config
	st         *store.Store
	live, test *Client
	kick       chan struct{}

	// writes serializes this worker's own write transactions on SQLite: its
	// claimer and recorder would otherwise collide on the database's single
	// write lock and the loser would sleep in SQLite's busy handler.
	writes sync.Mutex

	mu      sync.Mutex
	flushed chan struct{} // closed and replaced after every commit
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewWorker builds a worker from cfg, applying defaults.
func NewWorker(cfg Config) *Worker {
	cfg.Clock = cmp.Or[holdfast.Clock](cfg.Clock, holdfast.RealClock{})
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	cfg.UserAgent = cmp.Or(cfg.UserAgent, DefaultUserAgent)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	cfg.MaxResponseBody = cmp.Or(cfg.MaxResponseBody, 4<<10)
	cfg.Concurrency = cmp.Or(cfg.Concurrency, 32)
	cfg.BatchSize = cmp.Or(cfg.BatchSize, 100)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, time.Second)
	cfg.Lease = cmp.Or(cfg.Lease, 2*time.Minute)
	opts := ClientOptions{Timeout: cfg.Timeout, UserAgent: cfg.UserAgent, MaxBody: cfg.MaxResponseBody, MaxIdleConnsPerHost: cfg.Concurrency}
	// Both modes get the dial guard: a test key is as untrusted as a live
	// one when it comes to where this server connects.
	opts.BlockPrivate, opts.AllowLoopback = true, cfg.AllowLoopback
	return &Worker{
		cfg: cfg, st: cfg.Store,
		live: NewClient(opts), test: NewClient(opts),
		kick: make(chan struct{}, 1), flushed: make(chan struct{}),
	}
}

// AllowsLoopback reports the operator's consent to loopback receivers, for
// the URL checks made when an endpoint is saved (ValidateURL).
func (w *Worker) AllowsLoopback() bool { return w.cfg.AllowLoopback }

// Kick wakes the worker to look for new events now instead of at its next
// poll. It never blocks.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Start runs the delivery loop in the background until ctx ends or Stop is
// called. Starting a running worker does nothing.
func (w *Worker) Start(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel != nil {
		return
	}
	ctx, w.cancel = context.WithCancel(ctx)
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		w.run(ctx)
	}()
}

// Stop ends the loop and waits for it: requests in flight are cut, and
// deliveries claimed but not attempted are released at once (a cut request
// is sent again later: delivery is at least once).
func (w *Worker) Stop() {
	w.mu.Lock()
	cancel, done := w.cancel, w.done
	w.cancel = nil
	w.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// run is the background loop: a dispatcher claims due deliveries while there
// is room, Concurrency senders attempt them, and a recorder commits results in
// batches (one transaction per batch keeps SQLite's single writer fast).
func (w *Worker) run(ctx context.Context) {
	var inflight atomic.Int64
	// Up to capacity deliveries are claimed and not yet recorded: enough to
	// keep every sender busy while a batch is being committed, few enough
	// that a queued claim is sent well within its lease even when every
	// receiver takes the full Timeout.
	capacity := int64(4 * w.cfg.Concurrency)
	jobs := make(chan *store.DeliveryClaim, capacity)
	results := make(chan outcome, capacity)
	freed := make(chan struct{}, 1)

	var senders sync.WaitGroup
	for range w.cfg.Concurrency {
		senders.Go(func() {
			for c := range jobs {
				results <- w.attempt(ctx, c)
			}
		})
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		for first := range results {
			batch := w.drain(first, results)
			w.commit(context.WithoutCancel(ctx), batch)
			inflight.Add(-int64(len(batch)))
			select {
			case freed <- struct{}{}:
			default:
			}
		}
	}()

	poll := time.NewTicker(w.cfg.PollInterval)
	defer poll.Stop()
	for ctx.Err() == nil {
		more := w.fanOut(ctx)
		room := capacity - inflight.Load()
		if room > 0 {
			want := min(int(room), w.cfg.BatchSize)
			unlock := w.lockWrites()
			claims, err := w.st.ClaimDueDeliveries(ctx, store.DueFilter{}, w.cfg.Clock.Now(), w.cfg.Lease, want)
			unlock()
			if err != nil && ctx.Err() == nil {
				w.cfg.Logger.Error("webhooks: claim deliveries", "err", err)
			}
			inflight.Add(int64(len(claims)))
			for _, c := range claims {
				jobs <- c
			}
			more = more || len(claims) == want
		}
		if more && inflight.Load() < capacity {
			continue
		}
		wait := poll.C
		if more {
			wait = nil // only a freed slot (or a stop) lets more work start
		}
		select {
		case <-ctx.Done():
		case <-w.kick:
		case <-freed:
		case <-wait:
		}
	}
	close(jobs)
	senders.Wait()
	close(results)
	<-recorded
}

// fanOut turns new events into deliveries; it reports whether a full batch
// was handled (so more events may be waiting).
func (w *Worker) fanOut(ctx context.Context) bool {
	unlock := w.lockWrites()
	n, _, err := w.st.FanOutEvents(ctx, w.cfg.BatchSize)
	unlock()
	if err != nil {
		if ctx.Err() == nil {
			w.cfg.Logger.Error("webhooks: fan out events", "err", err)
		}
		return false
	}
	return n == w.cfg.BatchSize
}

// drain collects first and whatever else is already waiting, up to a batch.
func (w *Worker) drain(first outcome, results <-chan outcome) []outcome {
	batch := []outcome{first}
	for len(batch) < 4*w.cfg.BatchSize {
		select {
		case o, ok := <-results:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

// commit records attempts and releases claims that were not attempted, then
// wakes everyone waiting for progress. Errors are logged: the leases then run
// out and the deliveries are attempted again, which at-least-once allows.
func (w *Worker) commit(ctx context.Context, batch []outcome) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	unlock := w.lockWrites()
	defer unlock()
	var recs []store.AttemptRecord
	var release []*store.DeliveryClaim
	for _, o := range batch {
		if o.release {
			release = append(release, o.rec.Claim)
		} else {
			recs = append(recs, o.rec)
		}
	}
	if len(release) > 0 {
		if err := w.st.ReleaseDeliveries(ctx, release); err != nil {
			w.cfg.Logger.Warn("webhooks: release deliveries", "err", err)
		}
	}
	if len(recs) > 0 {
		disabled, err := w.st.RecordDeliveryAttempts(ctx, recs)
		if err != nil {
			w.cfg.Logger.Error("webhooks: record attempts", "err", err, "attempts", len(recs))
		} else {
			for _, id := range disabled {
				w.cfg.Logger.Warn("webhooks: endpoint disabled after failing for 3 days", "endpoint", id)
			}
			if len(disabled) > 0 {
				w.Kick() // fan out the webhook_endpoint.disabled events
			}
			if w.cfg.AfterRecord != nil {
				w.cfg.AfterRecord(recs)
			}
		}
	}
	w.mu.Lock()
	close(w.flushed)
	w.flushed = make(chan struct{})
	w.mu.Unlock()
}

// lockWrites takes the worker's write lock on SQLite (a no-op on
// PostgreSQL, where transactions run side by side) and returns its release.
func (w *Worker) lockWrites() func() {
	if w.st.Dialect() != store.SQLite {
		return func() {}
	}
	w.writes.Lock()
	return w.writes.Unlock
}

// progress returns a channel closed at the next commit.
func (w *Worker) progress() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushed
}
