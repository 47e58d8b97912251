package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/store"
)

// listEvents serves GET /v1/events: the event log webhooks deliver, newest
// first, with page pagination, created_after/created_before and an optional
// `type` filter (an unknown type is a 422 naming "type").
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q, page, perPage, err := pageQuery(r)
	if err != nil {
		return err
	}
	var f store.EventFilter
	if v := r.URL.Query(); v.Has("type") {
		f.Type = v.Get("type")
		if !slices.Contains(holdfast.EventTypes, f.Type) {
			return holdfast.ParamError("type", "type must be one of: %s.", strings.Join(holdfast.EventTypes, ", "))
		}
	}
	l, err := s.store.ListEvents(r.Context(), p.Workspace.ID, p.Mode, f, q)
	if err != nil {
		return err
	}
	writePage(w, l, page, perPage)
	return nil
}

// getEvent serves GET /v1/events/:id.
func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	ev, err := s.store.GetEvent(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ev)
	return nil
}
