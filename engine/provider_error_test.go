package engine

import (
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	hfstripe "holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// liveCardEnv is an env whose live provider is Stripe at a local fake that
// answers per card (cardFake).
func liveCardEnv(t *testing.T, st *store.Store, opts ...func(*Config)) (*env, *cardFake) {
	fake := stripetest.New(t)
	cf := newCardFake(fake, "insufficient_funds")
	v := newEnv(t, st, append([]func(*Config){func(c *Config) {
		c.LiveProvider = hfstripe.NewProvider(hfstripe.ProviderConfig{Store: c.Store, APIBase: fake.URL})
	}}, opts...)...)
	if err := st.SetWorkspaceSecret(v.ctx, v.ws.ID, holdfast.ModeLive, store.SecretStripeAPIKey, "sk_test_fake", t0); err != nil {
		t.Fatal(err)
	}
	return v, cf
}

// openOnCard opens a live payment on a Visa card the fake knows, under a
// campaign of one blind retry an hour in, and moves the clock past it.
func openOnCard(v *env, fake *cardFake, card string) *holdfast.Payment {
	v.t.Helper()
	blindOneRetry(v, holdfast.ModeLive)
	c := v.customer(holdfast.ModeLive, "pe@example.com")
	f := v.failure(holdfast.ModeLive, c, "insufficient_funds")
	f.Card.Fingerprint = card
	fake.cardOf[f.Invoice] = card
	p := v.open(f)
	v.clock.Add(2 * time.Hour)
	return p
}

// TestProviderErrorIsNotADecline: a 401, 403, 400, 429, 500 or a reset
// connection from Stripe is not a card attempt. The attempt stays started
// and is sent again with backoff under the same idempotency key; the payment
// shows provider_error with Stripe's message, provider.error goes out once,
// and nothing counts as a charge until the card network answers.
func TestProviderErrorIsNotADecline(t *testing.T) {
	cases := []struct {
		name   string
		script []string // the fake's answers before the card network's
		status int
	}{
		{"Unauthorized", []string{"http_401"}, 401},
		{"RestrictedKey", []string{"http_403"}, 403},
		{"InvalidRequest", []string{"http_400"}, 400},
		{"RateLimited", []string{"http_429"}, 429},
		{"ServerError", []string{"http_500"}, 500},
		{"ConnectionReset", []string{"reset", "reset", "reset"}, 0}, // stripe-go tries three times per call
	}
	eachDBLive(t, func(t *testing.T, st *store.Store) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				v, fake := liveCardEnv(t, st) // a workspace of its own on the shared database
				fake.script["fp_pe"] = append([]string(nil), tc.script...)
				p := openOnCard(v, fake, "fp_pe")
				v.e.runBatch(v.ctx, v.ctx)

				got := v.payment(holdfast.ModeLive, p.ID)
				pe := got.ProviderError
				if pe == nil {
					t.Fatalf("no provider_error on the payment; attempts %+v", got.Attempts)
				}
				if want := providerErrors[tc.script[0]].message; pe.HTTPStatus != tc.status || !strings.Contains(pe.Message, want) || pe.Message == "" {
					t.Fatalf("provider_error = %+v, want HTTP %d with %q", pe, tc.status, want)
				}
				if len(got.Attempts) != 1 || got.Attempts[0].Outcome != "" || got.AttemptCount != 0 || got.Status != holdfast.PaymentPending {
					t.Fatalf("after the provider error: %s, attempt_count %d, attempts %+v", got.Status, got.AttemptCount, got.Attempts)
				}
				key := got.Attempts[0].IdempotencyKey
				events := v.eventTypes(holdfast.ModeLive)
				if count(events, holdfast.EventProviderError) != 1 || count(events, holdfast.EventRetryFailed) != 0 {
					t.Fatalf("events = %v", events)
				}
				if charges, _ := fake.stats("fp_pe"); charges != 0 {
					t.Fatalf("%d charges counted at the fake", charges)
				}

				// The backoff passes; the same attempt goes again with the same key
				// and the card network answers this time.
				v.clock.Add(time.Hour)
				v.e.runBatch(v.ctx, v.ctx)
				got = v.payment(holdfast.ModeLive, p.ID)
				if len(got.Attempts) != 1 || got.Attempts[0].IdempotencyKey != key || got.Attempts[0].Outcome != holdfast.OutcomeFailed ||
					got.Attempts[0].DeclineCode != "insufficient_funds" || got.AttemptCount != 1 {
					t.Fatalf("after the re-drive: attempt_count %d, attempts %+v", got.AttemptCount, got.Attempts)
				}
				if got.ProviderError != nil {
					t.Fatalf("provider_error not cleared by the card's answer: %+v", got.ProviderError)
				}
				if len(fake.keys) != 1 || !fake.keys[key] {
					t.Fatalf("idempotency keys sent: %v, want only %s", fake.keys, key)
				}
				if r := v.recovery(holdfast.ModeLive, p.Recovery); r.RetriesUsed != 1 {
					t.Fatalf("retries_used = %d", r.RetriesUsed)
				}
				if events := v.eventTypes(holdfast.ModeLive); count(events, holdfast.EventProviderError) != 1 || count(events, holdfast.EventRetryFailed) != 1 {
					t.Fatalf("events = %v", events)
				}
			})
		}
	})
}

// TestProviderErrorGivenUp: when Stripe keeps refusing until the attempt's
// job runs out of retries, the attempt ends refused (provider_error): the
// network limits ignore it, the campaign's budget is given back, and
// provider_error stays on the payment for the merchant to see.
func TestProviderErrorGivenUp(t *testing.T) {
	eachDBLive(t, func(t *testing.T, st *store.Store) {
		v, fake := liveCardEnv(t, st, func(c *Config) { c.MaxJobAttempts = 2 })
		fake.script["fp_gone"] = []string{"http_401", "http_401"}
		p := openOnCard(v, fake, "fp_gone")
		v.e.runBatch(v.ctx, v.ctx)
		v.clock.Add(time.Hour)
		v.e.runBatch(v.ctx, v.ctx)

		got := v.payment(holdfast.ModeLive, p.ID)
		if len(got.Attempts) != 1 || got.Attempts[0].Outcome != holdfast.OutcomeRefused || got.Attempts[0].FailureCode != "provider_error" ||
			!strings.Contains(got.Attempts[0].FailureMessage, "Invalid API Key") {
			t.Fatalf("attempts = %+v", got.Attempts)
		}
		if got.AttemptCount != 0 || got.ProviderError == nil || got.ProviderError.HTTPStatus != 401 {
			t.Fatalf("payment: attempt_count %d, provider_error %+v", got.AttemptCount, got.ProviderError)
		}
		if r := v.recovery(holdfast.ModeLive, p.Recovery); r.RetriesUsed != 0 {
			t.Fatalf("retries_used = %d: a provider error used the campaign's budget", r.RetriesUsed)
		}
		if n, _ := cardAttempts(t, st, "fp_gone"); n != 0 {
			t.Fatalf("%d attempts count toward the network limits", n)
		}
		if events := v.eventTypes(holdfast.ModeLive); count(events, holdfast.EventRetryFailed) != 0 || count(events, holdfast.EventProviderError) != 1 {
			t.Fatalf("events = %v", events)
		}
	})
}

// TestProviderErrorsConcurrent: two engines hammer six payments on one
// Mastercard while Stripe answers the first twelve calls with provider
// errors (500, 401, 400, 429 in turn). The errors count toward nothing: once
// Stripe answers again, the card is charged exactly to its limit of 10 in
// 24 hours.
func TestProviderErrorsConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		s := newCardScenario(t, backend, holdfast.ModeLive, "mastercard", "insufficient_funds", "")
		for range 3 {
			s.fake.script[s.card] = append(s.fake.script[s.card], "http_500", "http_401", "http_400", "http_429")
		}
		s.run(t)
		v := s.p.v
		// Let the backoffs pass (the clock stays inside the 24 hours) until
		// every attempt has its answer and no retry gets through any more.
		for round := 0; ; round++ {
			if round == 20 { // twenty hours: still inside the Mastercard 24-hour window
				t.Fatal("attempts never settled")
			}
			v.clock.Add(time.Hour)
			for _, e := range s.p.es {
				for e.runBatch(v.ctx, v.ctx) > 0 {
				}
			}
			progress := false
			for _, pay := range s.pays {
				if _, err := s.p.es[round%2].RetryPayment(v.ctx, v.ws.ID, holdfast.ModeLive, pay.ID); err == nil {
					progress = true
				}
			}
			var started int
			if err := st(v).Conn(v.ctx).QueryRow(v.ctx, `SELECT COUNT(*) FROM payment_attempts WHERE state = ?`, holdfast.AttemptStarted).Scan(&started); err != nil {
				t.Fatal(err)
			}
			if !progress && started == 0 {
				break
			}
		}
		charges, _ := s.fake.stats(s.card)
		n, _ := cardAttempts(t, v.st, s.card)
		if s.fake.providerErrors != 12 || charges != 10 || n != 10 {
			t.Fatalf("%d provider errors, %d charges, %d attempts counted; want 12, 10, 10", s.fake.providerErrors, charges, n)
		}
		if events := v.eventTypes(holdfast.ModeLive); count(events, holdfast.EventProviderError) == 0 {
			t.Fatalf("no provider.error event: %v", events)
		}
	})
}

func st(v *env) *store.Store { return v.st }
