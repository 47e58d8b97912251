package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/store"
)

// paymentStatuses are the values of the payments `status` filter.
var paymentStatuses = []string{holdfast.PaymentPending, holdfast.PaymentRecovered, holdfast.PaymentFailed, holdfast.PaymentCanceled}

// listPayments serves GET /v1/payments: failed payments under recovery,
// newest first, filtered by status and customer.
func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q, page, perPage, err := pageQuery(r)
	if err != nil {
		return err
	}
	var f store.PaymentFilter
	if f.Status, err = enumParam(r, "status", paymentStatuses...); err != nil {
		return err
	}
	if f.Customer, err = s.paymentCustomer(r, p); err != nil {
		return err
	}
	l, err := s.store.ListPayments(r.Context(), p.Workspace.ID, p.Mode, f, q)
	if err != nil {
		return err
	}
	writePage(w, l, page, perPage)
	return nil
}

// paymentCustomer reads the `customer` filter: our id (cus_…, as in the
// payment's `customer` field) or, failing that, the Stripe customer id a
// caller knows from its own Stripe account. Both look alike, so ours wins.
func (s *Server) paymentCustomer(r *http.Request, p *Principal) (string, error) {
	id := r.URL.Query().Get("customer")
	if id == "" {
		return "", nil
	}
	_, err := s.store.GetCustomer(r.Context(), p.Workspace.ID, p.Mode, id)
	if holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return id, err
	}
	c, err := s.store.CustomerByProviderID(r.Context(), p.Workspace.ID, p.Mode, id)
	switch {
	case holdfast.ErrorCode(err) == holdfast.ENOTFOUND:
		return id, nil
	case err != nil:
		return "", err
	}
	return c.ID, nil
}

// paymentDetail is a payment with its attempts always present (the list
// leaves them out).
type paymentDetail struct {
	*holdfast.Payment
	Attempts []holdfast.PaymentAttempt `json:"attempts"`
}

// getPayment serves GET /v1/payments/:id with the payment's attempts.
func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	pay, err := s.store.GetPayment(r.Context(), p.Workspace.ID, p.Mode, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	attempts, err := s.store.PaymentAttempts(r.Context(), pay.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, paymentDetail{Payment: pay, Attempts: attempts})
	return nil
}
