package api

import (
	"net/http"

	"holdfast"
)

// Stubs until the owning issue lands; each answers 404 like an unknown route.
func (s *Server) stripeHook(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
