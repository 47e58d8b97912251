package stripe_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
)

// TestCreatePortalSession: POST /v1/billing_portal/sessions carries the
// customer and return URL with the key of the mode; a workspace without a
// key, or a Stripe failure, is a 409 whose message shows no Stripe text.
func TestCreatePortalSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		fake := stripetest.NewWithKey(t, "sk_test_portal")
		ws := &holdfast.Workspace{Name: "Portal"}
		if err := st.CreateWorkspace(ctx, ws, now); err != nil {
			t.Fatal(err)
		}
		zero := int64(0)
		p := stripe.NewProvider(stripe.ProviderConfig{Store: st, APIBase: fake.URL, MaxNetworkRetries: &zero, Logger: slog.New(slog.DiscardHandler)})
		var _ holdfast.PortalSessions = p

		if _, err := p.CreatePortalSession(ctx, ws.ID, holdfast.ModeTest, "cus_1", "https://shop.example/account"); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
			t.Fatalf("no key: want conflict, got %v", err)
		}
		if err := st.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, store.SecretStripeAPIKey, "sk_test_portal", now); err != nil {
			t.Fatal(err)
		}
		url, err := p.CreatePortalSession(ctx, ws.ID, holdfast.ModeTest, "cus_1", "https://shop.example/account")
		if err != nil {
			t.Fatal(err)
		}
		got := fake.PortalSessions()
		if len(got) != 1 || got[0].Customer != "cus_1" || got[0].ReturnURL != "https://shop.example/account" || url != got[0].URL {
			t.Fatalf("url %q, sessions %+v", url, got)
		}
		if r := fake.Mutations(); r[len(r)-1].StripeVersion != stripe.APIVersion {
			t.Fatalf("Stripe-Version %q", r[len(r)-1].StripeVersion)
		}

		fake.FailNext(stripetest.Failure{Status: 400, Type: "invalid_request_error", Message: "No configuration provided; secret detail xyz."})
		_, err = p.CreatePortalSession(ctx, ws.ID, holdfast.ModeTest, "cus_1", "https://shop.example/account")
		he, ok := holdfast.AsError(err)
		if !ok || he.Code != holdfast.ECONFLICT || strings.Contains(he.Message, "xyz") || !strings.Contains(he.Message, "Stripe request req_") {
			t.Fatalf("failure: %v", err)
		}
	})
}
