package webhook

import (
	"testing"

	"holdfast"
)

func TestValidateURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		live bool
		ok   bool
	}{
		{"LiveHTTPSPublicHost", "https://example.com/hooks?x=1", true, true},
		{"LiveHTTPSPublicIP", "https://93.184.216.34:8443/hooks", true, true},
		{"LiveHTTPSPublicIPv6", "https://[2606:4700::1111]/hooks", true, true},
		{"LiveUppercaseScheme", "HTTPS://Example.COM/hooks", true, true},
		{"ErrLiveHTTP", "http://example.com/hooks", true, false},
		{"ErrLiveHTTPLoopback", "http://127.0.0.1:8080/hooks", true, false},
		{"ErrLiveLoopback", "https://127.0.0.1/hooks", true, false},
		{"ErrLiveLoopbackRange", "https://127.8.9.10/hooks", true, false},
		{"ErrLivePrivate10", "https://10.0.0.1/hooks", true, false},
		{"ErrLivePrivate172", "https://172.16.5.4/hooks", true, false},
		{"ErrLivePrivate192", "https://192.168.1.1/hooks", true, false},
		{"ErrLiveCGNAT", "https://100.64.0.1/hooks", true, false},
		{"ErrLiveMetadata", "https://169.254.169.254/latest/meta-data", true, false},
		{"ErrLiveUnspecified", "https://0.0.0.0/hooks", true, false},
		{"ErrLiveBroadcast", "https://255.255.255.255/hooks", true, false},
		{"ErrLiveMulticast", "https://224.0.0.1/hooks", true, false},
		{"ErrLiveIPv6Loopback", "https://[::1]/hooks", true, false},
		{"ErrLiveIPv6ULA", "https://[fd00::1]/hooks", true, false},
		{"ErrLiveIPv6LinkLocal", "https://[fe80::1%25eth0]/hooks", true, false},
		{"ErrLiveIPv4Mapped", "https://[::ffff:10.0.0.1]/hooks", true, false},
		{"ErrLiveNAT64Private", "https://[64:ff9b::a00:1]/hooks", true, false},
		{"ErrLiveLocalhost", "https://localhost/hooks", true, false},
		{"ErrLiveLocalhostDot", "https://LOCALHOST./hooks", true, false},
		{"ErrLiveLocalhostSub", "https://api.localhost/hooks", true, false},
		{"TestHTTPLoopback", "http://127.0.0.1:4242/hooks", false, true},
		{"TestHTTPLocalhost", "http://localhost:4242/hooks", false, true},
		{"TestHTTPIPv6Loopback", "http://[::1]:4242/hooks", false, true},
		{"TestHTTPSAnywhere", "https://example.com/hooks", false, true},
		{"TestHTTPSPrivate", "https://10.0.0.1/hooks", false, true},
		{"ErrTestHTTPPublic", "http://example.com/hooks", false, false},
		{"ErrTestHTTPPrivate", "http://10.0.0.1/hooks", false, false},
		{"ErrTestHTTPLocalhostSub", "http://evil.localhost/hooks", false, false},
		{"ErrFTP", "ftp://example.com/hooks", false, false},
		{"ErrFTPLive", "ftp://example.com/hooks", true, false},
		{"ErrGarbage", "not a url", false, false},
		{"ErrControlChars", "https://exa\nmple.com/", true, false},
		{"ErrEmpty", "", true, false},
		{"ErrRelative", "/hooks", false, false},
		{"ErrNoHost", "https:///hooks", true, false},
		{"ErrOpaque", "https:example.com", true, false},
		{"ErrUserinfo", "https://user:pass@example.com/hooks", true, false},
		{"ErrUserinfoTest", "http://user@127.0.0.1/hooks", false, false},
		{"ErrBadPort", "https://example.com:notaport/", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateURL(tt.url, tt.live)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidateURL(%q, live=%v) = %v, want nil", tt.url, tt.live, err)
				}
				return
			}
			e, ok := holdfast.AsError(err)
			if !ok || e.Code != holdfast.EVALIDATION || e.Param != "url" {
				t.Fatalf("ValidateURL(%q, live=%v) = %v, want EVALIDATION on param url", tt.url, tt.live, err)
			}
		})
	}
}
