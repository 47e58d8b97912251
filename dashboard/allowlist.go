package dashboard

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"holdfast"
	"holdfast/store"
)

// maxAllowlist bounds the entries of one workspace's IP allowlist.
const maxAllowlist = 100

type allowlistData struct {
	Entries  []string
	ClientIP string
	Allowed  bool // the browser's address may use secret keys now
	Entry    string
	Error    string
	// Warning is set when the posted change would shut out the browser's
	// own address; the form is shown again with a confirmation button.
	Warning *allowlistChange
	Pager   *pager
}

// allowlistChange is a pending change awaiting confirmation.
type allowlistChange struct {
	Action string // add | remove
	Entry  string
}

func (d *Dashboard) allowlist(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return d.renderAllowlist(w, r, v, http.StatusOK, allowlistData{})
}

func (d *Dashboard) renderAllowlist(w http.ResponseWriter, r *http.Request, v *viewer, status int, data allowlistData) error {
	ip := d.clientIP(r)
	entries := v.ws.AllowlistStrings()
	_, page := listQuery(r)
	data.Pager = newPager(r, page, int64(len(entries)))
	data.Entries = entries[min(len(entries), (page-1)*perPage):min(len(entries), page*perPage)]
	data.ClientIP, data.Allowed = ip.String(), v.ws.IPAllowed(ip)
	return d.render(w, r, v, status, "allowlist", "IP Allowlist", "ip-allowlist", data,
		crumb{"Settings", Prefix + "/settings"}, crumb{"API Keys", Prefix + "/settings/api-tokens"}, crumb{Label: "IP Allowlist"})
}

// allowlistChange adds or removes one entry. A change after which the list
// is not empty and no longer covers the browser's own address is shown
// back as a warning first: scripts run from this machine would get 403
// ip_not_allowed. Posting again with confirm=yes applies it.
func (d *Dashboard) allowlistChange(w http.ResponseWriter, r *http.Request, v *viewer) error {
	action, raw := r.PostFormValue("action"), strings.TrimSpace(r.PostFormValue("entry"))
	data := allowlistData{Entry: raw}
	p, err := holdfast.ParseAllowlistEntry(raw)
	if raw == "" {
		err = holdfast.ParamError("entry", "Enter an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24.")
	}
	if err != nil {
		data.Error = messageOf(err)
		return d.renderAllowlist(w, r, v, http.StatusUnprocessableEntity, data)
	}
	next := slices.Clone(v.ws.IPAllowlist)
	i := slices.Index(next, p)
	switch action {
	case "add":
		if i >= 0 {
			data.Error = p.String() + " is already in the allowlist."
		} else if len(next) >= maxAllowlist {
			data.Error = "The allowlist is full (100 entries); use CIDR ranges to cover more addresses."
		}
		next = append(next, p)
	case "remove":
		if i < 0 {
			return holdfast.NotFound("allowlist entry", raw)
		}
		next = slices.Delete(next, i, i+1)
	default:
		return holdfast.ParamError("action", "Unknown allowlist action.")
	}
	if data.Error != "" {
		return d.renderAllowlist(w, r, v, http.StatusUnprocessableEntity, data)
	}
	if ip := d.clientIP(r); locksOut(next, ip) && r.PostFormValue("confirm") != "yes" {
		data.Warning = &allowlistChange{Action: action, Entry: raw}
		return d.renderAllowlist(w, r, v, http.StatusConflict, data)
	}
	if _, err := d.store.UpdateWorkspace(r.Context(), v.ws.ID, store.WorkspaceUpdate{IPAllowlist: &next}, d.clock.Now()); err != nil {
		return err
	}
	msg := "Added " + p.String() + " to the allowlist."
	if action == "remove" {
		msg = "Removed " + p.String() + " from the allowlist."
	}
	return d.redirect(w, r, Prefix+"/settings/api-keys/ip-allowlist", msg)
}

// locksOut reports whether an allowlist would refuse ip (an empty list
// allows everyone).
func locksOut(list []netip.Prefix, ip netip.Addr) bool {
	w := holdfast.Workspace{IPAllowlist: list}
	return !w.IPAllowed(ip)
}
