package stripe_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"holdfast/store/storetest"
)

// stripeMockURL is the base URL of a running stripe-mock (Stripe's own API
// mock, validating requests against Stripe's OpenAPI description), e.g.
// http://127.0.0.1:12111. .ci/run installs and starts it and sets
// HOLDFAST_REQUIRE_STRIPE_MOCK=1, with which a missing URL fails instead of
// skipping.
func stripeMockURL(t *testing.T) string {
	u := strings.TrimSuffix(os.Getenv("HOLDFAST_TEST_STRIPE_MOCK_URL"), "/")
	if u == "" {
		if os.Getenv("HOLDFAST_REQUIRE_STRIPE_MOCK") != "" {
			t.Fatal("HOLDFAST_REQUIRE_STRIPE_MOCK is set but HOLDFAST_TEST_STRIPE_MOCK_URL is not: start stripe-mock (see .ci/run)")
		}
		t.Skip("HOLDFAST_TEST_STRIPE_MOCK_URL not set: start stripe-mock -http-addr 127.0.0.1:12111 and point it there")
	}
	return u
}

// stripeMockKey is the workspace's live key in this test: stripe-mock
// accepts only test-mode secret keys.
const stripeMockKey = "sk_test_HoldfastStripeMock4242"

// TestLiveCallsAgainstStripeMock drives every live-mode Stripe call through
// stripe-mock and fails on any 4xx: a parameter Stripe does not know, a
// missing required one, a wrong type or enum value. Lists answer has_more
// for their first pages, so sync walks three pages of each with
// starting_after.
func TestLiveCallsAgainstStripeMock(t *testing.T) {
	base := stripeMockURL(t)
	// stripe-mock answers with fixtures: learn the subscription's customer
	// and item, which the cancel flow checks before changing anything.
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/subscriptions/sub_holdfast", nil)
	req.SetBasicAuth(stripeMockKey, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("stripe-mock at %s: %v", base, err)
	}
	var fixture struct {
		Customer string `json:"customer"`
		Items    struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		} `json:"items"`
	}
	err = json.NewDecoder(resp.Body).Decode(&fixture)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || fixture.Customer == "" || len(fixture.Items.Data) == 0 {
		t.Fatalf("stripe-mock subscription fixture: status %d, %v, %+v", resp.StatusCode, err, fixture)
	}
	ids := backendIDs{customer: fixture.Customer, subscription: "sub_holdfast", item: fixture.Items.Data[0].ID, price: "price_holdfast_basic",
		coupon: "holdfast_configured", invoice: "in_holdfast", paymentIntent: "pi_holdfast", charge: "ch_holdfast", paymentMethod: "pm_holdfast"}
	st := storetest.Open(t, storetest.Backends()[0])
	c := newCallEnv(t, st, base, stripeMockKey, ids, 3)
	driveAll(t, c, func(t *testing.T, call liveCall, reqs []sent) {
		for _, r := range reqs {
			if r.Status >= 400 && r.Status < 500 {
				t.Errorf("%s %s → %d: %s", r.Method, r.Path, r.Status, r.Body)
			}
			checkDocumented(t, r)
		}
		if call.name == "Sync" {
			for _, list := range []string{"/v1/customers", "/v1/subscriptions", "/v1/invoices"} {
				pages, after := 0, 0
				for _, r := range reqs {
					if r.Method == http.MethodGet && r.Path == list {
						pages++
						if r.Query.Get("starting_after") != "" {
							after++
						}
					}
				}
				if pages != 3 || after != 2 {
					t.Errorf("%s: %d pages, %d with starting_after; want 3 and 2", list, pages, after)
				}
			}
		}
	})
}
