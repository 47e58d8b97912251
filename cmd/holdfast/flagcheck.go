package main

import (
	netmail "net/mail"
	"net/url"

	"holdfast"
	"holdfast/mail"
)

// URL and mail flags are checked before anything is opened: a typo in
// --public-url or --stripe-api-base used to start serve happily and break
// later (every email link, every Stripe call), and a bad --smtp-url was only
// noticed after the database had been opened and migrated.

// checkBaseURL validates a base-URL flag: an absolute http(s) URL with a
// host and neither query nor fragment. Empty is accepted (the default).
func checkBaseURL(flag, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return holdfast.Errorf(holdfast.EVALIDATION, "%s must be an http(s) URL like https://example.com, got %q", flag, v)
	}
	return nil
}

// checkMail validates --smtp-url and --mail-from (the latter also without
// SMTP: test-mode email is kept in memory with that sender).
func checkMail(smtpURL, from string) error {
	if smtpURL != "" {
		if _, err := mail.NewSMTP(smtpURL, from); err != nil {
			flag := "--smtp-url"
			if he, ok := holdfast.AsError(err); ok && he.Param == "mail_from" {
				flag = "--mail-from"
			}
			return holdfast.Errorf(holdfast.EVALIDATION, "%s: %s", flag, oneLine(err))
		}
	}
	if from != "" {
		if _, err := netmail.ParseAddress(from); err != nil {
			return holdfast.Errorf(holdfast.EVALIDATION, "--mail-from must be an address like \"Billing <billing@example.com>\", got %q", from)
		}
	}
	return nil
}
