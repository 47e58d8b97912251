package dashboard

import (
	"context"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"holdfast"
	hfmail "holdfast/mail"
	"holdfast/store"
)

type workspaceData struct {
	Workspace  *holdfast.Workspace
	HookURL    string
	Secrets    []secretState
	CanMail    bool
	MailTo     string
	MailResult string
	MailError  string
	Errors     map[string]string
}

// secretState says whether a provider secret is configured; secrets are
// write-only here and never shown back.
type secretState struct {
	Name  string // store secret name
	Label string
	Mode  holdfast.Mode
	Set   bool
}

func (d *Dashboard) workspaceSettings(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return d.renderWorkspace(w, r, v, http.StatusOK, workspaceData{MailTo: v.user.Email})
}

func (d *Dashboard) renderWorkspace(w http.ResponseWriter, r *http.Request, v *viewer, status int, data workspaceData) error {
	data.Workspace, data.CanMail = v.ws, d.mailer != nil
	data.HookURL = d.publicBase(r) + "/hooks/stripe/" + v.ws.ID
	for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
		for _, s := range []struct{ name, label string }{
			{store.SecretStripeWebhook, "Stripe webhook signing secret"},
			{store.SecretStripeAPIKey, "Stripe secret API key"},
		} {
			val, err := d.store.WorkspaceSecret(r.Context(), v.ws.ID, mode, s.name)
			if err != nil {
				return err
			}
			data.Secrets = append(data.Secrets, secretState{Name: s.name, Label: s.label, Mode: mode, Set: val != ""})
		}
	}
	return d.render(w, r, v, status, "workspace", "Workspace settings", "workspace", data,
		crumb{"Settings", Prefix + "/settings"}, crumb{Label: "Workspace"})
}

// publicBase is where the outside world reaches this server.
func (d *Dashboard) publicBase(r *http.Request) string {
	if d.publicURL != "" {
		return d.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// workspaceSecrets stores one Stripe secret for one mode, checking its
// prefix so a live key cannot be saved as the test key by mistake.
func (d *Dashboard) workspaceSecrets(w http.ResponseWriter, r *http.Request, v *viewer) error {
	name, value := r.PostFormValue("name"), strings.TrimSpace(r.PostFormValue("value"))
	mode, ok := holdfast.ParseMode(r.PostFormValue("mode"))
	if !ok {
		return holdfast.ParamError("mode", "Mode must be live or test.")
	}
	field := name + "_" + string(mode)
	var prefixes []string
	switch name {
	case store.SecretStripeWebhook:
		prefixes = []string{"whsec_"}
	case store.SecretStripeAPIKey:
		prefixes = []string{"sk_" + string(mode) + "_", "rk_" + string(mode) + "_"}
	default:
		return holdfast.ParamError("name", "Unknown secret.")
	}
	valid := false
	for _, p := range prefixes {
		valid = valid || (strings.HasPrefix(value, p) && len(value) > len(p)+8)
	}
	if !valid || len(value) > 255 || strings.ContainsAny(value, " \t\r\n") {
		data := workspaceData{MailTo: v.user.Email, Errors: map[string]string{field: "Expected a value starting with " + strings.Join(prefixes, " or ") + "."}}
		return d.renderWorkspace(w, r, v, http.StatusUnprocessableEntity, data)
	}
	if err := d.store.SetWorkspaceSecret(r.Context(), v.ws.ID, mode, name, value, d.clock.Now()); err != nil {
		return err
	}
	return d.redirect(w, r, Prefix+"/settings/workspace", "Saved the "+string(mode)+"-mode "+strings.ReplaceAll(name, "_", " ")+".")
}

// widgetSecretRotate replaces the secret that keys cancel-flow auth
// hashes; the merchant's backend must switch to the new one.
func (d *Dashboard) widgetSecretRotate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	secret := "wsec_" + holdfast.RandomBase62(40)
	if _, err := d.store.UpdateWorkspace(r.Context(), v.ws.ID, store.WorkspaceUpdate{WidgetSecret: &secret}, d.clock.Now()); err != nil {
		return err
	}
	return d.redirect(w, r, Prefix+"/settings/workspace", "Widget secret rotated. Update the auth-hash code of your backend.")
}

// smtpTest sends one message through the configured SMTP server and shows
// what happened.
func (d *Dashboard) smtpTest(w http.ResponseWriter, r *http.Request, v *viewer) error {
	to := strings.TrimSpace(r.PostFormValue("to"))
	data := workspaceData{MailTo: to, Errors: map[string]string{}}
	if d.mailer == nil {
		data.MailError = "No SMTP server is configured (HOLDFAST_SMTP_URL)."
		return d.renderWorkspace(w, r, v, http.StatusConflict, data)
	}
	if a, err := mail.ParseAddress(to); err != nil || a.Name != "" {
		data.Errors["to"] = "Enter one email address."
		return d.renderWorkspace(w, r, v, http.StatusUnprocessableEntity, data)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	err := d.mailer.Send(ctx, hfmail.Message{To: to, Subject: "Holdfast SMTP test for " + v.ws.Name,
		Text: "This is a test message from the Holdfast dashboard. Dunning emails will be sent the same way.\n"})
	if err != nil {
		d.log.WarnContext(r.Context(), "smtp test failed", "workspace", v.ws.ID, "err", err)
		data.MailError = "Sending failed: " + err.Error()
		return d.renderWorkspace(w, r, v, http.StatusBadGateway, data)
	}
	data.MailResult = "Test message sent to " + to + "."
	return d.renderWorkspace(w, r, v, http.StatusOK, data)
}
