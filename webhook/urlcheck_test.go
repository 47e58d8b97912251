package webhook

import (
	"testing"

	"holdfast"
)

func TestValidateURL(t *testing.T) {
	t.Parallel()
	// consent is the operator's HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS.
	const (
		live, test  = true, false
		yes, no     = true, false
		ok, refused = true, false
	)
	tests := []struct {
		name    string
		url     string
		live    bool
		consent bool
		ok      bool
	}{
		{"LiveHTTPSPublicHost", "https://example.com/hooks?x=1", live, no, ok},
		{"LiveHTTPSPublicIP", "https://93.184.216.34:8443/hooks", live, no, ok},
		{"LiveHTTPSPublicIPv6", "https://[2606:4700::1111]/hooks", live, no, ok},
		{"LiveUppercaseScheme", "HTTPS://Example.COM/hooks", live, no, ok},
		{"LivePublicViaNAT64", "https://[64:ff9b::5db8:d822]/hooks", live, no, ok},
		{"LivePublicVia6to4", "https://[2002:5db8:d822::1]/hooks", live, no, ok},
		{"ErrLiveHTTP", "http://example.com/hooks", live, no, refused},
		{"ErrLiveHTTPLoopback", "http://127.0.0.1:8080/hooks", live, yes, refused},
		{"ErrLiveLoopback", "https://127.0.0.1/hooks", live, no, refused},
		{"ErrLiveLoopbackEvenWithConsent", "https://127.0.0.1/hooks", live, yes, refused},
		{"ErrLiveLoopbackRange", "https://127.8.9.10/hooks", live, no, refused},
		{"ErrLivePrivate10", "https://10.0.0.1/hooks", live, no, refused},
		{"ErrLivePrivate172", "https://172.16.5.4/hooks", live, no, refused},
		{"ErrLivePrivate192", "https://192.168.1.1/hooks", live, no, refused},
		{"ErrLiveCGNAT", "https://100.64.0.1/hooks", live, no, refused},
		{"ErrLiveMetadata", "https://169.254.169.254/latest/meta-data", live, no, refused},
		{"ErrLiveUnspecified", "https://0.0.0.0/hooks", live, no, refused},
		{"ErrLiveBroadcast", "https://255.255.255.255/hooks", live, no, refused},
		{"ErrLiveMulticast", "https://224.0.0.1/hooks", live, no, refused},
		{"ErrLiveIPv6Loopback", "https://[::1]/hooks", live, no, refused},
		{"ErrLiveIPv6ULA", "https://[fd00::1]/hooks", live, no, refused},
		{"ErrLiveIPv6LinkLocal", "https://[fe80::1%25eth0]/hooks", live, no, refused},
		{"ErrLiveIPv4Mapped", "https://[::ffff:10.0.0.1]/hooks", live, no, refused},
		{"ErrLiveNAT64Private", "https://[64:ff9b::a00:1]/hooks", live, no, refused},
		{"ErrLiveLocalhost", "https://localhost/hooks", live, no, refused},
		{"ErrLiveLocalhostDot", "https://LOCALHOST./hooks", live, no, refused},
		{"ErrLiveLocalhostSub", "https://api.localhost/hooks", live, no, refused},

		// Test mode: loopback only with the operator's consent.
		{"TestHTTPLoopback", "http://127.0.0.1:4242/hooks", test, yes, ok},
		{"TestHTTPLocalhost", "http://localhost:4242/hooks", test, yes, ok},
		{"TestHTTPIPv6Loopback", "http://[::1]:4242/hooks", test, yes, ok},
		{"TestHTTPSLoopback", "https://127.0.0.1:4242/hooks", test, yes, ok},
		{"ErrTestHTTPLoopbackNoConsent", "http://127.0.0.1:4242/hooks", test, no, refused},
		{"ErrTestHTTPSLoopbackNoConsent", "https://127.0.0.1:4242/hooks", test, no, refused},
		{"ErrTestLocalhostNoConsent", "http://localhost:4242/hooks", test, no, refused},
		{"ErrTestHTTPSLocalhostNoConsent", "https://localhost/hooks", test, no, refused},
		{"ErrTestIPv6LoopbackNoConsent", "http://[::1]:4242/hooks", test, no, refused},
		{"TestHTTPSAnywhere", "https://example.com/hooks", test, no, ok},
		{"ErrTestHTTPPublic", "http://example.com/hooks", test, yes, refused},
		{"ErrTestHTTPLocalhostSub", "http://evil.localhost/hooks", test, yes, refused},

		// Every other private or embedded form is refused in both modes,
		// with or without consent.
		{"ErrTestHTTPSPrivate", "https://10.0.0.1/hooks", test, yes, refused},
		{"ErrTestHTTPPrivate", "http://10.0.0.1/hooks", test, yes, refused},
		{"ErrTestPrivate172", "https://172.31.255.1/hooks", test, yes, refused},
		{"ErrTestPrivate192", "https://192.168.0.10/hooks", test, yes, refused},
		{"ErrTestCGNAT", "https://100.64.0.1/hooks", test, yes, refused},
		{"ErrTestCGNATTop", "https://100.127.255.254/hooks", test, yes, refused},
		{"ErrTestMetadata", "http://169.254.169.254/latest/meta-data", test, yes, refused},
		{"ErrTestUnspecified", "http://0.0.0.0:4242/hooks", test, yes, refused},
		{"ErrTestIPv6Unspecified", "http://[::]:4242/hooks", test, yes, refused},
		{"ErrTestIPv6ULA", "https://[fd12:3456::1]/hooks", test, yes, refused},
		{"ErrTestIPv6LinkLocal", "https://[fe80::1]/hooks", test, yes, refused},
		{"ErrTestIPv6SiteLocal", "https://[fec0::1]/hooks", test, yes, refused},
		{"ErrTestIPv4CompatibleLoopback", "http://[::7f00:1]/hooks", test, yes, refused},
		{"ErrTestIPv4CompatiblePublic", "https://[::5db8:d822]/hooks", test, yes, refused},
		{"ErrTestIPv4MappedLoopback", "http://[::ffff:127.0.0.1]/hooks", test, yes, refused},
		{"ErrTestIPv4MappedPrivate", "https://[::ffff:192.168.1.1]/hooks", test, yes, refused},
		{"ErrTest6to4Loopback", "http://[2002:7f00:1::]/hooks", test, yes, refused},
		{"ErrTest6to4Private", "https://[2002:a00:1::1]/hooks", test, yes, refused},
		{"ErrTestNAT64Loopback", "http://[64:ff9b::7f00:1]/hooks", test, yes, refused},
		{"ErrTestNAT64Private", "https://[64:ff9b::a9fe:a9fe]/hooks", test, yes, refused},
		{"ErrTestLocalNAT64", "https://[64:ff9b:1::1]/hooks", test, yes, refused},
		{"ErrTestTeredo", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hooks", test, yes, refused},
		{"ErrTestMulticast", "https://[ff02::1]/hooks", test, yes, refused},
		{"ErrLive6to4Loopback", "https://[2002:7f00:1::]/hooks", live, yes, refused},
		{"ErrLiveSiteLocal", "https://[fec0::1]/hooks", live, yes, refused},
		{"ErrLiveIPv4CompatibleLoopback", "https://[::7f00:1]/hooks", live, yes, refused},
		{"ErrLiveNAT64Loopback", "https://[64:ff9b::7f00:1]/hooks", live, yes, refused},
		{"ErrLiveIPv4MappedLoopback", "https://[::ffff:127.0.0.1]/hooks", live, yes, refused},

		{"ErrFTP", "ftp://example.com/hooks", test, yes, refused},
		{"ErrFTPLive", "ftp://example.com/hooks", live, no, refused},
		{"ErrGarbage", "not a url", test, yes, refused},
		{"ErrControlChars", "https://exa\nmple.com/", live, no, refused},
		{"ErrEmpty", "", live, no, refused},
		{"ErrRelative", "/hooks", test, yes, refused},
		{"ErrNoHost", "https:///hooks", live, no, refused},
		{"ErrOpaque", "https:example.com", live, no, refused},
		{"ErrUserinfo", "https://user:pass@example.com/hooks", live, no, refused},
		{"ErrUserinfoTest", "http://user@127.0.0.1/hooks", test, yes, refused},
		{"ErrBadPort", "https://example.com:notaport/", live, no, refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateURL(tt.url, tt.live, tt.consent)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidateURL(%q, live=%v, consent=%v) = %v, want nil", tt.url, tt.live, tt.consent, err)
				}
				return
			}
			e, ok := holdfast.AsError(err)
			if !ok || e.Code != holdfast.EVALIDATION || e.Param != "url" {
				t.Fatalf("ValidateURL(%q, live=%v, consent=%v) = %v, want EVALIDATION on param url", tt.url, tt.live, tt.consent, err)
			}
		})
	}
}
