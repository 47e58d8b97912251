package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"holdfast/e2e/chrome"
	"holdfast/store/storetest"
)

// dialog is the widget's modal: the screenshots show it alone.
const dialog = `[data-hf="dialog"]`

// step runs browser actions with a deadline, so a missing element fails the
// test instead of hanging it.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestCancelFlowDemoPage loads /demo/cancel from `serve --demo`, picks a
// reason and accepts the pause offer, then finds the session saved_pause
// through the API; a second run declines the offer and cancels.
func TestCancelFlowDemoPage(t *testing.T) {
	chrome.Require(t)
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			srv := startDemo(t, backend)
			ctx := chrome.New(t, 1024, 768)
			for _, tc := range []struct {
				name    string
				button  string // data-hf hook clicked on the offer
				outcome string
			}{
				{"AcceptPause", "accept-offer", "saved_pause"},
				{"DeclineAndCancel", "cancel-subscription", "canceled"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					runFlow(t, ctx, srv, backend, tc.button)
					step(t, ctx, "wait for the outcome", chromedp.WaitVisible(chromedp.CSS(`#outcome[data-state="done"]`)))
					c, cancel := context.WithTimeout(ctx, 30*time.Second)
					got, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(`#outcome`)))
					cancel()
					if err != nil || strings.TrimSpace(got) != tc.outcome {
						t.Fatalf("page outcome %q (%v), want %s", got, err, tc.outcome)
					}
					chrome.ScreenshotOf(t, ctx, "cancel-flow-"+backend+"-"+tc.outcome, dialog)
					// The API has the session with that outcome: the newest one.
					list := srv.get(t, "/v1/cancel_sessions?per_page=1")
					data, _ := list["data"].([]any)
					if len(data) != 1 {
						t.Fatalf("no session listed: %v", list)
					}
					s := data[0].(map[string]any)
					if s["outcome"] != tc.outcome || s["status"] != "completed" || s["reason"] != "not_using" || s["livemode"] != false {
						t.Fatalf("session through the API: %v", s)
					}
					if one := srv.get(t, "/v1/cancel_sessions/"+s["id"].(string)); one["outcome"] != tc.outcome {
						t.Fatalf("GET by id: %v", one)
					}
				})
			}
			// The demo's generated history has saved_pause sessions of its
			// own: count only the demo page's customer's.
			list := srv.get(t, "/v1/cancel_sessions?outcome=saved_pause&per_page=100")
			n := 0
			for _, s := range list["data"].([]any) {
				if s.(map[string]any)["customer"] == "cus_demo_cancel_flow" {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("want exactly one saved_pause session of the demo page's customer, got %d: %v", n, list)
			}
		})
	}
}

// runFlow opens the demo page, starts the widget, answers "not using it
// enough", screenshots the pause offer, and clicks button on it.
func runFlow(t *testing.T, ctx context.Context, srv *demoServer, backend, button string) {
	t.Helper()
	step(t, ctx, "open the demo page",
		chromedp.Navigate(srv.Base+"/demo/cancel"),
		chromedp.WaitVisible(chromedp.ID("cancel-subscription")),
		chromedp.Click(chromedp.ID("cancel-subscription")),
		chromedp.WaitVisible(chromedp.CSS(`input[data-hf="reason"][value="not_using"]`)),
	)
	if button == "accept-offer" {
		chrome.ScreenshotOf(t, ctx, "cancel-flow-"+backend+"-survey", dialog)
	}
	step(t, ctx, "answer the survey",
		chromedp.Click(chromedp.CSS(`input[data-hf="reason"][value="not_using"]`)),
		chromedp.Click(chromedp.CSS(`[data-hf="submit-reason"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-hf="offer"]`)),
	)
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	offer, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(`[data-hf="offer"]`)))
	cancel()
	if err != nil || !strings.Contains(offer, "Pause") {
		t.Fatalf("offer text %q (%v), want the pause offer", offer, err)
	}
	if button == "accept-offer" {
		chrome.ScreenshotOf(t, ctx, "cancel-flow-"+backend+"-offer", dialog)
	}
	step(t, ctx, "click "+button,
		chromedp.Click(chromedp.CSS(`[data-hf="`+button+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-hf="result"]`)),
	)
}
