package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/store"
)

// customerFilter reads the email and tag filters shared by both dialects;
// empty values do not filter.
func customerFilter(r *http.Request) store.CustomerFilter {
	v := r.URL.Query()
	return store.CustomerFilter{Email: v.Get("email"), Tag: v.Get("tag")}
}

// listCustomers serves GET /v1/customers.
func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q, page, perPage, err := pageQuery(r)
	if err != nil {
		return err
	}
	l, err := s.store.ListCustomers(r.Context(), p.Workspace.ID, p.Mode, customerFilter(r), q)
	if err != nil {
		return err
	}
	writePage(w, l, page, perPage)
	return nil
}

// getCustomer serves GET /v1/customers/:id.
func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	c, err := s.lookupCustomer(r.Context(), p, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// deleteCustomer serves DELETE /v1/customers/:id (admin): personal data is
// erased, in-flight recoveries end as abandoned and customer.deleted is
// recorded, all in one transaction. A second DELETE finds nothing (404).
func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	c, err := s.lookupCustomer(r.Context(), p, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	del, err := holdfast.DeleteCustomer(r.Context(), s.store, s.svc.Recovery, p.Workspace.ID, p.Mode, c.ID, p.Clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, del)
	return nil
}

// lookupCustomer finds a live customer by our id, or else by its Stripe id
// (both look like cus_…, and scripts often hold the Stripe one).
func (s *Server) lookupCustomer(ctx context.Context, p *Principal, id string) (*holdfast.Customer, error) {
	c, err := s.store.GetCustomer(ctx, p.Workspace.ID, p.Mode, id)
	if holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return c, err
	}
	if pc, perr := s.store.CustomerByProviderID(ctx, p.Workspace.ID, p.Mode, id); perr == nil && !pc.Deleted {
		return pc, nil
	}
	return nil, err
}

// readListCustomers serves GET /api/v1/customers (cursor pagination).
func (s *Server) readListCustomers(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q, err := cursorQuery(r)
	if err != nil {
		return err
	}
	l, err := s.store.ListCustomers(r.Context(), p.Workspace.ID, p.Mode, customerFilter(r), q)
	if err != nil {
		return err
	}
	writeCursorPage(w, l, func(c holdfast.Customer) string { return store.EncodeCursor(store.CursorOf(c.CreatedAt, c.ID)) })
	return nil
}

// recentCampaigns is how many recoveries GET /api/v1/customers/:id embeds.
const recentCampaigns = 10

// customerDetail is the /api/v1 customer with its subscriptions and its most
// recent recoveries ("campaigns" in this dialect).
type customerDetail struct {
	*holdfast.Customer
	Subscriptions   []holdfast.Subscription `json:"subscriptions"`
	RecentCampaigns []holdfast.Recovery     `json:"recent_campaigns"`
}

// readGetCustomer serves GET /api/v1/customers/:id.
func (s *Server) readGetCustomer(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	c, err := s.lookupCustomer(r.Context(), p, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	subs, err := s.store.CustomerSubscriptions(r.Context(), c.ID)
	if err != nil {
		return err
	}
	recs, err := s.store.CustomerRecoveries(r.Context(), c.ID, recentCampaigns)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, customerDetail{Customer: c, Subscriptions: subs, RecentCampaigns: recs})
	return nil
}
