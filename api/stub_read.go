package api

import (
	"net/http"

	"holdfast"
)

// Stubs until the owning issue lands; each answers 404 like an unknown route.
func (s *Server) readListCustomers(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) readGetCustomer(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) readListRecoveries(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) readGetRecovery(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
