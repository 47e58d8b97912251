package api

import (
	"net/http"

	"holdfast"
)

// Stubs until the owning issue lands; each answers 404 like an unknown route.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
