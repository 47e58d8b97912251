package clientip_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"holdfast/clientip"
)

func TestFrom(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name    string
		remote  string
		xff     []string // X-Forwarded-For header lines
		trusted []netip.Prefix
		want    string // "" for the zero Addr
	}{
		{"PeerUntrusted", "203.0.113.9:5000", []string{"198.51.100.1"}, trusted, "203.0.113.9"},
		{"NoProxiesTrusted", "10.0.0.2:5000", []string{"198.51.100.1"}, nil, "10.0.0.2"},
		{"TrustedPeerNoHeader", "10.0.0.2:5000", nil, trusted, "10.0.0.2"},
		{"TrustedPeerOneHop", "10.0.0.2:5000", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"RightmostUntrustedWins", "10.0.0.2:5000", []string{"1.2.3.4, 198.51.100.1, 10.0.0.3"}, trusted, "198.51.100.1"},
		{"SpoofedLeftEntryIgnored", "10.0.0.2:5000", []string{"6.6.6.6", "198.51.100.1"}, trusted, "198.51.100.1"},
		{"AllHopsTrusted", "10.0.0.2:5000", []string{"10.0.0.4, 10.0.0.3"}, trusted, "10.0.0.4"},
		{"GarbledHopStops", "10.0.0.2:5000", []string{"198.51.100.1, nonsense, 10.0.0.3"}, trusted, "10.0.0.3"},
		{"MappedIPv4Unmapped", "[::ffff:203.0.113.9]:5000", nil, trusted, "203.0.113.9"},
		{"IPv6TrustedPeer", "[::1]:5000", []string{"2001:db8::7"}, trusted, "2001:db8::7"},
		{"NoPort", "203.0.113.9", nil, trusted, "203.0.113.9"},
		{"UnparsablePeer", "pipe", nil, trusted, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got := clientip.From(r, tc.trusted)
			if tc.want == "" {
				if got.IsValid() {
					t.Fatalf("got %s, want the zero Addr", got)
				}
				return
			}
			if got != netip.MustParseAddr(tc.want) {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}
