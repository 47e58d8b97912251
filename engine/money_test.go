package engine

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/secretbox"
	"holdfast/store"
	"holdfast/store/storetest"
	hfstripe "holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// The money path with several processes (issue 12, items 1–3): two engines,
// each with its own connection pool, share one database — as two `serve`
// processes on one PostgreSQL do — and 20 goroutines on each hammer the same
// payments and the same card at once. On SQLite the same test runs over one
// file, where immediate transactions serialize the writers.

// pair is two engines over one database.
type pair struct {
	v  *env // engine 0's env: its store, clock and workspace
	es [2]*Engine
}

// newPair opens a fresh database of backend twice and builds an engine on
// each handle, sharing the clock and the configuration.
func newPair(t *testing.T, backend string, opts ...func(*Config)) *pair {
	t.Helper()
	u := storetest.URL(t, backend)
	open := func() *store.Store {
		s, err := store.Open(context.Background(), u)
		if err != nil {
			t.Fatalf("open %s: %v", backend, err)
		}
		t.Cleanup(func() { s.Close() })
		box, _ := secretbox.New("test-secret-key")
		s.SetSecretBox(box)
		return s
	}
	st0 := open()
	if err := st0.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	st1 := open()
	v := newEnv(t, st0, opts...)
	cfg := v.e.cfg.withOwner("engine-1")
	cfg.Store = st1
	return &pair{v: v, es: [2]*Engine{v.e, New(cfg)}}
}

// eachBackend runs fn per available database (PostgreSQL when configured).
func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

// hammer runs `per` goroutines on each engine, all released at once; fn
// gets the engine and the goroutine's number. It returns every error fn
// returned that is not ECONFLICT (a refused retry is an expected answer).
func (p *pair) hammer(per int, fn func(e *Engine, g int) error) []error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		errs  []error
		start = make(chan struct{})
	)
	for i, e := range p.es {
		for g := range per {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := fn(e, i*per+g); err != nil && holdfast.ErrorCode(err) != holdfast.ECONFLICT {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	return errs
}

// cardFake is POST /v1/invoices/{id}/pay on the fake Stripe, answering per
// card: each invoice is charged on the card the test registered for it, and
// each new idempotency key is one charge that takes the card's next scripted
// outcome ("succeeded", a decline code, or a provider error "http_<status>").
// A repeated key replays the stored answer, as Stripe does. It counts charges
// per card and any charge that reaches a card after it answered never-retry.
type cardFake struct {
	mu         sync.Mutex
	cardOf     map[string]string   // invoice → card fingerprint
	script     map[string][]string // card → outcomes of its next charges
	def        string              // outcome once the script is spent
	answers    map[string]fakeAnswer
	charges    map[string]int // card → charges
	invCharges map[string]int // invoice → charges
	dead       map[string]bool
	afterDead  int // charges on a card that had answered never-retry
	// providerErrors counts answers that were not the card network's.
	providerErrors int
	keys           map[string]bool // every idempotency key seen
}

// providerErrors are the fake's scripted provider errors, as Stripe words
// them; "reset" hangs up without answering.
var providerErrors = map[string]struct {
	status             int
	typ, code, message string
}{
	"http_401": {401, "invalid_request_error", "", "Invalid API Key provided: sk_live_****fake"},
	"http_403": {403, "invalid_request_error", "secret_key_required",
		"The provided key 'rk_live_****fake' does not have the required permissions for this endpoint on account 'acct_1'."},
	"http_400": {400, "invalid_request_error", "parameter_unknown", "Received unknown parameter: expand[0]"},
	"http_429": {429, "invalid_request_error", "rate_limit", "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."},
	"http_500": {500, "api_error", "", "Sorry, something went wrong. We've already been notified of the problem."},
	"reset":    {0, "", "", ""},
}

func newCardFake(s *stripetest.Server, def string) *cardFake {
	f := &cardFake{cardOf: map[string]string{}, script: map[string][]string{}, def: def, answers: map[string]fakeAnswer{},
		charges: map[string]int{}, invCharges: map[string]int{}, dead: map[string]bool{}, keys: map[string]bool{}}
	s.Handle("POST /v1/invoices/{id}/pay", f.serve)
	return f
}

func (f *cardFake) serve(w http.ResponseWriter, r *http.Request) {
	inv, key := r.PathValue("id"), r.Header.Get("Idempotency-Key")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[key] = true
	a, seen := f.answers[key]
	if !seen {
		card := f.cardOf[inv]
		outcome := f.def
		if s := f.script[card]; len(s) > 0 {
			outcome, f.script[card] = s[0], s[1:]
		}
		if pe, ok := providerErrors[outcome]; ok {
			// A provider error: Stripe charged nothing and keeps no answer.
			f.providerErrors++
			if pe.status == 0 {
				// Connection reset: hang up without an answer.
				if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
					c.Close()
				}
				return
			}
			w.Header().Set("Stripe-Should-Retry", "false") // keep stripe-go's own retries out of the count
			stripetest.WriteError(w, pe.status, pe.typ, pe.code, pe.message)
			return
		}
		if f.dead[card] {
			f.afterDead++
		}
		f.charges[card]++
		f.invCharges[inv]++
		switch outcome {
		case "succeeded":
			a = fakeAnswer{http.StatusOK, map[string]any{"id": inv, "object": "invoice", "status": "paid"}}
		default:
			if outcome == "stolen_card" || outcome == "lost_card" {
				f.dead[card] = true
			}
			a = fakeAnswer{http.StatusPaymentRequired, map[string]any{"error": map[string]any{"type": "card_error",
				"code": "card_declined", "decline_code": outcome, "message": "Your card was declined."}}}
		}
		f.answers[key] = a
	}
	stripetest.WriteJSON(w, a.status, a.body)
}

func (f *cardFake) stats(card string) (charges, afterDead int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.charges[card], f.afterDead
}

// livePair is a pair whose live provider is Stripe at a local fake.
func livePair(t *testing.T, backend, def string) (*pair, *cardFake) {
	fake := stripetest.New(t)
	cf := newCardFake(fake, def)
	p := newPair(t, backend, func(c *Config) {
		c.LiveProvider = hfstripe.NewProvider(hfstripe.ProviderConfig{Store: c.Store, APIBase: fake.URL})
	})
	// Engine 1 reads the workspace's key through its own connection pool.
	cfg := p.es[1].cfg
	cfg.LiveProvider = hfstripe.NewProvider(hfstripe.ProviderConfig{Store: cfg.Store, APIBase: fake.URL})
	p.es[1] = New(cfg)
	if err := p.v.st.SetWorkspaceSecret(p.v.ctx, p.v.ws.ID, holdfast.ModeLive, store.SecretStripeAPIKey, "sk_test_fake", t0); err != nil {
		t.Fatal(err)
	}
	return p, cf
}

// cardAttempts counts the attempts on a card that reached (or are on their
// way to) the network, and how many of them answered never-retry.
func cardAttempts(t *testing.T, st *store.Store, card string) (n, neverRetry int) {
	t.Helper()
	ctx := context.Background()
	row := st.Conn(ctx).QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN decline_code IN ('stolen_card', 'lost_card') THEN 1 ELSE 0 END), 0)
		FROM payment_attempts WHERE card_fingerprint = ? AND outcome <> ?`, card, holdfast.OutcomeRefused)
	if err := row.Scan(&n, &neverRetry); err != nil {
		t.Fatal(err)
	}
	return n, neverRetry
}

// TestManualRetryAfterRecoveryConcurrent: 20 goroutines on each of two
// engines retry the same nine payments at once. Each payment is charged
// exactly once (the retry that recovers it); every other retry is refused
// with ECONFLICT — also the ones that read the payment before it recovered.
func TestManualRetryAfterRecoveryConcurrent(t *testing.T) {
	for _, mode := range []holdfast.Mode{holdfast.ModeTest, holdfast.ModeLive} {
		t.Run(string(mode), func(t *testing.T) {
			eachBackend(t, func(t *testing.T, backend string) {
				var (
					p    *pair
					fake *cardFake
				)
				if mode == holdfast.ModeLive {
					p, fake = livePair(t, backend, "succeeded")
				} else {
					p = newPair(t, backend)
				}
				v := p.v
				pays := make([]*holdfast.Payment, 9)
				for i := range pays {
					c := v.customer(mode, fmt.Sprintf("r%d@example.com", i), withOutcomes("succeeded"))
					f := v.failure(mode, c, "insufficient_funds")
					f.Card.Fingerprint = fmt.Sprintf("fp_r%d", i)
					pays[i] = v.open(f)
					if fake != nil {
						fake.cardOf[f.Invoice] = f.Card.Fingerprint
					}
				}
				var (
					mu sync.Mutex
					ok = map[string]int{}
				)
				errs := p.hammer(20, func(e *Engine, g int) error {
					var errs []error
					for k := range pays {
						pay := pays[(g+k)%len(pays)]
						if _, err := e.RetryPayment(v.ctx, v.ws.ID, mode, pay.ID); err != nil {
							errs = append(errs, err)
							continue
						}
						mu.Lock()
						ok[pay.ID]++
						mu.Unlock()
					}
					for _, err := range errs {
						if holdfast.ErrorCode(err) != holdfast.ECONFLICT {
							return err
						}
					}
					return nil
				})
				for _, err := range errs {
					t.Errorf("retry failed with something other than state_conflict: %v", err)
				}
				for _, pay := range pays {
					got := v.payment(mode, pay.ID)
					if got.Status != holdfast.PaymentRecovered || len(got.Attempts) != 1 || got.Attempts[0].Outcome != holdfast.OutcomeSucceeded {
						t.Errorf("payment %s: %s with %d attempts, want recovered with exactly one", pay.ID, got.Status, len(got.Attempts))
					}
					if ok[pay.ID] != 1 {
						t.Errorf("payment %s: %d retries answered 200, want 1", pay.ID, ok[pay.ID])
					}
					if fake != nil {
						if n := fake.invCharges[pay.Invoice]; n != 1 {
							t.Errorf("payment %s: charged %d times at Stripe", pay.ID, n)
						}
					}
				}
				// After recovery a retry is a state conflict and charges nothing.
				for _, e := range p.es {
					if _, err := e.RetryPayment(v.ctx, v.ws.ID, mode, pays[0].ID); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
						t.Fatalf("retry of a recovered payment: %v", err)
					}
				}
				if got := v.payment(mode, pays[0].ID); len(got.Attempts) != 1 {
					t.Fatalf("a refused retry left an attempt: %+v", got.Attempts)
				}
			})
		})
	}
}

// cardScenario is several payments of two customers who share one card.
type cardScenario struct {
	p     *pair
	fake  *cardFake // nil in test mode
	mode  holdfast.Mode
	card  string
	brand string
	custs []*holdfast.Customer
	pays  []*holdfast.Payment
}

// newCardScenario opens three payments for each of two customers on one
// card, under a blind campaign of four retries an hour in (so the runners
// have automatic retries to race with), and moves the clock past that hour.
func newCardScenario(t *testing.T, backend string, mode holdfast.Mode, brand, def string, outcomes string) *cardScenario {
	t.Helper()
	s := &cardScenario{mode: mode, card: "fp_shared_" + brand, brand: brand}
	if mode == holdfast.ModeLive {
		s.p, s.fake = livePair(t, backend, def)
	} else {
		s.p = newPair(t, backend)
	}
	v := s.p.v
	v.insertCampaign(&holdfast.Campaign{ID: holdfast.NewID(holdfast.PrefixCampaign), Livemode: mode.Livemode(), Name: "four retries",
		Priority: 100, MaxRetries: 4, Steps: []holdfast.CampaignStep{
			{AfterHours: 1, Action: holdfast.ActionRetry}, {AfterHours: 1, Action: holdfast.ActionRetry},
			{AfterHours: 1, Action: holdfast.ActionRetry}, {AfterHours: 1, Action: holdfast.ActionRetry}}})
	for i := range 2 {
		var opts []custOpt
		if outcomes != "" {
			opts = append(opts, withOutcomes(outcomes))
		}
		c := v.customer(mode, fmt.Sprintf("shared%d@example.com", i), opts...)
		s.custs = append(s.custs, c)
		for range 3 {
			f := v.failure(mode, c, "insufficient_funds")
			f.Card = holdfast.Card{PaymentMethod: fmt.Sprintf("pm_%d", i), Fingerprint: s.card, Brand: brand, Funding: "credit"}
			if s.fake != nil {
				s.fake.cardOf[f.Invoice] = s.card
			}
			s.pays = append(s.pays, v.open(f))
		}
	}
	v.clock.Add(2 * time.Hour) // two hours: every automatic retry is due
	return s
}

// run hammers the card from both engines: runners taking the automatic
// retries, manual retries on every payment and (live) card updates that
// re-attach the same card, all at once. It then tops up with manual retries
// one at a time until every payment is refused, so the card ends at its
// limit however the race went.
func (s *cardScenario) run(t *testing.T) {
	t.Helper()
	v := s.p.v
	errs := s.p.hammer(20, func(e *Engine, g int) error {
		switch {
		case g%4 == 0:
			for range 3 {
				e.runBatch(v.ctx, v.ctx)
			}
			return nil
		case g%4 == 1 && s.mode == holdfast.ModeLive:
			c := s.custs[g%2]
			return e.CardUpdated(v.ctx, v.ws.ID, s.mode, c.ID,
				holdfast.Card{PaymentMethod: fmt.Sprintf("pm_again_%d", g), Fingerprint: s.card, Brand: s.brand, Funding: "credit"}, t0)
		}
		var errs []error
		for k := range s.pays {
			if _, err := e.RetryPayment(v.ctx, v.ws.ID, s.mode, s.pays[(g+k)%len(s.pays)].ID); err != nil {
				errs = append(errs, err)
			}
		}
		for _, err := range errs {
			if holdfast.ErrorCode(err) != holdfast.ECONFLICT {
				return err
			}
		}
		return nil
	})
	for _, err := range errs {
		t.Errorf("unexpected error under concurrency: %v", err)
	}
	for _, e := range s.p.es {
		for e.runBatch(v.ctx, v.ctx) > 0 {
		}
	}
	for range 40 {
		progress := false
		for _, pay := range s.pays {
			if _, err := s.p.es[0].RetryPayment(v.ctx, v.ws.ID, s.mode, pay.ID); err == nil {
				progress = true
			} else if holdfast.ErrorCode(err) != holdfast.ECONFLICT {
				t.Fatalf("top-up retry: %v", err)
			}
		}
		if !progress {
			return
		}
	}
	t.Fatal("manual retries never stopped")
}

// TestNetworkCapsConcurrent: automatic, manual and card-update retries on
// two engines race on one Mastercard shared by six payments of two
// customers; the card is charged exactly 10 times in 24 hours, never 11.
func TestNetworkCapsConcurrent(t *testing.T) {
	for _, mode := range []holdfast.Mode{holdfast.ModeTest, holdfast.ModeLive} {
		t.Run(string(mode), func(t *testing.T) {
			eachBackend(t, func(t *testing.T, backend string) {
				s := newCardScenario(t, backend, mode, "mastercard", "insufficient_funds", "")
				s.run(t)
				if n, _ := cardAttempts(t, s.p.v.st, s.card); n != 10 {
					t.Errorf("%d attempts on the Mastercard in 24 hours, want exactly 10 (the cap)", n)
				}
				if s.fake != nil {
					if charges, _ := s.fake.stats(s.card); charges != 10 {
						t.Errorf("Stripe charged the Mastercard %d times in 24 hours, want 10", charges)
					}
				}
			})
		})
	}
}

// TestNeverRetryConcurrent: the card answers stolen_card on one charge;
// however automatic, manual and card-update retries on two engines race, no
// charge reaches the card after that answer.
func TestNeverRetryConcurrent(t *testing.T) {
	for _, mode := range []holdfast.Mode{holdfast.ModeTest, holdfast.ModeLive} {
		t.Run(string(mode), func(t *testing.T) {
			eachBackend(t, func(t *testing.T, backend string) {
				// Test mode: each payment's third simulated retry answers
				// stolen_card. Live: the card's fifth charge does.
				s := newCardScenario(t, backend, mode, "visa", "insufficient_funds", "insufficient_funds,insufficient_funds,stolen_card")
				if s.fake != nil {
					s.fake.script[s.card] = []string{"insufficient_funds", "insufficient_funds", "insufficient_funds", "insufficient_funds", "stolen_card"}
				}
				s.run(t)
				n, never := cardAttempts(t, s.p.v.st, s.card)
				if never != 1 {
					t.Errorf("%d never-retry answers on the card, want exactly 1 (nothing may follow the first)", never)
				}
				if s.fake != nil {
					charges, afterDead := s.fake.stats(s.card)
					if afterDead != 0 || charges != 5 || n != 5 {
						t.Errorf("Stripe: %d charges (%d after the never-retry answer), %d attempts recorded; want 5, 0, 5", charges, afterDead, n)
					}
				}
			})
		})
	}
}

// TestNeverRetryOpeningOfAnotherInvoice: Stripe answered stolen_card when a
// second invoice on the card failed (another customer's, sharing the card);
// the first invoice's retries stop too, manual and automatic.
func TestNeverRetryOpeningOfAnotherInvoice(t *testing.T) {
	eachDB(t, func(t *testing.T, v *env) {
		open := func(email, code string) *holdfast.Payment {
			c := v.customer(holdfast.ModeTest, email)
			f := v.failure(holdfast.ModeTest, c, code)
			f.Card.Fingerprint = "fp_stolen_later"
			return v.open(f)
		}
		first := open("a@example.com", "insufficient_funds")
		v.clock.Add(time.Hour)
		open("b@example.com", "stolen_card")
		_, err := v.e.RetryPayment(v.ctx, v.ws.ID, holdfast.ModeTest, first.ID)
		if holdfast.ErrorCode(err) != holdfast.ECONFLICT || !strings.Contains(err.Error(), "stolen_card") {
			t.Fatalf("manual retry on a card reported stolen: %v", err)
		}
		v.advance(30 * 24 * time.Hour)
		if n, _ := cardAttempts(t, v.st, "fp_stolen_later"); n != 0 {
			t.Fatalf("%d attempts on a card Stripe reported stolen", n)
		}
	})
}
