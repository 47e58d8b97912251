package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"holdfast"
)

// The widget calls of SPEC §7. They accept a publishable key (or a secret
// key with write): routes.go gives them accessWidget, and api/cors.go lets
// merchants' pages call them cross-origin.

type createCancelSessionBody struct {
	Customer     string `json:"customer" required:"true"`
	Subscription string `json:"subscription" required:"true"`
	AuthHash     string `json:"auth_hash"`
}

type respondCancelSessionBody struct {
	Reason   string  `json:"reason" required:"true"`
	Feedback *string `json:"feedback"`
}

// acceptCancelSessionBody is optional: `months` picks a pause length up to
// the offer's max_months (default: max_months).
type acceptCancelSessionBody struct {
	Months int `json:"months"`
}

func (s *Server) createCancelSession(w http.ResponseWriter, r *http.Request) error {
	var body createCancelSessionBody
	if err := decodeJSON(r, &body, false); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	cs, err := s.svc.Cancel.Start(r.Context(), p.Workspace, p.Mode, p.Clock.Now(), body.Customer, body.Subscription, body.AuthHash)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, forWidget(r, cs))
	return nil
}

func (s *Server) respondCancelSession(w http.ResponseWriter, r *http.Request) error {
	var body respondCancelSessionBody
	if err := decodeJSON(r, &body, false); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	cs, err := s.svc.Cancel.Respond(r.Context(), p.Workspace.ID, p.Mode, p.Clock.Now(), chi.URLParam(r, "id"), body.Reason, body.Feedback)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, forWidget(r, cs))
	return nil
}

func (s *Server) acceptCancelSession(w http.ResponseWriter, r *http.Request) error {
	var body acceptCancelSessionBody
	if err := decodeJSON(r, &body, true); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	cs, err := s.svc.Cancel.Accept(r.Context(), p.Workspace.ID, p.Mode, p.Clock.Now(), chi.URLParam(r, "id"), body.Months)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, forWidget(r, cs))
	return nil
}

func (s *Server) cancelCancelSession(w http.ResponseWriter, r *http.Request) error {
	if err := decodeJSON(r, &struct{}{}, true); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	cs, err := s.svc.Cancel.Cancel(r.Context(), p.Workspace.ID, p.Mode, p.Clock.Now(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, forWidget(r, cs))
	return nil
}

// forWidget is a session as a widget call answers it: with a publishable
// key (the end customer's browser) the provider's own error text is left
// out; the merchant reads it with a secret key and on the dashboard.
func forWidget(r *http.Request, cs *holdfast.CancelSession) *holdfast.CancelSession {
	if p := PrincipalFrom(r.Context()); p == nil || p.Key.Kind != holdfast.KindPublishable || cs.ProviderError == nil {
		return cs
	}
	c := *cs
	c.ProviderError = nil
	return &c
}
