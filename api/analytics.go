package api

import (
	"net/http"
	"time"

	"holdfast"
	"holdfast/store"
)

// analyticsRange reads created_after/created_before (exclusive, RFC 3339).
func analyticsRange(r *http.Request) (after, before *time.Time, err error) {
	if after, err = timeParam(r, "created_after"); err != nil {
		return nil, nil, err
	}
	if before, err = timeParam(r, "created_before"); err != nil {
		return nil, nil, err
	}
	if after != nil && before != nil && !after.Before(*before) {
		return nil, nil, paramErr("created_before", "created_before must be after created_after.")
	}
	return after, before, nil
}

// analyticsRecovery serves GET /v1/analytics/recovery: failed payments per
// UTC period (day, week, month; default day) and currency, and their
// outcomes. Its counts add up to the /v1/payments totals over the same range.
func (s *Server) analyticsRecovery(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	period, err := enumParam(r, "period", store.PeriodDay, store.PeriodWeek, store.PeriodMonth)
	if err != nil {
		return err
	}
	if period == "" {
		period = store.PeriodDay
	}
	after, before, err := analyticsRange(r)
	if err != nil {
		return err
	}
	rows, err := s.store.RecoveryAnalytics(r.Context(), p.Workspace.ID, p.Mode, period, after, before)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, analyticsBody[holdfast.RecoveryPeriod]{Object: "analytics.recovery", Period: period,
		CreatedAfter: after, CreatedBefore: before, Data: rows})
	return nil
}

// analyticsCampaigns serves GET /v1/analytics/campaigns: per campaign and
// currency, the recoveries it ran (started in the range) and their results.
func (s *Server) analyticsCampaigns(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	after, before, err := analyticsRange(r)
	if err != nil {
		return err
	}
	rows, err := s.store.CampaignAnalytics(r.Context(), p.Workspace.ID, p.Mode, after, before)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, analyticsBody[holdfast.CampaignPerformance]{Object: "analytics.campaigns",
		CreatedAfter: after, CreatedBefore: before, Data: rows})
	return nil
}

// analyticsBody wraps analytics rows (not paginated: one row per period or
// campaign and currency).
type analyticsBody[T any] struct {
	Object        string     `json:"object"`
	Period        string     `json:"period,omitempty"`
	CreatedAfter  *time.Time `json:"created_after"`
	CreatedBefore *time.Time `json:"created_before"`
	Data          []T        `json:"data"`
}

// paramErr is a validation error naming a parameter.
func paramErr(param, msg string) error { return holdfast.ParamError(param, "%s", msg) }
