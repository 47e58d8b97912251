package sim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/engine"
	"holdfast/sim"
	"holdfast/store"
	"holdfast/store/storetest"
)

func strategies(t *testing.T, names ...string) []sim.Strategy {
	t.Helper()
	var out []sim.Strategy
	for _, n := range names {
		s, ok := sim.Builtin(n)
		if !ok {
			t.Fatalf("no built-in %q", n)
		}
		out = append(out, s)
	}
	return sim.UniqueNames(out)
}

func run(t *testing.T, o sim.Options) *sim.Report {
	t.Helper()
	r, err := sim.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeterministic: a seed gives the same report, byte for byte; another
// seed gives another population.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	o := sim.Options{Strategies: strategies(t, "default", "fixed-4x7d"), N: 120, Seed: 7}
	a, b := run(t, o), run(t, o)
	if ja, jb := jsonOf(t, a), jsonOf(t, b); ja != jb {
		t.Fatalf("same seed, different reports:\n%s\n%s", ja, jb)
	}
	if a.Strategies[0].Recovered.Count == 0 || a.Strategies[0].Charges == 0 {
		t.Fatalf("nothing happened: %+v", a.Strategies[0])
	}
	o.Seed = 8
	if c := run(t, o); jsonOf(t, c.DeclineMix) == jsonOf(t, a.DeclineMix) {
		t.Fatal("seeds 7 and 8 drew the same decline mix")
	}
}

// TestShardsDoNotChangeTheResult: payments share nothing, so one database
// for the whole population and many small ones give the same report.
func TestShardsDoNotChangeTheResult(t *testing.T) {
	t.Parallel()
	o := sim.Options{Strategies: strategies(t, "default", "fixed-8x14d"), N: 240, Seed: 3, ShardSize: 240}
	whole := run(t, o)
	o.ShardSize = 50
	if a, b := jsonOf(t, whole), jsonOf(t, run(t, o)); a != b {
		t.Fatalf("one database and shards of 50 differ:\n%s\n%s", a, b)
	}
	if whole.Strategies[0].Charges == 0 || whole.Strategies[1].Recovered.Count == 0 {
		t.Fatalf("nothing happened: %+v", whole.Strategies)
	}
}

// TestShardJobsTravelAsJSON: a shard sent to another process as JSON (the
// way `holdfast simulate` runs them) comes back with the same trace, so the
// report equals the in-process one; a malformed job is refused.
func TestShardJobsTravelAsJSON(t *testing.T) {
	t.Parallel()
	o := sim.Options{Strategies: strategies(t, "default", "fixed-4x7d"), N: 200, Seed: 9, ShardSize: 70}
	here := run(t, o)
	shards := 0
	o.Runner = func(ctx context.Context, job sim.ShardJob) (*sim.Trace, error) {
		var sent sim.ShardJob
		if err := json.Unmarshal([]byte(jsonOf(t, job)), &sent); err != nil {
			return nil, err
		}
		tr, err := sim.RunShard(ctx, sent)
		if err != nil {
			return nil, err
		}
		var back sim.Trace
		if err := json.Unmarshal([]byte(jsonOf(t, tr)), &back); err != nil {
			return nil, err
		}
		shards++
		return &back, nil
	}
	o.Parallel = 1 // shards counted without a lock
	if a, b := jsonOf(t, here), jsonOf(t, run(t, o)); a != b {
		t.Fatalf("in process and through JSON differ:\n%s\n%s", a, b)
	}
	if shards != 2*3 {
		t.Fatalf("%d shards ran through the runner, want 6 (2 strategies × ⌈200/70⌉)", shards)
	}
	if _, err := sim.RunShard(context.Background(), sim.ShardJob{Lo: 5, Hi: 3, Days: 60}); holdfast.ErrorCode(err) != holdfast.EINVALID {
		t.Fatalf("malformed job: %v, want %s", err, holdfast.EINVALID)
	}
}

// TestCommonRandomNumbers: the same strategy twice in one run sees the same
// draws, so it gets the same result; a different strategy differs.
func TestCommonRandomNumbers(t *testing.T) {
	t.Parallel()
	r := run(t, sim.Options{Strategies: strategies(t, "fixed-8x14d", "fixed-8x14d", "emails-only"), N: 120, Seed: 3})
	a, b := r.Strategies[0], r.Strategies[1]
	if b.Name != "fixed-8x14d#2" {
		t.Fatalf("second name = %q", b.Name)
	}
	b.Name = a.Name
	if ja, jb := jsonOf(t, a), jsonOf(t, b); ja != jb {
		t.Fatalf("same strategy, different results:\n%s\n%s", ja, jb)
	}
	if c := r.Strategies[2]; c.Charges >= a.Charges {
		t.Fatalf("emails-only charged %d times, fixed-8x14d %d", c.Charges, a.Charges)
	}
}

// TestViolations: a strategy that retries never-retry declines is caught by
// the independent checker; the guarded strategies cause none.
func TestViolations(t *testing.T) {
	t.Parallel()
	r := run(t, sim.Options{Strategies: strategies(t, "unguarded-8x14d", "fixed-8x14d", "default"), N: 150, Seed: 1})
	un := r.Strategies[0]
	if un.Violations.AfterNeverRetry == 0 || un.Violations.Total < un.Violations.AfterNeverRetry {
		t.Fatalf("unguarded violations = %+v, want retries after never-retry", un.Violations)
	}
	for _, s := range r.Strategies[1:] {
		if s.Violations.Total != 0 {
			t.Errorf("%s: violations %+v", s.Name, s.Violations)
		}
	}
	for _, c := range un.ByClass {
		if c.Class == sim.ClassNeverRetry && c.ChargesPerPayment < 4 {
			t.Errorf("unguarded charged never-retry payments %.2f times each, want most of 8", c.ChargesPerPayment)
		}
	}
}

// TestCheckRules checks the checker itself on hand-made logs.
func TestCheckRules(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(brand string, n int, gap time.Duration) []sim.Charge {
		var out []sim.Charge
		for i := range n {
			out = append(out, sim.Charge{Payment: 0, At: t0.Add(time.Duration(i) * gap), Fingerprint: "fp", Brand: brand, Code: "insufficient_funds"})
		}
		return out
	}
	open := func(code string) func(int) (string, string) {
		return func(int) (string, string) { return code, "fp" }
	}
	for _, c := range []struct {
		name string
		log  []sim.Charge
		code string
		want sim.Violations
	}{
		{"VisaWithin", mk("visa", 15, time.Hour), "insufficient_funds", sim.Violations{}},
		{"VisaOver", mk("visa", 17, time.Hour), "insufficient_funds", sim.Violations{Total: 2, Visa30d: 2}},
		{"VisaSpread", mk("visa", 20, 2*24*time.Hour), "insufficient_funds", sim.Violations{}},
		{"MastercardDay", mk("mastercard", 11, time.Hour), "insufficient_funds", sim.Violations{Total: 1, Mastercard24h: 1}},
		{"Mastercard30d", mk("mastercard", 36, 13*time.Hour), "insufficient_funds", sim.Violations{Total: 1, Mastercard30d: 1}},
		{"OpeningNeverRetry", mk("amex", 2, time.Hour), "stolen_card", sim.Violations{Total: 2, AfterNeverRetry: 2}},
		{"AnswerNeverRetry", append(mk("amex", 1, time.Hour), sim.Charge{At: t0.Add(time.Hour), Fingerprint: "fp", Brand: "amex", Code: "lost_card"},
			sim.Charge{At: t0.Add(2 * time.Hour), Fingerprint: "fp", Brand: "amex"}), "insufficient_funds", sim.Violations{Total: 1, AfterNeverRetry: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sim.CheckRules(c.log, open(c.code)); got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// quietModel is the default model with every customer effect at zero, so
// each payment's timeline comes from the engine and the network alone.
func quietModel(t *testing.T) *sim.Model {
	m := sim.DefaultModel()
	m.Customer.Click = []float64{0}
	m.Customer.UpdateAfterClick, m.Customer.UpdateWithoutClick, m.Customer.PayOnOwn, m.Customer.Cancel = 0, 0, 0, 0
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAgreesWithLiveEngine: a simulated payment's attempt timeline equals
// the one the engine produces through advance_clock for the same outcomes
// (given to the test-mode simulator as holdfast_test_outcomes).
func TestAgreesWithLiveEngine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var trace *sim.Trace
	m := quietModel(t)
	o := sim.Options{Strategies: strategies(t, "default"), Model: m, N: 60, Seed: 5,
		Trace: func(_ string, tr *sim.Trace) { trace = tr }}
	run(t, o)
	pop := sim.ModelPopulation{M: m}
	byPayment := map[int][]sim.Charge{}
	for _, c := range trace.Charges {
		byPayment[c.Payment] = append(byPayment[c.Payment], c)
	}
	var picked []int
	for i := range o.N {
		if len(byPayment[i]) >= 2 {
			picked = append(picked, i)
		}
	}
	if len(picked) < 3 {
		t.Fatalf("only %d payments with two charges or more", len(picked))
	}
	picked = picked[:3]
	slices.SortFunc(picked, func(a, b int) int { return trace.Outcomes[a].StartedAt.Compare(trace.Outcomes[b].StartedAt) })

	st := storetest.Open(t, "sqlite")
	w := &holdfast.Workspace{Name: "live"}
	if err := st.CreateWorkspace(ctx, w, sim.DefaultStart); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(engine.Config{Store: st, Clock: holdfast.FixedClock{T: sim.DefaultStart}, SigningKey: []byte("k"), Owner: "t"})
	payIDs := map[int]string{}
	// Open every picked payment at its simulated time, then let
	// advance_clock play them all out.
	for _, i := range picked {
		charges := byPayment[i]
		prof := pop.Profile(o.Seed, i)
		var outcomes []string
		for _, c := range charges {
			outcomes = append(outcomes, map[bool]string{true: "succeeded", false: c.Code}[c.Succeeded])
		}
		opened := trace.Outcomes[i].StartedAt
		now, err := holdfast.ModeNow(ctx, holdfast.FixedClock{T: sim.DefaultStart}, st, w.ID, holdfast.ModeTest)
		if err != nil {
			t.Fatal(err)
		}
		if opened.After(now) {
			if _, err := eng.AdvanceClock(ctx, w.ID, opened.Sub(now)); err != nil {
				t.Fatal(err)
			}
		}
		email := fmt.Sprintf("live%d@example.com", i)
		ch, err := st.UpsertCustomer(ctx, w.ID, holdfast.ModeTest, store.CustomerSnapshot{ProviderID: fmt.Sprintf("cus_live_%d", i),
			Email: &email, Timezone: prof.Zone, Metadata: map[string]string{engine.TestOutcomesKey: strings.Join(outcomes, ",")},
			ProviderTime: opened}, opened)
		if err != nil {
			t.Fatal(err)
		}
		pay, err := eng.InvoiceFailed(ctx, holdfast.InvoiceFailure{WorkspaceID: w.ID, Mode: holdfast.ModeTest, Invoice: fmt.Sprintf("in_live_%d", i),
			Customer: ch.Customer.ID, Amount: prof.Amount, Currency: prof.Currency,
			Decline: holdfast.Decline{Code: prof.Code, FailureCode: "card_declined"},
			Card:    holdfast.Card{PaymentMethod: fmt.Sprintf("pm_live_%d", i), Fingerprint: fmt.Sprintf("fp_live_%d", i), Brand: prof.Brand, Funding: prof.Funding}})
		if err != nil {
			t.Fatal(err)
		}
		if !pay.CreatedAt.Equal(opened) {
			t.Fatalf("payment %d opened at %s live, %s simulated", i, pay.CreatedAt, opened)
		}
		payIDs[i] = pay.ID
	}
	if _, err := eng.AdvanceClock(ctx, w.ID, 60*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, i := range picked {
		charges := byPayment[i]
		atts, err := st.PaymentAttempts(ctx, payIDs[i])
		if err != nil {
			t.Fatal(err)
		}
		var live, simulated []string
		for _, a := range atts {
			if a.Outcome == holdfast.OutcomeSucceeded || a.Outcome == holdfast.OutcomeFailed {
				live = append(live, a.CreatedAt.Format(time.RFC3339)+" "+a.Outcome)
			}
		}
		for _, c := range charges {
			simulated = append(simulated, c.At.Format(time.RFC3339)+" "+map[bool]string{true: "succeeded", false: "failed"}[c.Succeeded])
		}
		if !slices.Equal(live, simulated) {
			t.Errorf("payment %d: live timeline\n  %v\nsimulated\n  %v", i, live, simulated)
		}
	}
}

// TestWorkspacePopulation: --population ws_… reproduces the decline mix of
// the workspace's own live payments.
func TestWorkspacePopulation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t, "sqlite")
	w := &holdfast.Workspace{Name: "pop"}
	now := time.Now().UTC()
	if err := st.CreateWorkspace(ctx, w, now.Add(-400*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	mix := map[string]int{"insufficient_funds": 50, "expired_card": 30, "lost_card": 20}
	k := 0
	for code, n := range mix {
		for range n {
			k++
			p := &holdfast.Payment{ID: holdfast.NewID(holdfast.PrefixPayment), Livemode: true, WorkspaceID: w.ID, Invoice: fmt.Sprintf("in_%d", k),
				Amount: 1000, Currency: "usd", Status: holdfast.PaymentFailed, DeclineCode: code, CardBrand: "visa", CardFunding: "credit",
				CreatedAt: now.Add(-time.Duration(k) * time.Hour), UpdatedAt: now}
			if err := st.InsertPayment(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	// An old payment (outside 180 days) and a test-mode one are not drawn.
	for _, p := range []*holdfast.Payment{
		{Livemode: true, Invoice: "in_old", CreatedAt: now.Add(-200 * 24 * time.Hour)},
		{Livemode: false, Invoice: "in_test", CreatedAt: now.Add(-time.Hour)},
	} {
		p.ID, p.WorkspaceID, p.Amount, p.Currency, p.Status, p.DeclineCode, p.UpdatedAt =
			holdfast.NewID(holdfast.PrefixPayment), w.ID, 1000, "usd", holdfast.PaymentFailed, "fraudulent", now
		if err := st.InsertPayment(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	pop, err := sim.LoadWorkspacePopulation(ctx, st, w.ID, sim.DefaultModel(), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(pop.Rows) != 100 {
		t.Fatalf("drew from %d payments, want 100", len(pop.Rows))
	}
	r := run(t, sim.Options{Strategies: strategies(t, "emails-only"), Population: pop, N: 400, Seed: 2})
	if r.Population != w.ID {
		t.Fatalf("population = %q", r.Population)
	}
	got := map[string]float64{}
	for _, row := range r.DeclineMix {
		got[row.Code] = row.Share
	}
	for code, n := range mix {
		want := float64(n) / 100
		if d := got[code] - want; d < -0.07 || d > 0.07 {
			t.Errorf("%s: simulated share %.3f, workspace %.2f", code, got[code], want)
		}
	}
	if got["fraudulent"] != 0 {
		t.Errorf("drew the old or test-mode payment: %v", got)
	}
	if _, err := sim.LoadWorkspacePopulation(ctx, st, "ws_missing", sim.DefaultModel(), now); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		t.Errorf("unknown workspace: %v", err)
	}
}

// TestModelRules: hard declines may not succeed; shares must add up.
func TestModelRules(t *testing.T) {
	t.Parallel()
	m := sim.DefaultModel()
	if m.Version != 1 || len(m.Sources) == 0 {
		t.Fatalf("model %s v%d with %d sources", m.Name, m.Version, len(m.Sources))
	}
	m.Retry.Success[sim.ClassNeverRetry] = 0.1
	if err := m.Validate(); holdfast.ErrorCode(err) != holdfast.EVALIDATION {
		t.Errorf("never_retry success 0.1: %v", err)
	}
	m = sim.DefaultModel()
	m.Declines[0].Share += 0.2
	if err := m.Validate(); holdfast.ErrorCode(err) != holdfast.EVALIDATION {
		t.Errorf("shares summing to 1.2: %v", err)
	}
	for _, h := range []float64{0, 0.5, math.NaN(), 1e7} { // the clock steps by it: zero, NaN or overflowing hangs a run
		m = sim.DefaultModel()
		m.Customer.ReactionMinHours = h
		if err := m.Validate(); holdfast.ErrorCode(err) != holdfast.EVALIDATION {
			t.Errorf("reaction_min_hours %v: %v", h, err)
		}
	}
	if _, err := sim.ParseModel([]byte(`{"version":1,"bogus":1}`)); holdfast.ErrorCode(err) != holdfast.EINVALID {
		t.Errorf("unknown field: %v", err)
	}
}

// A cancelled run answers the cancellation once, not once per shard.
func TestCancelledRunOneError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := sim.Run(ctx, sim.Options{Strategies: strategies(t, "default", "emails-only"), N: 3000, ShardSize: 1000, Seed: 1})
	if err == nil || err.Error() != context.Canceled.Error() {
		t.Fatalf("err = %v, want just %v", err, context.Canceled)
	}
}
