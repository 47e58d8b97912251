package api_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
)

// blockingEngine holds POST /v1/payments/:id/retry until released, so a
// duplicate request can arrive while the first is in flight.
type blockingEngine struct {
	api.EngineService
	entered chan struct{}
	release chan struct{}
	st      interface {
		GetPayment(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Payment, error)
	}
}

func (b *blockingEngine) RetryPayment(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Payment, error) {
	b.entered <- struct{}{}
	<-b.release
	p, err := b.st.GetPayment(ctx, wsID, mode, id)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	a := holdfast.PaymentAttempt{ID: holdfast.NewID(holdfast.PrefixAttempt), Object: "payment_attempt", Payment: p.ID,
		Initiator: holdfast.InitiatorManual, Outcome: holdfast.OutcomeFailed, IdempotencyKey: holdfast.NewID("idem_"), CreatedAt: now}
	p.Attempts = []holdfast.PaymentAttempt{a}
	return p, nil
}

func TestIdempotencyKeys(t *testing.T) {
	clk := holdfast.NewManualClock(time.Now().UTC())
	fake := &fakeRecovery{}
	eng := &blockingEngine{entered: make(chan struct{}), release: make(chan struct{})}
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		eng.st = e.Store
		fake.fail = nil
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		body := campaignJSON(map[string]any{"name": "Once"})
		sameJSONOtherOrder := `{"steps":[{"action":"retry","after_hours":0},{"action":"email","after_hours":24,"template":{"body":"Pay {{.Amount}} at {{.UpdateURL}}","name":"first","subject":"Payment failed for {{.CustomerName}}"}},{"action":"retry","after_hours":72}],
			"filters":{"min_amount":10000,"currency":"USD"},"smart_retries":false,"max_retries":4,"priority":10,"name":"Once"}`
		campaigns := func(tok string) int { return total(t, c, "/v1/campaigns", tok) }
		before := campaigns(k.read)

		first := c.do("POST", "/v1/campaigns", k.write, body, "Idempotency-Key", "key-1")
		wantOK(t, first)
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("first response marked as replayed")
		}
		var replayBody []byte
		c.run(t, []scenario{
			{name: "ReplaySameBody", method: "POST", path: "/v1/campaigns", token: k.write, body: body, headers: []string{"Idempotency-Key", "key-1"},
				check: func(t *testing.T, res *apitest.Response) {
					replayBody = res.Body
					if !bytes.Equal(res.Body, first.Body) || res.Header.Get("Idempotent-Replayed") != "true" {
						t.Fatalf("replay differs:\n%s\n%s", first.Body, res.Body)
					}
				}},
			{name: "ReplaySameJSONOtherOrder", method: "POST", path: "/v1/campaigns", token: k.admin, body: sameJSONOtherOrder,
				headers: []string{"Idempotency-Key", "key-1"}, check: func(t *testing.T, res *apitest.Response) {
					if !bytes.Equal(res.Body, first.Body) {
						t.Fatal("reordered JSON not recognised as the same request")
					}
				}},
			{name: "ErrDifferentBody", method: "POST", path: "/v1/campaigns", token: k.write, body: campaignJSON(map[string]any{"name": "Twice"}),
				headers: []string{"Idempotency-Key", "key-1"}, status: 422, code: "validation_error", param: "Idempotency-Key"},
			{name: "ErrDifferentPath", method: "PUT", path: "/v1/campaigns/" + first.JSON["id"].(string), token: k.write, body: body,
				headers: []string{"Idempotency-Key", "key-1"}, status: 422, code: "validation_error", param: "Idempotency-Key"},
			{name: "ErrKeyTooLong", method: "POST", path: "/v1/campaigns", token: k.write, body: body,
				headers: []string{"Idempotency-Key", strings.Repeat("k", 256)}, status: 422, code: "validation_error", param: "Idempotency-Key"},
			{name: "OtherWorkspaceRunsItsOwn", method: "POST", path: "/v1/campaigns", token: k.other, body: body, headers: []string{"Idempotency-Key", "key-1"},
				check: func(t *testing.T, res *apitest.Response) {
					if res.Header.Get("Idempotent-Replayed") != "" || res.JSON["id"] == first.JSON["id"] {
						t.Fatalf("replayed another workspace's response: %s", res.Body)
					}
				}},
			{name: "OtherModeRunsItsOwn", method: "POST", path: "/v1/campaigns", token: k.live, body: body, headers: []string{"Idempotency-Key", "key-1"},
				check: func(t *testing.T, res *apitest.Response) {
					if res.Header.Get("Idempotent-Replayed") != "" || res.JSON["livemode"] != true {
						t.Fatalf("replayed the other mode's response: %s", res.Body)
					}
				}},
			{name: "GetIgnoresKey", path: "/v1/campaigns", token: k.read, headers: []string{"Idempotency-Key", "key-1"},
				check: func(t *testing.T, res *apitest.Response) {
					if res.Header.Get("Idempotent-Replayed") != "" {
						t.Fatal("GET replayed")
					}
				}},
		})
		if got := campaigns(k.read); got != before+1 {
			t.Fatalf("campaigns = %d, want %d (one per key)", got, before+1)
		}

		t.Run("ErrorsAreReplayed", func(t *testing.T) {
			c := c.with(t)
			bad := campaignJSON(map[string]any{"max_retries": 99})
			r1 := c.do("POST", "/v1/campaigns", k.write, bad, "Idempotency-Key", "key-bad")
			wantError(t, r1, 422, "validation_error", "max_retries")
			r2 := c.do("POST", "/v1/campaigns", k.write, bad, "Idempotency-Key", "key-bad")
			if !bytes.Equal(r1.Body, r2.Body) || r2.Status != 422 || r2.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("error not replayed byte for byte:\n%s\n%s", r1.Body, r2.Body)
			}
		})

		t.Run("ServerErrorsAreNotStored", func(t *testing.T) {
			c := c.with(t)
			sd := newSeeder(t, e, ws, holdfast.ModeTest)
			cus := sd.customer("x@example.com", nil, t0)
			fake.fail = errors.New("engine down")
			wantError(t, c.do("DELETE", "/v1/customers/"+cus.ID, k.admin, nil, "Idempotency-Key", "key-del"), 500, "internal_error")
			fake.fail = nil
			r1 := c.do("DELETE", "/v1/customers/"+cus.ID, k.admin, nil, "Idempotency-Key", "key-del")
			wantOK(t, r1)
			if r1.Header.Get("Idempotent-Replayed") != "" {
				t.Fatal("the retry after a 500 was replayed instead of run")
			}
			r2 := c.do("DELETE", "/v1/customers/"+cus.ID, k.admin, nil, "Idempotency-Key", "key-del")
			if r2.Status != 200 || !bytes.Equal(r1.Body, r2.Body) || r2.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("second DELETE with the key: %d %s", r2.Status, r2.Body)
			}
			wantError(t, c.do("DELETE", "/v1/customers/"+cus.ID, k.admin, nil), 404, "resource_not_found")
		})

		t.Run("ConcurrentDuplicateIsConflict", func(t *testing.T) {
			c := c.with(t)
			sd := newSeeder(t, e, ws, holdfast.ModeTest)
			p, _ := sd.payment(nil, 100, "usd", holdfast.PaymentPending, "", t0)
			path := "/v1/payments/" + p.ID + "/retry"
			done := make(chan *apitest.Response)
			go func() { done <- e.Do("POST", path, k.write, nil, "Idempotency-Key", "key-retry") }()
			<-eng.entered
			dup := c.do("POST", path, k.write, nil, "Idempotency-Key", "key-retry")
			eng.release <- struct{}{}
			firstRes := <-done
			wantError(t, dup, 409, "state_conflict")
			wantOK(t, firstRes)
			again := c.do("POST", path, k.write, nil, "Idempotency-Key", "key-retry")
			if !bytes.Equal(again.Body, firstRes.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay after completion: %s", again.Body)
			}
		})

		t.Run("KeysExpireAfter24Hours", func(t *testing.T) {
			c := c.with(t)
			clk.Add(23 * time.Hour)
			r := c.do("POST", "/v1/campaigns", k.write, body, "Idempotency-Key", "key-1")
			if !bytes.Equal(r.Body, replayBody) {
				t.Fatalf("replay within 24 h differs: %s", r.Body)
			}
			clk.Add(2 * time.Hour)
			r = c.do("POST", "/v1/campaigns", k.write, campaignJSON(map[string]any{"name": "After a day"}), "Idempotency-Key", "key-1")
			wantOK(t, r)
			if r.Header.Get("Idempotent-Replayed") != "" || r.JSON["name"] != "After a day" {
				t.Fatalf("expired key not reusable: %s", r.Body)
			}
		})
	}, func(cfg *api.Config) {
		cfg.Clock = clk
		cfg.Services.Engine = eng
	}, withFakeRecovery(fake))
}
