package dashboard

import (
	"net/http"
	"net/netip"

	"holdfast/clientip"
)

// clientIP is the browser's address as the API would see it (the same rule,
// package clientip). The IP-allowlist page uses it to warn before a change
// would shut out the current browser, and sign-in throttling counts failures
// per address. A peer address that does not parse counts as 0.0.0.0, so
// such requests still share one throttle bucket.
func (d *Dashboard) clientIP(r *http.Request) netip.Addr {
	if ip := clientip.From(r, d.trusted); ip.IsValid() {
		return ip
	}
	return netip.IPv4Unspecified()
}
