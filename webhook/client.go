package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Defaults applied by NewClient to zero ClientOptions fields.
const (
	// DefaultTimeout is the whole budget of one delivery attempt (connect, TLS,
	// request, response): SPEC §8 counts only a 2xx "within 10 s" as success.
	DefaultTimeout = 10 * time.Second
	// DefaultUserAgent is used when the build does not supply a version.
	DefaultUserAgent = "Holdfast-Webhooks/dev"
	// DefaultMaxBody caps how much of a response body is read and kept for the
	// delivery log, so a receiver cannot make us buffer without bound.
	DefaultMaxBody = 64 << 10
)

// ClientOptions configures a Client. Zero fields take the defaults above.
type ClientOptions struct {
	// Timeout bounds one attempt from dial to the end of the (capped) body.
	Timeout time.Duration
	// UserAgent is sent as User-Agent, normally "Holdfast-Webhooks/<version>".
	UserAgent string
	// MaxBody is how many response-body bytes are read and returned.
	MaxBody int64
	// BlockPrivate turns on the SSRF guard the worker uses in both modes:
	// every connection is checked against the resolved IP just before
	// connect, so a host name that resolves (or re-resolves, DNS rebinding)
	// to a loopback, private, link-local, site-local or reserved address, or
	// an IPv6 form embedding one, is refused.
	BlockPrivate bool
	// AllowLoopback exempts plain loopback addresses (127/8, ::1) from
	// BlockPrivate: the operator's consent (HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS)
	// to receivers on the same machine.
	AllowLoopback bool
	// MaxIdleConnsPerHost is how many kept-alive connections to one receiver
	// host are reused (default 4). The delivery worker raises it to its
	// concurrency so that many endpoints on one host do not churn sockets.
	MaxIdleConnsPerHost int
}

// Result is the outcome of one delivery attempt, as logged per attempt.
type Result struct {
	// StatusCode is the receiver's HTTP status, 0 if no response arrived.
	StatusCode int
	// Latency runs from sending the request to receiving the response headers
	// (or to the failure).
	Latency time.Duration
	// Body is the first MaxBody bytes of the response, with invalid UTF-8 and
	// NUL bytes replaced by '?' so that it can be stored in any text column.
	Body string
	// Err says why no response arrived: "timeout", "canceled" (the caller's
	// context ended), "blocked: …" (SSRF guard), "invalid request: …", or the
	// transport's message (DNS, connect, TLS). Empty when a response arrived.
	Err string
	// Success is true for a 2xx status. Redirects are not followed, so a 3xx
	// is a failure like any other non-2xx.
	Success bool
}

// Client posts signed webhook payloads. It is safe for concurrent use and
// keeps connections alive between attempts.
type Client struct {
	opts ClientOptions
	http *http.Client
}

// NewClient builds a Client, filling zero options with the defaults.
func NewClient(opts ClientOptions) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = 4
	}
	dialer := &net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}
	if opts.BlockPrivate {
		dialer.Control = dialGuard(opts.AllowLoopback)
	}
	transport := &http.Transport{
		// No proxy: a proxy would make the dial guard check the proxy's address
		// instead of the receiver's.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    opts.Timeout,
		MaxIdleConns:           max(100, opts.MaxIdleConnsPerHost),
		MaxIdleConnsPerHost:    opts.MaxIdleConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &Client{opts: opts, http: &http.Client{
		Transport: transport,
		// A redirect could lead anywhere, including past the URL checks made
		// when the endpoint was saved; the 3xx itself is the answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Deliver POSTs body to rawURL once, signed with secret at time now (the "t" of
// the SignatureHeader), and reports what happened. It never panics and never
// returns an error: every failure is described in the Result.
func (c *Client) Deliver(ctx context.Context, rawURL, secret string, now time.Time, body []byte) Result {
	if ctx == nil {
		ctx = context.Background()
	}
	// The clock starts with the budget, so a timed-out attempt never logs a
	// latency shorter than the budget that cut it.
	start := time.Now()
	attemptCtx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(attemptCtx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return Result{Err: "invalid request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set(SignatureHeader, Sign(secret, now, body))

	resp, err := c.http.Do(req)
	if err != nil {
		return Result{Latency: time.Since(start), Err: describe(ctx, err)}
	}
	defer resp.Body.Close()
	res := Result{
		StatusCode: resp.StatusCode,
		Latency:    time.Since(start),
		Success:    resp.StatusCode >= 200 && resp.StatusCode < 300,
	}
	// The status decides the outcome; a body cut short by the deadline is
	// kept as far as it got.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody))
	res.Body = strings.ReplaceAll(strings.ToValidUTF8(string(b), "?"), "\x00", "?")
	return res
}

// describe turns a transport error into Result.Err. parent is the caller's
// context, to tell its cancellation apart from our own attempt deadline.
func describe(parent context.Context, err error) string {
	var blocked *blockedError
	var netErr net.Error
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		return "canceled"
	case errors.As(err, &blocked):
		return "blocked: " + blocked.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	}
	// Drop the `Post "<url>":` prefix; the URL is already in the log row.
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return err.Error()
}

// blockedError is returned by the dial guard.
type blockedError struct{ addr string }

func (e *blockedError) Error() string {
	return "refused to connect to " + e.addr + " (loopback, private or reserved address)"
}

// dialGuard returns a net.Dialer Control hook. It runs after DNS resolution,
// for every address actually dialed, which is what defeats DNS rebinding: the
// name checked is never re-resolved behind our back. It refuses what
// ValidateURL refuses for a literal (see classify); loopback passes only when
// allowLoopback is set.
func dialGuard(allowLoopback bool) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &blockedError{addr: address} // fail closed
		}
		switch classify(ap.Addr()) {
		case addrPublic:
			return nil
		case addrLoopback:
			if allowLoopback {
				return nil
			}
		}
		return &blockedError{addr: ap.Addr().String()}
	}
}
