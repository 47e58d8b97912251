package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"holdfast/store"
)

//go:embed all:templates static
var assets embed.FS

// pages holds one template set per page: the shared layouts and partials
// plus the page's own "content".
type pages struct {
	sets map[string]*template.Template
}

func mustParsePages() *pages {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(assets, "templates/_*.html"))
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		p.sets[name] = template.Must(template.Must(base.Clone()).ParseFS(assets, f))
	}
	return p
}

// page is what every template receives; Data is the page's own struct.
type page struct {
	Title   string
	Section string
	Crumbs  []crumb
	User    string
	WsName  string
	WsID    string
	Mode    string
	Live    bool
	Demo    bool
	CSRF    string
	Path    string
	Flash   string
	// Now is the mode's present (the test clock in test mode): the base of
	// relative times of business objects. RealNow is the wall clock, for
	// operator facts such as a token's last use or a trial's end, which the
	// test clock must never move.
	Now     time.Time
	RealNow time.Time
	Data    any
	// ProviderAlert warns on every page while Stripe refuses Holdfast's
	// retries (a revoked key, an outage): nil when all is well.
	ProviderAlert *store.ProviderAlert
}

// crumb is one step of a breadcrumb trail ("Settings → API Keys → IP Allowlist").
type crumb struct {
	Label string
	URL   string
}

// render writes a signed-in page in the app layout.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, v *viewer, status int, name, title, section string, data any, crumbs ...crumb) error {
	p := page{Title: title, Section: section, Crumbs: crumbs, Data: data, Path: r.URL.RequestURI(), RealNow: d.clock.Now()}
	p.Flash = d.takeFlash(w, r)
	if v != nil {
		p.User, p.WsName, p.WsID = v.user.Email, v.ws.Name, v.ws.ID
		p.Mode, p.Live, p.Demo = string(v.Mode()), v.Mode() == "live", v.ws.IsDemo
		p.CSRF, p.Now = v.sess.CSRFToken, v.now()
		alert, err := d.store.ProviderAlert(r.Context(), v.ws.ID, v.Mode())
		if err != nil {
			return err
		}
		p.ProviderAlert = alert
	} else {
		p.Now = d.clock.Now()
	}
	layout := "app"
	if v == nil {
		layout = "public"
	}
	return d.execute(w, status, name, layout, p)
}

// renderPublic writes a page of the signed-out layout; its forms carry the
// double-submit token.
func (d *Dashboard) renderPublic(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) error {
	p := page{Title: title, Data: data, Now: d.clock.Now(), RealNow: d.clock.Now(), CSRF: d.loginToken(w, r), Path: r.URL.RequestURI()}
	return d.execute(w, status, name, "public", p)
}

func (d *Dashboard) execute(w http.ResponseWriter, status int, name, layout string, p page) error {
	set, ok := d.pages.sets[name]
	if !ok {
		return fmt.Errorf("dashboard: no template %q", name)
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, layout, p); err != nil {
		return fmt.Errorf("dashboard: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// staticHandler serves the embedded CSS and JavaScript with a short cache.
func staticHandler(fsys fs.FS) http.Handler {
	fsrv := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		fsrv.ServeHTTP(w, r)
	})
}

// flashCookie carries a one-line confirmation across a redirect.
const flashCookie = "hf_flash"

// flash sets the message the next page shows once.
func (d *Dashboard) flash(w http.ResponseWriter, r *http.Request, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: encodeFlash(msg), Path: Prefix, HttpOnly: true,
		Secure: d.secureRequest(r), SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func (d *Dashboard) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		Secure: d.secureRequest(r), SameSite: http.SameSiteLaxMode})
	return decodeFlash(c.Value)
}

// redirect answers a successful form post (post/redirect/get).
func (d *Dashboard) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		d.flash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
