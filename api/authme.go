package api

import (
	"net/http"

	"holdfast"
	"holdfast/ratelimit"
)

// authMe describes the calling key, its workspace and its rate limit.
func (s *Server) authMe(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	k := p.Key
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "auth",
		"workspace": map[string]any{
			"id": p.Workspace.ID, "object": "workspace", "name": p.Workspace.Name, "plan": p.Workspace.Plan,
			"trial_ends_at": p.Workspace.TrialEndsAt,
		},
		"key": map[string]any{
			"id": k.ID, "object": "api_key", "mode": k.Mode, "kind": k.Kind, "scopes": k.Scopes,
			"expires_at": k.ExpiresAt, "name": k.Name, "livemode": p.Livemode(),
		},
		"livemode":   p.Livemode(),
		"rate_limit": map[string]any{"limit": s.keyLimit(p), "window_seconds": int(ratelimit.Window.Seconds())},
	})
	return nil
}

// keyLimit is the caller's requests per window: key override, else plan default.
func (s *Server) keyLimit(p *Principal) int {
	if p.Key.RateLimit != nil {
		return *p.Key.RateLimit
	}
	if l, ok := holdfast.PlanLimits[p.Workspace.Plan]; ok {
		return l
	}
	return holdfast.PlanLimits[holdfast.DefaultPlan]
}
