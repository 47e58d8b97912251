package stripe_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// hookEnv is the real API server with the Stripe receiver wired, a workspace
// with both signing secrets, and the recorder behind the ingester.
type hookEnv struct {
	*apitest.Env
	ws  string
	rec *recorder
}

func newHookEnv(t *testing.T, backend string) *hookEnv {
	rec := &recorder{}
	e := apitest.New(t, backend, func(cfg *api.Config) {
		cfg.Services.Stripe = stripe.NewIngester(stripe.Config{Store: cfg.Store, Events: rec, Logger: quietLogger()})
	})
	w := e.Workspace("Hooks")
	for mode, secret := range map[holdfast.Mode]string{holdfast.ModeTest: testSecret, holdfast.ModeLive: liveSecret} {
		if err := e.Store.SetWorkspaceSecret(context.Background(), w.ID, mode, store.SecretStripeWebhook, secret, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return &hookEnv{Env: e, ws: w.ID, rec: rec}
}

func (h *hookEnv) post(ws string, payload []byte, sig string) *apitest.Response {
	h.T.Helper()
	headers := []string{}
	if sig != "" {
		headers = append(headers, "Stripe-Signature", sig)
	}
	return h.Do(http.MethodPost, "/hooks/stripe/"+ws, "", payload, headers...)
}

func TestWebhookSignature(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHookEnv(t, backend)
			now := time.Now()
			cus := func(livemode bool) []byte {
				return stripetest.Event(stripetest.ID("evt_"), "customer.created", livemode, now,
					stripetest.Customer(stripetest.ID("cus_"), "sig@example.com", "Sig", now, nil), nil)
			}
			testEv, liveEv := cus(false), cus(true)
			oldSecret := "whsec_rotated_out_0000000000"
			rotated := func(p []byte) string {
				// During a secret roll Stripe signs with both secrets: one
				// header, two v1 entries, only one of them ours.
				other := hex.EncodeToString(webhook.ComputeSignature(now, p, oldSecret))
				return stripetest.Sign(p, testSecret, now) + ",v1=" + other
			}
			cases := []struct {
				name    string
				ws      string
				payload []byte
				sig     string
				status  int
				message string
			}{
				{"OK", h.ws, testEv, stripetest.Sign(testEv, testSecret, now), 200, ""},
				{"LiveOK", h.ws, liveEv, stripetest.Sign(liveEv, liveSecret, now), 200, ""},
				{"RotationSeveralV1", h.ws, cus(false), "", 200, ""},
				{"Missing", h.ws, cus(false), "", 400, "Missing Stripe-Signature"},
				{"Malformed", h.ws, cus(false), "nonsense", 400, "Malformed Stripe-Signature"},
				{"WrongSecret", h.ws, testEv, stripetest.Sign(testEv, "whsec_wrong", now), 400, "No signature"},
				{"Tampered", h.ws, []byte(strings.Replace(string(testEv), "sig@example.com", "evil@example.com", 1)),
					stripetest.Sign(testEv, testSecret, now), 400, "No signature"},
				{"Stale", h.ws, testEv, stripetest.Sign(testEv, testSecret, now.Add(-6*time.Minute)), 400, "tolerance"},
				{"FutureHour", h.ws, testEv, stripetest.Sign(testEv, testSecret, now.Add(time.Hour)), 400, "tolerance"},
				{"FutureSixMinutes", h.ws, testEv, stripetest.Sign(testEv, testSecret, now.Add(6*time.Minute)), 400, "tolerance"},
				{"FutureWithinTolerance", h.ws, cus(false), "", 200, ""},
				{"TestEventLiveSecret", h.ws, testEv, stripetest.Sign(testEv, liveSecret, now), 400, "livemode"},
				{"LiveEventTestSecret", h.ws, liveEv, stripetest.Sign(liveEv, testSecret, now), 400, "livemode"},
				{"UnknownWorkspace", "ws_unknown", testEv, stripetest.Sign(testEv, testSecret, now), 400, "No signature"},
				{"NotAnEvent", h.ws, []byte(`{"hello":"world"}`), stripetest.Sign([]byte(`{"hello":"world"}`), testSecret, now), 400, "not a Stripe event"},
			}
			for i := range cases {
				tc := &cases[i]
				if tc.name == "RotationSeveralV1" {
					tc.sig = rotated(tc.payload)
				}
				if tc.name == "Missing" {
					tc.sig = ""
				}
				if tc.name == "FutureWithinTolerance" {
					// Clocks drift both ways: a minute ahead is still accepted.
					tc.sig = stripetest.Sign(tc.payload, testSecret, now.Add(time.Minute))
				}
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					before := h.count()
					res := h.post(tc.ws, tc.payload, tc.sig)
					if res.Status != tc.status {
						t.Fatalf("status %d, want %d: %s", res.Status, tc.status, res.Body)
					}
					if tc.status == 200 {
						if h.count() != before+1 {
							t.Fatalf("customer not stored")
						}
						return
					}
					if res.ErrorCode() != "invalid_request" || !strings.Contains(fmt.Sprint(res.ErrorField("message")), tc.message) {
						t.Fatalf("error %s %v", res.ErrorCode(), res.ErrorField("message"))
					}
					if h.count() != before {
						t.Fatalf("rejected delivery stored something")
					}
				})
			}
			t.Run("UnknownWorkspaceLooksLikeWrongSecret", func(t *testing.T) {
				a := h.post("ws_nope", testEv, stripetest.Sign(testEv, testSecret, now))
				b := h.post(h.ws, testEv, stripetest.Sign(testEv, "whsec_wrong", now))
				if a.ErrorField("message") != b.ErrorField("message") || a.Status != b.Status {
					t.Fatalf("unknown workspace distinguishable: %v vs %v", a.ErrorField("message"), b.ErrorField("message"))
				}
			})
			t.Run("TooLarge", func(t *testing.T) {
				big := []byte(`{"id":"evt_big","object":"event","pad":"` + strings.Repeat("x", 2<<20) + `"}`)
				res := h.post(h.ws, big, stripetest.Sign(big, testSecret, now))
				if res.Status != http.StatusRequestEntityTooLarge && res.Status != http.StatusBadRequest {
					t.Fatalf("status %d", res.Status)
				}
			})
			t.Run("SameSecretBothModes", func(t *testing.T) {
				// One whsec_ set for both modes: each event lands in the mode
				// its livemode names, whichever secret is tried first.
				w := h.Workspace("Shared secret")
				for _, mode := range []holdfast.Mode{holdfast.ModeTest, holdfast.ModeLive} {
					if err := h.Store.SetWorkspaceSecret(context.Background(), w.ID, mode, store.SecretStripeWebhook, testSecret, now); err != nil {
						t.Fatal(err)
					}
				}
				for _, tc := range []struct {
					name     string
					livemode bool
				}{{"TestEvent", false}, {"LiveEvent", true}} {
					t.Run(tc.name, func(t *testing.T) {
						p := cus(tc.livemode)
						if res := h.post(w.ID, p, stripetest.Sign(p, testSecret, now)); res.Status != 200 {
							t.Fatalf("status %d: %s", res.Status, res.Body)
						}
						l, err := h.Store.ListCustomers(context.Background(), w.ID, holdfast.ModeOf(tc.livemode), store.CustomerFilter{}, store.ListQuery{Limit: 10})
						if err != nil {
							t.Fatal(err)
						}
						if len(l.Data) != 1 {
							t.Fatalf("%d customers in the event's mode, want 1", len(l.Data))
						}
					})
				}
			})
			t.Run("UnknownTypeIgnored", func(t *testing.T) {
				before := h.count()
				p := stripetest.Event(stripetest.ID("evt_"), "balance.available", false, now, map[string]any{"object": "balance"}, nil)
				res := h.post(h.ws, p, stripetest.Sign(p, testSecret, now))
				if res.Status != 200 || res.JSON["outcome"] != stripe.OutcomeIgnored {
					t.Fatalf("%d %s", res.Status, res.Body)
				}
				if after := h.count(); after != before {
					t.Fatalf("an ignored event changed the mirror: %d customers, was %d", after, before)
				}
			})
		})
	}
}

// count is the number of customers in the workspace (both modes).
func (h *hookEnv) count() int {
	n := 0
	for _, m := range []holdfast.Mode{holdfast.ModeTest, holdfast.ModeLive} {
		l, err := h.Store.ListCustomers(context.Background(), h.ws, m, store.CustomerFilter{}, store.ListQuery{Limit: 100})
		if err != nil {
			h.T.Fatal(err)
		}
		n += len(l.Data)
	}
	return n
}
