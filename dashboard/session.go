package dashboard

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"time"

	"holdfast"
	"holdfast/store"
)

// viewer is the signed-in user of a request: session, user, workspace, and
// the clock of the session's mode. Every page reads data through it, so
// nothing outside the user's workspace and mode is ever in reach.
type viewer struct {
	sess  *store.DashboardSession
	user  *store.UserRecord
	ws    *holdfast.Workspace
	clock holdfast.Clock
}

// Mode is the session's live/test switch.
func (v *viewer) Mode() holdfast.Mode { return v.sess.Mode }

// now is the current time in the session's mode.
func (v *viewer) now() time.Time { return v.clock.Now() }

// pageFunc is a page handler for a signed-in viewer; it returns errors for
// the error page to render.
type pageFunc func(w http.ResponseWriter, r *http.Request, v *viewer) error

// sessionCookie names the session cookie. Over HTTPS the __Host- prefix
// makes browsers refuse it unless Secure, host-only and Path=/.
func (d *Dashboard) sessionCookie(r *http.Request) string {
	if d.secureRequest(r) {
		return "__Host-hf_session"
	}
	return "hf_session"
}

func (d *Dashboard) secureRequest(r *http.Request) bool { return d.secure || r.TLS != nil }

// viewerFrom resolves the session cookie; nil (without error) when there is
// no valid session.
func (d *Dashboard) viewerFrom(r *http.Request) (*viewer, error) {
	c, err := r.Cookie(d.sessionCookie(r))
	if err != nil || c.Value == "" {
		return nil, nil
	}
	ctx := r.Context()
	now := d.clock.Now()
	sess, err := d.store.DashboardSessionByToken(ctx, holdfast.HashToken(c.Value), now)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	user, err := d.store.GetUser(ctx, sess.UserID)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND || (err == nil && user.WorkspaceID != sess.WorkspaceID) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	ws, err := d.store.GetWorkspace(ctx, sess.WorkspaceID)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	clk, err := holdfast.ModeClock(ctx, d.clock, d.store, ws.ID, sess.Mode)
	if err != nil {
		return nil, err
	}
	// Activity pushes the idle deadline; once a minute is plenty.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := d.store.TouchDashboardSession(ctx, sess.ID, now, now.Add(d.sessionIdle)); err != nil {
			return nil, err
		}
	}
	return &viewer{sess: sess, user: user, ws: ws, clock: clk}, nil
}

// app wraps a page that needs a signed-in viewer. Without one, GETs go to
// sign-in (and come back afterwards); a POST without a valid CSRF token is
// refused before the handler runs.
func (d *Dashboard) app(h pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		v, err := d.viewerFrom(r)
		if err != nil {
			d.fail(w, r, nil, err)
			return
		}
		if v == nil {
			next := ""
			if r.Method == http.MethodGet {
				next = "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, Prefix+"/login"+next, http.StatusSeeOther)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if r.Method == http.MethodPost && !validCSRF(r.PostFormValue(csrfField), v.sess.CSRFToken) {
			d.fail(w, r, v, errCSRF)
			return
		}
		if err := h(w, r, v); err != nil {
			d.fail(w, r, v, err)
		}
	}
}

// public wraps a page anyone may open (sign-in, set password, not found).
func (d *Dashboard) public(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := h(w, r); err != nil {
			d.fail(w, r, nil, err)
		}
	}
}

// maxFormBytes bounds a form post; the largest form (a campaign with its
// email templates) is far below it.
const maxFormBytes = 1 << 20

// csrfField is the hidden form field carrying the CSRF token.
const csrfField = "csrf_token"

// errCSRF is the answer to a form without the right token.
var errCSRF = holdfast.Errorf(holdfast.EFORBIDDEN, "This form has expired or was not sent from the dashboard. Go back, reload the page and try again.")

func validCSRF(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// startSession signs a user in: a fresh random token in the cookie (only
// its hash is stored) and a fresh CSRF token, so nothing set before sign-in
// survives it (no session fixation).
func (d *Dashboard) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u *store.UserRecord, ws *holdfast.Workspace) error {
	now := d.clock.Now()
	token := holdfast.RandomBase62(43)
	mode := holdfast.ModeLive
	if ws.IsDemo {
		mode = holdfast.ModeTest // the demo's history lives in test mode
	}
	sess := &store.DashboardSession{UserID: u.ID, WorkspaceID: ws.ID, CSRFToken: holdfast.RandomBase62(43), Mode: mode,
		IP: d.clientIP(r).String(), UserAgent: truncate(r.UserAgent(), 200),
		CreatedAt: now, LastSeenAt: now, IdleExpiresAt: now.Add(d.sessionIdle), ExpiresAt: now.Add(d.sessionMax)}
	if err := d.store.CreateDashboardSession(ctx, sess, holdfast.HashToken(token)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: d.sessionCookie(r), Value: token, Path: "/", HttpOnly: true,
		Secure: d.secureRequest(r), SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt})
	d.prune(ctx, now)
	return nil
}

// prune removes expired sessions and stale sign-in streaks. Sign-ins are
// rare enough to carry this housekeeping; failures only get logged.
func (d *Dashboard) prune(ctx context.Context, now time.Time) {
	if _, err := d.store.DeleteExpiredDashboardSessions(ctx, now); err != nil {
		d.log.WarnContext(ctx, "prune dashboard sessions", "err", err)
	}
	if _, err := d.store.PruneLoginAttempts(ctx, now.Add(-d.throttle.ResetAfter), now); err != nil {
		d.log.WarnContext(ctx, "prune login attempts", "err", err)
	}
}

// clearSession removes the session cookie.
func (d *Dashboard) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: d.sessionCookie(r), Value: "", Path: "/", HttpOnly: true,
		Secure: d.secureRequest(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
