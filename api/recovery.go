package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/store"
)

// recoveryStatuses are the values of the /api/v1/campaigns `status` filter.
var recoveryStatuses = []string{holdfast.RecoveryInFlight, holdfast.RecoveryRecovered, holdfast.RecoveryLost, holdfast.RecoveryAbandoned}

// readListRecoveries serves GET /api/v1/campaigns: recovery runs ("recovery
// campaigns" in this dialect), newest first, cursor-paginated.
func (s *Server) readListRecoveries(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q, err := cursorQuery(r)
	if err != nil {
		return err
	}
	status, err := enumParam(r, "status", recoveryStatuses...)
	if err != nil {
		return err
	}
	l, err := s.store.ListRecoveries(r.Context(), p.Workspace.ID, p.Mode, status, q)
	if err != nil {
		return err
	}
	writeCursorPage(w, l, func(rc holdfast.Recovery) string { return store.EncodeCursor(store.CursorOf(rc.CreatedAt, rc.ID)) })
	return nil
}

// recoveryDetail is a recovery with its attempts and sends always present.
type recoveryDetail struct {
	*holdfast.Recovery
	PaymentAttempts []holdfast.PaymentAttempt `json:"payment_attempts"`
	DunningSends    []holdfast.DunningSend    `json:"dunning_sends"`
	// ProviderError is the payment's provider_error: a failed call to
	// Stripe that is not a decline (null when none).
	ProviderError *holdfast.ProviderError `json:"provider_error"`
}

// readGetRecovery serves GET /api/v1/campaigns/:id with its dunning sends
// and payment attempts.
func (s *Server) readGetRecovery(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	rec, err := s.store.GetRecovery(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	attempts, err := s.store.RecoveryAttempts(r.Context(), rec.ID)
	if err != nil {
		return err
	}
	sends, err := s.store.RecoverySends(r.Context(), rec.ID)
	if err != nil {
		return err
	}
	pay, err := s.store.GetPayment(r.Context(), p.Workspace.ID, p.Mode, rec.Payment)
	if err != nil && holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return err
	}
	d := recoveryDetail{Recovery: rec, PaymentAttempts: attempts, DunningSends: sends}
	if pay != nil {
		d.ProviderError = pay.ProviderError
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
