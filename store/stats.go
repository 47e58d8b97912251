package store

import (
	"context"
	"sort"
	"time"

	"holdfast"
)

// Stats computes the stats object of a workspace in one mode (SPEC §5).
// from (inclusive) and to (exclusive) are optional; they bound recoveries by
// started_at, cancel sessions and customers by created_at.
func (s *Store) Stats(ctx context.Context, wsID string, mode holdfast.Mode, from, to *time.Time) (*holdfast.Stats, error) {
	st := &holdfast.Stats{RecoveredRevenue: []holdfast.Money{}, AtRiskRevenue: []holdfast.Money{}}
	where, args := timeRange("started_at", from, to, []string{"workspace_id = ?", "livemode = ?"}, []any{wsID, mode.Livemode()})
	rows, err := s.query(ctx, `SELECT status, currency, COUNT(*), COALESCE(SUM(amount), 0) FROM recoveries`+whereSQL(where)+
		` GROUP BY status, currency`, args...)
	if err != nil {
		return nil, err
	}
	recovered, atRisk := map[string]int64{}, map[string]int64{}
	for rows.Next() {
		var (
			status, currency string
			n, amount        int64
		)
		if err := rows.Scan(&status, &currency, &n, &amount); err != nil {
			rows.Close()
			return nil, err
		}
		switch status {
		case holdfast.RecoveryInFlight:
			st.Campaigns.InFlight += n
			atRisk[currency] += amount
		case holdfast.RecoveryRecovered:
			st.Campaigns.Recovered += n
			recovered[currency] += amount
		case holdfast.RecoveryLost:
			st.Campaigns.Lost += n
		case holdfast.RecoveryAbandoned:
			st.Campaigns.Abandoned += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	c := &st.Campaigns
	c.RecoveryRate = holdfast.Rate(c.Recovered, c.Recovered+c.Lost+c.Abandoned)
	st.RecoveredRevenue, st.AtRiskRevenue = moneyList(recovered), moneyList(atRisk)

	cs, err := s.CancelSessionCounts(ctx, wsID, mode, from, to)
	if err != nil {
		return nil, err
	}
	st.CancelSessions = holdfast.CancelSessionCounts{
		Total: cs.Total, InProgress: cs.InProgress, SavedDiscount: cs.SavedDiscount, SavedPause: cs.SavedPause,
		SavedDowngrade: cs.SavedDowngrade, SavedOther: cs.SavedOther, Canceled: cs.Canceled, Abandoned: cs.Abandoned,
		SaveRate: holdfast.Rate(cs.Saved(), cs.Saved()+cs.Canceled),
	}

	if from == nil && to == nil {
		st.Customers, err = s.CustomerCount(ctx, wsID, mode)
	} else {
		// An index range over customers_live; no table rows are read.
		where, args := timeRange("created_at", from, to, []string{"workspace_id = ?", "livemode = ?", "deleted_at IS NULL"}, []any{wsID, mode.Livemode()})
		err = s.queryRow(ctx, `SELECT COUNT(*) FROM customers`+whereSQL(where), args...).Scan(&st.Customers)
	}
	if err != nil {
		return nil, err
	}
	if st.CardExpiry, err = s.CardExpiryCounts(ctx, wsID, mode, from, to); err != nil {
		return nil, err
	}
	if st.InAppNotice, err = s.InAppNoticeCounts(ctx, wsID, mode, from, to); err != nil {
		return nil, err
	}
	return st, nil
}

// timeRange appends col >= from and col < to for the bounds that are set.
func timeRange(col string, from, to *time.Time, where []string, args []any) ([]string, []any) {
	if from != nil {
		where = append(where, col+" >= ?")
		args = append(args, holdfast.Micros(*from))
	}
	if to != nil {
		where = append(where, col+" < ?")
		args = append(args, holdfast.Micros(*to))
	}
	return where, args
}

// moneyList renders per-currency sums sorted by currency.
func moneyList(m map[string]int64) []holdfast.Money {
	out := make([]holdfast.Money, 0, len(m))
	for cur, amt := range m {
		out = append(out, holdfast.Money{Currency: cur, Amount: amt})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}
