// Package chrome starts the headless Chromium that the browser suites
// (e2e/browser, e2e/dashboard) drive through chromedp, and saves their
// screenshots. It uses the Chromium the machine has (Debian's package) and
// never downloads one: without it the tests skip, saying how to install it.
package chrome

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// skipMessage tells whoever runs the suite why nothing ran and how to fix it.
const skipMessage = "Chromium not found at /usr/bin/chromium (install Debian's chromium: apt-get install -y chromium, or set HOLDFAST_CHROMIUM); skipping the browser test"

// Path finds Chromium: $HOLDFAST_CHROMIUM, else Debian's binary, else
// "chromium" on $PATH; "" when there is none.
func Path() string {
	if p := os.Getenv("HOLDFAST_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// Require skips t when no Chromium is installed; suites call it before
// expensive setup (building the binary, starting a server).
func Require(t testing.TB) {
	t.Helper()
	if Path() == "" {
		// CI sets HOLDFAST_REQUIRE_BROWSER so a missing Chromium fails the run
		// instead of silently skipping the browser checks.
		if os.Getenv("HOLDFAST_REQUIRE_BROWSER") != "" {
			t.Fatal("HOLDFAST_REQUIRE_BROWSER is set but " + skipMessage)
		}
		t.Skip(skipMessage)
	}
}

// New starts headless Chromium with a fresh profile and a width×height
// window for one test, and stops it when the test ends. The flags keep the
// browser off the network except for the pages the test opens.
func New(t *testing.T, width, height int) context.Context {
	t.Helper()
	Require(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Screenshot saves the whole page as testoutput/<name>.png at the repo root
// (a CI artifact, ignored by git).
func Screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	save(t, ctx, name, chromedp.FullScreenshot(100))
}

// ScreenshotOf saves the element matching the CSS selector as
// testoutput/<name>.png at the repo root.
func ScreenshotOf(t *testing.T, ctx context.Context, name, selector string) {
	t.Helper()
	save(t, ctx, name, chromedp.Screenshot(chromedp.CSS(selector)))
}

// save takes the shot with a deadline, so a missing element fails the test
// instead of hanging it, and writes it out.
func save(t *testing.T, ctx context.Context, name string, shot chromedp.Action[[]byte]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "testoutput")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// moduleRoot walks up from the working directory (a test's package
// directory) to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("chrome: no go.mod above the working directory")
		}
		dir = parent
	}
}
