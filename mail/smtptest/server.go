// Package smtptest runs a real SMTP server in-process for tests of mail and of
// the packages that send through it. Messages are kept in memory and parsed
// (subject, text and HTML parts) so tests can assert on what a recipient sees.
package smtptest

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Option configures a Server.
type Option func(*Server)

// WithAuth makes the server require AUTH PLAIN with exactly these credentials;
// URL then carries them. Without it, AUTH PLAIN is offered, optional, and any
// credentials are accepted.
func WithAuth(user, pass string) Option {
	return func(s *Server) { s.user, s.pass, s.requireAuth = user, pass, true }
}

// WithSTARTTLS makes the server offer STARTTLS with cfg (see SelfSigned).
func WithSTARTTLS(cfg *tls.Config) Option {
	return func(s *Server) { s.starttls = cfg }
}

// WithImplicitTLS makes the server speak TLS from the first byte, like port
// 465; URL then has the smtps scheme.
func WithImplicitTLS(cfg *tls.Config) Option {
	return func(s *Server) { s.implicit = cfg }
}

// Server is an SMTP server on 127.0.0.1 that records what it receives.
type Server struct {
	user, pass  string
	requireAuth bool
	starttls    *tls.Config
	implicit    *tls.Config

	srv    *smtp.Server
	ln     net.Listener
	served chan struct{} // closed when Serve has returned
	close  sync.Once

	mu       sync.Mutex
	msgs     []Received
	arrived  chan struct{} // closed and replaced whenever a message arrives
	down     bool
	rejected map[string]bool
}

// Start runs a server on 127.0.0.1:0 until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}), rejected: map[string]bool{}}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	if s.implicit != nil {
		ln = tls.NewListener(ln, s.implicit)
	}
	s.ln = ln
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.TLSConfig = s.starttls
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	// Connection errors (a client hanging up mid-session, as timeout tests do)
	// are expected here; printing them would only clutter test output.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	t.Cleanup(s.Close)
	return s
}

// URL is the server's address as HOLDFAST_SMTP_URL: "smtp://127.0.0.1:PORT",
// with user info under WithAuth and the smtps scheme under WithImplicitTLS.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.ln.Addr().String()}
	if s.implicit != nil {
		u.Scheme = "smtps"
	}
	if s.requireAuth {
		u.User = url.UserPassword(s.user, s.pass)
	}
	return u.String()
}

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// WaitFor blocks until at least n messages have arrived or timeout passes, and
// returns the messages received by then. On timeout it returns fewer than n:
// check the length.
func (s *Server) WaitFor(n int, timeout time.Duration) []Received {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			defer s.mu.Unlock()
			return slices.Clone(s.msgs)
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-timer.C:
			return s.Messages()
		}
	}
}

// SetDown makes the server answer every transaction (MAIL FROM) with "451 4.3.0"
// while down is true, so callers can test an SMTP outage and its recovery.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// RejectRecipient makes the server refuse addr at RCPT TO with "550 5.1.1", a
// permanent failure.
func (s *Server) RejectRecipient(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[strings.ToLower(addr)] = true
}

// Close stops the server; Start arranges it through t.Cleanup.
func (s *Server) Close() {
	s.close.Do(func() {
		_ = s.srv.Close()
		// Serve may not have registered the listener with the server yet.
		_ = s.ln.Close()
		<-s.served
	})
}

func (s *Server) record(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

var (
	errDown      = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Service temporarily unavailable"}
	errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
)

// backend creates one session per connection.
type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

// session is one client connection; it implements smtp.AuthSession.
type session struct {
	s      *Server
	conn   *smtp.Conn
	authed string // user name after a successful AUTH
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if ss.s.requireAuth && (user != ss.s.user || pass != ss.s.pass) {
			return smtp.ErrAuthFailed
		}
		ss.authed = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	down := ss.s.down
	ss.s.mu.Unlock()
	if down {
		return errDown
	}
	if ss.s.requireAuth && ss.authed == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	rejected := ss.s.rejected[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if rejected {
		return errNoMailbox
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	rec := parse(data)
	rec.From, rec.To, rec.User, rec.TLS = ss.from, slices.Clone(ss.to), ss.authed, isTLS
	ss.s.record(rec)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }
