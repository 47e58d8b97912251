package browser

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"holdfast/e2e/chrome"
)

// problems collects what the browser reports while pages load: console
// errors, uncaught exceptions, log entries at error level (CSP violations,
// failed loads) and any 5xx answer.
type problems struct {
	mu   sync.Mutex
	list []string
	page string
}

func (p *problems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, p.page+": "+fmt.Sprintf(format, args...))
}

func (p *problems) at(page string) {
	p.mu.Lock()
	p.page = page
	p.mu.Unlock()
}

func (p *problems) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.list
	p.list = nil
	return out
}

func (p *problems) listen(ctx context.Context) error {
	return chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				p.add("console.%s %s", e.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			desc := d.Text
			if d.Exception != nil {
				desc += " " + d.Exception.Description
			}
			p.add("exception %s at %s:%d", desc, d.URL, d.LineNumber+1)
		case *log.EventEntryAdded:
			// The 404 page is opened on purpose; its own status is no error.
			if e.Entry.Level == log.EntryLevelError && !strings.HasSuffix(e.Entry.URL, "/dashboard/no-such-page") {
				p.add("log %s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 500 {
				p.add("HTTP %d from %s", e.Response.Status, e.Response.URL)
			}
		}
	})
}

// overflowJS lists every visible table wider than the box it sits in (or
// reaching past the viewport), and a page that scrolls sideways.
const overflowJS = `(() => {
  const vw = document.documentElement.clientWidth, out = [];
  if (document.documentElement.scrollWidth > vw + 1) out.push('the page is ' + document.documentElement.scrollWidth + ' px wide in a ' + vw + ' px viewport');
  document.querySelectorAll('table').forEach((t, i) => {
    if (!t.offsetParent) return;
    const r = t.getBoundingClientRect(), box = t.parentElement.getBoundingClientRect();
    const name = (t.className || t.closest('section,main').querySelector('h1,h2')?.textContent || 'table ' + i).trim();
    if (r.width > box.width + 1 || r.right > vw + 1) out.push('table "' + name + '" is ' + Math.round(r.width) + ' px wide in a ' + Math.round(box.width) + ' px box');
  });
  return out;
})()`

// TestFirstHour walks what a new operator does in their first hour, in a
// real browser: start the demo, sign in with the printed login, open every
// dashboard page at 1280×800 and at 390×844 (a phone), and run the cancel
// demo. It fails on any table wider than its box, any console error and any
// 5xx; the screenshots are kept in testoutput/.
func TestFirstHour(t *testing.T) {
	chrome.Require(t)
	srv := startDemo(t, "sqlite", "--demo-customers", "250", "--demo-days", "21")
	ctx := chrome.New(t, 1280, 800)
	var pr problems
	if err := pr.listen(ctx); err != nil {
		t.Fatal(err)
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	pr.at("sign-in")
	step(t, ctx, "sign in with the demo login",
		chromedp.Navigate(srv.Base+"/"),
		chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), "demo@holdfast.example"),
		chromedp.SendKeys(css("#password"), srv.Password),
		chromedp.Click(css(`form[action="/dashboard/login"] button[type=submit]`)),
		// The sign-in page has a main h1 too: wait for the navigation itself,
		// or a slow sign-in (a loaded machine) reads the old page.
		chromedp.WaitNotPresent(css(`form[action="/dashboard/login"]`)),
		chromedp.WaitVisible(css("main h1")),
	)
	if url := evaluate[string](t, ctx, "location.pathname"); url != "/dashboard/overview" {
		t.Fatalf("after sign-in the browser is at %s", url)
	}

	// Detail pages: the first object each list links to.
	pages := []string{"overview", "recoveries", "payments", "customers", "campaigns", "campaigns/new", "cancel-sessions",
		"cancel-flow", "webhooks", "settings/api-tokens", "settings/api-keys/ip-allowlist", "settings/workspace"}
	for _, list := range []string{"recoveries", "payments", "customers", "campaigns", "webhooks"} {
		step(t, ctx, "open "+list, chromedp.Navigate(srv.Base+"/dashboard/"+list), chromedp.WaitVisible(css("main h1")))
		href := evaluate[string](t, ctx, `(document.querySelector('main a[href^="/dashboard/`+list+`/"]:not([href$="/new"])') || {}).getAttribute?.('href') || ''`)
		if href == "" {
			t.Fatalf("the %s page links to no %s", list, list)
		}
		pages = append(pages, strings.TrimPrefix(href, "/dashboard/"))
	}
	pages = append(pages, "no-such-page")

	for _, vp := range []struct {
		name string
		w, h int64
	}{{"1280", 1280, 800}, {"390", 390, 844}} {
		step(t, ctx, "viewport "+vp.name, chromedp.EmulateViewport(vp.w, vp.h))
		for _, p := range pages {
			pr.at(vp.name + " " + p)
			step(t, ctx, "open "+p, chromedp.Navigate(srv.Base+"/dashboard/"+p), chromedp.WaitVisible(css("main h1")))
			for _, o := range evaluate[[]string](t, ctx, overflowJS) {
				t.Errorf("%s at %s px: %s", p, vp.name, o)
			}
			name := strings.NewReplacer("/", "-", "_", "-").Replace(p)
			if strings.Contains(p, "/") && !strings.HasPrefix(p, "settings") && p != "campaigns/new" {
				name = strings.SplitN(p, "/", 2)[0] + "-detail"
			}
			chrome.Screenshot(t, ctx, "firsthour-"+vp.name+"-"+name)
		}
	}
	step(t, ctx, "back to desktop", chromedp.EmulateViewport(1280, 800))

	pr.at("cancel demo")
	runFlow(t, ctx, srv, "firsthour", "accept-offer")
	step(t, ctx, "wait for the outcome", chromedp.WaitVisible(css(`#outcome[data-state="done"]`)))
	chrome.Screenshot(t, ctx, "firsthour-cancel-demo")
	// Taking the discount withholds the next one; the page says so and why.
	step(t, ctx, "accept the discount",
		chromedp.Navigate(srv.Base+"/demo/cancel"),
		chromedp.WaitVisible(css("#cancel-subscription")),
		chromedp.Click(css("#cancel-subscription")),
		chromedp.WaitVisible(css(`input[data-hf="reason"][value="too_expensive"]`)),
		chromedp.Click(css(`input[data-hf="reason"][value="too_expensive"]`)),
		chromedp.Click(css(`[data-hf="submit-reason"]`)),
		chromedp.WaitVisible(css(`[data-hf="accept-offer"]`)),
		chromedp.Click(css(`[data-hf="accept-offer"]`)),
		chromedp.WaitVisible(css(`#outcome[data-state="done"]`)),
	)
	if note := evaluate[string](t, ctx, "document.getElementById('outcome-note').textContent"); !strings.Contains(note, "offer no discount") {
		t.Errorf("after taking the discount the page says %q", note)
	}
	step(t, ctx, "reload the demo page", chromedp.Navigate(srv.Base+"/demo/cancel"), chromedp.WaitVisible(css("#offer-withheld")))
	if note := evaluate[string](t, ctx, "document.getElementById('offer-withheld').textContent"); !strings.Contains(note, "discount cooldown") {
		t.Errorf("withheld notice %q", note)
	}
	chrome.Screenshot(t, ctx, "firsthour-cancel-demo-withheld")

	// Events of the last page may still be on their way: one round trip
	// through the tab delivers everything sent before it.
	evaluate[int](t, ctx, "1")
	for _, p := range pr.take() {
		t.Errorf("browser: %s", p)
	}
}

// evaluate runs JavaScript in the page with a deadline.
func evaluate[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %q: %v", js, err)
	}
	return v
}
