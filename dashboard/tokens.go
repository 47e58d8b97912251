package dashboard

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"holdfast"
)

// API tokens are minted, rotated and revoked here as with `holdfast key`.
// Key lifetimes run on real time in both modes (the API checks expiry and
// revocation against the wall clock), so this page uses d.clock, not the
// session's test clock.

// expiryChoices are the lifetimes offered for a new token.
var expiryChoices = []struct {
	Value string
	Label string
	D     time.Duration
}{
	{"never", "Never", 0},
	{"7d", "7 days", 7 * 24 * time.Hour},
	{"30d", "30 days", 30 * 24 * time.Hour},
	{"90d", "90 days", 90 * 24 * time.Hour},
	{"365d", "1 year", 365 * 24 * time.Hour},
}

// graceChoices are how long a rotated token keeps working.
var graceChoices = []struct {
	Value string
	Label string
	D     time.Duration
}{
	{"0", "Stop at once", 0},
	{"1h", "1 hour", time.Hour},
	{"24h", "24 hours", 24 * time.Hour},
	{"168h", "7 days", 7 * 24 * time.Hour},
}

type tokensData struct {
	Keys        []tokenRow
	Pager       *pager
	Created     *holdfast.APIKey // just minted: its token is shown once
	RotatedFrom string
	Form        tokenForm
	Scopes      []holdfast.Scope
	Expiries    any
	Graces      any
}

type tokenRow struct {
	*holdfast.APIKey
	State string // active | rotating | expired | revoked
}

type tokenForm struct {
	Name   string
	Kind   string
	Mode   string
	Scopes []string
	Expiry string
	Errors map[string]string
}

// Has reports whether the form has scope s ticked.
func (f tokenForm) Has(s holdfast.Scope) bool { return slices.Contains(f.Scopes, string(s)) }

// Err returns a field's message.
func (f tokenForm) Err(field string) string { return f.Errors[field] }

func (d *Dashboard) tokens(w http.ResponseWriter, r *http.Request, v *viewer) error {
	form := tokenForm{Kind: string(holdfast.KindSecret), Mode: string(v.Mode()), Scopes: []string{"read"}, Expiry: "never"}
	return d.renderTokens(w, r, v, http.StatusOK, tokensData{Form: form})
}

func (d *Dashboard) renderTokens(w http.ResponseWriter, r *http.Request, v *viewer, status int, data tokensData) error {
	keys, err := d.store.ListKeys(r.Context(), v.ws.ID)
	if err != nil {
		return err
	}
	now := d.clock.Now()
	// A workspace has few keys: they are read whole and paged here.
	_, page := listQuery(r)
	data.Pager = newPager(r, page, int64(len(keys)))
	keys = keys[min(len(keys), (page-1)*perPage):min(len(keys), page*perPage)]
	for _, k := range keys {
		row := tokenRow{APIKey: k, State: "active"}
		switch {
		case k.RevokedAt != nil && !k.RevokedAt.After(now):
			row.State = "revoked"
		case k.ExpiresAt != nil && !k.ExpiresAt.After(now):
			row.State = "expired"
		case k.RotatedTo != "":
			row.State = "rotating"
		}
		data.Keys = append(data.Keys, row)
	}
	data.Scopes, data.Expiries, data.Graces = holdfast.AllScopes, expiryChoices, graceChoices
	return d.render(w, r, v, status, "tokens", "API tokens", "api-tokens", data,
		crumb{"Settings", Prefix + "/settings"}, crumb{Label: "API tokens"})
}

// tokenCreate mints a token and shows it once on the answer page (it is
// never stored, so it cannot travel through a redirect).
func (d *Dashboard) tokenCreate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f := tokenForm{Name: strings.TrimSpace(r.PostFormValue("name")), Kind: r.PostFormValue("kind"), Mode: r.PostFormValue("mode"),
		Scopes: r.PostForm["scopes"], Expiry: r.PostFormValue("expiry"), Errors: map[string]string{}}
	k := &holdfast.APIKey{WorkspaceID: v.ws.ID, Name: f.Name, Kind: holdfast.KeyKind(f.Kind)}
	if len(f.Name) > 100 {
		f.Errors["name"] = "Use at most 100 characters."
	}
	mode, ok := holdfast.ParseMode(f.Mode)
	if !ok {
		f.Errors["mode"] = "Choose live or test."
	}
	k.Mode = mode
	switch k.Kind {
	case holdfast.KindSecret:
		scopes, err := holdfast.ParseScopes(strings.Join(f.Scopes, ","))
		if err != nil {
			f.Errors["scopes"] = "Tick at least one scope."
		}
		k.Scopes = scopes
	case holdfast.KindPublishable:
		k.Scopes = []holdfast.Scope{} // publishable keys only reach the widget calls
	default:
		f.Errors["kind"] = "Choose secret or publishable."
	}
	now := d.clock.Now()
	found := false
	for _, e := range expiryChoices {
		if e.Value == f.Expiry {
			found = true
			if e.D > 0 {
				t := now.Add(e.D).UTC()
				k.ExpiresAt = &t
			}
		}
	}
	if !found {
		f.Errors["expiry"] = "Choose an expiry."
	}
	if len(f.Errors) > 0 {
		return d.renderTokens(w, r, v, http.StatusUnprocessableEntity, tokensData{Form: f})
	}
	if err := d.store.CreateKey(r.Context(), k, now); err != nil {
		return err
	}
	f = tokenForm{Kind: string(holdfast.KindSecret), Mode: string(v.Mode()), Scopes: []string{"read"}, Expiry: "never"}
	return d.renderTokens(w, r, v, http.StatusOK, tokensData{Created: k, Form: f})
}

// ownKey loads a key of the viewer's workspace; another workspace's key is
// ENOTFOUND, exactly like an unknown id.
func (d *Dashboard) ownKey(r *http.Request, v *viewer) (*holdfast.APIKey, error) {
	id := r.PathValue("id")
	k, err := d.store.GetKey(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if k.WorkspaceID != v.ws.ID {
		return nil, holdfast.NotFound("api_key", id)
	}
	return k, nil
}

func (d *Dashboard) tokenRevoke(w http.ResponseWriter, r *http.Request, v *viewer) error {
	k, err := d.ownKey(r, v)
	if err != nil {
		return err
	}
	if _, err := d.store.RevokeKey(r.Context(), k.ID, d.clock.Now()); err != nil {
		return err
	}
	return d.redirect(w, r, Prefix+"/settings/api-tokens", "Token "+k.Hint+" revoked. It stops working at once.")
}

func (d *Dashboard) tokenRotate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	k, err := d.ownKey(r, v)
	if err != nil {
		return err
	}
	grace := time.Duration(-1)
	for _, g := range graceChoices {
		if g.Value == r.PostFormValue("grace") {
			grace = g.D
		}
	}
	if grace < 0 {
		return holdfast.ParamError("grace", "Choose how long the old token keeps working.")
	}
	nk, _, err := d.store.RotateKey(r.Context(), k.ID, grace, d.clock.Now())
	if err != nil {
		return err
	}
	f := tokenForm{Kind: string(holdfast.KindSecret), Mode: string(v.Mode()), Scopes: []string{"read"}, Expiry: "never"}
	return d.renderTokens(w, r, v, http.StatusOK, tokensData{Created: nk, RotatedFrom: k.Hint, Form: f})
}

// settingsIndex lists the settings pages.
func (d *Dashboard) settingsIndex(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return d.render(w, r, v, http.StatusOK, "settings", "Settings", "", nil)
}
