package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/store"
)

// ExperimentService runs live A/B tests of campaigns (package experiment).
type ExperimentService interface {
	// Create validates and starts an experiment; param errors name the
	// field, ECONFLICT when another one is running.
	Create(ctx context.Context, x *holdfast.Experiment, now time.Time) error
	// Get returns an experiment with its per-arm results; ENOTFOUND otherwise.
	Get(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Experiment, error)
	// List pages experiments, newest first.
	List(ctx context.Context, wsID string, mode holdfast.Mode, q store.ListQuery) (store.Listed[holdfast.Experiment], error)
	// Stop stops a running experiment; ECONFLICT when it is already stopped.
	Stop(ctx context.Context, wsID string, mode holdfast.Mode, id string, now time.Time) (*holdfast.Experiment, error)
}

// experimentBody is a POST /v1/experiments body.
type experimentBody struct {
	Name    *string                   `json:"name" required:"true"`
	Arms    []experimentArmBody       `json:"arms" required:"true"`
	Filters *holdfast.CampaignFilters `json:"filters"`
}

type experimentArmBody struct {
	Campaign string `json:"campaign"`
	Weight   *int   `json:"weight"`
}

func (s *Server) experiments() (ExperimentService, error) {
	if s.svc.Experiments == nil {
		return nil, holdfast.Errorf(holdfast.ENOTFOUND, "Experiments are not available on this server.")
	}
	return s.svc.Experiments, nil
}

// createExperiment serves POST /v1/experiments {name, arms: [{campaign,
// weight}], filters?}; weight defaults to 1.
func (s *Server) createExperiment(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.experiments()
	if err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	var b experimentBody
	if err := decodeJSON(r, &b, false); err != nil {
		return err
	}
	x := &holdfast.Experiment{WorkspaceID: p.Workspace.ID, Livemode: p.Livemode(), Name: *b.Name}
	for i, a := range b.Arms {
		if a.Campaign == "" {
			return holdfast.MissingParam(fmt.Sprintf("arms[%d].campaign", i))
		}
		weight := 1
		if a.Weight != nil {
			weight = *a.Weight
		}
		x.Arms = append(x.Arms, holdfast.ExperimentArm{Campaign: a.Campaign, Weight: weight})
	}
	if b.Filters != nil {
		x.Filters = *b.Filters
	}
	if err := svc.Create(r.Context(), x, p.Clock.Now()); err != nil {
		return err
	}
	out, err := svc.Get(r.Context(), p.Workspace.ID, p.Mode, x.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listExperiments serves GET /v1/experiments.
func (s *Server) listExperiments(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.experiments()
	if err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	q, page, perPage, err := pageQuery(r)
	if err != nil {
		return err
	}
	l, err := svc.List(r.Context(), p.Workspace.ID, p.Mode, q)
	if err != nil {
		return err
	}
	writePage(w, l, page, perPage)
	return nil
}

// getExperiment serves GET /v1/experiments/:id with per-arm results.
func (s *Server) getExperiment(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.experiments()
	if err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	x, err := svc.Get(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}

// stopExperiment serves POST /v1/experiments/:id/stop.
func (s *Server) stopExperiment(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.experiments()
	if err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	x, err := svc.Stop(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"), p.Clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}
