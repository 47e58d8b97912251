package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"holdfast/e2e/chrome"
)

// TestDashboardInBrowser walks the dashboard as a user: sign in, read the
// Overview, open a recovery's timeline, mint a token and use it, revoke it
// (401), edit the IP allowlist past its lock-out warning, create a campaign
// after a validation error, and check the layout at 375 px.
func TestDashboardInBrowser(t *testing.T) {
	chrome.Require(t)
	s := startServer(t)
	ctx := chrome.New(t, 1280, 900)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	text := func(t *testing.T, what, sel string) string {
		t.Helper()
		return strings.TrimSpace(get(t, ctx, what, chromedp.Text(css(sel))))
	}
	// flashWith waits for the confirmation after a form post (the page
	// before the post may show an older one).
	flashWith := func(substr string) chromedp.Action[chromedp.Void] {
		expr := `(document.querySelector('.flash') || {textContent: ''}).textContent.includes(` + strconv.Quote(substr) + `)`
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			for {
				// Evaluating fails while the page navigates; try again.
				if ok, err := chromedp.Evaluate[bool](expr)(ctx, tg); err == nil && ok {
					return nil
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("no confirmation containing %q: %w", substr, ctx.Err())
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}

	t.Run("SignIn", func(t *testing.T) {
		do(t, ctx, "open the root and land on sign-in",
			chromedp.Navigate(s.URL+"/"),
			chromedp.WaitVisible(css("#email")),
			chromedp.SendKeys(css("#email"), s.Email),
			chromedp.SendKeys(css("#password"), s.Password),
			chromedp.Click(css(`form[action="/dashboard/login"] button[type=submit]`)),
			chromedp.WaitVisible(css(`[data-stat="campaigns.recovered"]`)),
			chromedp.WaitVisible(css(".chart svg rect.bar")),
		)
		if n, _ := strconv.Atoi(text(t, "recovered KPI", `[data-stat="campaigns.recovered"]`)); n == 0 {
			t.Fatal("the demo's overview shows no recovered payments")
		}
		if got := text(t, "mode banner", ".banner"); !strings.Contains(got, "Test mode") {
			t.Fatalf("banner %q", got)
		}
		chrome.Screenshot(t, ctx, "dashboard-overview")
	})

	t.Run("KeyboardSkipLink", func(t *testing.T) {
		do(t, ctx, "tab to the skip link", chromedp.KeyEvent("\t"))
		if cls := get(t, ctx, "focused element", chromedp.Evaluate[string]("document.activeElement.className")); cls != "skip" {
			t.Fatalf("first Tab focuses %q, want the skip link", cls)
		}
	})

	t.Run("RecoveryTimeline", func(t *testing.T) {
		do(t, ctx, "list recoveries",
			chromedp.Navigate(s.URL+"/dashboard/recoveries"),
			chromedp.WaitVisible(css("table tbody tr")),
		)
		chrome.Screenshot(t, ctx, "dashboard-recoveries")
		do(t, ctx, "open a recovered one",
			chromedp.Navigate(s.URL+"/dashboard/recoveries?status=recovered"),
			chromedp.WaitVisible(css("table tbody tr td a")),
			chromedp.Click(css("table tbody tr td a")),
			chromedp.WaitVisible(css("ol.timeline li")),
		)
		items := get(t, ctx, "timeline items", chromedp.Evaluate[int]("document.querySelectorAll('ol.timeline li').length"))
		tl := text(t, "timeline", "ol.timeline")
		if items < 2 || !strings.Contains(tl, "Recovery started") || !strings.Contains(tl, "Recovery ended: recovered") {
			t.Fatalf("timeline with %d items: %s", items, tl)
		}
		chrome.Screenshot(t, ctx, "dashboard-recovery-timeline")
		// Relative times show the absolute time on hover.
		if title := get(t, ctx, "time title", chromedp.AttributeValue(css("ol.timeline time"), "title")); !title.Exists || !strings.HasSuffix(title.Value, "UTC") {
			t.Fatalf("time title %+v", title)
		}
	})

	var token string
	t.Run("MintTokenAndUseIt", func(t *testing.T) {
		do(t, ctx, "mint a test token",
			chromedp.Navigate(s.URL+"/dashboard/settings/api-tokens"),
			chromedp.WaitVisible(css("#t-name")),
			chromedp.SendKeys(css("#t-name"), "browser test"),
			chromedp.SetValue(css("#t-mode"), "test"),
			chromedp.Click(css(`form[action="/dashboard/settings/api-tokens"] button[type=submit]`)),
			chromedp.WaitVisible(css("#new-token")),
		)
		token = text(t, "new token", "#new-token")
		if !strings.HasPrefix(token, "hf_test_") {
			t.Fatalf("token %q", token)
		}
		if st := s.authMe(t, token); st != http.StatusOK {
			t.Fatalf("GET /v1/auth/me with the new token: %d", st)
		}
		chrome.Screenshot(t, ctx, "dashboard-api-tokens")
	})

	t.Run("RevokeToken", func(t *testing.T) {
		do(t, ctx, "revoke it",
			chromedp.Navigate(s.URL+"/dashboard/settings/api-tokens"),
			chromedp.WaitVisible(css("tr[data-key]")),
			// The revoke form asks for confirmation; answer yes.
			chromedp.Evaluate[chromedp.Void]("window.confirm = () => true"),
			chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('tr[data-key]')]
				.find(r => r.cells[0].textContent.trim() === 'browser test')
				.querySelector('form[action$="/revoke"] button').click()`),
			flashWith("revoked"),
		)
		if got := text(t, "flash", ".flash"); !strings.Contains(got, "revoked") {
			t.Fatalf("flash %q", got)
		}
		if st := s.authMe(t, token); st != http.StatusUnauthorized {
			t.Fatalf("GET /v1/auth/me with the revoked token: %d, want 401", st)
		}
	})

	t.Run("IPAllowlist", func(t *testing.T) {
		add := `form[aria-labelledby="add"] button[type=submit]`
		do(t, ctx, "add a range that would lock this browser out",
			chromedp.Navigate(s.URL+"/dashboard/settings/api-keys/ip-allowlist"),
			chromedp.WaitVisible(css("#entry")),
			chromedp.SendKeys(css("#entry"), "10.0.0.0/8"),
			chromedp.Click(css(add)),
			chromedp.WaitVisible(css("#lockout-warning")),
		)
		if got := text(t, "warning", "#lockout-warning"); !strings.Contains(got, "lock out your current IP address (127.0.0.1)") {
			t.Fatalf("warning %q", got)
		}
		chrome.Screenshot(t, ctx, "dashboard-ip-allowlist-warning")
		do(t, ctx, "confirm it, then add this browser's address",
			chromedp.Click(css("#lockout-warning button[type=submit]")),
			flashWith("Added 10.0.0.0/8"),
			chromedp.SendKeys(css("#entry"), "127.0.0.1"),
			chromedp.Click(css(add)),
			flashWith("Added 127.0.0.1"),
		)
		entries := text(t, "entries", "ul.entries")
		if !strings.Contains(entries, "10.0.0.0/8") || !strings.Contains(entries, "127.0.0.1") {
			t.Fatalf("entries %q", entries)
		}
		if got := text(t, "browser status", "#client-ip + *"); got == "" {
			t.Fatal("no allowed/not-allowed badge")
		}
	})

	t.Run("CampaignValidation", func(t *testing.T) {
		submit := `form[action="/dashboard/campaigns"] button[type=submit]`
		do(t, ctx, "submit a campaign without a name",
			chromedp.Navigate(s.URL+"/dashboard/campaigns/new"),
			chromedp.WaitVisible(css("#name")),
			chromedp.Click(css(submit)),
			chromedp.WaitVisible(css("#name-err")),
		)
		if got := text(t, "name error", "#name-err"); got != "name must be 1 to 200 characters." {
			t.Fatalf("name error %q", got)
		}
		if inv := get(t, ctx, "aria-invalid", chromedp.AttributeValue(css("#name"), "aria-invalid")); inv.Value != "true" {
			t.Fatal("the invalid field is not marked aria-invalid")
		}
		chrome.Screenshot(t, ctx, "dashboard-campaign-errors")
		do(t, ctx, "fix it",
			chromedp.SendKeys(css("#name"), "Browser campaign"),
			chromedp.Click(css(submit)),
			flashWith("Browser campaign"),
		)
		if got := text(t, "campaigns", "table"); !strings.Contains(got, "Browser campaign") || !strings.Contains(got, "Default") {
			t.Fatalf("campaign list %q", got)
		}
	})

	t.Run("CancelSessions", func(t *testing.T) {
		do(t, ctx, "open cancel sessions",
			chromedp.Navigate(s.URL+"/dashboard/cancel-sessions"),
			chromedp.WaitVisible(css("table.reasons tbody tr")),
		)
		if got := text(t, "reasons", "table.reasons"); !strings.Contains(got, "It's too expensive") {
			t.Fatalf("reasons breakdown %q", got)
		}
		chrome.Screenshot(t, ctx, "dashboard-cancel-sessions")
	})

	t.Run("Narrow375", func(t *testing.T) {
		for _, page := range []string{"overview", "recoveries", "settings/api-tokens"} {
			do(t, ctx, "open "+page+" at 375 px",
				chromedp.EmulateViewport(375, 812),
				chromedp.Navigate(s.URL+"/dashboard/"+page),
				chromedp.WaitVisible(css("main h1")),
			)
			if w := get(t, ctx, "page width", chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > 375 {
				t.Fatalf("%s scrolls sideways at 375 px (%d px wide)", page, w)
			}
		}
		chrome.Screenshot(t, ctx, "dashboard-api-tokens-375")
	})
}
