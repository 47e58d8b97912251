package cancelflow

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"holdfast"
)

// AuthHash is the widget auth hash of SPEC §7: lowercase hex HMAC-SHA256 of
// the Stripe customer id keyed with the workspace's widget secret. The
// merchant's server computes it and hands it to the page that opens the
// widget, so a publishable key alone cannot act for an arbitrary customer.
func AuthHash(widgetSecret, customer string) string {
	m := hmac.New(sha256.New, []byte(widgetSecret))
	m.Write([]byte(customer))
	return hex.EncodeToString(m.Sum(nil))
}

// CheckAuthHash returns EAUTHHASH unless given is the auth hash of customer.
// The comparison runs in constant time over the decoded MAC, so response
// timing reveals nothing about how close a guess was.
func CheckAuthHash(widgetSecret, customer, given string) error {
	if given == "" {
		return holdfast.Errorf(holdfast.EAUTHHASH, "auth_hash is required: the hex HMAC-SHA256 of the customer id keyed with the workspace's widget secret.")
	}
	mac, err := hex.DecodeString(given)
	want := hmac.New(sha256.New, []byte(widgetSecret))
	want.Write([]byte(customer))
	if err != nil || !hmac.Equal(mac, want.Sum(nil)) {
		return holdfast.Errorf(holdfast.EAUTHHASH, "auth_hash does not match the customer.")
	}
	return nil
}
