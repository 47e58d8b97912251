package holdfast

import "time"

// Stats is the KPI object of GET /v1/stats and GET /api/v1/stats (SPEC §5);
// the dashboard shows exactly these numbers. Optional from/to bound
// recoveries by start time, cancel sessions and customers by creation time:
// from inclusive, to exclusive.
type Stats struct {
	Campaigns        RecoveryCounts      `json:"campaigns"`
	RecoveredRevenue []Money             `json:"recovered_revenue"`
	AtRiskRevenue    []Money             `json:"at_risk_revenue"`
	CancelSessions   CancelSessionCounts `json:"cancel_sessions"`
	Customers        int64               `json:"customers"`
	// CardExpiry and InAppNotice are the prevention counts (issue 15).
	CardExpiry  CardExpiryCounts  `json:"card_expiry"`
	InAppNotice InAppNoticeCounts `json:"in_app_notice"`
}

// RecoveryCounts counts recoveries by status.
type RecoveryCounts struct {
	InFlight  int64 `json:"in_flight"`
	Recovered int64 `json:"recovered"`
	Lost      int64 `json:"lost"`
	Abandoned int64 `json:"abandoned"`
	// RecoveryRate is recovered / (recovered + lost + abandoned); nil (JSON
	// null) when no recovery has ended.
	RecoveryRate *float64 `json:"recovery_rate"`
}

// Money is an amount in minor units of a lowercase ISO currency.
type Money struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// CancelSessionCounts counts cancel sessions by status and outcome.
type CancelSessionCounts struct {
	Total          int64 `json:"total"`
	InProgress     int64 `json:"in_progress"`
	SavedDiscount  int64 `json:"saved_discount"`
	SavedPause     int64 `json:"saved_pause"`
	SavedDowngrade int64 `json:"saved_downgrade"`
	SavedOther     int64 `json:"saved_other"`
	Canceled       int64 `json:"canceled"`
	Abandoned      int64 `json:"abandoned"`
	// SaveRate is saved / (saved + canceled) over the four saved_* outcomes;
	// nil (JSON null) when neither happened.
	SaveRate *float64 `json:"save_rate"`
}

// Rate returns num/den, or nil when den is zero (the spec's "or null").
func Rate(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}

// RecoveryPeriod is one row of GET /v1/analytics/recovery: the failed
// payments that opened in one UTC period and currency, and what became of them.
type RecoveryPeriod struct {
	PeriodStart     time.Time `json:"period_start"`
	Currency        string    `json:"currency"`
	FailedCount     int64     `json:"failed_count"`
	FailedAmount    int64     `json:"failed_amount"`
	RecoveredCount  int64     `json:"recovered_count"`
	RecoveredAmount int64     `json:"recovered_amount"`
	InFlightCount   int64     `json:"in_flight_count"`
	LostCount       int64     `json:"lost_count"`
	AbandonedCount  int64     `json:"abandoned_count"`
	// RecoveryRate is recovered_count / failed_count of the period's cohort of
	// failed payments (null when nothing failed): the row's own numbers, so a
	// reader can check it. Stats and campaign analytics, which also show
	// in-flight work separately, use recovered / (recovered + lost + abandoned).
	RecoveryRate *float64 `json:"recovery_rate"`
}

// CampaignPerformance is one row of GET /v1/analytics/campaigns: the
// recoveries one campaign ran in one currency.
type CampaignPerformance struct {
	Campaign        string   `json:"campaign"`
	Name            *string  `json:"name"` // null once the campaign is deleted
	Currency        *string  `json:"currency"`
	Started         int64    `json:"started"`
	InFlight        int64    `json:"in_flight"`
	Recovered       int64    `json:"recovered"`
	Lost            int64    `json:"lost"`
	Abandoned       int64    `json:"abandoned"`
	RecoveryRate    *float64 `json:"recovery_rate"`
	RecoveredAmount int64    `json:"recovered_amount"`
	Retries         int64    `json:"retries"`
	EmailsSent      int64    `json:"emails_sent"`
}
