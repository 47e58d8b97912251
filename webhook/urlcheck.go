package webhook

import (
	"net/netip"
	"net/url"
	"strings"

	"holdfast"
)

// ValidateURL checks an endpoint URL when it is created or changed. It returns
// an EVALIDATION *holdfast.Error with Param "url", or nil.
//
// Every URL must parse, be absolute with a host and carry no user:password
// (credentials belong in the receiver's own auth, and would leak into logs).
// Live mode requires https and refuses hosts that are "localhost" or a literal
// loopback, private, link-local, unspecified, multicast or otherwise reserved
// IP. Test mode allows https anywhere and plain http only to loopback
// (127.0.0.0/8, ::1, localhost), for receivers running on the developer's
// machine.
//
// This is a check on what the user typed; a host name that resolves to a
// private address is caught later, at connect time, by a Client with
// BlockPrivate set.
func ValidateURL(raw string, livemode bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return urlError("url must be a valid absolute URL")
	}
	if !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return urlError("url must be an absolute URL such as https://example.com/webhooks")
	}
	if u.User != nil {
		return urlError("url must not contain a user name or password")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return urlError("url must have a host")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return urlError("url must use https")
	}
	if livemode {
		if scheme != "https" {
			return urlError("url must use https in live mode")
		}
		if isLocalhostName(host) {
			return urlError("url must not point to localhost in live mode")
		}
		if ip, err := netip.ParseAddr(host); err == nil && blockedAddr(ip) {
			return urlError("url must not point to a private, loopback or reserved address in live mode")
		}
		return nil
	}
	if scheme == "http" && !isLoopbackHost(host) {
		return urlError("url must use https; http is allowed only to localhost in test mode")
	}
	return nil
}

func urlError(msg string) error { return holdfast.ParamError("url", "%s", msg) }

// isLocalhostName reports names that always mean this machine (RFC 6761).
func isLocalhostName(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// isLoopbackHost reports whether host is "localhost" or a literal loopback IP.
// Sub-names of .localhost are not accepted here: Go's resolver does not
// promise to map them to loopback.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// reserved lists IPv4 ranges that are not public unicast but that netip's
// predicates do not name: "this network", carrier-grade NAT, benchmarking
// and the old class E (which includes broadcast).
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// nat64 is the well-known NAT64 prefix; an address in it reaches the IPv4
// address held in its last four bytes, which is checked in turn.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// blockedAddr reports whether a live-mode webhook must not connect to ip. It
// is shared by ValidateURL (literal hosts) and the Client's dial guard
// (resolved addresses), so both refuse the same set.
func blockedAddr(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		return blockedAddr(netip.AddrFrom4([4]byte(b[12:])))
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return true
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
