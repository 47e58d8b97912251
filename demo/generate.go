package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"holdfast"
	"holdfast/cancelflow"
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
	off, err := g.st.TestClockOffset(ctx, g.ws.ID)
	if err != nil {
		return time.Time{}, err
	}
	return g.cfg.Clock.Now().Add(off), nil
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

// fail plans invoice.payment_failed for a customer's next invoice and what
// happens to it. Customers whose metadata makes simulated retries succeed
// are left to the campaign; of the rest, some pay on their own, some update
// their card, some invoices are voided and a few customers are deleted; the
// others run the campaign to its end.
func (g *gen) fail() func(ctx context.Context) error {
	c := g.randomCustomer(func(c *customer) bool { return !c.Failed })
	if c == nil {
		return nil
	}
	c.Failed = true
	g.seq++
	g.failures++
	d := declines[pick(g.rng, len(declines), func(i int) int { return declines[i].Weight })]
	inv := fmt.Sprintf("in_demo%06d%s", g.seq, holdfast.RandomBase62(8))
	pi, ch := "pi_demo"+holdfast.RandomBase62(16), "ch_demo"+holdfast.RandomBase62(16)
	obj, id := failedInvoice(inv, c, d, pi, ch), g.eventID()
	switch r := g.rng.Float64(); {
	case r < 0.24:
		g.later("paid", c, inv, 1, 6)
	case r < 0.40:
		g.later("card", c, inv, 1, 5)
	case r < 0.48:
		g.later("void", c, inv, 8, 15)
	case r < 0.52:
		g.later("delete", c, inv, 2, 8)
	}
	return func(ctx context.Context) error { return g.sendEvent(ctx, id, "invoice.payment_failed", obj) }
}

// act plans a scheduled action; it is carried out only if the invoice is
// still being recovered (the campaign may have settled it first).
func (g *gen) act(a action) func(ctx context.Context) error {
	if a.c.Deleted {
		return nil
	}
	var typ string
	var obj map[string]any
	switch a.kind {
	case "paid":
		typ, obj = "invoice.paid", settledInvoice(a.invoice, a.c, "paid")
	case "void":
		typ, obj = "invoice.voided", settledInvoice(a.invoice, a.c, "void")
	case "card":
		a.c.PaymentMethod, a.c.Fingerprint, a.c.Last4 = "pm_demo"+holdfast.RandomBase62(14), "fp"+holdfast.RandomBase62(14), fmt.Sprintf("%04d", g.rng.IntN(10000))
		typ, obj = "payment_method.attached", cardObject(a.c.PaymentMethod, a.c)
	case "delete":
		a.c.Deleted = true
		typ, obj = "customer.deleted", map[string]any{"id": a.c.ProviderID, "object": "customer", "deleted": true}
	default:
		return nil
	}
	id := g.eventID()
	return func(ctx context.Context) error {
		p, err := g.st.PaymentByInvoice(ctx, g.ws.ID, holdfast.ModeTest, a.invoice)
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if p.Status != holdfast.PaymentPending {
			return nil
		}
		return g.sendEvent(ctx, id, typ, obj)
	}
}

// cancelSession plans one customer's pass through the cancel flow: most
// answer the survey, then accept the offer, cancel anyway, or walk away
// (the session times out at the next clock advance).
func (g *gen) cancelSession() func(ctx context.Context) error {
	c := g.randomCustomer(func(c *customer) bool { return !c.Canceling })
	if c == nil {
		return nil
	}
	c.Canceling = true
	n := g.sessions // created_at is unique per workspace and mode: one millisecond apart
	g.sessions++
	answers := g.rng.IntN(100) >= 6 // else they close the widget before answering
	reason := reasonWeights[pick(g.rng, len(reasonWeights), func(i int) int { return reasonWeights[i].weight })].id
	fb := feedbacks[g.rng.IntN(len(feedbacks))]
	r, monthsDraw := g.rng.IntN(100), g.rng.IntN(12)
	return func(ctx context.Context) error {
		now, err := g.now(ctx)
		if err != nil {
			return err
		}
		now = now.Add(time.Duration(n) * time.Millisecond)
		cs, err := g.cfg.Cancel.Start(ctx, g.ws, holdfast.ModeTest, now, c.ProviderID, c.Subscription,
			cancelflow.AuthHash(g.ws.WidgetSecret, c.ProviderID))
		if err != nil {
			return fmt.Errorf("demo: cancel session: %w", err)
		}
		if !answers {
			return nil
		}
		if cs, err = g.cfg.Cancel.Respond(ctx, g.ws.ID, holdfast.ModeTest, now.Add(40*time.Second), cs.ID, reason, fb); err != nil {
			return fmt.Errorf("demo: respond: %w", err)
		}
		at := now.Add(95 * time.Second)
		switch {
		case cs.Offer != nil && r < 48:
			months := 0
			if cs.Offer.Type == holdfast.OfferPause {
				months = 1 + monthsDraw%max(cs.Offer.MaxMonths, 1)
			}
			_, err = g.cfg.Cancel.Accept(ctx, g.ws.ID, holdfast.ModeTest, at, cs.ID, months)
		case r < 85:
			_, err = g.cfg.Cancel.Cancel(ctx, g.ws.ID, holdfast.ModeTest, at, cs.ID)
		}
		if err != nil {
			return fmt.Errorf("demo: finish session: %w", err)
		}
		return nil
	}
}

var reasonWeights = []struct {
	id     string
	weight int
}{{"too_expensive", 30}, {"not_using", 18}, {"temporary", 8}, {"missing_features", 10}, {"only_basics", 10}, {"switching", 14}, {"other", 10}}

var feedbacks = []*string{nil, nil, nil, ptr("We moved the team to another tool."), ptr("Budget cuts this quarter."),
	ptr("Great product, just not right now."), ptr("Missing an integration with our CRM."), ptr("Too many features we never use.")}

func ptr(s string) *string { return &s }
