package mail_test

import (
	"context"
	"errors"
	"net"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/mail"
	"holdfast/mail/smtptest"
)

// SMTPSender must satisfy Sender.
var _ mail.Sender = (*mail.SMTPSender)(nil)

const wait = 5 * time.Second

func TestNewSMTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		url   string
		from  string
		param string // empty: valid
	}{
		{"OKSubmission", "smtp://user:pass@mail.example.com:587", "Holdfast <billing@example.com>", ""},
		{"OKImplicitTLS", "smtps://user:pass@mail.example.com:465", "", ""},
		{"OKNoAuthNoPort", "smtp://mail.example.com", "billing@example.com", ""},
		{"OKIPv6", "smtp://[::1]:25", "", ""},
		{"ErrEmpty", "", "", "smtp_url"},
		{"ErrHTTPScheme", "http://mail.example.com", "", "smtp_url"},
		{"ErrNoScheme", "mail.example.com:25", "", "smtp_url"},
		{"ErrNoHost", "smtp://", "", "smtp_url"},
		{"ErrOnlyUserInfo", "smtp://user:pass@:25", "", "smtp_url"},
		{"ErrPortNotNumber", "smtp://mail.example.com:abc", "", "smtp_url"},
		{"ErrPortZero", "smtp://mail.example.com:0", "", "smtp_url"},
		{"ErrPortTooLarge", "smtp://mail.example.com:70000", "", "smtp_url"},
		{"ErrPath", "smtp://mail.example.com/inbox", "", "smtp_url"},
		{"ErrUnparsable", "smtp://user:pa ss@host:25%", "", "smtp_url"},
		{"ErrFrom", "smtp://mail.example.com", "not an address", "mail_from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := mail.NewSMTP(tt.url, tt.from)
			if tt.param == "" {
				if err != nil || s == nil {
					t.Fatalf("NewSMTP(%q) = %v, %v", tt.url, s, err)
				}
				return
			}
			assertValidation(t, "NewSMTP", err, tt.param)
			if strings.Contains(err.Error(), "pass") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestSMTPSend(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender := newSender(t, srv.URL())
	// A long URL with a query string: quoted-printable breaks lines past 76
	// characters and encodes "=", and both must come back intact.
	v := vars
	v.UpdateURL = "https://holdfast.example.com/r/ds_0123456789abcdefghijklmnopqrstuvwxyz?utm_source=dunning&step=2"
	v.Amount = mail.FormatAmount(1234, "eur")
	r, err := mail.Render(mail.Template{
		Subject: "{{.Amount}} payment failed, {{.CustomerName}}",
		Body:    "Hi {{.CustomerName}},\n\nWe could not charge {{.Amount}}.\nUpdate your card: {{.UpdateURL}}\n",
	}, v)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	err = sender.Send(context.Background(), mail.Message{
		To: "Ada Lovelace <ada@example.com>", Subject: r.Subject, Text: r.Text, HTML: r.HTML, MessageID: "ds_abc",
	})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(1, wait)
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	m := got[0]
	if m.ParseErr != nil {
		t.Fatalf("parse: %v", m.ParseErr)
	}
	if m.From != "billing@example.com" || len(m.To) != 1 || m.To[0] != "ada@example.com" {
		t.Errorf("envelope = %q -> %q", m.From, m.To)
	}
	if want := "12,34 € payment failed, Ada Lovelace"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	if m.MessageID != "<ds_abc@example.com>" {
		t.Errorf("Message-ID = %q", m.MessageID)
	}
	if got := m.Header.Get("From"); !strings.Contains(got, "billing@example.com") {
		t.Errorf("From header = %q", got)
	}
	if m.TextBody != r.Text {
		t.Errorf("TextBody = %q, want %q", m.TextBody, r.Text)
	}
	href := `<a href="` + strings.ReplaceAll(v.UpdateURL, "&", "&amp;") + `">`
	if !strings.Contains(m.HTMLBody, href) {
		t.Errorf("HTMLBody = %q\nwant link %q", m.HTMLBody, href)
	}
	if m.TLS || m.User != "" {
		t.Errorf("TLS = %v, User = %q; want a plain session without AUTH", m.TLS, m.User)
	}
}

func TestSMTPSendTextOnly(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender := newSender(t, srv.URL())
	if err := sender.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "s", Text: "only text"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(1, wait)
	if len(got) != 1 || strings.TrimSpace(got[0].TextBody) != "only text" || got[0].HTMLBody != "" {
		t.Fatalf("received %+v", got)
	}
	if got[0].MessageID == "" {
		t.Error("no Message-ID without an explicit one")
	}
}

func TestSMTPDownThenUp(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender := newSender(t, srv.URL())
	msg := mail.Message{To: "a@example.com", Subject: "s", Text: "t", MessageID: "ds_retry"}

	srv.SetDown(true)
	err := sender.Send(context.Background(), msg)
	if err == nil {
		t.Fatal("Send to a down server succeeded")
	}
	if mail.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true, want temporary", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("down server stored %d messages", n)
	}

	srv.SetDown(false)
	if err := sender.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send after recovery: %v", err)
	}
	got := srv.WaitFor(1, wait)
	if len(got) != 1 || got[0].MessageID != "<ds_retry@example.com>" {
		t.Fatalf("received %+v", got)
	}
}

func TestSMTPErrors(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.RejectRecipient("gone@example.com")
	authSrv := smtptest.Start(t, smtptest.WithAuth("user", "secret"))
	wrongPass, _ := url.Parse(authSrv.URL())
	wrongPass.User = url.UserPassword("user", "wrong")
	noCreds, _ := url.Parse(authSrv.URL())
	noCreds.User = nil

	tests := []struct {
		name      string
		url       string
		to        string
		permanent bool
	}{
		{"ErrRejectedRecipient", srv.URL(), "gone@example.com", true},
		{"ErrInvalidRecipient", srv.URL(), "not an address", true},
		{"ErrConnectionRefused", "smtp://" + closedAddr(t), "a@example.com", false},
		{"ErrWrongPassword", wrongPass.String(), "a@example.com", true},
		{"ErrAuthRequired", noCreds.String(), "a@example.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := newSender(t, tt.url).Send(context.Background(), mail.Message{To: tt.to, Subject: "s", Text: "t"})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := mail.IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.permanent)
			}
		})
	}
	if n := len(srv.Messages()) + len(authSrv.Messages()); n != 0 {
		t.Errorf("%d messages were stored despite the errors", n)
	}
}

func TestSMTPAuth(t *testing.T) {
	t.Parallel()
	// A password needing URL escaping checks that NewSMTP decodes user info.
	srv := smtptest.Start(t, smtptest.WithAuth("billing@example.com", "p@ss w/rd:%"))
	if err := newSender(t, srv.URL()).Send(context.Background(), mail.Message{To: "a@example.com", Subject: "s", Text: "t"}); err != nil {
		t.Fatalf("Send with %s: %v", srv.URL(), err)
	}
	got := srv.WaitFor(1, wait)
	if len(got) != 1 || got[0].User != "billing@example.com" {
		t.Fatalf("received %+v, want one message sent as billing@example.com", got)
	}
}

func TestSMTPContextDeadline(t *testing.T) {
	t.Parallel()
	// A server that accepts connections and never says a word; it reports
	// when the client hangs up on it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	hungUp := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
			go func() {
				// The server never writes, so a read ends only when the
				// client closes the connection (or the test does).
				_, _ = c.Read(make([]byte, 1))
				select {
				case hungUp <- struct{}{}:
				default:
				}
			}()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	// Send's own budget is 30 s: returning within wait proves the context,
	// not that budget, ended the delivery.
	done := make(chan error, 1)
	go func() {
		done <- newSender(t, "smtp://"+ln.Addr().String()).Send(ctx, mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
	}()
	select {
	case err = <-done:
	case <-time.After(wait):
		t.Fatalf("Send still blocked %v after its 200ms context expired", wait)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send = %v, want context.DeadlineExceeded", err)
	}
	if mail.IsPermanent(err) {
		t.Error("a timeout was classified permanent")
	}
	select {
	case <-hungUp:
	case <-time.After(wait):
		t.Error("Send returned but left its connection to the silent server open")
	}
}

// A server that accepted the message and then dropped the connection has the
// message: Send must not report a failure that would make the caller resend.
func TestSMTPDroppedAfterAccept(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	accepted := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		conn := textproto.NewConn(c)
		_ = conn.PrintfLine("220 fake ESMTP")
		for {
			line, err := conn.ReadLine()
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0]); cmd {
			case "DATA":
				_ = conn.PrintfLine("354 go ahead")
				body, _ := conn.ReadDotBytes()
				_ = conn.PrintfLine("250 queued")
				accepted <- string(body)
				return // drop the connection before RSET and QUIT
			default:
				_ = conn.PrintfLine("250 ok")
			}
		}
	}()
	err = newSender(t, "smtp://"+ln.Addr().String()).Send(context.Background(),
		mail.Message{To: "a@example.com", Subject: "s", Text: "t", MessageID: "ds_once"})
	if err != nil {
		t.Fatalf("Send = %v, want nil: the server accepted the message", err)
	}
	if body := <-accepted; !strings.Contains(body, "ds_once@example.com") {
		t.Errorf("server got %q", body)
	}
}

func newSender(t *testing.T, rawURL string) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTP(rawURL, "Holdfast Billing <billing@example.com>")
	if err != nil {
		t.Fatalf("NewSMTP(%q): %v", rawURL, err)
	}
	return s
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestIsPermanent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Nil", nil, false},
		{"ValidationError", holdfast.ParamError("to", "bad"), true},
		{"WrappedValidationError", errors.Join(errors.New("x"), holdfast.ParamError("to", "bad")), true},
		{"PlainError", errors.New("connection reset by peer"), false},
		{"ContextDeadline", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mail.IsPermanent(tt.err); got != tt.want {
				t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
