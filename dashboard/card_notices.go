package dashboard

import (
	"net/http"
	"strconv"
	"strings"

	"holdfast"
)

// The expiring-card notice configuration (issue 15): the same fields and
// validation as GET/PUT /v1/card_expiry_notices.

type cardNoticeForm struct {
	Enabled  bool
	Days     string // "30, 7"
	Subject  string
	Body     string
	Updated  string
	ReadOnly bool
	Counts   holdfast.CardExpiryCounts
	Errors   map[string]string
}

// Err returns the message for a field (days_before…, template.subject, template.body).
func (f *cardNoticeForm) Err(field string) string {
	if field == "days_before" {
		for k, v := range f.Errors {
			if strings.HasPrefix(k, "days_before") {
				return v
			}
		}
	}
	return f.Errors[field]
}

func formFromCardExpiry(s holdfast.CardExpirySettings) *cardNoticeForm {
	days := make([]string, len(s.DaysBefore))
	for i, d := range s.DaysBefore {
		days[i] = strconv.Itoa(d)
	}
	f := &cardNoticeForm{Enabled: s.Enabled, Days: strings.Join(days, ", "), Subject: s.Template.Subject, Body: s.Template.Body,
		Errors: map[string]string{}}
	if s.UpdatedAt != nil {
		f.Updated = s.UpdatedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	return f
}

func (d *Dashboard) cardNoticeCounts(r *http.Request, v *viewer, f *cardNoticeForm) error {
	c, err := d.store.CardExpiryCounts(r.Context(), v.ws.ID, v.Mode(), nil, nil)
	f.Counts, f.ReadOnly = c, d.svc.PutCardExpiry == nil
	return err
}

func (d *Dashboard) cardNotices(w http.ResponseWriter, r *http.Request, v *viewer) error {
	s, err := d.store.CardExpirySettings(r.Context(), v.ws.ID, v.Mode())
	if err != nil {
		return err
	}
	f := formFromCardExpiry(s)
	if err := d.cardNoticeCounts(r, v, f); err != nil {
		return err
	}
	return d.render(w, r, v, http.StatusOK, "card_notices", "Card notices", "card-notices", f)
}

func (d *Dashboard) cardNoticesSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f := &cardNoticeForm{Enabled: r.PostFormValue("enabled") == "on", Days: strings.TrimSpace(r.PostFormValue("days_before")),
		Subject: r.PostFormValue("subject"), Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"), Errors: map[string]string{}}
	if err := d.cardNoticeCounts(r, v, f); err != nil {
		return err
	}
	if f.ReadOnly {
		f.Errors["enabled"] = "This server cannot change the configuration."
		return d.render(w, r, v, http.StatusUnprocessableEntity, "card_notices", "Card notices", "card-notices", f)
	}
	days := []int{}
	for _, part := range strings.FieldsFunc(f.Days, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.Atoi(part)
		if err != nil {
			f.Errors["days_before"] = "Enter whole numbers of days, separated by commas."
			break
		}
		days = append(days, n)
	}
	if len(f.Errors) == 0 {
		_, err := d.svc.PutCardExpiry(r.Context(), v.ws.ID, v.Mode(),
			holdfast.CardExpiryPatch{Enabled: &f.Enabled, DaysBefore: days, Subject: &f.Subject, Body: &f.Body})
		if err == nil {
			return d.redirect(w, r, Prefix+"/card-notices", "Card notices saved.")
		}
		he, ok := holdfast.AsError(err)
		if !ok || he.Code != holdfast.EVALIDATION {
			return err
		}
		f.Errors[he.Param] = he.Message
	}
	return d.render(w, r, v, http.StatusUnprocessableEntity, "card_notices", "Card notices", "card-notices", f)
}
