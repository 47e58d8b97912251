package api

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"holdfast"
	"holdfast/api/dialect"
	"holdfast/clientip"
	"holdfast/ratelimit"
)

// Principal is who is calling: the key, its workspace and mode, and the
// clock of that mode.
type Principal struct {
	Workspace *holdfast.Workspace
	Key       *holdfast.APIKey
	Mode      holdfast.Mode
	Clock     holdfast.Clock
}

// Livemode is the `livemode` of objects this principal sees.
func (p *Principal) Livemode() bool { return p.Mode.Livemode() }

type principalKey struct{}

// PrincipalFrom returns the authenticated caller (nil outside authenticated routes).
func PrincipalFrom(ctx context.Context) *Principal {
	if st := stateFrom(ctx); st != nil && st.principal != nil {
		return st.principal
	}
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// authenticate runs the first three checks of SPEC §2 for every request under a
// dialect prefix, before routing: authentication (401) → IP allowlist (403) →
// rate limit (429). Requests rejected with 401 or ip_not_allowed do not count
// against the key's limit. Route-level checks (scope, trial) follow in route().
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		st := stateFrom(ctx)
		var p *Principal
		if st != nil {
			p = &st.p // the request's own state holds it: no allocation
		} else {
			p = new(Principal)
		}
		if err := s.principal(r, p); err != nil {
			s.fail(w, r, err)
			return
		}
		limit := s.keyLimit(p)
		rlKey := "key:" + p.Key.ID
		// Publishable keys are used from customers' browsers: the allowlist
		// only guards secret keys (SPEC §2).
		if p.Key.Kind == holdfast.KindSecret && len(p.Workspace.IPAllowlist) > 0 && !p.Workspace.IPAllowed(clientip.From(r, s.trusted)) {
			if res, err := s.limiter.Peek(ctx, rlKey, limit); err == nil {
				dialect.WriteRateHeaders(w, r, rateState(res), s.now())
			}
			s.fail(w, r, holdfast.Errorf(holdfast.EIPNOTALLOWED, "Requests from %s are not allowed by this workspace's IP allowlist.", clientip.From(r, s.trusted)))
			return
		}
		res, err := s.limiter.Allow(ctx, rlKey, limit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		now := s.now()
		dialect.WriteRateHeaders(w, r, rateState(res), now)
		if !res.Allowed {
			s.fail(w, r, &holdfast.Error{Code: holdfast.ERATELIMIT, Message: "Rate limit exceeded.",
				RetryAfter: dialect.RetryAfterSeconds(res.RetryAfter), Limit: limit})
			return
		}
		s.touches.touch(p.Key.ID, now)
		if st != nil {
			st.principal = p // the request's own state: no context copy
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, principalKey{}, p)))
	})
}

func rateState(res ratelimit.Result) dialect.RateState {
	return dialect.RateState{Limit: res.Limit, Remaining: res.Remaining, ResetAt: res.ResetAt, FullResetAt: res.FullResetAt}
}

// principal resolves the bearer token. Lookups go by hash; the stored hash is
// compared again in constant time so timing reveals nothing about near misses.
func (s *Server) principal(r *http.Request, into *Principal) error {
	tok, err := requestToken(r)
	if err != nil {
		return err
	}
	hash := holdfast.HashToken(tok)
	rec, ws, err := s.auth.key(r.Context(), hash)
	if err != nil {
		return err
	}
	if rec == nil || subtle.ConstantTimeCompare([]byte(rec.TokenHash), []byte(hash)) != 1 {
		return holdfast.Errorf(holdfast.EUNAUTHORIZED, "Invalid API key provided.")
	}
	now := s.now()
	if rec.RevokedAt != nil && !rec.RevokedAt.After(now) {
		return holdfast.Errorf(holdfast.EUNAUTHORIZED, "This API key has been revoked.")
	}
	if rec.ExpiresAt != nil && !rec.ExpiresAt.After(now) {
		return holdfast.Errorf(holdfast.EUNAUTHORIZED, "This API key has expired.")
	}
	if ws == nil {
		return holdfast.Errorf(holdfast.EUNAUTHORIZED, "Invalid API key provided.")
	}
	clk := holdfast.Clock(s.clock)
	if rec.Mode == holdfast.ModeTest {
		// Reads may use a test clock up to authTTL old; writes stamp objects,
		// so they read the offset every node agrees on after advance_clock.
		read := r.Method == http.MethodGet || r.Method == http.MethodHead
		if clk, err = s.auth.testClock(r.Context(), ws.ID, read); err != nil {
			return err
		}
	}
	// The cached records are shared by concurrent requests, read-only: the
	// cache replaces an entry on reload and never changes one in place, and
	// handlers never write through a principal (they store changes and the
	// next request reads them), so no per-request copy is needed.
	*into = Principal{Workspace: ws, Key: &rec.APIKey, Mode: rec.Mode, Clock: clk}
	return nil
}

// requestToken extracts the API key from the Authorization header:
// "Bearer <token>", or HTTP Basic with the token as the user name and any
// (usually empty) password, as Stripe accepts (curl -u hf_test_…:). Errors
// say what was expected, since a bare token or a wrong scheme is the most
// common first mistake.
func requestToken(r *http.Request) (string, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", holdfast.Errorf(holdfast.EUNAUTHENTICATED, "No API key provided. Send 'Authorization: Bearer <token>'.")
	}
	scheme, rest, ok := strings.Cut(h, " ")
	rest = strings.TrimSpace(rest)
	switch {
	case ok && strings.EqualFold(scheme, "Bearer"):
		if !holdfast.WellFormedToken(rest) {
			return "", holdfast.Errorf(holdfast.EUNAUTHORIZED, "Invalid API key provided.")
		}
		return rest, nil
	case ok && strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(rest)
		user, _, _ := strings.Cut(string(raw), ":")
		if err != nil || !holdfast.WellFormedToken(user) {
			return "", holdfast.Errorf(holdfast.EUNAUTHORIZED, "Invalid API key provided. With HTTP Basic, send the API key as the user name and an empty password (curl -u <token>:).")
		}
		return user, nil
	case !ok && holdfast.WellFormedToken(h):
		return "", holdfast.Errorf(holdfast.EUNAUTHORIZED, "Invalid Authorization header: the token is missing the 'Bearer ' prefix. Send 'Authorization: Bearer <token>'.")
	}
	return "", holdfast.Errorf(holdfast.EUNAUTHORIZED, "Invalid Authorization header. Send 'Authorization: Bearer <token>' (or HTTP Basic with the API key as the user name).")
}

// access is what a route requires of its caller.
type access int

const (
	accessAnySecret access = iota // any secret key (auth/me)
	accessRead
	accessReadOrAnalytics
	accessWrite
	accessWebhooks
	accessAdmin
	accessWidget        // publishable key, or secret key with write (SPEC §7)
	accessTestWrite     // write, test-mode keys only (test helpers)
	accessWebhooksWrite // webhooks and write (re-sending a delivery)
	accessAnalytics     // analytics (POST /v1/simulations)
)

// authorize runs the route-level checks in SPEC §2 order: scope (403) → trial (403).
func (s *Server) authorize(r *http.Request, p *Principal, a access) error {
	k := p.Key
	if k.Kind == holdfast.KindPublishable && a != accessWidget {
		return holdfast.Errorf(holdfast.EFORBIDDEN, "Publishable keys can only call the cancel-flow widget endpoints; %s needs a secret key.", routeName(r))
	}
	var need holdfast.Scope
	ok := true
	switch a {
	case accessRead:
		need, ok = holdfast.ScopeRead, k.HasScope(holdfast.ScopeRead)
	case accessReadOrAnalytics:
		need, ok = holdfast.ScopeAnalytics, k.HasScope(holdfast.ScopeRead) || k.HasScope(holdfast.ScopeAnalytics)
	case accessWrite, accessTestWrite:
		need, ok = holdfast.ScopeWrite, k.HasScope(holdfast.ScopeWrite)
	case accessWebhooks:
		need, ok = holdfast.ScopeWebhooks, k.HasScope(holdfast.ScopeWebhooks)
	case accessWebhooksWrite:
		need, ok = holdfast.ScopeWebhooks, k.HasScope(holdfast.ScopeWebhooks)
		if ok && !k.HasScope(holdfast.ScopeWrite) {
			need, ok = holdfast.ScopeWrite, false
		}
	case accessAdmin:
		need, ok = holdfast.ScopeAdmin, k.HasScope(holdfast.ScopeAdmin)
	case accessAnalytics:
		need, ok = holdfast.ScopeAnalytics, k.HasScope(holdfast.ScopeAnalytics)
	case accessWidget:
		if k.Kind == holdfast.KindSecret {
			need, ok = holdfast.ScopeWrite, k.HasScope(holdfast.ScopeWrite)
		}
	}
	if !ok {
		if a == accessReadOrAnalytics {
			return holdfast.Errorf(holdfast.EFORBIDDEN, "This API key does not have the 'read' or 'analytics' scope required for %s.", routeName(r))
		}
		return holdfast.Errorf(holdfast.EFORBIDDEN, "This API key does not have the '%s' scope required for %s.", need, routeName(r))
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && dialect.From(r.Context()) == dialect.V1 &&
		p.Workspace.TrialExpired(s.now()) {
		return holdfast.Errorf(holdfast.ETRIALEXPIRED, "This workspace's trial ended on %s; writes are disabled until a plan is chosen.", p.Workspace.TrialEndsAt.Format(time.RFC3339))
	}
	if a == accessTestWrite && p.Mode != holdfast.ModeTest {
		return holdfast.Errorf(holdfast.EINVALID, "test helpers are only available in test mode")
	}
	return nil
}
