package holdfast

import (
	"net/netip"
	"time"
)

// Plan names a workspace's subscription plan, which sets each key's default rate limit.
type Plan string

// PlanLimits is requests per 60 s per key for each plan (SPEC §1).
var PlanLimits = map[Plan]int{
	"standard":                60,
	"recovery_engine":         20,
	"revenue_recovery_system": 100,
	"revenue_command":         100,
	"enterprise":              1000,
}

// DefaultPlan is the plan of a new workspace.
const DefaultPlan Plan = "standard"

// ValidPlan reports whether p is a known plan.
func ValidPlan(p Plan) bool { _, ok := PlanLimits[p]; return ok }

// Workspace is one merchant account in Holdfast.
type Workspace struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Plan        Plan           `json:"plan"`
	TrialEndsAt *time.Time     `json:"trial_ends_at"`
	IPAllowlist []netip.Prefix `json:"-"`
	// WidgetSecret keys the cancel-flow auth hash (decrypted in memory only).
	WidgetSecret string    `json:"-"`
	Timezone     string    `json:"timezone"`
	IsDemo       bool      `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"-"`
}

// TrialExpired reports whether the trial ended before now.
func (w *Workspace) TrialExpired(now time.Time) bool {
	return w.TrialEndsAt != nil && w.TrialEndsAt.Before(now)
}

// IPAllowed reports whether ip may use the workspace's secret keys.
func (w *Workspace) IPAllowed(ip netip.Addr) bool {
	if len(w.IPAllowlist) == 0 {
		return true
	}
	ip = ip.Unmap()
	for _, p := range w.IPAllowlist {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// AllowlistStrings renders the allowlist as given (single addresses without /32).
func (w *Workspace) AllowlistStrings() []string {
	out := make([]string, 0, len(w.IPAllowlist))
	for _, p := range w.IPAllowlist {
		if p.IsSingleIP() {
			out = append(out, p.Addr().String())
		} else {
			out = append(out, p.String())
		}
	}
	return out
}

// ParseAllowlistEntry accepts an IPv4/IPv6 address or CIDR.
func ParseAllowlistEntry(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, Errorf(EVALIDATION, "invalid IP address or CIDR %q", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
