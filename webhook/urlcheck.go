package webhook

import (
	"net/netip"
	"net/url"
	"strings"

	"holdfast"
)

// LoopbackConsentEnv is the operator's consent to webhook endpoints on this
// machine (flag --allow-loopback-webhooks; `serve --demo` turns it on).
const LoopbackConsentEnv = "HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS"

// ValidateURL checks an endpoint URL when it is created or changed. It returns
// an EVALIDATION *holdfast.Error with Param "url", or nil.
//
// Every URL must parse, be absolute with a host and carry no user:password
// (credentials belong in the receiver's own auth, and would leak into logs).
// A literal IP must be a public unicast address in both modes: private,
// link-local, site-local, CGNAT, reserved and multicast addresses are
// refused, and so are the IPv6 forms that embed such an IPv4 address
// (IPv4-mapped, IPv4-compatible, 6to4, NAT64). Live mode requires https and
// refuses localhost and loopback addresses outright. Test mode also requires
// https, except that when the operator consented (allowLoopback, from
// HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS) it accepts "localhost" and plain 127/8
// or ::1 literals, over http or https, for receivers running on the
// developer's machine; without the consent loopback is refused as in live
// mode.
//
// This is a check on what the user typed; a host name that resolves to a
// refused address is caught later, at connect time, by the Client's dial
// guard, which applies the same classification.
func ValidateURL(raw string, livemode, allowLoopback bool) error {
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
	if livemode && scheme != "https" {
		return urlError("url must use https in live mode")
	}
	isLoopback := false
	if ip, err := netip.ParseAddr(host); err == nil {
		switch classify(ip) {
		case addrBlocked:
			return urlError("url must not point to a private, link-local, site-local or reserved address")
		case addrLoopback:
			isLoopback = true
		}
	} else if isLocalhostName(host) {
		// Sub-names of .localhost are never accepted: Go's resolver does not
		// promise to map them to loopback.
		if host != "localhost" {
			return urlError("url must not point to a .localhost name")
		}
		isLoopback = true
	}
	switch {
	case isLoopback && livemode:
		return urlError("url must not point to localhost or a loopback address in live mode")
	case isLoopback && !allowLoopback:
		return urlError("url must not point to localhost or a loopback address unless the operator allows it (" + LoopbackConsentEnv + "=true)")
	case scheme == "http" && !isLoopback:
		return urlError("url must use https; plain http is allowed only to loopback in test mode")
	}
	return nil
}

func urlError(msg string) error { return holdfast.ParamError("url", "%s", msg) }

// isLocalhostName reports names that always mean this machine (RFC 6761).
func isLocalhostName(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// addrClass is what a webhook may do with an address.
type addrClass int

const (
	addrPublic   addrClass = iota // public unicast: always allowed
	addrLoopback                  // 127.0.0.0/8 or ::1: only with the operator's consent
	addrBlocked                   // everything else: never
)

// reserved4 lists IPv4 ranges that are not public unicast but that netip's
// predicates do not name: "this network", carrier-grade NAT (100.64/10),
// IETF protocol assignments, the documentation nets, the 6to4 relay anycast,
// benchmarking and the old class E (which includes broadcast).
var reserved4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.88.99.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// reserved6 lists IPv6 ranges refused whole: IPv4-compatible addresses
// (::/96, deprecated; ::1 and :: are classified before), site-local
// (fec0::/10, deprecated but still routed locally by some stacks), local-use
// NAT64 (64:ff9b:1::/48), discard-only, Teredo (its IPv4 is obfuscated),
// ORCHID and the documentation prefixes.
var reserved6 = []netip.Prefix{
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("fec0::/10"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("2001:10::/28"),
	netip.MustParsePrefix("2001:20::/28"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("3fff::/20"),
}

// nat64 is the well-known NAT64 prefix and sixToFour the 6to4 prefix; an
// address in them reaches the IPv4 address they embed.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// classify sorts ip for webhook delivery. It is shared by ValidateURL
// (literal hosts) and the Client's dial guard (resolved addresses), so both
// refuse the same set. Only the plain forms of loopback (127/8, ::1) count
// as loopback; an IPv6 form that embeds 127.0.0.1 is blocked even with the
// operator's consent, since nothing legitimate needs it.
func classify(ip netip.Addr) addrClass {
	ip = ip.WithZone("")
	switch {
	case ip.Is4In6():
		return embedded(ip.Unmap())
	case ip.Is4():
		return classify4(ip)
	case ip == netip.IPv6Loopback():
		return addrLoopback
	case nat64.Contains(ip):
		b := ip.As16()
		return embedded(netip.AddrFrom4([4]byte(b[12:])))
	case sixToFour.Contains(ip):
		b := ip.As16()
		return embedded(netip.AddrFrom4([4]byte(b[2:6])))
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return addrBlocked
	}
	for _, p := range reserved6 {
		if p.Contains(ip) {
			return addrBlocked
		}
	}
	return addrPublic
}

// embedded classifies an IPv4 address reached through an IPv6 form: public
// stays public, anything else (loopback included) is blocked.
func embedded(v4 netip.Addr) addrClass {
	if classify4(v4) == addrPublic {
		return addrPublic
	}
	return addrBlocked
}

func classify4(ip netip.Addr) addrClass {
	if ip.IsLoopback() {
		return addrLoopback
	}
	if ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsMulticast() {
		return addrBlocked
	}
	for _, p := range reserved4 {
		if p.Contains(ip) {
			return addrBlocked
		}
	}
	return addrPublic
}
