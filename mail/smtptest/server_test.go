package smtptest_test

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"holdfast/mail/smtptest"
)

// The tests send with the standard library's client, so the server is checked
// against a client other than the one package mail uses.

const multipartMsg = "From: Billing <billing@example.com>\r\n" +
	"To: a@example.com\r\n" +
	"Subject: =?UTF-8?q?=E2=82=AC12.34_failed?=\r\n" +
	"Message-ID: <ds_1@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Pay at https://example.com/r/ds_1?a=3D1&b=3D2 for a very long line that is so=\r\n" +
	"ft-broken\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+PGEgaHJlZj0iaHR0cHM6Ly9leGFtcGxlLmNvbS9yL2RzXzEiPmxp\r\n" +
	"bms8L2E+PC9wPg==\r\n" +
	"--inner--\r\n" +
	"--outer--\r\n"

func TestReceivedParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                       string
		data                       string
		subject, text, html, msgID string
	}{
		{
			name:    "NestedMultipart",
			data:    multipartMsg,
			subject: "€12.34 failed",
			text:    "Pay at https://example.com/r/ds_1?a=1&b=2 for a very long line that is soft-broken",
			html:    `<p><a href="https://example.com/r/ds_1">link</a></p>`,
			msgID:   "<ds_1@example.com>",
		},
		{
			name:    "SinglePartNoContentType",
			data:    "From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nline one\r\nline two\r\n",
			subject: "hello",
			text:    "line one\nline two\n",
		},
		{
			name: "SinglePartHTMLQuotedPrintable",
			data: "From: a@example.com\r\nSubject: h\r\nContent-Type: text/html\r\n" +
				"Content-Transfer-Encoding: quoted-printable\r\n\r\n<a href=3D\"x\">x</a>\r\n",
			subject: "h",
			html:    "<a href=\"x\">x</a>\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t)
			send(t, srv.URL(), "a@example.com", tt.data)
			got := srv.WaitFor(1, 5*time.Second)
			if len(got) != 1 {
				t.Fatalf("received %d messages", len(got))
			}
			m := got[0]
			if m.ParseErr != nil {
				t.Fatalf("ParseErr: %v", m.ParseErr)
			}
			if m.Subject != tt.subject || m.TextBody != tt.text || m.HTMLBody != tt.html || m.MessageID != tt.msgID {
				t.Errorf("got subject %q text %q html %q id %q\nwant subject %q text %q html %q id %q",
					m.Subject, m.TextBody, m.HTMLBody, m.MessageID, tt.subject, tt.text, tt.html, tt.msgID)
			}
			if m.From != "sender@example.com" || len(m.To) != 1 || m.To[0] != "a@example.com" {
				t.Errorf("envelope %q -> %q", m.From, m.To)
			}
			if !strings.Contains(string(m.Data), "Subject: ") {
				t.Errorf("Data is not the raw message: %q", m.Data)
			}
		})
	}
}

func TestWaitFor(t *testing.T) {
	t.Parallel()
	t.Run("WakesOnArrival", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		done := make(chan []smtptest.Received)
		go func() { done <- srv.WaitFor(2, time.Minute) }()
		send(t, srv.URL(), "a@example.com", "Subject: 1\r\n\r\none\r\n")
		send(t, srv.URL(), "b@example.com", "Subject: 2\r\n\r\ntwo\r\n")
		select {
		case got := <-done:
			if len(got) != 2 || got[0].Subject != "1" || got[1].Subject != "2" {
				t.Fatalf("WaitFor returned %+v", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("WaitFor did not return after two messages arrived")
		}
	})
	t.Run("TimeoutReturnsFewer", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		send(t, srv.URL(), "a@example.com", "Subject: 1\r\n\r\none\r\n")
		if got := srv.WaitFor(2, 50*time.Millisecond); len(got) != 1 {
			t.Fatalf("WaitFor returned %d messages, want the 1 that arrived", len(got))
		}
	})
}

func TestFailures(t *testing.T) {
	t.Parallel()
	t.Run("Down", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		srv.SetDown(true)
		assertCode(t, trySend(srv.URL(), "a@example.com"), 451)
		srv.SetDown(false)
		if err := trySend(srv.URL(), "a@example.com"); err != nil {
			t.Fatalf("send after SetDown(false): %v", err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("stored %d messages, want 1", n)
		}
	})
	t.Run("RejectedRecipient", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		srv.RejectRecipient("Gone@Example.com")
		assertCode(t, trySend(srv.URL(), "gone@example.com"), 550)
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("stored %d messages, want 0", n)
		}
	})
	t.Run("AuthRequired", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t, smtptest.WithAuth("u", "p"))
		u, _ := url.Parse(srv.URL())
		if pass, _ := u.User.Password(); u.User.Username() != "u" || pass != "p" {
			t.Fatalf("URL %q does not carry the credentials", srv.URL())
		}
		assertCode(t, trySend("smtp://"+u.Host, "a@example.com"), 502)
		u.User = url.UserPassword("u", "wrong")
		assertCode(t, trySend(u.String(), "a@example.com"), 535)
		if err := trySend(srv.URL(), "a@example.com"); err != nil {
			t.Fatalf("send with the right credentials: %v", err)
		}
		if got := srv.Messages(); len(got) != 1 || got[0].User != "u" {
			t.Fatalf("received %+v", got)
		}
	})
}

func TestClose(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.Close()
	srv.Close() // again from t.Cleanup: must not panic or block
	if err := trySend(srv.URL(), "a@example.com"); err == nil {
		t.Fatal("send to a closed server succeeded")
	}
}

// trySend sends a small message with net/smtp, authenticating when rawURL has
// user info.
func trySend(rawURL, to string) error {
	return sendData(rawURL, to, "Subject: s\r\n\r\nbody\r\n")
}

func send(t *testing.T, rawURL, to, data string) {
	t.Helper()
	if err := sendData(rawURL, to, data); err != nil {
		t.Fatalf("send: %v", err)
	}
}

func sendData(rawURL, to, data string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	var auth smtp.Auth
	if u.User != nil {
		pass, _ := u.User.Password()
		auth = smtp.PlainAuth("", u.User.Username(), pass, u.Hostname())
	}
	return smtp.SendMail(u.Host, auth, "sender@example.com", []string{to}, []byte(data))
}

func assertCode(t *testing.T, err error, code int) {
	t.Helper()
	var reply *textproto.Error
	if !errors.As(err, &reply) || reply.Code != code {
		t.Fatalf("error = %v, want an SMTP %d reply", err, code)
	}
}
