package dashboard

import (
	"net/http"
	"strings"

	"holdfast"
	"holdfast/store"
)

type customersData struct {
	Email string
	Tag   string
	Rows  []holdfast.Customer
	Pager *pager
}

// customers lists mirrored customers, searchable by email (exact, any
// case) and by tag.
func (d *Dashboard) customers(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q, page := listQuery(r)
	f := store.CustomerFilter{Email: strings.TrimSpace(r.URL.Query().Get("email")), Tag: strings.TrimSpace(r.URL.Query().Get("tag"))}
	list, err := d.store.ListCustomers(r.Context(), v.ws.ID, v.Mode(), f, q)
	if err != nil {
		return err
	}
	data := customersData{Email: f.Email, Tag: f.Tag, Rows: list.Data, Pager: newPager(r, page, list.Total)}
	return d.render(w, r, v, http.StatusOK, "customers", "Customers", "customers", data)
}

type customerData struct {
	Customer      *holdfast.Customer
	Subscriptions []holdfast.Subscription
	Recoveries    []holdfast.Recovery
	Payments      []holdfast.Payment
}

func (d *Dashboard) customer(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	c, err := d.store.GetCustomer(ctx, v.ws.ID, v.Mode(), r.PathValue("id"))
	if err != nil {
		return err
	}
	data := customerData{Customer: c}
	if data.Subscriptions, err = d.store.CustomerSubscriptions(ctx, c.ID); err != nil {
		return err
	}
	if data.Recoveries, err = d.store.CustomerRecoveries(ctx, c.ID, 10); err != nil {
		return err
	}
	pays, err := d.store.ListPayments(ctx, v.ws.ID, v.Mode(), store.PaymentFilter{Customer: c.ID}, store.ListQuery{Limit: 10, Count: true})
	if err != nil {
		return err
	}
	data.Payments = pays.Data
	title := c.ID
	if c.Email != nil {
		title = *c.Email
	}
	return d.render(w, r, v, http.StatusOK, "customer", title, "customers", data,
		crumb{"Customers", Prefix + "/customers"}, crumb{Label: title})
}
