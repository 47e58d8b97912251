package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/webhook"
)

// t0 is the injected real time at which every worker test starts.
var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// hit is one request a test receiver saw.
type hit struct {
	path   string
	header http.Header
	body   []byte
	status int
}

// recv is a test receiver. respond picks the status for the n-th request
// (0-based, counted per receiver); nil answers 200.
type recv struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
	seen chan hit
}

func newRecv(t *testing.T, respond func(n int, r *http.Request) int) *recv {
	t.Helper()
	rv := &recv{seen: make(chan hit, 10000)}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rv.mu.Lock()
		n := len(rv.hits)
		rv.hits = append(rv.hits, hit{})
		rv.mu.Unlock()
		status := http.StatusOK
		if respond != nil {
			status = respond(n, r)
		}
		h := hit{path: r.URL.Path, header: r.Header.Clone(), body: body, status: status}
		rv.mu.Lock()
		rv.hits[n] = h
		rv.mu.Unlock()
		rv.seen <- h
		w.WriteHeader(status)
		io.WriteString(w, http.StatusText(status))
	}))
	t.Cleanup(rv.Close)
	return rv
}

func (rv *recv) all() []hit {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]hit(nil), rv.hits...)
}

// env is a store with one workspace and a worker for it.
type env struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	ws    *holdfast.Workspace
	clock *holdfast.ManualClock
	// recorded receives the number of attempts of every committed batch.
	recorded chan int
	w        *webhook.Worker
}

func newEnv(t *testing.T, st *store.Store, adjust ...func(*webhook.Config)) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), st: st, clock: holdfast.NewManualClock(t0), recorded: make(chan int, 10000)}
	e.ws = &holdfast.Workspace{Name: "Receiver Co"}
	if err := st.CreateWorkspace(e.ctx, e.ws, t0); err != nil {
		t.Fatal(err)
	}
	e.w = e.worker(st, adjust...)
	return e
}

// worker builds a worker on st sharing the env's clock and signal.
func (e *env) worker(st *store.Store, adjust ...func(*webhook.Config)) *webhook.Worker {
	// The receivers are httptest servers on loopback: the operator's
	// consent is on, as HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS would give it.
	cfg := webhook.Config{Store: st, Clock: e.clock, UserAgent: "Holdfast-Webhooks/test", Concurrency: 4, Logger: slog.New(slog.DiscardHandler),
		AllowLoopback: true,
		AfterRecord:   func(recs []store.AttemptRecord) { e.recorded <- len(recs) }}
	for _, a := range adjust {
		a(&cfg)
	}
	return webhook.NewWorker(cfg)
}

// waitRecorded blocks until n more attempts have been committed.
func (e *env) waitRecorded(n int) {
	e.t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for n > 0 {
		select {
		case k := <-e.recorded:
			n -= k
		case <-deadline.C:
			e.t.Fatalf("timed out waiting for %d more attempts", n)
		}
	}
}

func (e *env) endpoint(mode holdfast.Mode, url string, events ...string) *holdfast.WebhookEndpoint {
	e.t.Helper()
	ep := &holdfast.WebhookEndpoint{WorkspaceID: e.ws.ID, Livemode: mode.Livemode(), URL: url, Events: events,
		Enabled: true, Secret: webhook.NewSecret()}
	if err := e.st.CreateWebhookEndpoint(e.ctx, ep, t0); err != nil {
		e.t.Fatal(err)
	}
	return ep
}

// event records an event stamped with the mode's clock.
func (e *env) event(mode holdfast.Mode, typ string) *holdfast.Event {
	e.t.Helper()
	var ev *holdfast.Event
	err := e.st.InTx(e.ctx, func(ctx context.Context) error {
		var err error
		ev, err = e.st.RecordEvent(ctx, e.ws.ID, mode, typ, "rec_42", map[string]any{"id": "rec_42", "object": "recovery", "amount": 1999}, e.modeNow(mode))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func (e *env) modeNow(mode holdfast.Mode) time.Time {
	if mode == holdfast.ModeLive {
		return e.clock.Now()
	}
	off, err := e.st.TestClockOffset(e.ctx, e.ws.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.clock.Now().Add(off)
}

// advanceTestClockTo moves the workspace's test clock to at.
func (e *env) advanceTestClockTo(at time.Time) {
	e.t.Helper()
	if d := at.Sub(e.modeNow(holdfast.ModeTest)); d > 0 {
		if _, err := e.st.AdvanceTestClock(e.ctx, e.ws.ID, d, e.clock.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) runDue(mode holdfast.Mode) {
	e.t.Helper()
	if err := e.w.RunDue(e.ctx, e.ws.ID, mode); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) deliveries(ep *holdfast.WebhookEndpoint) []*holdfast.WebhookDelivery {
	e.t.Helper()
	l, err := e.st.ListWebhookDeliveries(e.ctx, e.ws.ID, holdfast.ModeOf(ep.Livemode), ep.ID, store.DeliveryFilter{}, store.ListQuery{Limit: 100, Count: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return l.Data
}

func (e *env) only(ep *holdfast.WebhookEndpoint) *holdfast.WebhookDelivery {
	e.t.Helper()
	ds := e.deliveries(ep)
	if len(ds) != 1 {
		e.t.Fatalf("endpoint has %d deliveries, want 1", len(ds))
	}
	return ds[0]
}
