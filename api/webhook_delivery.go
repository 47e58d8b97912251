package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/store"
)

// listDeliveries serves GET /v1/webhooks/:id/deliveries: the endpoint's
// deliveries, newest first, each with every attempt logged (status code,
// latency, truncated response body, error). Filters: status, event.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q, page, perPage, err := pageQuery(r)
	if err != nil {
		return err
	}
	status, err := enumParam(r, "status", holdfast.DeliveryPending, holdfast.DeliverySucceeded, holdfast.DeliveryFailed)
	if err != nil {
		return err
	}
	f := store.DeliveryFilter{Status: status, EventID: r.URL.Query().Get("event")}
	l, err := s.store.ListWebhookDeliveries(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"), f, q)
	if err != nil {
		return err
	}
	writePage(w, l, page, perPage)
	return nil
}

// retryDelivery serves POST /v1/webhooks/:id/deliveries/:delivery_id/retry:
// the delivery is sent again now, whatever its status, and returned with the
// new attempt. It needs the write scope on top of the route's webhooks scope.
func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if !p.Key.HasScope(holdfast.ScopeWrite) {
		return holdfast.Errorf(holdfast.EFORBIDDEN, "This API key does not have the 'write' scope required for %s.", routeName(r))
	}
	if err := decodeJSON(r, &struct{}{}, true); err != nil {
		return err
	}
	d, err := s.svc.Webhooks.Send(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"), chi.URLParam(r, "delivery_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// testWebhook serves POST /v1/webhooks/:id/test: a "ping" event is sent to
// this endpoint only (enabled or not) and the delivery is returned with its
// attempt, so the caller sees at once whether the receiver answers.
func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := decodeJSON(r, &struct{}{}, true); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	d, err := s.svc.Webhooks.Ping(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
