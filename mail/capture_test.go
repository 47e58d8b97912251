package mail_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"holdfast/mail"
)

// Capture must satisfy Sender: other packages use it in its place.
var _ mail.Sender = (*mail.Capture)(nil)

func TestCapture(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		var c mail.Capture
		if got := c.Messages(); len(got) != 0 {
			t.Fatalf("new Capture has %d messages", len(got))
		}
		for i := range 3 {
			m := mail.Message{To: fmt.Sprintf("c%d@example.com", i), Subject: "s", MessageID: fmt.Sprint(i)}
			if err := c.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
		}
		got := c.Messages()
		if len(got) != 3 || got[0].To != "c0@example.com" || got[2].MessageID != "2" {
			t.Fatalf("Messages = %+v", got)
		}
		got[0].To = "changed"
		if c.Messages()[0].To != "c0@example.com" {
			t.Error("Messages returned the internal slice, not a copy")
		}
	})
	t.Run("ErrContextDone", func(t *testing.T) {
		t.Parallel()
		var c mail.Capture
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := c.Send(ctx, mail.Message{To: "a@example.com"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
		if len(c.Messages()) != 0 {
			t.Error("a failed Send was recorded")
		}
	})
	t.Run("KeepsMostRecent", func(t *testing.T) {
		t.Parallel()
		var c mail.Capture
		for i := range 1005 {
			_ = c.Send(context.Background(), mail.Message{MessageID: fmt.Sprint(i)})
		}
		got := c.Messages()
		if len(got) != 1000 || got[0].MessageID != "5" || got[999].MessageID != "1004" {
			t.Fatalf("kept %d messages, first %q last %q", len(got), got[0].MessageID, got[len(got)-1].MessageID)
		}
	})
}
