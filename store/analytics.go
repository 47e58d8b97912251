package store

import (
	"context"
	"sort"
	"time"

	"holdfast"
)

// Analytics periods.
const (
	PeriodDay   = "day"
	PeriodWeek  = "week"
	PeriodMonth = "month"
)

// RecoveryAnalytics groups the failed payments that opened in (after,
// before) — both optional and exclusive, like created_after/created_before
// on lists — by UTC period (day, week starting Monday, or month) and
// currency, with what became of them. Rows come oldest period first, then by
// currency; every period between the first and the last one with data is
// present for every currency seen, zero-filled, so charts have no holes.
//
// The database groups by UTC day (integer arithmetic that reads the same on
// SQLite and PostgreSQL); weeks and months are rolled up here.
func (s *Store) RecoveryAnalytics(ctx context.Context, wsID string, mode holdfast.Mode, period string, after, before *time.Time) ([]holdfast.RecoveryPeriod, error) {
	q := ListQuery{CreatedAfter: after, CreatedBefore: before}
	where, args := keyset(q, "created_at", "id", []string{"workspace_id = ?", "livemode = ?"}, []any{wsID, mode.Livemode()})
	rows, err := s.query(ctx, `SELECT created_at / 86400000000, currency, status, COUNT(*), COALESCE(SUM(amount), 0) FROM payments`+
		whereSQL(where)+` GROUP BY created_at / 86400000000, currency, status`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		start    time.Time
		currency string
	}
	acc := map[key]*holdfast.RecoveryPeriod{}
	currencies := map[string]bool{}
	var first, last time.Time
	for rows.Next() {
		var (
			day, n, amount   int64
			currency, status string
		)
		if err := rows.Scan(&day, &currency, &status, &n, &amount); err != nil {
			return nil, err
		}
		start := periodStart(time.Unix(day*86400, 0).UTC(), period)
		if first.IsZero() || start.Before(first) {
			first = start
		}
		if start.After(last) {
			last = start
		}
		currencies[currency] = true
		k := key{start, currency}
		row := acc[k]
		if row == nil {
			row = &holdfast.RecoveryPeriod{PeriodStart: start, Currency: currency}
			acc[k] = row
		}
		row.FailedCount += n
		row.FailedAmount += amount
		switch status {
		case holdfast.PaymentPending:
			row.InFlightCount += n
		case holdfast.PaymentRecovered:
			row.RecoveredCount += n
			row.RecoveredAmount += amount
		case holdfast.PaymentFailed:
			row.LostCount += n
		case holdfast.PaymentCanceled:
			row.AbandonedCount += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []holdfast.RecoveryPeriod{}
	if len(acc) == 0 {
		return out, nil
	}
	curs := make([]string, 0, len(currencies))
	for c := range currencies {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	for p := first; !p.After(last); p = nextPeriod(p, period) {
		for _, c := range curs {
			row := acc[key{p, c}]
			if row == nil {
				row = &holdfast.RecoveryPeriod{PeriodStart: p, Currency: c}
			}
			row.RecoveryRate = holdfast.Rate(row.RecoveredCount, row.FailedCount)
			out = append(out, *row)
		}
	}
	return out, nil
}

// periodStart truncates a UTC day to the start of its period.
func periodStart(day time.Time, period string) time.Time {
	switch period {
	case PeriodWeek:
		// ISO weeks start on Monday.
		offset := (int(day.Weekday()) + 6) % 7
		return day.AddDate(0, 0, -offset)
	case PeriodMonth:
		return time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

func nextPeriod(p time.Time, period string) time.Time {
	switch period {
	case PeriodWeek:
		return p.AddDate(0, 0, 7)
	case PeriodMonth:
		return p.AddDate(0, 1, 0)
	}
	return p.AddDate(0, 0, 1)
}

// CampaignAnalytics reports, per campaign and currency, the recoveries that
// started in (after, before) (both optional and exclusive) and what they did:
// outcomes, recovered amount, retries sent to the provider (attempts that
// succeeded or failed; refused ones never left) and dunning emails sent.
// Campaigns without recoveries get one zero row with a null currency;
// recoveries of deleted campaigns keep their rows with a null name, so the
// totals always match the stats.
func (s *Store) CampaignAnalytics(ctx context.Context, wsID string, mode holdfast.Mode, after, before *time.Time) ([]holdfast.CampaignPerformance, error) {
	type key struct{ campaign, currency string }
	acc := map[key]*holdfast.CampaignPerformance{}
	get := func(k key) *holdfast.CampaignPerformance {
		row := acc[k]
		if row == nil {
			cur := k.currency
			row = &holdfast.CampaignPerformance{Campaign: k.campaign, Currency: &cur}
			acc[k] = row
		}
		return row
	}
	where, args := keyset(ListQuery{CreatedAfter: after, CreatedBefore: before}, "r.started_at", "r.id",
		[]string{"r.workspace_id = ?", "r.livemode = ?"}, []any{wsID, mode.Livemode()})

	rows, err := s.query(ctx, `SELECT r.campaign_id, r.currency, r.status, COUNT(*), COALESCE(SUM(r.amount), 0) FROM recoveries r`+
		whereSQL(where)+` GROUP BY r.campaign_id, r.currency, r.status`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			campaign, currency, status string
			n, amount                  int64
		)
		if err := rows.Scan(&campaign, &currency, &status, &n, &amount); err != nil {
			rows.Close()
			return nil, err
		}
		row := get(key{campaign, currency})
		row.Started += n
		switch status {
		case holdfast.RecoveryInFlight:
			row.InFlight += n
		case holdfast.RecoveryRecovered:
			row.Recovered += n
			row.RecoveredAmount += amount
		case holdfast.RecoveryLost:
			row.Lost += n
		case holdfast.RecoveryAbandoned:
			row.Abandoned += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Retries and emails, counted from the attempts and sends themselves.
	counts := []struct {
		sql string
		add func(*holdfast.CampaignPerformance, int64)
	}{
		{`SELECT r.campaign_id, r.currency, COUNT(*) FROM payment_attempts a JOIN recoveries r ON r.id = a.recovery_id` +
			whereSQL(append(append([]string{}, where...), "a.outcome IN ('succeeded', 'failed')")) + ` GROUP BY r.campaign_id, r.currency`,
			func(p *holdfast.CampaignPerformance, n int64) { p.Retries += n }},
		{`SELECT r.campaign_id, r.currency, COUNT(*) FROM dunning_sends d JOIN recoveries r ON r.id = d.recovery_id` +
			whereSQL(append(append([]string{}, where...), "d.status = 'sent'")) + ` GROUP BY r.campaign_id, r.currency`,
			func(p *holdfast.CampaignPerformance, n int64) { p.EmailsSent += n }},
	}
	for _, c := range counts {
		rows, err := s.query(ctx, c.sql, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var (
				campaign, currency string
				n                  int64
			)
			if err := rows.Scan(&campaign, &currency, &n); err != nil {
				rows.Close()
				return nil, err
			}
			c.add(get(key{campaign, currency}), n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}

	campaigns, err := s.Campaigns(ctx, wsID, mode)
	if err != nil {
		return nil, err
	}
	out := []holdfast.CampaignPerformance{}
	seen := map[string]bool{}
	emit := func(id string, name *string) {
		var keys []key
		for k := range acc {
			if k.campaign == id {
				keys = append(keys, k)
			}
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].currency < keys[j].currency })
		if len(keys) == 0 && name != nil {
			out = append(out, holdfast.CampaignPerformance{Campaign: id, Name: name})
		}
		for _, k := range keys {
			row := acc[k]
			row.Name = name
			row.RecoveryRate = holdfast.Rate(row.Recovered, row.Recovered+row.Lost+row.Abandoned)
			out = append(out, *row)
		}
		seen[id] = true
	}
	for _, c := range campaigns {
		emit(c.ID, &c.Name)
	}
	var orphans []string
	for k := range acc {
		if !seen[k.campaign] {
			orphans = append(orphans, k.campaign)
			seen[k.campaign] = true
		}
	}
	sort.Strings(orphans)
	for _, id := range orphans {
		emit(id, nil)
	}
	return out, nil
}
