// Package browser holds end-to-end tests that run the real holdfast binary
// (`serve --demo`): the cancel-flow widget on the demo page driven through a
// headless Chromium (Debian's /usr/bin/chromium, via chromedp) and checked
// through the API, the cancel-session timeout through advance_clock, and the
// README's walk-through blocks (readme_test.go, run in a shell). The
// browser test skips, saying why, when no Chromium is installed.
package browser
