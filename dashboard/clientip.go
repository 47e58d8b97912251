package dashboard

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the browser's address as the API would see it: the TCP peer,
// unless the peer is a trusted proxy, then the right-most X-Forwarded-For
// entry that is not itself trusted (SPEC §11). The IP-allowlist page uses it
// to warn before a change would shut out the current browser, and sign-in
// throttling counts failures per address. (It mirrors the API's rule; the
// API keeps its copy unexported.)
func (d *Dashboard) clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	peer = peer.Unmap()
	if !d.trustedProxy(peer) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	ip := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip
		}
		ip = a.Unmap()
		if !d.trustedProxy(ip) {
			return ip
		}
	}
	return ip
}

func (d *Dashboard) trustedProxy(a netip.Addr) bool {
	for _, p := range d.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
