package dashboard

import (
	"context"
	"sort"
	"time"

	"holdfast"
	"holdfast/store"
)

// withNoticeActions adds the customer's views and clicks of the in-app
// payment notice while the recovery ran to its timeline (before the "next
// scheduled action" line, which stays last).
func (d *Dashboard) withNoticeActions(ctx context.Context, rec *holdfast.Recovery, tl []timelineEntry) ([]timelineEntry, error) {
	if rec.Customer == "" {
		return tl, nil
	}
	var to time.Time
	if rec.EndedAt != nil {
		to = *rec.EndedAt
	}
	acts, err := d.store.CustomerNoticeActions(ctx, rec.Customer, rec.StartedAt, to)
	if err != nil || len(acts) == 0 {
		return tl, err
	}
	var next []timelineEntry
	if n := len(tl); n > 0 && tl[n-1].Kind == "next" {
		tl, next = tl[:n-1], tl[n-1:]
	}
	for _, a := range acts {
		e := timelineEntry{At: a.CreatedAt, Kind: "notice", Title: "In-app notice shown (" + a.Style + ")", Detail: a.State}
		if a.Action == store.NoticeClick {
			e.Kind, e.Title = "click", "Customer clicked \u201cUpdate payment method\u201d in the in-app notice"
		}
		tl = append(tl, e)
	}
	sort.SliceStable(tl, func(i, j int) bool { return tl[i].At.Before(tl[j].At) })
	return append(tl, next...), nil
}
