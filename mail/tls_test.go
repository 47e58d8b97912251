package mail

import (
	"context"
	"testing"
	"time"

	"holdfast/mail/smtptest"
)

// These tests live inside the package to make the client trust the test
// certificate; production code always verifies against the system roots.
func TestSMTPTLS(t *testing.T) {
	t.Parallel()
	serverTLS, roots := smtptest.SelfSigned(t)
	tests := []struct {
		name string
		opts []smtptest.Option
	}{
		{"STARTTLS", []smtptest.Option{smtptest.WithSTARTTLS(serverTLS)}},
		{"STARTTLSWithAuth", []smtptest.Option{smtptest.WithSTARTTLS(serverTLS), smtptest.WithAuth("u", "p")}},
		{"ImplicitTLS", []smtptest.Option{smtptest.WithImplicitTLS(serverTLS)}},
		{"ImplicitTLSWithAuth", []smtptest.Option{smtptest.WithImplicitTLS(serverTLS), smtptest.WithAuth("u", "p")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tt.opts...)
			s, err := NewSMTP(srv.URL(), "")
			if err != nil {
				t.Fatalf("NewSMTP(%q): %v", srv.URL(), err)
			}
			s.tlsConfig.RootCAs = roots
			if err := s.Send(context.Background(), Message{To: "a@example.com", Subject: "s", Text: "t"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.WaitFor(1, 5*time.Second)
			if len(got) != 1 || !got[0].TLS {
				t.Fatalf("received %+v, want one message over TLS", got)
			}
			if got[0].From != "holdfast@localhost" {
				t.Errorf("envelope from = %q, want the default sender", got[0].From)
			}
		})
	}
}

func TestSMTPTLSUntrustedCertificate(t *testing.T) {
	t.Parallel()
	serverTLS, _ := smtptest.SelfSigned(t)
	srv := smtptest.Start(t, smtptest.WithImplicitTLS(serverTLS))
	s, err := NewSMTP(srv.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), Message{To: "a@example.com", Subject: "s", Text: "t"})
	if err == nil {
		t.Fatal("Send trusted a self-signed certificate")
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true; a TLS failure is the operator's to fix, not the message's", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server stored %d messages", n)
	}
}
