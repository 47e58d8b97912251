// Package widget serves the embeddable cancel-flow script (GET /widget.js) and a
// test-mode demo page (GET /demo/cancel) that shows it working. Both assets are
// compiled into the binary, so the single-binary deployment needs no asset
// directory and the script a merchant embeds always matches the server's API.
package widget

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed assets/widget.js assets/demo.html assets/notice_demo.html
var assets embed.FS

// script is the widget source and scriptETag its strong validator. Both are
// computed once: the content can only change with a new binary.
var (
	script     = mustRead("assets/widget.js")
	scriptETag = contentETag(script)
)

// ScriptHandler serves the widget script. It is cacheable for five minutes by
// browsers and CDNs (merchants' pages load it on every visit) and revalidated by
// ETag afterwards, so a deploy reaches customers within minutes without
// versioned URLs. Only GET and HEAD are allowed.
func ScriptHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowRead(w, r) {
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/javascript; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("ETag", scriptETag)
		h.Set("X-Content-Type-Options", "nosniff")
		// The script is public and embedded in other sites' pages: let them load
		// it with crossorigin/SRI and under a cross-origin-isolated policy.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		// ServeContent answers If-None-Match (304, weak comparison, "*"),
		// HEAD and Range from the ETag set above.
		http.ServeContent(w, r, "widget.js", time.Time{}, bytes.NewReader(script))
	})
}

// allowRead rejects anything but GET and HEAD with 405 and an Allow header; it
// reports whether the request may proceed. The API router may already route by
// method, but the handlers stay correct when mounted on a bare path.
func allowRead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// contentETag is a strong ETag derived from the content, so every process of a
// deployment (and every restart) agrees on it without coordination.
func contentETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// mustRead reads an embedded asset; a missing one is a build mistake, caught by
// any test of this package.
func mustRead(name string) []byte {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic("widget: " + err.Error())
	}
	return b
}
