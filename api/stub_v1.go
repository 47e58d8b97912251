package api

import (
	"net/http"

	"holdfast"
)

// Stubs until the owning issue lands; each answers 404 like an unknown route.
func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) updateCampaign(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) deleteCampaign(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) analyticsRecovery(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) analyticsCampaigns(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
func (s *Server) stats(w http.ResponseWriter, r *http.Request) error {
	return holdfast.Errorf(holdfast.ENOTFOUND, "Unrecognized request URL (%s %s).", r.Method, r.URL.Path)
}
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
