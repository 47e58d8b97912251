package api

import (
	"context"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/store"
	"holdfast/webhook"
)

// WebhookService is the delivery side of outbound webhooks (SPEC §8), the
// worker of package webhook. Handlers use it to send at once; without it
// endpoints and logs still work and deliveries wait for whichever worker
// runs.
type WebhookService interface {
	// Ping records a "ping" event for one endpoint only and sends it now,
	// returning the delivery with its attempt. ENOTFOUND for an unknown endpoint.
	Ping(ctx context.Context, wsID string, mode holdfast.Mode, endpointID string) (*holdfast.WebhookDelivery, error)
	// Send attempts one delivery now and returns it with its attempts.
	// ENOTFOUND for an unknown endpoint or delivery; ECONFLICT while an
	// attempt of it is in flight.
	Send(ctx context.Context, wsID string, mode holdfast.Mode, endpointID, deliveryID string) (*holdfast.WebhookDelivery, error)
	// RunDue delivers everything due now for one workspace and mode before
	// returning (the test clock's advance_clock calls it).
	RunDue(ctx context.Context, wsID string, mode holdfast.Mode) error
	// Kick wakes the background worker to deliver new events now.
	Kick()
}

// Limits of endpoint fields.
const (
	maxWebhookURL         = 2048
	maxWebhookDescription = 5000
)

// webhookBody is the body of POST /v1/webhooks and PUT /v1/webhooks/:id.
type webhookBody struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
	Enabled     *bool     `json:"enabled"`
}

// validate checks the fields present; on create url is required.
func (b *webhookBody) validate(livemode, create, allowLoopback bool) error {
	if b.URL == nil {
		if create {
			return holdfast.MissingParam("url")
		}
	} else {
		if len(*b.URL) > maxWebhookURL {
			return holdfast.ParamError("url", "url must be at most %d characters.", maxWebhookURL)
		}
		if err := webhook.ValidateURL(*b.URL, livemode, allowLoopback); err != nil {
			return err
		}
	}
	if b.Events != nil {
		if err := validateEventTypes(*b.Events); err != nil {
			return err
		}
	}
	if b.Description != nil && utf8.RuneCountInString(*b.Description) > maxWebhookDescription {
		return holdfast.ParamError("description", "description must be at most %d characters.", maxWebhookDescription)
	}
	return nil
}

// validateEventTypes accepts ["*"] or a non-empty list of known event types.
func validateEventTypes(events []string) error {
	if len(events) == 0 {
		return holdfast.ParamError("events", `events must list at least one event type, or be ["*"] for all.`)
	}
	for i, e := range events {
		if e == "*" {
			if len(events) > 1 {
				return holdfast.ParamError("events", `"*" already selects every event type; send ["*"] alone.`)
			}
			continue
		}
		if !slices.Contains(holdfast.EventTypes, e) {
			return holdfast.ParamError("events", "events[%d]: unknown event type %q.", i, e)
		}
		if slices.Contains(events[:i], e) {
			return holdfast.ParamError("events", "events[%d]: %q is listed twice.", i, e)
		}
	}
	return nil
}

// listWebhooks serves GET /v1/webhooks.
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q, page, perPage, err := pageQuery(r)
	if err != nil {
		return err
	}
	l, err := s.store.ListWebhookEndpoints(r.Context(), p.Workspace.ID, p.Mode, q)
	if err != nil {
		return err
	}
	writePage(w, l, page, perPage)
	return nil
}

// createWebhook serves POST /v1/webhooks. The answer carries the signing
// secret (whsec_…); it is never shown again.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	var b webhookBody
	if err := decodeJSON(r, &b, false); err != nil {
		return err
	}
	if err := b.validate(p.Livemode(), true, s.loopbackHooks); err != nil {
		return err
	}
	e := &holdfast.WebhookEndpoint{WorkspaceID: p.Workspace.ID, Livemode: p.Livemode(), URL: *b.URL,
		Events: []string{"*"}, Enabled: true, Secret: webhook.NewSecret()}
	if b.Events != nil {
		e.Events = *b.Events
	}
	if b.Description != nil {
		e.Description = *b.Description
	}
	if b.Enabled != nil {
		e.Enabled = *b.Enabled
	}
	if err := s.store.CreateWebhookEndpoint(r.Context(), e, p.Clock.Now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// getWebhook serves GET /v1/webhooks/:id (without the secret).
func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	e, err := s.store.GetWebhookEndpoint(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// updateWebhook serves PUT /v1/webhooks/:id: the fields present replace the
// stored ones. Setting enabled to true re-enables an endpoint that was
// disabled (by hand or after three days of failures) and resumes its paused
// deliveries.
func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id := chi.URLParam(r, "id")
	if _, err := s.store.GetWebhookEndpoint(r.Context(), p.Workspace.ID, p.Mode, id); err != nil {
		return err
	}
	var b webhookBody
	if err := decodeJSON(r, &b, false); err != nil {
		return err
	}
	if err := b.validate(p.Livemode(), false, s.loopbackHooks); err != nil {
		return err
	}
	e, err := s.store.UpdateWebhookEndpoint(r.Context(), p.Workspace.ID, p.Mode, id,
		store.WebhookEndpointUpdate{URL: b.URL, Events: b.Events, Description: b.Description, Enabled: b.Enabled}, p.Clock.Now())
	if err != nil {
		return err
	}
	if s.svc.Webhooks != nil && b.Enabled != nil && *b.Enabled {
		s.svc.Webhooks.Kick() // resumed deliveries are due now
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// deleteWebhook serves DELETE /v1/webhooks/:id; its delivery log goes with it.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id := chi.URLParam(r, "id")
	if err := s.store.DeleteWebhookEndpoint(r.Context(), p.Workspace.ID, p.Mode, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "object": "webhook_endpoint", "deleted": true})
	return nil
}
