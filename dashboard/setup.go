package dashboard

import (
	"net/http"

	"holdfast"
)

// The set-password page is where `holdfast user create` and `user reset` links point: a
// one-time token (stored hashed) lets a new user choose a password, which
// also signs them in.

type setupData struct {
	Token  string
	Email  string
	Errors map[string]string
}

func (d *Dashboard) setupPage(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	u, err := d.store.UserBySetupToken(r.Context(), holdfast.HashToken(tok), d.clock.Now())
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return holdfast.Errorf(holdfast.ENOTFOUND, "This link is invalid, expired or already used. Ask an administrator for a new one (holdfast user reset --email YOUR-EMAIL).")
	} else if err != nil {
		return err
	}
	return d.renderPublic(w, r, http.StatusOK, "setup", "Choose a password", setupData{Token: tok, Email: u.Email})
}

func (d *Dashboard) setup(w http.ResponseWriter, r *http.Request) error {
	if err := d.checkLoginToken(r); err != nil {
		return err
	}
	ctx := r.Context()
	now := d.clock.Now()
	tok := r.PostFormValue("token")
	u, err := d.store.UserBySetupToken(ctx, holdfast.HashToken(tok), now)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return holdfast.Errorf(holdfast.ENOTFOUND, "This link is invalid, expired or already used. Ask an administrator for a new one (holdfast user reset --email YOUR-EMAIL).")
	} else if err != nil {
		return err
	}
	pw := r.PostFormValue("password")
	data := setupData{Token: tok, Email: u.Email, Errors: map[string]string{}}
	if err := ValidatePassword("password", pw); err != nil {
		data.Errors["password"] = messageOf(err)
	} else if pw != r.PostFormValue("password_confirm") {
		data.Errors["password_confirm"] = "The two passwords do not match."
	}
	if len(data.Errors) > 0 {
		return d.renderPublic(w, r, http.StatusUnprocessableEntity, "setup", "Choose a password", data)
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	// The link is burnt in the same statement that checks it, so two
	// concurrent submissions of one link cannot both set a password and
	// both get a session.
	err = d.store.SetUserPasswordWithSetupToken(ctx, u.ID, holdfast.HashToken(tok), hash, now)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return holdfast.Errorf(holdfast.ENOTFOUND, "This link is invalid, expired or already used. Ask an administrator for a new one (holdfast user create).")
	} else if err != nil {
		return err
	}
	ws, err := d.store.GetWorkspace(ctx, u.WorkspaceID)
	if err != nil {
		return err
	}
	if err := d.startSession(ctx, w, r, u, ws); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/overview", http.StatusSeeOther)
	return nil
}

// messageOf is the human message of an error.
func messageOf(err error) string {
	if he, ok := holdfast.AsError(err); ok {
		return he.Message
	}
	return "Something went wrong."
}
