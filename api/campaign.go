package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/campaign"
)

// listCampaigns serves GET /v1/campaigns (playbooks, newest first).
func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q, page, perPage, err := pageQuery(r)
	if err != nil {
		return err
	}
	l, err := s.store.ListCampaigns(r.Context(), p.Workspace.ID, p.Mode, q)
	if err != nil {
		return err
	}
	writePage(w, l, page, perPage)
	return nil
}

// getCampaign serves GET /v1/campaigns/:id.
func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	c, err := s.store.GetCampaign(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// createCampaign serves POST /v1/campaigns: name and steps are required;
// max_retries defaults to 8, smart_retries to true, priority to 0.
func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	var b campaignBody
	if err := decodeJSON(r, &b, false); err != nil {
		return err
	}
	c := &holdfast.Campaign{WorkspaceID: p.Workspace.ID, Livemode: p.Livemode(), MaxRetries: campaign.DefaultMaxRetries, SmartRetries: true}
	if err := b.apply(c, true); err != nil {
		return err
	}
	if err := s.store.CreateCampaign(r.Context(), c, p.Clock.Now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// updateCampaign serves PUT /v1/campaigns/:id: the fields present replace
// the stored ones (steps and filters as a whole). Running recoveries keep
// the playbook they started with.
func (s *Server) updateCampaign(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	c, err := s.store.GetCampaign(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	var b campaignBody
	if err := decodeJSON(r, &b, false); err != nil {
		return err
	}
	if err := b.apply(c, false); err != nil {
		return err
	}
	if err := s.store.UpdateCampaign(r.Context(), c, p.Clock.Now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// deleteCampaign serves DELETE /v1/campaigns/:id; 409 for the workspace
// default or a campaign with in-flight recoveries.
func (s *Server) deleteCampaign(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id := chi.URLParam(r, "id")
	if err := s.store.DeleteCampaign(r.Context(), p.Workspace.ID, p.Mode, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "object": "campaign", "deleted": true})
	return nil
}
