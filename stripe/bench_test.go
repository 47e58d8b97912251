package stripe_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"holdfast/store/storetest"
	"holdfast/stripe/stripetest"
)

// replayEvents is the size of the benchmark's replay.
const replayEvents = 10000

// mixedEvents builds replayEvents test-mode Stripe events the way a busy
// account produces them: customers created and updated, subscriptions,
// failed invoices with their charge.failed, later payments, card updates,
// types Holdfast ignores, and Stripe's occasional redeliveries.
func mixedEvents() [][]byte {
	var out [][]byte
	t := time.Now().Add(-time.Hour)
	add := func(typ string, o map[string]any) {
		t = t.Add(time.Millisecond)
		out = append(out, event(typ, t, o))
	}
	end := time.Now().Add(30 * 24 * time.Hour)
	for i := 0; len(out) < replayEvents; i++ {
		cus, sub, inv, pi, ch := stripetest.ID("cus_"), stripetest.ID("sub_"), stripetest.ID("in_"), stripetest.ID("pi_"), stripetest.ID("ch_")
		c := stripetest.Customer(cus, fmt.Sprintf("u%d@example.com", i), "User", t, map[string]any{"holdfast_tags": "bench,vip"})
		add("customer.created", c)
		s := stripetest.Subscription(sub, cus, "active", 2000, "usd", "month", end)
		add("customer.subscription.created", s)
		c["name"] = "User Renamed"
		add("customer.updated", c)
		if i%4 == 0 { // a quarter of the customers fail a payment
			card := stripetest.PaymentMethod(stripetest.ID("pm_"), cus, "visa", "credit", stripetest.ID("fp"))
			add("charge.failed", stripetest.Charge(ch, pi, "insufficient_funds", card))
			add("invoice.payment_failed", stripetest.Invoice(inv, cus, sub, pi, 2000, "usd"))
			s["status"] = "past_due"
			add("customer.subscription.updated", s)
			if i%8 == 0 {
				add("payment_method.attached", stripetest.PaymentMethod(stripetest.ID("pm_"), cus, "mastercard", "debit", stripetest.ID("fp")))
				add("invoice.paid", map[string]any{"id": inv, "object": "invoice", "status": "paid", "customer": cus})
			}
		}
		add("invoice.finalized", map[string]any{"id": stripetest.ID("in_"), "object": "invoice"}) // ignored type
		if i%10 == 0 {
			out = append(out, out[len(out)-3]) // a redelivery
		}
	}
	return out[:replayEvents]
}

// BenchmarkReplay10k replays 10,000 mixed, signed events through
// HandleWebhook (signature check, parsing, one transaction each, the real
// recovery engine) into a fresh workspace per iteration, and reports events/s.
// "sequential" delivers one event at a time; "concurrent8" delivers with 8
// workers as Stripe does (it sends webhooks in parallel and in no particular
// order), which lets PostgreSQL share one WAL flush among several commits.
func BenchmarkReplay10k(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, workers := range []int{1, 8} {
			name := backend + "/sequential"
			if workers > 1 {
				name = fmt.Sprintf("%s/concurrent%d", backend, workers)
			}
			b.Run(name, func(b *testing.B) { benchReplay(b, backend, workers) })
		}
	}
}

func benchReplay(b *testing.B, backend string, workers int) {
	st := storetest.Open(b, backend)
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b, st, withEngine)
		payloads := mixedEvents()
		sigs := make([]string, len(payloads))
		for j, p := range payloads {
			sigs[j] = stripetest.Sign(p, testSecret, time.Now())
		}
		ctx := context.Background()
		next := make(chan int)
		errs := make(chan error, workers)
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					if _, err := e.in.HandleWebhook(ctx, e.ws, payloads[j], sigs[j]); err != nil {
						errs <- fmt.Errorf("event %d: %w", j, err)
						return
					}
				}
			}()
		}
		for j := range payloads {
			next <- j
		}
		close(next)
		wg.Wait()
		elapsed += time.Since(start)
		b.StopTimer()
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(replayEvents*b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}
