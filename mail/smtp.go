package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"holdfast"
)

// DefaultFrom is the sender address when HOLDFAST_MAIL_FROM is not set.
const DefaultFrom = "holdfast@localhost"

// defaultTimeout bounds one delivery when the caller's context has no earlier
// deadline: a hung SMTP server must not hold an engine worker forever.
const defaultTimeout = 30 * time.Second

// SMTPSender delivers messages to one SMTP server. It opens a connection per
// message: dunning volume is low, and a fresh connection never inherits a
// half-broken session from an earlier failure. Safe for concurrent use.
type SMTPSender struct {
	host      string
	port      int
	implicit  bool // smtps: TLS from the first byte
	user      string
	pass      string
	auth      bool
	from      *netmail.Address
	timeout   time.Duration
	tlsConfig *tls.Config
}

// NewSMTP configures a sender from HOLDFAST_SMTP_URL and HOLDFAST_MAIL_FROM.
//
//   - smtp://user:pass@host:587 submits with STARTTLS when the server offers it
//     (opportunistic) and authenticates when user info is present. The port
//     defaults to 587.
//   - smtps://user:pass@host:465 uses TLS from the start. The port defaults to 465.
//   - smtp://host:25 sends without authentication.
//
// Passwords are never sent in clear text to a remote host: over a connection
// without TLS, authentication only works to localhost. from is an RFC 5322
// address such as "Holdfast <billing@example.com>"; empty means DefaultFrom.
// Returns EVALIDATION with Param "smtp_url" or "mail_from".
func NewSMTP(rawURL, from string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url's message repeats the whole URL, password included; keep it out.
		return nil, holdfast.ParamError("smtp_url", "SMTP URL is not a valid URL")
	}
	s := &SMTPSender{timeout: defaultTimeout}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicit = 465, true
	default:
		return nil, holdfast.ParamError("smtp_url", "SMTP URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, holdfast.ParamError("smtp_url", "SMTP URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, holdfast.ParamError("smtp_url", "SMTP URL port %q is not a port number", p)
		}
		s.port = n
	}
	if u.Path != "" && u.Path != "/" {
		return nil, holdfast.ParamError("smtp_url", "SMTP URL must not have a path")
	}
	if u.User != nil {
		s.auth = true
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	s.tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}

	if strings.TrimSpace(from) == "" {
		from = DefaultFrom
	}
	s.from, err = netmail.ParseAddress(from)
	if err != nil {
		return nil, holdfast.ParamError("mail_from", "mail from address %q is not valid: %v", from, err)
	}
	return s, nil
}

// Send delivers m, within ctx and never longer than 30 seconds. Errors say
// through IsPermanent whether a retry can help; an invalid recipient address is
// an EVALIDATION error with Param "to" (permanent).
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	client, err := gomail.NewClient(s.host, s.clientOptions(ctx)...)
	if err != nil {
		return fmt.Errorf("mail: smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if msg.IsDelivered() {
			// The server accepted the message (250 after DATA); only RSET or
			// QUIT failed. Reporting that would make the caller send it again.
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("mail: send to %s:%d: %w", s.host, s.port, errors.Join(ctxErr, err))
		}
		return fmt.Errorf("mail: send to %s:%d: %w", s.host, s.port, err)
	}
	return nil
}

// clientOptions configures go-mail for one delivery bound to ctx. go-mail's own
// timeout applies per network step; the dialer enforces ctx over the whole
// delivery, so a stalled step fails when ctx ends and reports ctx's error.
func (s *SMTPSender) clientOptions(ctx context.Context) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(s.tlsConfig),
		gomail.WithDialContextFunc(s.dialer(ctx)),
	}
	if s.implicit {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.auth {
		// Strongest first; PLAIN and LOGIN are refused by go-mail over a
		// connection without TLS unless the server is localhost.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthCramMD5, gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	return opts
}

// dialer connects to the server (doing the TLS handshake itself for smtps) and
// closes the connection when ctx ends, so a server that stops answering
// mid-transaction cannot outlive the caller's context. It returns the *tls.Conn
// unwrapped: go-mail decides from the connection's type that it is encrypted.
// The address go-mail passes is ignored because it does not bracket IPv6 hosts.
func (s *SMTPSender) dialer(ctx context.Context) gomail.DialContextFunc {
	addr := net.JoinHostPort(s.host, strconv.Itoa(s.port))
	return func(dialCtx context.Context, network, _ string) (net.Conn, error) {
		var d interface {
			DialContext(context.Context, string, string) (net.Conn, error)
		} = &net.Dialer{}
		if s.implicit {
			d = &tls.Dialer{Config: s.tlsConfig}
		}
		conn, err := d.DialContext(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}
}

// message builds the MIME message: text/plain, with text/html as an alternative
// when present.
func (s *SMTPSender) message(m Message) (*gomail.Msg, error) {
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, holdfast.ParamError("to", "recipient %q is not a valid email address", m.To)
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(s.messageID(m.MessageID))
	} else {
		msg.SetMessageID()
	}
	switch {
	case m.HTML == "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	case m.Text == "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID qualifies id with the sender's domain, as RFC 5322 wants
// "left@right"; angle brackets are added by go-mail.
func (s *SMTPSender) messageID(id string) string {
	id = strings.Trim(id, "<> ")
	if strings.Contains(id, "@") {
		return id
	}
	domain := "localhost"
	if at := strings.LastIndex(s.from.Address, "@"); at >= 0 {
		domain = s.from.Address[at+1:]
	}
	return id + "@" + domain
}
