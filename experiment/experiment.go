// Package experiment runs live A/B tests of campaigns: while an experiment
// runs, each recovery that opens and matches its filters is given an arm at
// random by weight — the same arm for every recovery of a customer — and
// runs that arm's campaign. It plugs into the engine as its
// holdfast.CampaignChooser and serves the /v1/experiments API.
package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"holdfast"
	"holdfast/campaign"
	"holdfast/store"
)

// Limits of an experiment.
const (
	MinArms   = 2
	MaxArms   = 10
	MaxWeight = 1000
	MaxName   = 200
)

// Service creates, reads and stops experiments and assigns arms.
type Service struct {
	st  *store.Store
	mu  sync.Mutex
	rnd *rand.Rand
}

var _ holdfast.CampaignChooser = (*Service)(nil)

// New returns a service drawing arms from a randomly seeded generator.
func New(st *store.Store) *Service {
	return NewSeeded(st, rand.Uint64())
}

// NewSeeded returns a service whose draws follow seed (tests).
func NewSeeded(st *store.Store, seed uint64) *Service {
	return &Service{st: st, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Create validates and starts an experiment. Param errors name the field
// (name, arms, arms[1].campaign, arms[0].weight, filters.currency, …);
// ECONFLICT when another experiment is running in the workspace and mode.
func (s *Service) Create(ctx context.Context, x *holdfast.Experiment, now time.Time) error {
	x.Name = strings.TrimSpace(x.Name)
	if x.Name == "" || utf8.RuneCountInString(x.Name) > MaxName {
		return holdfast.ParamError("name", "name must be 1 to %d characters.", MaxName)
	}
	if len(x.Arms) < MinArms || len(x.Arms) > MaxArms {
		return holdfast.ParamError("arms", "arms must list %d to %d campaigns.", MinArms, MaxArms)
	}
	seen := map[string]bool{}
	mode := holdfast.ModeOf(x.Livemode)
	for i, a := range x.Arms {
		param := fmt.Sprintf("arms[%d].campaign", i)
		if seen[a.Campaign] {
			return holdfast.ParamError(param, "Campaign %s is already an arm.", a.Campaign)
		}
		seen[a.Campaign] = true
		if _, err := s.st.GetCampaign(ctx, x.WorkspaceID, mode, a.Campaign); err != nil {
			if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
				return holdfast.ParamError(param, "No campaign %q in this workspace and mode.", a.Campaign)
			}
			return err
		}
		if a.Weight < 1 || a.Weight > MaxWeight {
			return holdfast.ParamError(fmt.Sprintf("arms[%d].weight", i), "weight must be between 1 and %d.", MaxWeight)
		}
	}
	f := x.Filters
	for param, v := range map[string]*int64{"filters.min_amount": f.MinAmount, "filters.max_amount": f.MaxAmount} {
		if v != nil {
			if err := campaign.CheckAmount(param, *v); err != nil {
				return err
			}
		}
	}
	if f.Currency != "" {
		if err := campaign.CheckCurrency(f.Currency); err != nil {
			return err
		}
	}
	if err := campaign.CheckAmountRange(f); err != nil {
		return err
	}
	return s.st.CreateExperiment(ctx, x, now)
}

// Get returns an experiment with its per-arm results.
func (s *Service) Get(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Experiment, error) {
	x, err := s.st.GetExperiment(ctx, wsID, mode, id)
	if err != nil {
		return nil, err
	}
	counts, err := s.st.ExperimentArmCounts(ctx, x.ID)
	if err != nil {
		return nil, err
	}
	x.Results = Results(x.Arms, counts)
	return x, nil
}

// List pages the experiments of a workspace and mode.
func (s *Service) List(ctx context.Context, wsID string, mode holdfast.Mode, q store.ListQuery) (store.Listed[holdfast.Experiment], error) {
	return s.st.ListExperiments(ctx, wsID, mode, q)
}

// Stop stops a running experiment (ECONFLICT when already stopped).
func (s *Service) Stop(ctx context.Context, wsID string, mode holdfast.Mode, id string, now time.Time) (*holdfast.Experiment, error) {
	if _, err := s.st.StopExperiment(ctx, wsID, mode, id, now); err != nil {
		return nil, err
	}
	return s.Get(ctx, wsID, mode, id)
}

// ChooseCampaign gives a recovery about to open the campaign of its
// customer's arm in the running experiment (drawing the arm on the
// customer's first recovery), or nil when no experiment runs, its filters
// do not match, or the arm's campaign is gone.
func (s *Service) ChooseCampaign(ctx context.Context, o holdfast.RecoveryOpening) (*holdfast.Campaign, error) {
	x, err := s.st.RunningExperiment(ctx, o.WorkspaceID, o.Mode)
	if err != nil || x == nil || !x.Filters.Match(o.Amount, o.Currency, o.Tags) {
		return nil, err
	}
	arm, ok, err := s.st.ExperimentArmOf(ctx, x.ID, o.CustomerKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.mu.Lock()
		u := s.rnd.Float64()
		s.mu.Unlock()
		arm = PickArm(x.Arms, u)
	}
	c, err := s.st.GetCampaign(ctx, o.WorkspaceID, o.Mode, x.Arms[arm].Campaign)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.st.AssignExperiment(ctx, x.ID, o.CustomerKey, o.RecoveryID, arm, o.Now); err != nil {
		return nil, err
	}
	return c, nil
}

// PickArm maps u in [0, 1) to an arm with probability weight / total.
func PickArm(arms []holdfast.ExperimentArm, u float64) int {
	total := 0
	for _, a := range arms {
		total += a.Weight
	}
	x := u * float64(total)
	acc := 0.0
	for i, a := range arms {
		acc += float64(a.Weight)
		if x < acc {
			return i
		}
	}
	return len(arms) - 1
}

// Results turns per-arm counts into the API's arm results, each with the
// difference of its recovered rate from the first arm's.
func Results(arms []holdfast.ExperimentArm, counts map[int]*store.ArmCounts) []holdfast.ArmResult {
	out := make([]holdfast.ArmResult, len(arms))
	for i, a := range arms {
		c := counts[i]
		if c == nil {
			c = &store.ArmCounts{Revenue: map[string]int64{}}
		}
		r := holdfast.ArmResult{Arm: i, Campaign: a.Campaign, Weight: a.Weight, Recoveries: c.Recoveries, InFlight: c.InFlight,
			Recovered: c.Recovered, Charges: c.Charges, RecoveredRevenue: []holdfast.MoneyAmount{}}
		if c.Recoveries > 0 {
			v := round4(float64(c.Recovered) / float64(c.Recoveries))
			r.RecoveredRate = &v
		}
		if c.Recovered > 0 {
			v := round4(float64(c.Charges) / float64(c.Recovered))
			r.ChargesPerRecovery = &v
		}
		curs := make([]string, 0, len(c.Revenue))
		for cur := range c.Revenue {
			curs = append(curs, cur)
		}
		sort.Strings(curs)
		for _, cur := range curs {
			r.RecoveredRevenue = append(r.RecoveredRevenue, holdfast.MoneyAmount{Currency: cur, Amount: c.Revenue[cur]})
		}
		out[i] = r
	}
	for i := 1; i < len(out); i++ {
		if out[0].Recoveries > 0 && out[i].Recoveries > 0 {
			d := Newcombe(out[i].Recovered, out[i].Recoveries, out[0].Recovered, out[0].Recoveries)
			out[i].DifferenceFromFirst = &d
		}
	}
	return out
}

// Newcombe is p1 − p2 with its 95 % interval by Newcombe's hybrid score
// method (from the two Wilson intervals), which behaves at 0 % and 100 %.
func Newcombe(k1, n1, k2, n2 int) holdfast.RateDifference {
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	l1, u1 := Wilson(k1, n1)
	l2, u2 := Wilson(k2, n2)
	d := p1 - p2
	lo := d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	hi := d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return holdfast.RateDifference{Difference: round4(d), Low: round4(max(lo, -1)), High: round4(min(hi, 1))}
}

// Wilson is the 95 % Wilson score interval of k successes in n trials.
func Wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	p, nf := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nf
	mid := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return max(0, mid-half), min(1, mid+half)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
