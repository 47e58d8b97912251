package sim

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"holdfast"
	"holdfast/campaign"
	"holdfast/engine"
	"holdfast/store"
)

// DefaultStart is when every simulation begins (a Monday); fixed, so that a
// seed gives the same paydays and weekends every time.
var DefaultStart = time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)

// Options of a simulation run.
type Options struct {
	Strategies []Strategy
	Model      *Model
	Population Population // default: the model's
	N          int        // payments; default 20,000
	Seed       uint64
	Days       int // length of the run; default 60. Payments fail during its first half.
	Start      time.Time
	// Parallel bounds the shards run at once; default: the number of CPUs.
	Parallel int
	// Runner, when set, runs each shard (in another process, say: the
	// SQLite driver's allocator lock keeps shards in one process from using
	// more than one core). Nil runs them here.
	Runner ShardRunner
	// ShardSize is how many payments one scratch database simulates;
	// default 1,000. It does not change the result (tests check that).
	ShardSize int
	// Dir holds the scratch databases; default /dev/shm when it exists, else the temp dir.
	Dir string
	// Progress, when set, is called now and then with the work done and the total.
	Progress func(done, total int64)
	// Trace, when set, receives each strategy's per-payment detail (tests).
	Trace func(strategy string, t *Trace)
}

// Limits of a run.
const (
	MaxN    = 1_000_000
	MaxDays = 3650
)

// Trace is what happened to each payment under one strategy.
type Trace struct {
	Charges  []Charge                      `json:"charges"`
	Outcomes map[int]store.RecoveryOutcome `json:"outcomes"`
	Emails   map[int]int                   `json:"emails"`
}

func (o *Options) defaults() error {
	if o.Model == nil {
		o.Model = DefaultModel()
	}
	if err := o.Model.Validate(); err != nil {
		return err
	}
	if o.Population == nil {
		o.Population = ModelPopulation{M: o.Model}
	}
	if o.N == 0 {
		o.N = 20_000
	}
	if o.Days == 0 {
		o.Days = 60
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	switch {
	case o.N < 1 || o.N > MaxN:
		return &holdfast.Error{Code: holdfast.EVALIDATION, Param: "n", Message: fmt.Sprintf("n must be between 1 and %d.", MaxN)}
	case o.Days < 1 || o.Days > MaxDays:
		return &holdfast.Error{Code: holdfast.EVALIDATION, Param: "days", Message: fmt.Sprintf("days must be between 1 and %d.", MaxDays)}
	case len(o.Strategies) == 0:
		return &holdfast.Error{Code: holdfast.EVALIDATION, Param: "strategies", Message: "Name at least one strategy."}
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	if o.ShardSize <= 0 {
		o.ShardSize = defaultShardSize
	}
	if o.Dir == "" {
		o.Dir = scratchDir()
	}
	return nil
}

// scratchDir is where scratch databases go by default: /dev/shm when it
// exists (memory), else the temp dir.
func scratchDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

// Run simulates every strategy on the same population and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	profiles := make([]Profile, o.N)
	for i := range profiles {
		profiles[i] = o.Population.Profile(o.Seed, i)
	}
	total := int64(len(o.Strategies)) * int64(o.N) * 2
	var done atomic.Int64
	progress := func(n int64) {
		if o.Progress != nil {
			o.Progress(done.Add(n), total)
		}
	}
	// Each strategy runs as independent shards of the population, each in
	// its own scratch database: payments never share a customer or a card,
	// so a shard's result is the same as in one big run, a fixed shard size
	// keeps the result independent of the number of cores, and small
	// databases keep every engine query cheap (the cost of one database
	// grows faster than its payments).
	shards := (o.N + o.ShardSize - 1) / o.ShardSize
	traces := make([][]*Trace, len(o.Strategies))
	errs := make([]error, len(o.Strategies)*shards)
	sem := make(chan struct{}, o.Parallel)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i, s := range o.Strategies {
		traces[i] = make([]*Trace, shards)
		for k := range shards {
			lo, hi := k*o.ShardSize, min((k+1)*o.ShardSize, o.N)
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				if ctx.Err() != nil { // cancelled, or another shard failed: start no more
					errs[i*shards+k] = ctx.Err()
					return
				}
				var (
					tr  *Trace
					err error
				)
				if o.Runner != nil {
					tr, err = o.Runner(ctx, newShardJob(o, s, profiles, lo, hi))
					if err == nil {
						progress(2 * int64(hi-lo))
					}
				} else {
					tr, err = runShard(ctx, o, s, profiles[lo:hi], lo, hi, progress)
				}
				if err != nil {
					errs[i*shards+k] = fmt.Errorf("strategy %s: %w", s.Name, err)
					cancel()
					return
				}
				traces[i][k] = tr
			}()
		}
	}
	wg.Wait()
	// The first real failure, else the cancellation once (not one per shard).
	var canceled error
	for _, e := range errs {
		switch {
		case e == nil:
		case errors.Is(e, context.Canceled) || errors.Is(e, context.DeadlineExceeded):
			canceled = cmp.Or(canceled, e)
		default:
			return nil, e
		}
	}
	if canceled != nil {
		return nil, canceled
	}
	results := make([]StrategyResult, len(o.Strategies))
	for i, s := range o.Strategies {
		tr := mergeTraces(traces[i])
		if o.Trace != nil {
			o.Trace(s.Name, tr)
		}
		results[i] = summarize(s, profiles, tr, o.Model)
	}
	return newReport(o, profiles, results), nil
}

// defaultShardSize is how many payments one scratch database simulates.
// Fixed, not derived from the CPUs, so a run looks the same on any machine.
const defaultShardSize = 1000

// mergeTraces joins a strategy's shards into one trace, charges ordered by
// payment and time.
func mergeTraces(parts []*Trace) *Trace {
	out := &Trace{Outcomes: map[int]store.RecoveryOutcome{}, Emails: map[int]int{}}
	for _, t := range parts {
		out.Charges = append(out.Charges, t.Charges...)
		maps.Copy(out.Outcomes, t.Outcomes)
		maps.Copy(out.Emails, t.Emails)
	}
	sort.SliceStable(out.Charges, func(i, j int) bool {
		a, b := out.Charges[i], out.Charges[j]
		if a.Payment != b.Payment {
			return a.Payment < b.Payment
		}
		return a.At.Before(b.At)
	})
	return out
}

// payment is one simulated payment during a strategy's run.
type payment struct {
	prof     Profile
	arrival  time.Time
	opened   time.Time
	id       string // pay_…
	customer string // cus_…
	emails   int
	updating bool // a card update is scheduled or done
}

// Kinds of outside events.
const (
	evArrival = iota
	evCardUpdate
	evPayOnOwn
	evCancel
)

type event struct {
	at   time.Time
	seq  int64
	kind int
	idx  int
}

type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// driver runs one strategy.
type driver struct {
	o       Options
	st      *store.Store
	eng     *engine.Engine
	net     *network
	ws      string
	now     time.Time
	end     time.Time
	pays    []*payment // by population index; nil outside the shard
	count   int        // payments in the shard
	byID    map[string]int
	events  eventHeap
	seq     int64
	sendSeq int64
	quantum time.Duration
}

func (d *driver) push(at time.Time, kind, idx int) {
	if at.After(d.end) {
		return
	}
	d.seq++
	heap.Push(&d.events, event{at: at, seq: d.seq, kind: kind, idx: idx})
}

// runShard runs one strategy on payments [lo, hi) of the population.
// runShard runs payments [lo, hi); profiles holds just theirs (profiles[0]
// is payment lo), so a late shard of a big run does not hold the population.
func runShard(ctx context.Context, o Options, s Strategy, profiles []Profile, lo, hi int, progress func(int64)) (*Trace, error) {
	dir, err := os.MkdirTemp(o.Dir, "holdfast-sim-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	st, err := store.OpenScratch(ctx, filepath.Join(dir, "sim.db"))
	if err != nil {
		return nil, err
	}
	defer st.Close()

	d := &driver{o: o, st: st, now: o.Start, end: o.Start.Add(time.Duration(o.Days) * 24 * time.Hour), byID: map[string]int{}}
	d.quantum = time.Duration(o.Model.Customer.ReactionMinHours * float64(time.Hour))
	w := &holdfast.Workspace{Name: "Simulation: " + s.Name}
	if err := st.CreateWorkspace(ctx, w, o.Start); err != nil {
		return nil, err
	}
	d.ws = w.ID
	if s.Campaign != nil {
		c := *s.Campaign
		// The strategy's campaign outranks the workspace default for every
		// payment: highest priority, no filters.
		c.ID, c.WorkspaceID, c.Livemode, c.IsDefault, c.Priority, c.Filters = "", w.ID, false, false, campaign.MaxPriority, holdfast.CampaignFilters{}
		if err := st.CreateCampaign(ctx, &c, o.Start); err != nil {
			return nil, err
		}
	}
	d.pays = make([]*payment, hi) // by payment index; only [lo, hi) is set
	d.count = hi - lo
	window := time.Duration(o.Days) * 24 * time.Hour / 2
	for i := lo; i < hi; i++ {
		p := profiles[i-lo]
		r := draws(o.Seed, i, streamArrival, 0)
		at := o.Start.Add(time.Duration(r.Float64() * float64(window)).Truncate(time.Second))
		d.pays[i] = &payment{prof: p, arrival: at}
		d.push(at, evArrival, i)
	}
	d.net = &network{m: o.Model, seed: o.Seed, pop: func(i int) *payment { return d.pays[i] }}
	d.eng = engine.New(engine.Config{Store: st, Clock: holdfast.FixedClock{T: o.Start}, Logger: slog.New(slog.DiscardHandler),
		TestProvider: d.net, Unguarded: s.Unguarded, SigningKey: []byte("holdfast-simulation"), PublicURL: "http://simulation.invalid",
		Owner: "sim"})
	if err := d.loop(ctx, progress); err != nil {
		return nil, err
	}
	outs, err := st.RecoveryOutcomes(ctx, w.ID, holdfast.ModeTest)
	if err != nil {
		return nil, err
	}
	tr := &Trace{Charges: d.net.log, Outcomes: map[int]store.RecoveryOutcome{}, Emails: map[int]int{}}
	for _, out := range outs {
		if i, ok := d.byID[out.Payment]; ok {
			tr.Outcomes[i] = out
		}
	}
	for i, p := range d.pays {
		if p != nil && p.emails > 0 {
			tr.Emails[i] = p.emails
		}
	}
	return tr, nil
}

// loop moves the virtual clock from event to event: to the next outside
// event, or past the next due job by at most the customers' shortest
// reaction time (so a reaction to an email sent inside the step can never
// fall before the step's end), and hands every job due on the way to the
// engine's advance_clock.
func (d *driver) loop(ctx context.Context, progress func(int64)) error {
	lastDay := 0
	arrived := int64(0)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		target := d.end
		at, ok, err := d.st.NextTestJobAt(ctx, d.ws)
		if err != nil {
			return err
		}
		if ok {
			if at.Before(d.now) {
				at = d.now
			}
			if t := at.Add(d.quantum); t.Before(target) {
				target = t
			}
		}
		if len(d.events) > 0 && d.events[0].at.Before(target) {
			target = d.events[0].at
		}
		if target.After(d.now) {
			if _, err := d.eng.AdvanceClock(ctx, d.ws, target.Sub(d.now)); err != nil {
				return err
			}
			d.now = target
		}
		if err := d.readEmails(ctx); err != nil {
			return err
		}
		for len(d.events) > 0 && !d.events[0].at.After(d.now) {
			ev := heap.Pop(&d.events).(event)
			if err := d.handle(ctx, ev); err != nil {
				return err
			}
			if ev.kind == evArrival {
				arrived++
				if arrived%256 == 0 {
					progress(256)
				}
			}
			if err := d.readEmails(ctx); err != nil {
				return err
			}
		}
		if day := int(d.now.Sub(d.o.Start) / (24 * time.Hour)); day > lastDay {
			// The second half of the work: virtual days passing.
			step := int64(d.count) * int64(day-lastDay) / int64(d.o.Days)
			progress(step)
			lastDay = day
		}
		if !d.now.Before(d.end) {
			progress(arrived%256 + int64(d.count)*int64(d.o.Days-lastDay)/int64(d.o.Days))
			return nil
		}
	}
}

// handle applies one outside event through the engine's own entry points.
func (d *driver) handle(ctx context.Context, ev event) error {
	p := d.pays[ev.idx]
	i := ev.idx
	switch ev.kind {
	case evArrival:
		email := "p" + strconv.Itoa(i) + "@simulation.invalid"
		ch, err := d.st.UpsertCustomer(ctx, d.ws, holdfast.ModeTest, store.CustomerSnapshot{ProviderID: "cus_sim_" + strconv.Itoa(i),
			Email: &email, Timezone: p.prof.Zone, ProviderTime: d.now}, d.now)
		if err != nil {
			return err
		}
		p.customer = ch.Customer.ID
		pay, err := d.eng.InvoiceFailed(ctx, holdfast.InvoiceFailure{WorkspaceID: d.ws, Mode: holdfast.ModeTest, Invoice: invoiceID(i),
			Customer: p.customer, ProviderCustomerID: "cus_sim_" + strconv.Itoa(i), Subscription: "sub_sim_" + strconv.Itoa(i),
			Amount: p.prof.Amount, Currency: p.prof.Currency,
			Decline: holdfast.Decline{Code: p.prof.Code, FailureCode: "card_declined", Message: "Simulated decline: " + p.prof.Code + "."},
			Card: holdfast.Card{PaymentMethod: "pm_sim_" + strconv.Itoa(i) + "_0", Fingerprint: cardFingerprint(i, 0),
				Brand: p.prof.Brand, Funding: p.prof.Funding},
			ProviderTime: d.now})
		if err != nil {
			return err
		}
		p.id, p.opened = pay.ID, pay.CreatedAt
		d.byID[pay.ID] = i
		c := d.o.Model.Customer
		if r := draws(d.o.Seed, i, streamPayOnOwn, 0); r.Float64() < c.PayOnOwn {
			d.push(d.now.Add(days(exp(r, c.PayOnOwnMeanDays))), evPayOnOwn, i)
		}
		if r := draws(d.o.Seed, i, streamCancel, 0); r.Float64() < c.Cancel {
			d.push(d.now.Add(days(exp(r, c.CancelMeanDays))), evCancel, i)
		}
		return nil
	case evCardUpdate:
		return d.eng.CardUpdated(ctx, d.ws, holdfast.ModeTest, p.customer, holdfast.Card{PaymentMethod: "pm_sim_" + strconv.Itoa(i) + "_1",
			Fingerprint: cardFingerprint(i, 1), Brand: p.prof.Brand, Funding: p.prof.Funding}, d.now)
	case evPayOnOwn:
		return d.eng.InvoicePaid(ctx, d.ws, holdfast.ModeTest, invoiceID(i), d.now)
	case evCancel:
		return d.eng.SubscriptionEndedUnpaid(ctx, d.ws, holdfast.ModeTest, "sub_sim_"+strconv.Itoa(i), d.now)
	}
	return nil
}

// readEmails lets the customers react to the emails sent since the last look.
func (d *driver) readEmails(ctx context.Context) error {
	sent, err := d.st.SentEmailsAfter(ctx, d.ws, d.sendSeq)
	if err != nil {
		return err
	}
	c := d.o.Model.Customer
	for _, e := range sent {
		d.sendSeq = e.Seq
		i, ok := d.byID[e.Payment]
		if !ok {
			continue
		}
		p := d.pays[i]
		k := p.emails
		p.emails++
		r := draws(d.o.Seed, i, streamEmail, k)
		uClick, uUpdate := r.Float64(), r.Float64()
		delay := time.Duration((c.ReactionMinHours + exp(r, c.ReactionMeanHours)) * float64(time.Hour)).Truncate(time.Second)
		click := 0.0
		if len(c.Click) > 0 {
			click = c.Click[min(k, len(c.Click)-1)]
		}
		chance := c.UpdateWithoutClick
		if uClick < click {
			chance = c.UpdateAfterClick
		}
		if uUpdate < chance && !p.updating {
			p.updating = true
			at := e.CreatedAt.Add(delay)
			if at.Before(d.now) {
				at = d.now // cannot happen while delay >= the step quantum; kept safe
			}
			d.push(at, evCardUpdate, i)
		}
	}
	return nil
}

func days(n float64) time.Duration {
	return time.Duration(n * 24 * float64(time.Hour)).Truncate(time.Second)
}
