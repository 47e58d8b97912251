package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/stripe"
)

// History is simulated in slots of six hours: each slot new customers sign
// up, some invoices fail, earlier failures meet their fate (the customer
// pays, updates the card, the invoice is voided, the customer is deleted),
// customers try to cancel, and then the engine's test clock advances six
// hours, running the retries and emails that fell due.
const (
	slotsPerDay = 4
	slotLength  = 6 * time.Hour
)

// customer is one simulated Stripe customer.
type customer struct {
	ID, ProviderID, Email, Name, Subscription  string
	PaymentMethod, Fingerprint, Brand, Funding string
	Last4                                      string
	Plan                                       plan
	Failed, Canceling, Deleted                 bool
}

// action is something a customer (or the merchant) does later.
type action struct {
	slot    int
	kind    string // paid | card | void | delete
	c       *customer
	invoice string
}

// gen is one generation run.
type gen struct {
	cfg         Config
	st          *store.Store
	ws          *holdfast.Workspace
	rng         *rand.Rand
	ingester    *stripe.Ingester
	hookSecret  string
	customers   []*customer
	actions     map[int][]action
	slot        int
	events      int
	failures    int
	sessions    int
	seq         int
	seqCustomer int
}

func newGen(ctx context.Context, cfg Config, ws *holdfast.Workspace) (*gen, error) {
	g := &gen{cfg: cfg, st: cfg.Store, ws: ws, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		actions: map[int][]action{}}
	g.hookSecret = "whsec_demo" + holdfast.RandomBase62(32)
	now := cfg.Clock.Now()
	if err := g.st.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, store.SecretStripeWebhook, g.hookSecret, now); err != nil {
		return nil, err
	}
	g.ingester = stripe.NewIngester(stripe.Config{Store: g.st, Events: cfg.Engine, Clock: cfg.Clock, Logger: cfg.Logger})
	if err := g.setup(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

// now is the demo workspace's test-clock time.
func (g *gen) now(ctx context.Context) (time.Time, error) {
	return holdfast.ModeNow(ctx, g.cfg.Clock, g.st, g.ws.ID, holdfast.ModeTest)
}

// run plays the history slot by slot.
func (g *gen) run(ctx context.Context) error {
	slots := g.cfg.Days * slotsPerDay
	// Most customers exist when the history starts; the rest sign up evenly.
	initial := g.cfg.Customers * 55 / 100
	perSlot := float64(g.cfg.Customers-initial) / float64(slots)
	for g.slot = 0; g.slot < slots; g.slot++ {
		want := initial + int(perSlot*float64(g.slot+1)+0.5)
		if g.slot == slots-1 {
			want = g.cfg.Customers
		}
		if err := g.addCustomers(ctx, want-len(g.customers)); err != nil {
			return err
		}
		// The slot's events are planned in order (all the randomness is
		// drawn here, so a seed gives the same business) and then sent.
		var tasks []func(ctx context.Context) error
		for range g.count(g.cfg.FailuresPerDay) {
			tasks = append(tasks, g.fail())
		}
		for _, a := range g.actions[g.slot] {
			tasks = append(tasks, g.act(a))
		}
		delete(g.actions, g.slot)
		for range g.count(g.cfg.SessionsPerDay) {
			tasks = append(tasks, g.cancelSession())
		}
		if err := g.runTasks(ctx, tasks); err != nil {
			return err
		}
		if _, err := g.cfg.Engine.AdvanceClock(ctx, g.ws.ID, slotLength); err != nil {
			return fmt.Errorf("demo: advance clock: %w", err)
		}
		if g.cfg.Progress != nil && (g.slot+1)%slotsPerDay == 0 {
			g.cfg.Progress((g.slot+1)/slotsPerDay, g.cfg.Days)
		}
	}
	return nil
}

// count draws how many of a daily number happen in one slot (binomial: each
// of perDay*2 chances hits with probability 1/(2*slotsPerDay)).
func (g *gen) count(perDay int) int {
	n := 0
	for range perDay * 2 {
		if g.rng.IntN(2*slotsPerDay) == 0 {
			n++
		}
	}
	return n
}

// later schedules an action between lo and hi days from now.
func (g *gen) later(kind string, c *customer, invoice string, lo, hi int) {
	slot := g.slot + lo*slotsPerDay + g.rng.IntN((hi-lo)*slotsPerDay+1)
	g.actions[slot] = append(g.actions[slot], action{slot: slot, kind: kind, c: c, invoice: invoice})
}

// randomCustomer returns a live customer for which ok holds, or nil.
func (g *gen) randomCustomer(ok func(c *customer) bool) *customer {
	for range 50 {
		c := g.customers[g.rng.IntN(len(g.customers))]
		if !c.Deleted && ok(c) {
			return c
		}
	}
	return nil
}

// runTasks sends a slot's planned events. They touch different customers,
// so on PostgreSQL they run side by side (the time goes to round trips);
// SQLite has a single writer, so there they run in turn.
func (g *gen) runTasks(ctx context.Context, tasks []func(ctx context.Context) error) error {
	parallel := 1
	if g.st.Dialect() == store.Postgres {
		parallel = 4
	}
	sem := make(chan struct{}, parallel)
	errs := make(chan error, len(tasks))
	var wg sync.WaitGroup
	for _, task := range tasks {
		if task == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs <- task(ctx)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
