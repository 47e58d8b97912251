package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"holdfast"
)

// Queries the simulator (`holdfast simulate`) needs on its scratch database.

// NextTestJobAt returns the due time of a workspace's earliest test-mode
// job; ok is false when it has none.
func (s *Store) NextTestJobAt(ctx context.Context, wsID string) (at time.Time, ok bool, err error) {
	var us sql.NullInt64
	err = s.queryRow(ctx, `SELECT MIN(run_at) FROM jobs WHERE workspace_id = ? AND livemode = ?`, wsID, false).Scan(&us)
	if err != nil || !us.Valid {
		return time.Time{}, false, err
	}
	return holdfast.FromMicros(us.Int64), true, nil
}

// SentEmail is a delivered dunning email as the simulator sees it.
type SentEmail struct {
	Seq       int64 // insertion order, for paging
	ID        string
	Payment   string
	Template  string
	CreatedAt time.Time
}

// SentEmailsAfter returns the workspace's sent test-mode emails recorded
// after seq (0 for all), in insertion order. It pages by SQLite's rowid, so
// it is for the simulator's scratch SQLite database only.
func (s *Store) SentEmailsAfter(ctx context.Context, wsID string, seq int64) ([]SentEmail, error) {
	if s.dialect != SQLite {
		return nil, errors.New("store: SentEmailsAfter needs SQLite")
	}
	rows, err := s.query(ctx, `SELECT rowid, id, payment_id, template, created_at FROM dunning_sends
		WHERE rowid > ? AND workspace_id = ? AND livemode = ? AND status = ? ORDER BY rowid`, seq, wsID, false, holdfast.SendSent)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SentEmail
	for rows.Next() {
		var (
			e  SentEmail
			us int64
		)
		if err := rows.Scan(&e.Seq, &e.ID, &e.Payment, &e.Template, &us); err != nil {
			return nil, err
		}
		e.CreatedAt = holdfast.FromMicros(us)
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecoveryOutcome is how one recovery ended (or that it is still running).
type RecoveryOutcome struct {
	Payment     string     `json:"payment"`
	Campaign    string     `json:"campaign"`
	Status      string     `json:"status"`
	RecoveredBy string     `json:"recovered_by"`
	StartedAt   time.Time  `json:"started_at"`
	EndedAt     *time.Time `json:"ended_at"`
}

// RecoveryOutcomes returns every recovery of a workspace and mode.
func (s *Store) RecoveryOutcomes(ctx context.Context, wsID string, mode holdfast.Mode) ([]RecoveryOutcome, error) {
	rows, err := s.query(ctx, `SELECT payment_id, campaign_id, status, recovered_by, started_at, ended_at FROM recoveries
		WHERE workspace_id = ? AND livemode = ?`, wsID, mode.Livemode())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RecoveryOutcome
	for rows.Next() {
		var (
			o       RecoveryOutcome
			started int64
			ended   sql.NullInt64
		)
		if err := rows.Scan(&o.Payment, &o.Campaign, &o.Status, &o.RecoveredBy, &started, &ended); err != nil {
			return nil, err
		}
		o.StartedAt = holdfast.FromMicros(started)
		if ended.Valid {
			t := holdfast.FromMicros(ended.Int64)
			o.EndedAt = &t
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// PaymentProfile is what the simulator copies from a workspace's own
// failed payments (`holdfast simulate --population ws_…`).
type PaymentProfile struct {
	DeclineCode string // decline_code, else failure_code
	Amount      int64
	Currency    string
	CardBrand   string
	CardFunding string
	Timezone    string // the customer's; "" when unknown
}

// PaymentProfiles returns the profiles of a workspace's payments in a mode
// created at or after since, oldest first.
func (s *Store) PaymentProfiles(ctx context.Context, wsID string, mode holdfast.Mode, since time.Time) ([]PaymentProfile, error) {
	rows, err := s.query(ctx, `SELECT p.decline_code, p.failure_code, p.amount, p.currency, p.card_brand, p.card_funding, COALESCE(c.timezone, '')
		FROM payments p LEFT JOIN customers c ON c.id = p.customer_id
		WHERE p.workspace_id = ? AND p.livemode = ? AND p.created_at >= ? ORDER BY p.created_at, p.id`,
		wsID, mode.Livemode(), holdfast.Micros(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PaymentProfile
	for rows.Next() {
		var (
			p       PaymentProfile
			failure string
		)
		if err := rows.Scan(&p.DeclineCode, &failure, &p.Amount, &p.Currency, &p.CardBrand, &p.CardFunding, &p.Timezone); err != nil {
			return nil, err
		}
		if p.DeclineCode == "" {
			p.DeclineCode = failure
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CampaignByID returns a campaign by id alone (the simulator's --campaign
// takes any workspace's campaign); ENOTFOUND otherwise.
func (s *Store) CampaignByID(ctx context.Context, id string) (*holdfast.Campaign, error) {
	c, err := scanCampaign(s.queryRow(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("campaign", id)
	}
	return c, err
}
