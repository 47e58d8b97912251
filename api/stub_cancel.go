package api

import (
	"net/http"

	"holdfast"
)

// Stubs until the owning issue lands; each answers 404 like an unknown route.
func (s *Server) getCancelFlow(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) putCancelFlow(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) listCancelSessions(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) createCancelSession(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) getCancelSession(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) respondCancelSession(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) acceptCancelSession(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) cancelCancelSession(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
