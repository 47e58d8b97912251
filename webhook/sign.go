// Package webhook delivers Holdfast events to customers' endpoints: it signs
// payloads, posts them with an SSRF-guarded HTTP client, validates endpoint URLs
// and computes the retry schedule. The pieces here are storage-free; the worker
// that drives them from the store lives beside them.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"holdfast"
)

// SignatureHeader is the request header carrying the payload signature. Its
// value has exactly the shape of Stripe's Stripe-Signature header, so receivers
// can reuse Stripe verification code by reading this header instead.
const SignatureHeader = "Holdfast-Signature"

// SecretPrefix starts every endpoint signing secret, as Stripe's do.
const SecretPrefix = "whsec_"

// Errors returned by Verify. Receivers may compare against them with errors.Is.
var (
	ErrNotSigned        = errors.New("webhook: missing " + SignatureHeader + " header")
	ErrInvalidHeader    = errors.New("webhook: malformed " + SignatureHeader + " header")
	ErrNoValidSignature = errors.New("webhook: no signature matches the payload")
	ErrTimestamp        = errors.New("webhook: signature timestamp outside tolerance")
)

// NewSecret returns a fresh signing secret: "whsec_" and 32 base62 characters
// (about 190 bits) from crypto/rand. It is shown to the user once, at creation.
func NewSecret() string { return SecretPrefix + holdfast.RandomBase62(32) }

// Sign returns the SignatureHeader value for body sent at time t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". The key is the
// whole secret string, prefix included, exactly as Stripe does it.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// mac computes HMAC-SHA256 over "<ts>.<body>".
func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a SignatureHeader value against body and secret, the way a
// receiver should. The header may carry several v1 signatures (sent while a
// secret is being rotated); one match is enough. Unknown schemes (v0, …) and
// undecodable signatures are ignored, as Stripe's libraries do. Signatures are
// compared in constant time.
//
// When tolerance > 0 the timestamp must be within tolerance of now in either
// direction: the past bound stops replays, the future bound stops a captured
// header from being valid for longer than intended. Five minutes is the usual
// choice. A tolerance <= 0 skips the timestamp check.
func Verify(header string, body []byte, secret string, tolerance time.Duration, now time.Time) error {
	if header == "" {
		return ErrNotSigned
	}
	var ts string
	var sigs [][]byte
	for pair := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return ErrInvalidHeader
		}
		switch k {
		case "t":
			if _, err := strconv.ParseInt(v, 10, 64); err != nil || ts != "" {
				return ErrInvalidHeader
			}
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	if ts == "" {
		return ErrInvalidHeader
	}
	if len(sigs) == 0 {
		return ErrNoValidSignature
	}
	if tolerance > 0 {
		unix, _ := strconv.ParseInt(ts, 10, 64)
		if skew := now.Sub(time.Unix(unix, 0)).Abs(); skew > tolerance {
			return ErrTimestamp
		}
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(want, sig) {
			return nil
		}
	}
	return ErrNoValidSignature
}
