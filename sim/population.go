package sim

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"holdfast"
	"holdfast/store"
)

// Profile is one simulated failed payment: who, how much, how it failed.
type Profile struct {
	Index    int    `json:"index"`
	Code     string `json:"code"`
	Class    string `json:"class"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Brand    string `json:"brand"`
	Funding  string `json:"funding"`
	Zone     string `json:"zone"`
}

// Population draws payment profiles. Profile must be a pure function of
// (seed, i): every strategy asks for the same payments.
type Population interface {
	Name() string
	Profile(seed uint64, i int) Profile
}

// ModelPopulation draws every attribute from the model's shares.
type ModelPopulation struct{ M *Model }

// Name is "default" (or the model's name).
func (p ModelPopulation) Name() string { return p.M.Name }

// Profile draws payment i.
func (p ModelPopulation) Profile(seed uint64, i int) Profile {
	m := p.M
	r := draws(seed, i, streamPopulation, 0)
	d := m.Declines[pick(r, sharesOf(m.Declines, func(d DeclineShare) float64 { return d.Share }))]
	c := m.Currencies[pick(r, sharesOf(m.Currencies, func(c CurrencyShare) float64 { return c.Share }))]
	a := c.Amounts[pick(r, sharesOf(c.Amounts, func(a AmountShare) float64 { return a.Share }))]
	b := m.Brands[pick(r, sharesOf(m.Brands, func(b BrandShare) float64 { return b.Share }))]
	f := m.Funding[pick(r, sharesOf(m.Funding, func(f FundingShare) float64 { return f.Share }))]
	z := m.Timezones[pick(r, sharesOf(m.Timezones, func(z ZoneShare) float64 { return z.Share }))]
	return Profile{Index: i, Code: d.Code, Class: d.Class, Amount: a.Amount, Currency: c.Currency, Brand: b.Brand,
		Funding: f.Funding, Zone: z.Zone}
}

// WorkspacePopulation resamples a workspace's own failed payments: each
// simulated payment copies the decline code, amount, currency, card brand,
// funding and time zone of one real payment picked at random (so the joint
// mix is kept); the model supplies the class of each code and everything
// else.
type WorkspacePopulation struct {
	Workspace string
	M         *Model
	Rows      []store.PaymentProfile
}

// PopulationWindow is how far back --population ws_… looks.
const PopulationWindow = 180 * 24 * time.Hour

// LoadWorkspacePopulation reads the live payments a workspace opened in the
// last 180 days. ENOTFOUND for an unknown workspace; EVALIDATION when it has
// no such payments.
func LoadWorkspacePopulation(ctx context.Context, st *store.Store, wsID string, m *Model, now time.Time) (*WorkspacePopulation, error) {
	w, err := st.GetWorkspace(ctx, wsID)
	if err != nil {
		return nil, err
	}
	rows, err := st.PaymentProfiles(ctx, wsID, holdfast.ModeLive, now.Add(-PopulationWindow))
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, &holdfast.Error{Code: holdfast.EVALIDATION, Param: "population",
			Message: fmt.Sprintf("Workspace %s has no live payments in the last 180 days to draw a population from.", w.ID)}
	}
	return &WorkspacePopulation{Workspace: w.ID, M: m, Rows: rows}, nil
}

// Name is the workspace id.
func (p *WorkspacePopulation) Name() string { return p.Workspace }

// Profile copies one of the workspace's payments, filling gaps from the model.
func (p *WorkspacePopulation) Profile(seed uint64, i int) Profile {
	r := draws(seed, i, streamPopulation, 0)
	row := p.Rows[r.IntN(len(p.Rows))]
	base := ModelPopulation{M: p.M}.Profile(seed, i) // fills what the row lacks
	prof := Profile{Index: i, Code: strings.ToLower(row.DeclineCode), Amount: row.Amount, Currency: strings.ToLower(row.Currency),
		Brand: strings.ToLower(row.CardBrand), Funding: strings.ToLower(row.CardFunding), Zone: row.Timezone}
	if prof.Code == "" {
		prof.Code = "generic_decline"
	}
	if prof.Brand == "" {
		prof.Brand = base.Brand
	}
	if prof.Funding == "" {
		prof.Funding = base.Funding
	}
	if prof.Zone == "" || loadZone(prof.Zone) == nil {
		prof.Zone = base.Zone
	}
	if prof.Amount <= 0 || prof.Currency == "" {
		prof.Amount, prof.Currency = base.Amount, base.Currency
	}
	prof.Class = p.M.classOf(prof.Code)
	return prof
}

var zoneCache sync.Map // name → *time.Location (nil when unknown)

// loadZone loads an IANA zone, once per name; nil when unknown.
func loadZone(name string) *time.Location {
	if v, ok := zoneCache.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	zoneCache.Store(name, loc)
	return loc
}
