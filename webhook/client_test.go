package webhook

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// received is what a test receiver saw.
type received struct {
	method string
	header http.Header
	body   []byte
}

// receiver starts a server answering status and body, reporting each request.
func receiver(t *testing.T, status int, body string) (*httptest.Server, <-chan received) {
	t.Helper()
	ch := make(chan received, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- received{r.Method, r.Header.Clone(), b}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c := NewClient(ClientOptions{})
	if c.opts.Timeout != 10*time.Second || c.opts.UserAgent != "Holdfast-Webhooks/dev" || c.opts.MaxBody != 64*1024 {
		t.Fatalf("defaults = %+v", c.opts)
	}
	if c.opts.BlockPrivate || c.opts.AllowLoopback {
		t.Fatalf("guards on by default: %+v", c.opts)
	}
	set := NewClient(ClientOptions{Timeout: time.Second, UserAgent: "x", MaxBody: 7})
	if set.opts.Timeout != time.Second || set.opts.UserAgent != "x" || set.opts.MaxBody != 7 {
		t.Fatalf("explicit options overridden: %+v", set.opts)
	}
}

func TestDeliverSuccess(t *testing.T) {
	t.Parallel()
	srv, got := receiver(t, http.StatusOK, `{"ok":true}`)
	now := time.Unix(1_750_000_000, 0)
	c := NewClient(ClientOptions{UserAgent: "Holdfast-Webhooks/1.2.3"})

	res := c.Deliver(t.Context(), srv.URL+"/hooks", testSecret, now, testBody)
	if !res.Success || res.StatusCode != 200 || res.Err != "" || res.Body != `{"ok":true}` {
		t.Fatalf("result = %+v", res)
	}
	if res.Latency <= 0 {
		t.Fatalf("latency = %v", res.Latency)
	}
	r := <-got
	if r.method != http.MethodPost || string(r.body) != string(testBody) {
		t.Fatalf("receiver saw %s %q", r.method, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	if ua := r.header.Get("User-Agent"); ua != "Holdfast-Webhooks/1.2.3" {
		t.Fatalf("User-Agent = %q", ua)
	}
	sig := r.header.Get("Holdfast-Signature")
	if err := Verify(sig, r.body, testSecret, 5*time.Minute, now); err != nil {
		t.Fatalf("receiver cannot verify %q: %v", sig, err)
	}
	if !strings.HasPrefix(sig, "t=1750000000,") {
		t.Fatalf("signature not timed at now: %q", sig)
	}
}

func TestDeliverStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  int
		success bool
	}{
		{200, true}, {201, true}, {202, true}, {204, true}, {299, true},
		{304, false}, {400, false}, {401, false}, {410, false}, {429, false}, {500, false}, {503, false},
	}
	c := NewClient(ClientOptions{})
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			t.Parallel()
			srv, _ := receiver(t, tt.status, "")
			res := c.Deliver(t.Context(), srv.URL, testSecret, time.Now(), testBody)
			if res.StatusCode != tt.status || res.Success != tt.success || res.Err != "" {
				t.Fatalf("status %d: result = %+v, want success=%v", tt.status, res, tt.success)
			}
		})
	}
}

func TestDeliverBody(t *testing.T) {
	t.Parallel()
	t.Run("FailureTruncatedToCap", func(t *testing.T) {
		t.Parallel()
		srv, _ := receiver(t, http.StatusInternalServerError, strings.Repeat("x", 1000))
		res := NewClient(ClientOptions{MaxBody: 100}).Deliver(t.Context(), srv.URL, testSecret, time.Now(), testBody)
		if res.Success || res.StatusCode != 500 || res.Err != "" {
			t.Fatalf("result = %+v", res)
		}
		if res.Body != strings.Repeat("x", 100) {
			t.Fatalf("body is %d bytes, want the first 100", len(res.Body))
		}
	})
	t.Run("DefaultCap", func(t *testing.T) {
		t.Parallel()
		srv, _ := receiver(t, http.StatusOK, strings.Repeat("y", 100_000))
		res := NewClient(ClientOptions{}).Deliver(t.Context(), srv.URL, testSecret, time.Now(), testBody)
		if len(res.Body) != 64*1024 || !res.Success {
			t.Fatalf("body is %d bytes, success=%v; want 65536, true", len(res.Body), res.Success)
		}
	})
	t.Run("Sanitized", func(t *testing.T) {
		t.Parallel()
		srv, _ := receiver(t, http.StatusBadRequest, "bad\xff\xfe\x00end é")
		res := NewClient(ClientOptions{}).Deliver(t.Context(), srv.URL, testSecret, time.Now(), testBody)
		if res.Body != "bad??end é" {
			t.Fatalf("body = %q", res.Body)
		}
	})
}

func TestDeliverRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			var targetHits atomic.Int32
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				targetHits.Add(1)
			}))
			t.Cleanup(target.Close)
			src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/stolen", code)
			}))
			t.Cleanup(src.Close)

			res := NewClient(ClientOptions{}).Deliver(t.Context(), src.URL, testSecret, time.Now(), testBody)
			if res.StatusCode != code || res.Success || res.Err != "" {
				t.Fatalf("result = %+v, want a failed %d", res, code)
			}
			if n := targetHits.Load(); n != 0 {
				t.Fatalf("redirect target hit %d times", n)
			}
		})
	}
}

// hangingReceiver never answers (or, with headersFirst, sends 200 and then
// stalls the body) until the client gives up or the test ends. hungUp
// receives once a handler sees the client close the request before the test
// released it: the observable sign that the client cut the attempt.
func hangingReceiver(t *testing.T, headersFirst bool) (srv *httptest.Server, hungUp <-chan struct{}) {
	t.Helper()
	release := make(chan struct{})
	gone := make(chan struct{}, 1)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// net/http watches for the client hanging up only once the body
		// is consumed.
		_, _ = io.Copy(io.Discard, r.Body)
		if headersFirst {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
			select {
			case gone <- struct{}{}:
			default:
			}
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, gone
}

// guard bounds a wait that only ends if the code under test does its job; it
// fails the test with what was expected instead of hanging until go test's
// own timeout.
const guard = 5 * time.Second

func TestDeliverTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	t.Run("NoResponse", func(t *testing.T) {
		t.Parallel()
		srv, hungUp := hangingReceiver(t, false)
		res := NewClient(ClientOptions{Timeout: timeout}).Deliver(t.Context(), srv.URL, testSecret, time.Now(), testBody)
		if res.Err != "timeout" || res.Success || res.StatusCode != 0 {
			t.Fatalf("result = %+v, want a timeout", res)
		}
		if res.Latency < timeout || res.Latency > guard {
			t.Fatalf("cut after %v, want about %v", res.Latency, timeout)
		}
		select {
		case <-hungUp:
		case <-time.After(guard):
			t.Fatal("the receiver never saw the client hang up after the timeout")
		}
	})
	t.Run("StalledBodyKeepsStatus", func(t *testing.T) {
		t.Parallel()
		srv, hungUp := hangingReceiver(t, true)
		done := make(chan Result, 1)
		go func() {
			done <- NewClient(ClientOptions{Timeout: timeout}).Deliver(t.Context(), srv.URL, testSecret, time.Now(), testBody)
		}()
		var res Result
		select {
		case res = <-done:
		case <-time.After(guard):
			t.Fatalf("body read not cut: Deliver still blocked %v after its %v budget", guard, timeout)
		}
		if !res.Success || res.Body != "partial" || res.Err != "" {
			t.Fatalf("result = %+v, want success with the partial body", res)
		}
		select {
		case <-hungUp:
		case <-time.After(guard):
			t.Fatal("the receiver never saw the client abandon the stalled body")
		}
	})
}

func TestDeliverCanceled(t *testing.T) {
	t.Parallel()
	srv, _ := hangingReceiver(t, false)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res := NewClient(ClientOptions{}).Deliver(ctx, srv.URL, testSecret, time.Now(), testBody)
	if res.Err != "canceled" || res.Success {
		t.Fatalf("result = %+v, want canceled", res)
	}
}

func TestDeliverBlockPrivate(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	tests := []struct {
		name string
		url  string
		opts ClientOptions
		ok   bool
	}{
		{"ErrLiteralLoopback", "http://127.0.0.1:" + port, ClientOptions{BlockPrivate: true}, false},
		{"ErrNameResolvingToLoopback", "http://localhost:" + port, ClientOptions{BlockPrivate: true}, false},
		{"AllowLoopback", "http://127.0.0.1:" + port, ClientOptions{BlockPrivate: true, AllowLoopback: true}, true},
		{"GuardOff", "http://localhost:" + port, ClientOptions{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			res := NewClient(tt.opts).Deliver(t.Context(), tt.url, testSecret, time.Now(), testBody)
			reached := hits.Load() > before
			if tt.ok {
				if !res.Success || !reached {
					t.Fatalf("result = %+v, reached=%v; want delivered", res, reached)
				}
				return
			}
			if !strings.HasPrefix(res.Err, "blocked: ") || res.Success || reached {
				t.Fatalf("result = %+v, reached=%v; want blocked at dial time", res, reached)
			}
			t.Logf("Err: %s", res.Err)
		})
	}
}

func TestDialGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		addr          string
		allowLoopback bool
		ok            bool
	}{
		{"PublicV4", "93.184.216.34:443", false, true},
		{"PublicV6", "[2606:4700::1111]:443", false, true},
		{"PublicViaNAT64", "[64:ff9b::5db8:d822]:443", false, true},
		{"ErrLoopback", "127.0.0.1:443", false, false},
		{"ErrPrivate", "10.1.2.3:443", false, false},
		{"ErrMetadata", "169.254.169.254:80", false, false},
		{"ErrV6Loopback", "[::1]:443", false, false},
		{"ErrV4MappedLoopback", "[::ffff:127.0.0.1]:443", false, false},
		{"ErrPrivateViaNAT64", "[64:ff9b::a00:1]:443", false, false},
		{"ErrLinkLocalZone", "[fe80::1%eth0]:443", false, false},
		{"ErrUnspecified", "0.0.0.0:443", false, false},
		{"ErrUnparseable", "example.com:443", false, false},
		{"ErrSiteLocal", "[fec0::1]:443", true, false},
		{"ErrIPv4CompatibleLoopback", "[::7f00:1]:443", true, false},
		{"Err6to4Loopback", "[2002:7f00:1::]:443", true, false},
		{"Err6to4Private", "[2002:c0a8:101::1]:443", false, false},
		{"ErrNAT64Loopback", "[64:ff9b::7f00:1]:443", true, false},
		{"ErrV4MappedLoopbackWithConsent", "[::ffff:127.0.0.1]:443", true, false},
		{"ErrCGNAT", "100.100.1.1:443", true, false},
		{"ErrULA", "[fd00::1]:443", true, false},
		{"Public6to4", "[2002:5db8:d822::1]:443", false, true},
		{"AllowLoopbackV4", "127.0.0.1:443", true, true},
		{"AllowLoopbackV4Range", "127.0.0.2:443", true, true},
		{"AllowLoopbackV6", "[::1]:443", true, true},
		{"ErrAllowLoopbackStillBlocksPrivate", "192.168.0.1:443", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := dialGuard(tt.allowLoopback)("tcp", tt.addr, nil)
			if (err == nil) != tt.ok {
				t.Fatalf("dialGuard(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
			}
		})
	}
}

func TestDeliverNeverPanics(t *testing.T) {
	t.Parallel()
	// A port that was just freed: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name    string
		url     string
		wantErr string
	}{
		{"BadURL", "http://[::1", "invalid request: "},
		{"UnsupportedScheme", "ftp://example.com/", "unsupported protocol scheme"},
		{"ConnectionRefused", closed, "connect"},
	}
	c := NewClient(ClientOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := c.Deliver(t.Context(), tt.url, testSecret, time.Now(), testBody)
			if res.Success || !strings.Contains(res.Err, tt.wantErr) || res.Err == "timeout" {
				t.Fatalf("result = %+v, want Err containing %q", res, tt.wantErr)
			}
			t.Logf("Err: %s", res.Err)
		})
	}
	t.Run("NilContextAndBody", func(t *testing.T) {
		//lint:ignore SA1012 a nil context must not crash the worker
		res := c.Deliver(nil, closed, "", time.Time{}, nil)
		if res.Success || res.Err == "" {
			t.Fatalf("result = %+v", res)
		}
	})
}
