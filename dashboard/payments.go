package dashboard

import (
	"net/http"

	"holdfast"
	"holdfast/store"
)

// paymentStatuses are the filters of the Payments page.
var paymentStatuses = []string{"pending", "recovered", "failed", "canceled"}

type paymentsData struct {
	Status   string
	Statuses []string
	Rows     []paymentRow
	Pager    *pager
}

type paymentRow struct {
	holdfast.Payment
	Email string
}

func (d *Dashboard) payments(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q, page := listQuery(r)
	status := oneOf(r.URL.Query().Get("status"), paymentStatuses...)
	list, err := d.store.ListPayments(r.Context(), v.ws.ID, v.Mode(), store.PaymentFilter{Status: status}, q)
	if err != nil {
		return err
	}
	ids := make([]string, len(list.Data))
	for i, p := range list.Data {
		ids[i] = p.Customer
	}
	emails, err := d.customerEmails(r.Context(), v, ids)
	if err != nil {
		return err
	}
	data := paymentsData{Status: status, Statuses: paymentStatuses, Pager: newPager(r, page, list.Total)}
	for _, p := range list.Data {
		data.Rows = append(data.Rows, paymentRow{Payment: p, Email: emails[p.Customer]})
	}
	return d.render(w, r, v, http.StatusOK, "payments", "Payments", "payments", data)
}

type paymentData struct {
	Payment  *holdfast.Payment
	Customer *holdfast.Customer
}

func (d *Dashboard) payment(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	p, err := d.store.GetPayment(ctx, v.ws.ID, v.Mode(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if p.Attempts, err = d.store.PaymentAttempts(ctx, p.ID); err != nil {
		return err
	}
	data := paymentData{Payment: p}
	if p.Customer != "" {
		if data.Customer, err = d.store.GetCustomer(ctx, v.ws.ID, v.Mode(), p.Customer); err != nil && holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			return err
		}
	}
	return d.render(w, r, v, http.StatusOK, "payment", "Payment "+p.ID, "payments", data,
		crumb{"Payments", Prefix + "/payments"}, crumb{Label: p.ID})
}
