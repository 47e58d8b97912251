package engine

import (
	"context"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

// BenchmarkDueRetries measures the engine on a large backlog: N recoveries
// (HOLDFAST_BENCH_RECOVERIES, default 100,000), each with one retry due,
// processed by the background runners with an instant in-process provider,
// so the numbers are the engine's and the database's, not Stripe's.
//
//   - backlog: every retry is due at once; reports retries/s and the p99
//     scheduling lag (from a retry's due time to its charge), which here is
//     mostly the time to drain the queue;
//   - paced: retries fall due evenly at half the measured backlog rate for
//     HOLDFAST_BENCH_PACED_SECONDS (default 20 s); reports the p99 lag of an
//     engine that keeps up.
//
// Run: go test ./engine -run '^$' -bench DueRetries -benchtime 1x
// (PostgreSQL too with HOLDFAST_TEST_DATABASE_URL set).
func BenchmarkDueRetries(b *testing.B) {
	n := envInt("HOLDFAST_BENCH_RECOVERIES", 100_000)
	pacedFor := time.Duration(envInt("HOLDFAST_BENCH_PACED_SECONDS", 20)) * time.Second
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			for range b.N {
				st := storetest.Open(b, backend)
				rate, lag := benchRun(b, st, n, 0)
				b.ReportMetric(rate, "retries/s")
				b.ReportMetric(float64(lag.Milliseconds()), "p99-lag-ms")
				b.Logf("%s backlog: %d retries, %.0f retries/s, p99 lag %v", backend, n, rate, lag)
				paced := int(rate / 2 * pacedFor.Seconds())
				if paced < 100 {
					continue
				}
				st2 := storetest.Open(b, backend)
				prate, plag := benchRun(b, st2, paced, rate/2)
				b.ReportMetric(float64(plag.Milliseconds()), "paced-p99-lag-ms")
				b.Logf("%s paced at %.0f/s: %d retries, %.0f retries/s, p99 lag %v", backend, rate/2, paced, prate, plag)
			}
		})
	}
}

// benchRun loads n due retries (all due now when perSecond is 0, else one
// every 1/perSecond seconds from a second from now), runs the engine until
// all are charged, and returns the charge rate and the p99 lag.
func benchRun(b *testing.B, st *store.Store, n int, perSecond float64) (float64, time.Duration) {
	b.Helper()
	ctx := context.Background()
	ws := &holdfast.Workspace{Name: "Bench"}
	if err := st.CreateWorkspace(ctx, ws, time.Now()); err != nil {
		b.Fatal(err)
	}
	playbook := holdfast.Campaign{ID: holdfast.NewID(holdfast.PrefixCampaign), Name: "bench", MaxRetries: 1,
		Steps: []holdfast.CampaignStep{{AfterHours: 0, Action: holdfast.ActionRetry}}}
	start := time.Now().Add(time.Second)
	due := make(map[string]time.Time, n)
	if perSecond == 0 {
		start = time.Now()
	}
	b.StopTimer()
	loadStart := time.Now()
	const chunk = 1000
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	loaders := 1
	if st.Dialect() == store.Postgres {
		loaders = 4
	}
	sem := make(chan struct{}, loaders)
	for from := 0; from < n; from += chunk {
		to := min(from+chunk, n)
		batch := make([]time.Time, to-from)
		ids := make([]string, to-from)
		for i := range batch {
			at := start
			if perSecond > 0 {
				at = start.Add(time.Duration(float64(from+i) / perSecond * float64(time.Second)))
			}
			batch[i] = holdfast.FromMicros(holdfast.Micros(at))
			ids[i] = "in_bench_" + strconv.Itoa(from+i)
			due[ids[i]] = batch[i]
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := benchLoad(ctx, st, ws.ID, playbook, ids, batch); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	b.Logf("loaded %d recoveries in %v", n, time.Since(loadStart).Round(time.Millisecond))

	prov := &lagProvider{due: due, lags: make([]time.Duration, 0, n), done: make(chan struct{})}
	prov.want = n
	e := New(Config{Store: st, LiveProvider: prov, Logger: quietLogger(), Workers: envInt("HOLDFAST_BENCH_WORKERS", 4), BatchSize: envInt("HOLDFAST_BENCH_BATCH", 4)})
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.StartTimer()
	t0 := time.Now()
	prov.mu.Lock()
	prov.start = t0
	prov.mu.Unlock()
	e.Start(runCtx)
	select {
	case <-prov.done:
	case <-time.After(time.Hour):
		b.Fatalf("only %d of %d retries ran in an hour", len(prov.lags), n)
	}
	elapsed := time.Since(t0)
	e.Stop()
	b.StopTimer()
	if perSecond > 0 {
		elapsed = time.Since(start) // the paced run cannot be faster than its arrivals
	}
	prov.mu.Lock()
	defer prov.mu.Unlock()
	slices.Sort(prov.lags)
	p99 := prov.lags[int(math.Ceil(0.99*float64(len(prov.lags))))-1]
	return float64(n) / elapsed.Seconds(), p99
}

// benchLoad inserts one chunk of pending payments with in-flight recoveries
// and their due recovery jobs, in one transaction.
func benchLoad(ctx context.Context, st *store.Store, wsID string, playbook holdfast.Campaign, invoices []string, dueAt []time.Time) error {
	return st.InTx(ctx, func(ctx context.Context) error {
		for i, inv := range invoices {
			at := dueAt[i]
			p := &holdfast.Payment{ID: holdfast.NewID(holdfast.PrefixPayment), Livemode: true, WorkspaceID: wsID, Invoice: inv,
				Amount: 1000, Currency: "usd", Status: holdfast.PaymentPending, DeclineCode: "insufficient_funds",
				CardFingerprint: "fp_" + inv, CardBrand: "visa", CreatedAt: at, UpdatedAt: at}
			r := &store.RecoveryState{Recovery: holdfast.Recovery{ID: holdfast.NewID(holdfast.PrefixRecovery), Livemode: true,
				WorkspaceID: wsID, Status: holdfast.RecoveryInFlight, Payment: p.ID, Campaign: playbook.ID, Amount: 1000,
				Currency: "usd", StartedAt: at, NextActionAt: &at, CreatedAt: at, UpdatedAt: at}, Playbook: playbook}
			p.Recovery = r.ID
			if err := st.InsertPayment(ctx, p); err != nil {
				return err
			}
			if err := st.InsertRecovery(ctx, r); err != nil {
				return err
			}
			if err := st.ScheduleJob(ctx, store.Job{WorkspaceID: wsID, Mode: holdfast.ModeLive, Kind: jobRecovery, RefID: r.ID,
				DedupeKey: recoveryJobKey(r.ID), RunAt: at}, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// lagProvider succeeds at once and records each retry's scheduling lag:
// from its due time, or from the engine's start when it was due before.
type lagProvider struct {
	mu    sync.Mutex
	start time.Time
	due   map[string]time.Time
	lags  []time.Duration
	want  int
	done  chan struct{}
}

func (p *lagProvider) Pay(_ context.Context, req PayRequest) (PayResult, error) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lags = append(p.lags, now.Sub(maxTime(p.due[req.Invoice], p.start)))
	if len(p.lags) == p.want {
		close(p.done)
	}
	return PayResult{Succeeded: true}, nil
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
