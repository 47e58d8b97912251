// Package mail sends Holdfast's dunning emails and renders their templates
// (SPEC §6 and §11). It knows nothing of the database: the engine renders a
// step's Template with a customer's Vars, records the send, and hands a Message
// to a Sender. SMTPSender delivers over SMTP; Capture keeps messages in memory
// for test mode without an SMTP server and for other packages' tests.
package mail

import (
	"context"
	"slices"
	"sync"
)

// Message is one email ready to send.
type Message struct {
	To      string // one address, with or without a display name
	Subject string
	Text    string // the text/plain part
	HTML    string // the text/html part; may be empty
	// MessageID is a stable id (the dunning send's id) used as the Message-ID
	// header, so a resend after an uncertain failure (the connection dropped after
	// DATA) carries the same id and the recipient's mail system can recognise it.
	// Without "@", the sender's domain is appended. Empty: a random id.
	MessageID string
}

// Sender delivers messages. Implementations are safe for concurrent use.
type Sender interface {
	// Send delivers m or returns why not; IsPermanent tells whether trying
	// again can help.
	Send(ctx context.Context, m Message) error
}

// captureLimit bounds what a Capture keeps: in test mode it lives as long as the
// server, and an unbounded list would grow with every simulated email.
const captureLimit = 1000

// Capture is a Sender that records messages in memory instead of sending them.
// Its zero value is ready to use. It keeps the most recent 1000 messages.
type Capture struct {
	mu   sync.Mutex
	msgs []Message
}

// Send records m. It fails only when ctx is already done, like a real sender.
func (c *Capture) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.msgs) >= captureLimit {
		c.msgs = slices.Delete(c.msgs, 0, len(c.msgs)-captureLimit+1)
	}
	c.msgs = append(c.msgs, m)
	return nil
}

// Messages returns a copy of the recorded messages, oldest first.
func (c *Capture) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.msgs)
}
