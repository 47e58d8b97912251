package dashboard

import (
	"context"
	"net/http"
	"sort"
	"time"

	"holdfast"
)

// recoveryStatuses are the filters of the Recoveries page.
var recoveryStatuses = []string{holdfast.RecoveryInFlight, holdfast.RecoveryRecovered, holdfast.RecoveryLost, holdfast.RecoveryAbandoned}

type recoveriesData struct {
	Status   string
	Statuses []string
	Rows     []recoveryRow
	Pager    *pager
}

type recoveryRow struct {
	holdfast.Recovery
	Email string
}

func (d *Dashboard) recoveries(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q, page := listQuery(r)
	status := oneOf(r.URL.Query().Get("status"), recoveryStatuses...)
	list, err := d.store.ListRecoveries(r.Context(), v.ws.ID, v.Mode(), status, q)
	if err != nil {
		return err
	}
	data := recoveriesData{Status: status, Statuses: recoveryStatuses, Pager: newPager(r, page, list.Total)}
	ids := make([]string, len(list.Data))
	for i, rec := range list.Data {
		ids[i] = rec.Customer
	}
	emails, err := d.customerEmails(r.Context(), v, ids)
	if err != nil {
		return err
	}
	for _, rec := range list.Data {
		data.Rows = append(data.Rows, recoveryRow{Recovery: rec, Email: emails[rec.Customer]})
	}
	return d.render(w, r, v, http.StatusOK, "recoveries", "Recoveries", "recoveries", data)
}

// customerEmails looks up the emails of the customers on one list page
// (at most perPage lookups, each within the viewer's workspace and mode).
// Erased customers have no email and are left out.
func (d *Dashboard) customerEmails(ctx context.Context, v *viewer, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		if _, done := out[id]; done || id == "" {
			continue
		}
		out[id] = ""
		c, err := d.store.GetCustomer(ctx, v.ws.ID, v.Mode(), id)
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if c.Email != nil {
			out[id] = *c.Email
		}
	}
	return out, nil
}

// timelineEntry is one line of a recovery's history.
type timelineEntry struct {
	At     time.Time
	Kind   string // started | attempt | email | click | ended | next
	Title  string
	Detail string
	Status string
}

type recoveryData struct {
	Recovery *holdfast.Recovery
	Payment  *holdfast.Payment
	Customer *holdfast.Customer
	Campaign *holdfast.Campaign
	Timeline []timelineEntry
}

func (d *Dashboard) recovery(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	rec, err := d.store.GetRecovery(ctx, v.ws.ID, v.Mode(), r.PathValue("id"))
	if err != nil {
		return err
	}
	data := recoveryData{Recovery: rec}
	if data.Payment, err = d.store.GetPayment(ctx, v.ws.ID, v.Mode(), rec.Payment); err != nil && holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return err
	}
	if rec.Customer != "" {
		if data.Customer, err = d.store.GetCustomer(ctx, v.ws.ID, v.Mode(), rec.Customer); err != nil && holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			return err
		}
	}
	if data.Campaign, err = d.store.GetCampaign(ctx, v.ws.ID, v.Mode(), rec.Campaign); err != nil && holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return err
	}
	attempts, err := d.store.RecoveryAttempts(ctx, rec.ID)
	if err != nil {
		return err
	}
	sends, err := d.store.RecoverySends(ctx, rec.ID)
	if err != nil {
		return err
	}
	if data.Timeline, err = d.withNoticeActions(ctx, rec, recoveryTimeline(rec, attempts, sends)); err != nil {
		return err
	}
	return d.render(w, r, v, http.StatusOK, "recovery", "Recovery "+rec.ID, "recoveries", data,
		crumb{"Recoveries", Prefix + "/recoveries"}, crumb{Label: rec.ID})
}

// recoveryTimeline merges a recovery's start, attempts, emails, clicks and
// end into one chronological list, with the next scheduled action last.
func recoveryTimeline(rec *holdfast.Recovery, attempts []holdfast.PaymentAttempt, sends []holdfast.DunningSend) []timelineEntry {
	out := []timelineEntry{{At: rec.StartedAt, Kind: "started", Title: "Recovery started", Status: holdfast.RecoveryInFlight}}
	for _, a := range attempts {
		e := timelineEntry{At: a.CreatedAt, Kind: "attempt", Title: "Retry (" + a.Initiator + ")", Status: a.Outcome}
		if a.Outcome == "" {
			e.Status = "in_progress"
		}
		if a.DeclineCode != "" {
			e.Detail = "Declined: " + a.DeclineCode
		}
		out = append(out, e)
	}
	for _, s := range sends {
		at := s.CreatedAt
		if s.SentAt != nil {
			at = *s.SentAt
		}
		e := timelineEntry{At: at, Kind: "email", Title: "Email: " + s.Subject, Detail: "To " + s.To, Status: s.Status}
		if s.Error != "" {
			e.Detail += " · " + s.Error
		}
		out = append(out, e)
		if s.ClickedAt != nil {
			out = append(out, timelineEntry{At: *s.ClickedAt, Kind: "click", Title: "Customer clicked the update link", Detail: s.Subject})
		}
	}
	if rec.EndedAt != nil {
		out = append(out, timelineEntry{At: *rec.EndedAt, Kind: "ended", Title: "Recovery ended: " + rec.Status, Status: rec.Status, Detail: rec.RecoveredBy})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	if rec.Status == holdfast.RecoveryInFlight && rec.NextActionAt != nil {
		out = append(out, timelineEntry{At: *rec.NextActionAt, Kind: "next", Title: "Next scheduled action"})
	}
	return out
}
