package dashboard

import (
	"net/http"

	"holdfast"
	"holdfast/store"
)

// cancelOutcomes are the filters of the Cancel sessions page.
var cancelOutcomes = []string{holdfast.OutcomeSavedDiscount, holdfast.OutcomeSavedPause, holdfast.OutcomeSavedDowngrade,
	holdfast.OutcomeSavedOther, holdfast.OutcomeCanceled, holdfast.OutcomeAbandoned}

type cancelSessionsData struct {
	Outcome  string
	Outcomes []string
	Rows     []*holdfast.CancelSession
	Pager    *pager
	Counts   store.CancelSessionCounts
	SaveRate *float64
	Reasons  []reasonRow
	// Labels are the survey's wording of each reason id.
	Labels map[string]string
}

type reasonRow struct {
	store.DashboardReasonCount
	Label string
	Share float64 // percent of all sessions, for the bar
}

func (d *Dashboard) cancelSessions(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	q, page := listQuery(r)
	outcome := oneOf(r.URL.Query().Get("outcome"), cancelOutcomes...)
	list, err := d.store.ListCancelSessions(ctx, v.ws.ID, v.Mode(), outcome, q)
	if err != nil {
		return err
	}
	data := cancelSessionsData{Outcome: outcome, Outcomes: cancelOutcomes, Rows: list.Data, Pager: newPager(r, page, list.Total)}
	if data.Counts, err = d.store.CancelSessionCounts(ctx, v.ws.ID, v.Mode(), nil, nil); err != nil {
		return err
	}
	data.SaveRate = data.Counts.SaveRate()
	reasons, err := d.store.DashboardCancelReasons(ctx, v.ws.ID, v.Mode(), nil, nil)
	if err != nil {
		return err
	}
	labels := map[string]string{}
	if flow, err := d.store.CancelFlow(ctx, v.ws.ID, v.Mode()); err == nil {
		for _, rr := range flow.Reasons {
			labels[rr.ID] = rr.Label
		}
	} else if holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
		return err
	}
	data.Labels = labels
	for _, rc := range reasons {
		row := reasonRow{DashboardReasonCount: rc, Label: labels[rc.Reason]}
		switch {
		case rc.Reason == "":
			row.Label = "No answer (left before the survey)"
		case row.Label == "":
			row.Label = rc.Reason
		}
		if data.Counts.Total > 0 {
			row.Share = 100 * float64(rc.Total) / float64(data.Counts.Total)
		}
		data.Reasons = append(data.Reasons, row)
	}
	return d.render(w, r, v, http.StatusOK, "cancel_sessions", "Cancel sessions", "cancel-sessions", data)
}
