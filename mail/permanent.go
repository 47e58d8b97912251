package mail

import (
	"errors"
	"net/textproto"

	gomail "github.com/wneessen/go-mail"

	"holdfast"
)

// IsPermanent reports whether err means this message can never be delivered as
// it is, so the send should be recorded failed instead of retried:
//
//   - a 5xx reply from the server (unknown mailbox, rejected content, bad
//     credentials);
//   - a message that is itself invalid (a *holdfast.Error, such as a bad
//     recipient address).
//
// Everything else is temporary: 4xx replies (greylisting, a server that is
// down for maintenance), refused or dropped connections, timeouts, TLS and
// authentication negotiation failures. Those may succeed later, once the server
// is back or an operator has fixed the configuration. nil is not permanent.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if _, ok := holdfast.AsError(err); ok {
		return true
	}
	// go-mail's SendError carries the reply code without wrapping the reply.
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		if code := sendErr.ErrorCode(); code != 0 {
			return code >= 500 && code < 600
		}
		switch sendErr.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			// The message's addresses or encoding are unusable: retrying sends
			// the same message.
			return true
		}
		return false
	}
	// Replies during the greeting, EHLO or AUTH are textproto errors.
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return reply.Code >= 500 && reply.Code < 600
	}
	return false
}
