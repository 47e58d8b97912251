package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/store"
)

// Test fixtures for the /v1 and /api/v1 read and write endpoints: a seeder
// that writes customers, payments, recoveries, attempts and sends through the
// store's own writers, and a client whose every answer is checked against
// the OpenAPI document the server publishes.

// seeder writes one workspace's objects in one mode.
type seeder struct {
	t        testing.TB
	e        *apitest.Env
	ws       *holdfast.Workspace
	mode     holdfast.Mode
	campaign string // the default campaign
	n        int
}

func newSeeder(t testing.TB, e *apitest.Env, ws *holdfast.Workspace, mode holdfast.Mode) *seeder {
	t.Helper()
	cs, err := e.Store.Campaigns(context.Background(), ws.ID, mode)
	if err != nil {
		t.Fatal(err)
	}
	sd := &seeder{t: t, e: e, ws: ws, mode: mode}
	for _, c := range cs {
		if c.IsDefault {
			sd.campaign = c.ID
		}
	}
	if sd.campaign == "" {
		t.Fatal("workspace has no default campaign")
	}
	return sd
}

// customer mirrors a Stripe customer created at `at`.
func (sd *seeder) customer(email string, tags []string, at time.Time) *holdfast.Customer {
	sd.t.Helper()
	sd.n++
	var em *string
	if email != "" {
		em = &email
	}
	name := fmt.Sprintf("Customer %d", sd.n)
	ch, err := sd.e.Store.UpsertCustomer(context.Background(), sd.ws.ID, sd.mode, store.CustomerSnapshot{
		ProviderID: fmt.Sprintf("cus_stripe%s%d", holdfast.RandomBase62(6), sd.n), Email: em, Name: &name,
		Metadata: map[string]string{"plan": "pro"}, Tags: tags, ProviderTime: at,
	}, at)
	if err != nil {
		sd.t.Fatal(err)
	}
	return ch.Customer
}

// recoveryStatusOf maps a payment status to its recovery's status (SPEC §6).
var recoveryStatusOf = map[string]string{
	holdfast.PaymentPending:   holdfast.RecoveryInFlight,
	holdfast.PaymentRecovered: holdfast.RecoveryRecovered,
	holdfast.PaymentFailed:    holdfast.RecoveryLost,
	holdfast.PaymentCanceled:  holdfast.RecoveryAbandoned,
}

// payment opens a failed payment for cus (nil: not mirrored) at `at` with its
// recovery under campaign (default campaign when ""), in the given payment status.
func (sd *seeder) payment(cus *holdfast.Customer, amount int64, currency, status, campaign string, at time.Time) (*holdfast.Payment, *holdfast.Recovery) {
	sd.t.Helper()
	sd.n++
	if campaign == "" {
		campaign = sd.campaign
	}
	at = holdfast.FromMicros(holdfast.Micros(at))
	p := &holdfast.Payment{
		ID: holdfast.NewID(holdfast.PrefixPayment), WorkspaceID: sd.ws.ID, Livemode: sd.mode.Livemode(),
		Invoice: fmt.Sprintf("in_%s%d", holdfast.RandomBase62(8), sd.n), Amount: amount, Currency: currency, Status: status,
		DeclineCode: "insufficient_funds", FailureCode: "card_declined", CreatedAt: at, UpdatedAt: at,
	}
	r := &store.RecoveryState{Recovery: holdfast.Recovery{
		ID: holdfast.NewID(holdfast.PrefixRecovery), WorkspaceID: sd.ws.ID, Livemode: sd.mode.Livemode(), Payment: p.ID,
		Campaign: campaign, Status: recoveryStatusOf[status], Amount: amount, Currency: currency,
		StartedAt: at, CreatedAt: at, UpdatedAt: at,
	}}
	if cus != nil {
		p.Customer, p.ProviderCustomerID, r.Customer = cus.ID, cus.ProviderID, cus.ID
	}
	if status != holdfast.PaymentPending {
		end := at.Add(time.Hour)
		r.EndedAt = &end
	} else {
		next := at.Add(24 * time.Hour)
		r.NextActionAt = &next
	}
	p.Recovery = r.ID
	err := sd.e.Store.InTx(context.Background(), func(ctx context.Context) error {
		if err := sd.e.Store.InsertPayment(ctx, p); err != nil {
			return err
		}
		return sd.e.Store.InsertRecovery(ctx, r)
	})
	if err != nil {
		sd.t.Fatal(err)
	}
	return p, &r.Recovery
}

// attempt records a finished retry of a payment.
func (sd *seeder) attempt(p *holdfast.Payment, outcome string, at time.Time) *holdfast.PaymentAttempt {
	sd.t.Helper()
	at = holdfast.FromMicros(holdfast.Micros(at))
	a := &holdfast.PaymentAttempt{
		ID: holdfast.NewID(holdfast.PrefixAttempt), WorkspaceID: sd.ws.ID, Livemode: sd.mode.Livemode(), Payment: p.ID,
		Recovery: p.Recovery, Customer: p.Customer, Initiator: holdfast.InitiatorSchedule, State: holdfast.AttemptDone,
		Outcome: outcome, IdempotencyKey: holdfast.NewID("idem_"), CreatedAt: at, CompletedAt: &at,
	}
	if outcome != holdfast.OutcomeSucceeded {
		a.DeclineCode = "insufficient_funds"
	}
	if err := sd.e.Store.InsertAttempt(context.Background(), a); err != nil {
		sd.t.Fatal(err)
	}
	return a
}

// send records a dunning email of a recovery.
func (sd *seeder) send(p *holdfast.Payment, to, status string, at time.Time) *holdfast.DunningSend {
	sd.t.Helper()
	at = holdfast.FromMicros(holdfast.Micros(at))
	d := &holdfast.DunningSend{
		ID: holdfast.NewID(holdfast.PrefixDunningSend), WorkspaceID: sd.ws.ID, Livemode: sd.mode.Livemode(),
		Recovery: p.Recovery, Payment: p.ID, Customer: p.Customer, To: to, Subject: "Your payment failed, Jane",
		BodyText: "Hi Jane", Template: "payment_failed", Status: status, CreatedAt: at,
	}
	if status == holdfast.SendSent {
		d.SentAt = &at
	}
	if err := sd.e.Store.InsertSend(context.Background(), d); err != nil {
		sd.t.Fatal(err)
	}
	return d
}

// fakeRecovery stands in for the engine behind DELETE /v1/customers/:id: it
// ends the customer's in-flight recoveries as abandoned through the store,
// in the caller's transaction, as the engine does.
type fakeRecovery struct {
	holdfast.RecoveryEvents // other methods are not called by these tests
	st                      *store.Store
	fail                    error
	calls                   int
}

func (f *fakeRecovery) CustomerDeleted(ctx context.Context, wsID string, mode holdfast.Mode, customerID string, at time.Time) error {
	f.calls++
	if f.fail != nil {
		return f.fail
	}
	ids, err := f.st.InFlightRecoveries(ctx, wsID, mode, customerID, "")
	if err != nil {
		return err
	}
	for _, id := range ids {
		r, err := f.st.LockRecovery(ctx, id)
		if err != nil {
			return err
		}
		r.Status, r.EndedAt, r.NextActionAt = holdfast.RecoveryAbandoned, &at, nil
		if err := f.st.SaveRecovery(ctx, r, at); err != nil {
			return err
		}
		p, err := f.st.LockPayment(ctx, wsID, mode, r.Payment)
		if err != nil {
			return err
		}
		p.Status, p.NextRetryAt = holdfast.PaymentCanceled, nil
		if err := f.st.UpdatePayment(ctx, p, at); err != nil {
			return err
		}
		if _, err := f.st.RecordEvent(ctx, wsID, mode, holdfast.EventRecoveryAbandoned, r.ID, r.Recovery, at); err != nil {
			return err
		}
	}
	return nil
}

// withFakeRecovery wires a fakeRecovery into the server and points it at
// the server's store.
func withFakeRecovery(f *fakeRecovery) func(*api.Config) {
	return func(c *api.Config) {
		f.st = c.Store
		c.Services.Recovery = f
	}
}

// client sends requests and validates every answer against /openapi.json.
type client struct {
	t  testing.TB
	e  *apitest.Env
	oa *oaValidator
}

func newClient(t testing.TB, e *apitest.Env) *client {
	t.Helper()
	return &client{t: t, e: e, oa: loadOpenAPI(t, e)}
}

// with returns the client reporting to t (for use inside subtests).
func (c *client) with(t testing.TB) *client {
	cc := *c
	cc.t = t
	return &cc
}

// do sends a request (see apitest.Env.Do) and checks the response against
// the OpenAPI document: status documented, headers and body matching.
func (c *client) do(method, path, token string, body any, headers ...string) *apitest.Response {
	c.t.Helper()
	res := c.e.Do(method, path, token, body, headers...)
	c.oa.check(c.t, method, path, res)
	return res
}

// get is do for GET.
func (c *client) get(path, token string) *apitest.Response {
	c.t.Helper()
	return c.do("GET", path, token, nil)
}

// ids lists the "id" of every object in a list response.
func ids(res *apitest.Response) []string {
	var out []string
	for _, d := range res.Data() {
		out = append(out, fmt.Sprint(d["id"]))
	}
	return out
}

// qs builds a query string from name/value pairs.
func qs(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// pagination returns the /v1 pagination object of a response.
func pagination(res *apitest.Response) map[string]float64 {
	out := map[string]float64{}
	p, _ := res.JSON["pagination"].(map[string]any)
	for k, v := range p {
		f, _ := v.(float64)
		out[k] = f
	}
	return out
}

// wantError asserts an error status and code (and param when given).
func wantError(t testing.TB, res *apitest.Response, status int, code string, param ...string) {
	t.Helper()
	if res.Status != status || res.ErrorCode() != code {
		t.Fatalf("want %d %s, got %d %s", status, code, res.Status, strings.TrimSpace(string(res.Body)))
	}
	if len(param) > 0 && res.ErrorField("param") != param[0] {
		t.Fatalf("want param %q, got %v (%s)", param[0], res.ErrorField("param"), res.Body)
	}
}

// wantOK asserts a 200.
func wantOK(t testing.TB, res *apitest.Response) {
	t.Helper()
	if res.Status != 200 {
		t.Fatalf("want 200, got %d %s", res.Status, res.Body)
	}
}
