package demo

import (
	"context"
	"fmt"
	"time"

	"holdfast"
	"holdfast/cancelflow"
)

// What the simulated customers do. Each planner draws its randomness at once
// (so a seed always gives the same business) and returns the I/O to run.

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
