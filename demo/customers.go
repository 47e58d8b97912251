package demo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"holdfast"
	"holdfast/store"
)

// customerBatch bounds one transaction of the bulk mirror.
const customerBatch = 125

// newCustomer is a customer about to be mirrored, with its Stripe data.
type newCustomer struct {
	c    *customer
	snap store.CustomerSnapshot
	sub  store.SubscriptionSnapshot
}

// addCustomers mirrors n new customers and their subscriptions through the
// ingester's store writers (what customer.created and
// customer.subscription.created do), in transactions of up to 250: thousands
// of one-event transactions would make the demo slow to start for no gain.
// On PostgreSQL the batches run side by side (the writes are independent and
// the time goes to round trips); SQLite has one writer, so they run in turn.
func (g *gen) addCustomers(ctx context.Context, n int) error {
	if n <= 0 {
		return nil
	}
	now, err := g.now(ctx)
	if err != nil {
		return err
	}
	batch := make([]newCustomer, n)
	for i := range batch {
		batch[i] = g.newCustomer(now)
	}
	parallel := 1
	if g.st.Dialect() == store.Postgres {
		parallel = 8
	}
	sem := make(chan struct{}, parallel)
	errs := make(chan error, (n+customerBatch-1)/customerBatch)
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += customerBatch {
		part := batch[lo:min(n, lo+customerBatch)]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs <- g.st.InTx(ctx, func(ctx context.Context) error {
				for _, nc := range part {
					ch, err := g.st.UpsertCustomer(ctx, g.ws.ID, holdfast.ModeTest, nc.snap, now)
					if err != nil {
						return err
					}
					nc.c.ID = ch.Customer.ID
					// The card, as Stripe's payment_method.attached would have
					// described it: the customer page shows brand and last 4.
					card := nc.c.card()
					if _, _, err := g.st.UpsertPaymentMethod(ctx, g.ws.ID, holdfast.ModeTest, nc.c.ProviderID, card, now, now); err != nil {
						return err
					}
					if _, err := g.st.MirrorCustomerCard(ctx, nc.c.ID, card, now, ""); err != nil {
						return err
					}
					if _, err := g.st.UpsertSubscription(ctx, g.ws.ID, holdfast.ModeTest, nc.c.ID, nc.sub, now); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	for _, nc := range batch {
		g.customers = append(g.customers, nc.c)
	}
	return nil
}

// newCustomer draws one simulated customer: a name, a plan, a card, tags
// for some, and for about one in five metadata that makes simulated
// retries succeed (SPEC §9), so the campaign recovers those on its own.
func (g *gen) newCustomer(now time.Time) newCustomer {
	r := g.rng
	first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	g.seqCustomer++
	c := &customer{
		ProviderID: "cus_demo" + holdfast.RandomBase62(14), Name: first + " " + last,
		Email:         fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(last), g.seqCustomer),
		Subscription:  "sub_demo" + holdfast.RandomBase62(14),
		PaymentMethod: "pm_demo" + holdfast.RandomBase62(14), Fingerprint: "fp" + holdfast.RandomBase62(14),
		Last4: fmt.Sprintf("%04d", r.IntN(10000)),
		Plan:  plans[pick(r, len(plans), func(i int) int { return plans[i].Weight })],
	}
	b := brands[pick(r, len(brands), func(i int) int { return brands[i].Weight })]
	c.Brand, c.Funding = b.Brand, b.Funding
	meta := map[string]string{"plan": c.Plan.Price, "signup_source": []string{"website", "sales", "partner"}[r.IntN(3)]}
	var tags []string
	switch x := r.IntN(100); {
	case x < 6:
		tags = []string{"vip"}
	case x < 14:
		tags = []string{"beta"}
	case x < 18:
		tags = []string{"vip", "annual-review"}
	}
	if len(tags) > 0 {
		meta["holdfast_tags"] = strings.Join(tags, ",")
	}
	if r.IntN(100) < 20 {
		meta["holdfast_test_outcomes"] = []string{"succeeded", "insufficient_funds,succeeded", "generic_decline,do_not_honor,succeeded"}[r.IntN(3)]
	}
	email, name := c.Email, c.Name
	periodEnd := now.Add(time.Duration(1+r.IntN(29)) * 24 * time.Hour)
	return newCustomer{c: c,
		snap: store.CustomerSnapshot{ProviderID: c.ProviderID, Email: &email, Name: &name, Metadata: meta, Tags: tags,
			Timezone: timezones[r.IntN(len(timezones))], DefaultPaymentMethod: c.PaymentMethod, ProviderTime: now},
		sub: store.SubscriptionSnapshot{ProviderID: c.Subscription, ProviderCustomerID: c.ProviderID, Status: "active",
			PriceID: c.Plan.Price, ProductID: c.Plan.Product, Amount: c.Plan.Amount, Currency: c.Plan.Currency,
			Interval: c.Plan.Interval, CurrentPeriodEnd: &periodEnd, DefaultPaymentMethod: c.PaymentMethod, ProviderTime: now},
	}
}
