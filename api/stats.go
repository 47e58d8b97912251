package api

import (
	"net/http"
)

// stats serves GET /v1/stats and GET /api/v1/stats: one object for both
// dialects (SPEC §5). Optional from (inclusive) and to (exclusive), RFC 3339,
// bound recoveries by start time and cancel sessions and customers by
// creation time. A bad bound is a 422 on /v1 and a 400 invalid_param on
// /api/v1; the dialect does that mapping.
func (s *Server) stats(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	from, err := timeParam(r, "from")
	if err != nil {
		return err
	}
	to, err := timeParam(r, "to")
	if err != nil {
		return err
	}
	if from != nil && to != nil && to.Before(*from) {
		return paramErr("to", "to must not be before from.")
	}
	st, err := s.store.Stats(r.Context(), p.Workspace.ID, p.Mode, from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
