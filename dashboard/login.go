package dashboard

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"

	"holdfast"
)

// loginCSRFCookie carries the double-submit token of the sign-in and
// set-password forms, which are shown before any session exists.
const loginCSRFCookie = "hf_login_csrf"

// loginData is what the sign-in form shows.
type loginData struct {
	Email string
	Next  string
	Error string
}

// loginToken returns the visitor's pre-session CSRF token, setting the
// cookie when it is missing.
func (d *Dashboard) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := holdfast.RandomBase62(43)
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: Prefix, HttpOnly: true,
		Secure: d.secureRequest(r), SameSite: http.SameSiteStrictMode})
	return tok
}

// checkLoginToken verifies the double-submit token of a public form.
func (d *Dashboard) checkLoginToken(r *http.Request) error {
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !validCSRF(r.PostFormValue(csrfField), c.Value) {
		return errCSRF
	}
	return nil
}

func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) error {
	if v, _ := d.viewerFrom(r); v != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return d.renderPublic(w, r, http.StatusOK, "login", "Sign in", loginData{Next: r.URL.Query().Get("next")})
}

// login checks the throttle first, then the password. Every refusal says
// the same thing whether the email exists or not, and an unknown email
// still pays for one password hash so timing does not tell either.
func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) error {
	if err := d.checkLoginToken(r); err != nil {
		return err
	}
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	data := loginData{Email: email, Next: r.PostFormValue("next")}
	ip := d.clientIP(r)
	now := d.clock.Now()

	// The attempt is counted (and the keys locked once it uses their last
	// allowance) before the password is hashed; a locked key refuses
	// without hashing anything.
	attempt, err := d.beginAttempt(ctx, email, ip, now)
	if err != nil {
		return err
	}
	if attempt.Refused {
		data.Error = lockMessage(attempt.LockedUntil.Sub(now).Minutes())
		return d.renderPublic(w, r, http.StatusTooManyRequests, "login", "Sign in", data)
	}
	u, err := d.store.UserByEmail(ctx, email)
	if err != nil && holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return err
	}
	hash := dummyHash
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, err := d.verifyPassword(ctx, hash, password)
	if err != nil {
		return err
	}
	ok = ok && hash != dummyHash
	if !ok {
		data.Error = "Incorrect email or password."
		status := http.StatusUnauthorized
		if len(attempt.Locked) > 0 {
			data.Error, status = lockMessage(attempt.LockedUntil.Sub(now).Minutes()), http.StatusTooManyRequests
		}
		return d.renderPublic(w, r, status, "login", "Sign in", data)
	}
	ws, err := d.store.GetWorkspace(ctx, u.WorkspaceID)
	if err != nil {
		return err
	}
	if err := d.succeeded(ctx, email, ip, attempt, now); err != nil {
		return err
	}
	if err := d.store.RecordUserLogin(ctx, u.ID, now); err != nil {
		return err
	}
	if err := d.startSession(ctx, w, r, u, ws); err != nil {
		return err
	}
	http.Redirect(w, r, safeNext(data.Next), http.StatusSeeOther)
	return nil
}

// verifyPassword checks a password against its hash, counting the check for
// tests (onVerify) and waiting for a hashing slot (see hashSlots).
func (d *Dashboard) verifyPassword(ctx context.Context, hash, password string) (bool, error) {
	if d.onVerify != nil {
		d.onVerify()
	}
	return VerifyPasswordContext(ctx, hash, password)
}

func lockMessage(minutes float64) string {
	n := int(math.Ceil(minutes))
	unit := "minutes"
	if n <= 1 {
		n, unit = 1, "minute"
	}
	return fmt.Sprintf("Too many failed sign-in attempts. Try again in %d %s.", n, unit)
}

// safeNext keeps post-sign-in redirects inside the dashboard.
func safeNext(next string) string {
	if strings.HasPrefix(next, Prefix+"/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") &&
		!strings.HasPrefix(next, Prefix+"/login") {
		return next
	}
	return Prefix + "/overview"
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := d.store.DeleteDashboardSession(r.Context(), v.sess.ID); err != nil {
		return err
	}
	d.clearSession(w, r)
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
	return nil
}

// switchMode flips the session between live and test data.
func (d *Dashboard) switchMode(w http.ResponseWriter, r *http.Request, v *viewer) error {
	mode, ok := holdfast.ParseMode(r.PostFormValue("mode"))
	if !ok {
		return holdfast.ParamError("mode", "Mode must be live or test.")
	}
	if err := d.store.SetDashboardSessionMode(r.Context(), v.sess.ID, mode); err != nil {
		return err
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("back")), http.StatusSeeOther)
	return nil
}
