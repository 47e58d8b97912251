package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Received is one message as the server got it: the envelope, the raw data, and
// the parts a recipient would read, decoded.
type Received struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Data []byte   // the message exactly as sent after DATA
	User string   // the AUTH user name; empty without AUTH
	TLS  bool     // whether the session was encrypted (STARTTLS or implicit)

	Header    mail.Header // the top-level header fields, undecoded
	Subject   string      // decoded from RFC 2047
	MessageID string      // the Message-ID header, angle brackets included
	TextBody  string      // the first text/plain part, decoded, with "\n" line ends
	HTMLBody  string      // the first text/html part, decoded, with "\n" line ends
	ParseErr  error       // why Data could not be parsed, if it could not
}

// parse fills the header and body fields of a Received from raw message data.
func parse(data []byte) Received {
	r := Received{Data: data}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		r.ParseErr = err
		return r
	}
	r.Header = msg.Header
	r.MessageID = msg.Header.Get("Message-Id")
	var dec mime.WordDecoder
	if r.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		r.ParseErr = fmt.Errorf("subject: %w", err)
		return r
	}
	body, err := decodeTransfer(msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err == nil {
		err = r.walk(msg.Header.Get("Content-Type"), body)
	}
	r.ParseErr = err
	return r
}

// walk reads one entity of the given content type, descending into multiparts
// and keeping the first text/plain and text/html bodies.
func (r *Received) walk(contentType string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain" // RFC 2045's default
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextPart removes quoted-printable encoding itself; base64 is left.
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			partBody, err := decodeTransfer(part.Header.Get("Content-Transfer-Encoding"), part)
			if err != nil {
				return err
			}
			if err := r.walk(part.Header.Get("Content-Type"), partBody); err != nil {
				return err
			}
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch {
	case mediaType == "text/plain" && r.TextBody == "":
		r.TextBody = lf(b)
	case mediaType == "text/html" && r.HTMLBody == "":
		r.HTMLBody = lf(b)
	}
	return nil
}

// lf turns the CRLF line ends SMTP requires back into "\n", as the sender wrote them.
func lf(b []byte) string { return strings.ReplaceAll(string(b), "\r\n", "\n") }

// decodeTransfer undoes a Content-Transfer-Encoding.
func decodeTransfer(encoding string, body io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "7bit", "8bit", "binary":
		return body, nil
	case "quoted-printable":
		return quotedprintable.NewReader(body), nil
	case "base64":
		// The decoder skips the line breaks of the encoded body itself.
		return base64.NewDecoder(base64.StdEncoding, body), nil
	}
	return nil, fmt.Errorf("unknown content transfer encoding %q", encoding)
}
