package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"holdfast"
)

// StripeWebhookService receives Stripe webhooks (implemented by package
// stripe). HandleWebhook verifies the Stripe-Signature against the
// workspace's signing secrets and applies the event; it returns the outcome
// ("processed", "duplicate" or "ignored"), EINVALID for a bad, missing or
// stale signature or a body that is not an event (nothing stored), and
// ETOOLARGE for an oversized body.
type StripeWebhookService interface {
	HandleWebhook(ctx context.Context, workspaceID string, payload []byte, signature string) (string, error)
}

// stripeHook serves POST /hooks/stripe/:workspace_id. It sits outside both
// API dialects (no API key: the signature is the authentication) and renders
// errors in the /v1 shape. An unknown workspace gets the same 400 as a wrong
// signature, so the endpoint does not reveal which workspaces exist.
func (s *Server) stripeHook(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	outcome, err := s.svc.Stripe.HandleWebhook(r.Context(), chi.URLParam(r, "workspace_id"), body, r.Header.Get("Stripe-Signature"))
	if err != nil {
		switch holdfast.ErrorCode(err) {
		case holdfast.EINVALID, holdfast.ETOOLARGE:
			s.metrics.stripe.WithLabelValues("rejected").Inc()
		default:
			s.metrics.stripe.WithLabelValues("error").Inc()
		}
		return err
	}
	switch outcome {
	case "processed", "duplicate", "ignored":
		s.metrics.stripe.WithLabelValues(outcome).Inc()
	}
	writeJSON(w, http.StatusOK, map[string]any{"received": true, "outcome": outcome})
	return nil
}
