package engine

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

// countingProvider is an in-process live provider that records every call.
type countingProvider struct {
	mu    sync.Mutex
	calls map[string]int // idempotency key → calls
	seen  chan string
}

func newCountingProvider(n int) *countingProvider {
	return &countingProvider{calls: map[string]int{}, seen: make(chan string, n*2)}
}

func (p *countingProvider) Pay(_ context.Context, req PayRequest) (PayResult, error) {
	p.mu.Lock()
	p.calls[req.IdempotencyKey]++
	first := p.calls[req.IdempotencyKey] == 1
	p.mu.Unlock()
	if first {
		p.seen <- req.IdempotencyKey
	}
	return PayResult{Succeeded: true}, nil
}

// blindOneRetry is a playbook with one retry an hour in, so every recovery
// has exactly one due item of work once the clock has passed it.
func blindOneRetry(v *env, mode holdfast.Mode) *holdfast.Campaign {
	c := &holdfast.Campaign{ID: holdfast.NewID(holdfast.PrefixCampaign), Livemode: mode.Livemode(), Name: "one retry",
		Priority: 100, MaxRetries: 1, Steps: []holdfast.CampaignStep{{AfterHours: 1, Action: holdfast.ActionRetry}}}
	v.insertCampaign(c)
	return c
}

// TestTwoEnginesOnePostgres has two engines (two "serve processes") share
// 1,000 due retries on one PostgreSQL database: every retry runs exactly once.
func TestTwoEnginesOnePostgres(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skipf("%s not set; skipping PostgreSQL", storetest.PostgresEnv)
	}
	const n = 1000
	st := storetest.Open(t, "postgres")
	prov := newCountingProvider(n)
	v := newEnv(t, st, func(c *Config) { c.LiveProvider = prov })
	blindOneRetry(v, holdfast.ModeLive)
	for range n {
		f := v.failure(holdfast.ModeLive, nil, "insufficient_funds")
		f.Card.Fingerprint = "fp_" + holdfast.RandomBase62(8) // one card each: no shared network limit
		v.open(f)
	}
	v.clock.Add(2 * time.Hour)

	var (
		mu      sync.Mutex
		runs    = map[string]int{} // recovery id → recovery-job runs
		byOwner = map[string]int{}
	)
	engines := make([]*Engine, 2)
	for i := range engines {
		cfg := v.e.cfg.withOwner(fmt.Sprintf("engine-%d", i))
		cfg.Workers, cfg.BatchSize, cfg.PollInterval = 4, 8, 20*time.Millisecond
		e := New(cfg)
		owner := cfg.Owner
		e.hooks.jobDone = func(j store.Job, err error) {
			if err != nil {
				t.Errorf("job %s %s: %v", j.Kind, j.RefID, err)
			}
			mu.Lock()
			runs[j.RefID]++
			byOwner[owner]++
			mu.Unlock()
		}
		engines[i] = e
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, e := range engines {
		e.Start(ctx)
	}
	deadline := time.After(2 * time.Minute)
	for got := 0; got < n; got++ {
		select {
		case <-prov.seen:
		case <-deadline:
			t.Fatalf("only %d of %d retries ran", got, n)
		}
	}
	for _, e := range engines {
		e.Stop()
	}
	prov.mu.Lock()
	defer prov.mu.Unlock()
	if len(prov.calls) != n {
		t.Fatalf("%d distinct retries charged, want %d", len(prov.calls), n)
	}
	for k, c := range prov.calls {
		if c != 1 {
			t.Fatalf("retry %s charged %d times", k, c)
		}
	}
	if len(runs) != n {
		t.Fatalf("%d recoveries ran, want %d", len(runs), n)
	}
	for id, c := range runs {
		if c != 1 {
			t.Fatalf("recovery %s ran %d times", id, c)
		}
	}
	var attempts, recovered int
	row := st.Conn(v.ctx).QueryRow(v.ctx, `SELECT COUNT(*), SUM(CASE WHEN outcome = 'succeeded' THEN 1 ELSE 0 END) FROM payment_attempts`)
	if err := row.Scan(&attempts, &recovered); err != nil || attempts != n || recovered != n {
		t.Fatalf("attempts %d succeeded %d (%v)", attempts, recovered, err)
	}
	t.Logf("work split between engines: %v", byOwner)
	if len(byOwner) != 2 {
		t.Errorf("one engine did all the work: %v", byOwner)
	}
}
