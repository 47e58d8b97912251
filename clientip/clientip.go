// Package clientip says which address an HTTP request came from when the
// server may sit behind proxies (SPEC §11). The API checks a workspace's IP
// allowlist with it and the dashboard warns before an allowlist change would
// shut out the current browser, so both must agree on the rule: it lives here.
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// From is the TCP peer, unless the peer is a trusted proxy: then the
// right-most X-Forwarded-For entry that is not itself a trusted proxy.
// Reading from the right means a client cannot spoof its address by
// sending its own X-Forwarded-For: only hops our proxies appended count.
// A garbled hop stops the walk at the last address that could be trusted.
// It returns the zero netip.Addr when the peer address does not parse.
func From(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
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
		if !isTrusted(ip, trusted) {
			return ip
		}
	}
	return ip
}

// isTrusted reports whether a is inside one of the trusted proxy prefixes.
func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
