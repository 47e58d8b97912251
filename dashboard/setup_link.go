package dashboard

import (
	"net/mail"
	"net/url"
	"strings"
	"time"

	"holdfast"
)

// SetupLinkTTL is how long a set-password link from `holdfast user create`
// stays valid.
const SetupLinkTTL = 72 * time.Hour

// SetupLink is a one-time set-password link. Only TokenHash is stored.
type SetupLink struct {
	URL       string
	TokenHash string
	ExpiresAt time.Time
}

// NewSetupLink mints a link under publicURL (the dashboard's base URL).
func NewSetupLink(publicURL string, now time.Time) SetupLink {
	tok := holdfast.RandomBase62(43)
	return SetupLink{
		URL:       strings.TrimRight(publicURL, "/") + Prefix + "/setup?token=" + url.QueryEscape(tok),
		TokenHash: holdfast.HashToken(tok),
		ExpiresAt: now.Add(SetupLinkTTL).UTC(),
	}
}

// ValidateEmail checks a user's email: one plain address, no display name.
func ValidateEmail(email string) error {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return holdfast.ParamError("email", "%q is not a valid email address.", email)
	}
	return nil
}
