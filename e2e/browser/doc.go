// Package browser holds end-to-end tests that drive the real holdfast binary
// through a headless Chromium (Debian's /usr/bin/chromium, driven by
// chromedp): the cancel-flow widget on the demo page, checked through the
// API. The tests skip, saying why, when no Chromium is installed.
package browser
