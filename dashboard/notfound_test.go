package dashboard_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestUnknownPathsAndFavicon: a path outside every route answers the
// dashboard's HTML page to a browser and the JSON error to anything else,
// and /favicon.ico is an icon.
func TestUnknownPathsAndFavicon(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	cases := []struct {
		name, path, accept string
		status             int
		contentType, body  string
	}{
		{"BrowserGetsPage", "/nope", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 404, "text/html", "There is no page at /nope."},
		{"DeepPathBrowser", "/a/b/c.php", "text/html", 404, "text/html", "Not found"},
		{"APIClientGetsJSON", "/nope", "application/json", 404, "application/json", `"code":"resource_not_found"`},
		{"CurlGetsJSON", "/nope", "*/*", 404, "application/json", "/v1 and /api/v1"},
		{"JSONBeforeHTML", "/nope", "application/json, text/html", 404, "application/json", `"error"`},
		{"Favicon", "/favicon.ico", "*/*", 200, "image/svg+xml", "<svg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.Server.URL+c.path, nil)
			req.Header.Set("Accept", c.accept)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var sb strings.Builder
			_, _ = io.Copy(&sb, res.Body)
			if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), c.contentType) || !strings.Contains(sb.String(), c.body) {
				t.Fatalf("GET %s (Accept %s): %d %s, want %d %s containing %q:\n%.500s", c.path, c.accept, res.StatusCode,
					res.Header.Get("Content-Type"), c.status, c.contentType, c.body, sb.String())
			}
		})
	}
}

// TestLoginPageSaysHowToReset: the sign-in page tells a user who forgot
// their password (or lost their link) what the administrator runs.
func TestLoginPageSaysHowToReset(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	p := e.browser().get("/dashboard/login")
	if p.Status != 200 || !strings.Contains(p.Body, "Forgot your password") || !strings.Contains(p.Body, "holdfast user reset --email") {
		t.Fatalf("login page: %d %.2000s", p.Status, p.Body)
	}
}
