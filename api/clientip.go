package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the TCP peer, unless the peer is a trusted proxy: then the
// right-most X-Forwarded-For entry that is not itself a trusted proxy (SPEC §11).
func clientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
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
			return ip // a garbled hop: stop at the last address we could trust
		}
		a = a.Unmap()
		ip = a
		if !isTrusted(a, trusted) {
			return a
		}
	}
	return ip
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
