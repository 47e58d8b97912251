package policy

import (
	"strconv"
	"strings"
)

// codeClass is SPEC §6's smart-retry table, keyed by Stripe decline code.
// Codes not listed here (generic_decline, do_not_honor, card_velocity_exceeded
// and anything unknown) are ambiguous.
var codeClass = map[string]Class{
	"incorrect_number":                 ClassNeverRetry,
	"lost_card":                        ClassNeverRetry,
	"pickup_card":                      ClassNeverRetry,
	"stolen_card":                      ClassNeverRetry,
	"revocation_of_authorization":      ClassNeverRetry,
	"revocation_of_all_authorizations": ClassNeverRetry,
	"highest_risk_level":               ClassNeverRetry,
	"fraudulent":                       ClassNeverRetry,
	"merchant_blacklist":               ClassNeverRetry,
	"restricted_card":                  ClassNeverRetry,
	"security_violation":               ClassNeverRetry,
	"transaction_not_allowed":          ClassNeverRetry,

	"expired_card":            ClassNeedsCustomer,
	"incorrect_cvc":           ClassNeedsCustomer,
	"incorrect_zip":           ClassNeedsCustomer,
	"invalid_expiry_month":    ClassNeedsCustomer,
	"invalid_expiry_year":     ClassNeedsCustomer,
	"authentication_required": ClassNeedsCustomer,

	"insufficient_funds":              ClassFunds,
	"withdrawal_count_limit_exceeded": ClassFunds,

	"try_again_later":      ClassTransient,
	"processing_error":     ClassTransient,
	"issuer_not_available": ClassTransient,
	"reenter_transaction":  ClassTransient,

	"generic_decline":        ClassAmbiguous,
	"do_not_honor":           ClassAmbiguous,
	"card_velocity_exceeded": ClassAmbiguous,
}

// adviceClass maps Stripe's advice_code, which overrides the code table.
var adviceClass = map[string]Class{
	"do_not_try_again":  ClassNeverRetry,
	"confirm_card_data": ClassNeedsCustomer,
	"try_again_later":   ClassTransient,
}

// Classify puts a decline into its class. The network's own advice (Stripe's
// advice_code and the Mastercard merchant advice code) overrides the code table,
// because the issuer knows more than a generic code says. When the two kinds of
// advice disagree, never-retry wins (retrying against a "do not retry" answer
// risks network fines); otherwise the Mastercard code, being the network's own
// word, wins over Stripe's advice. A decline with no known code is ambiguous.
func Classify(d Decline) Class {
	mac := macClass(d.NetworkAdviceCode)
	advice := adviceClass[normalize(d.AdviceCode)]
	switch {
	case mac == ClassNeverRetry || advice == ClassNeverRetry:
		return ClassNeverRetry
	case mac != ClassNone:
		return mac
	case advice != ClassNone:
		return advice
	}
	if c, ok := codeClass[normalize(d.Code)]; ok {
		return c
	}
	return ClassAmbiguous
}

// macClass reads a Mastercard merchant advice code: 03 (revoked) and 21
// (payment cancelled) forbid retries; 24–30 ask for a retry after a wait. Other
// codes carry no retry advice.
func macClass(mac string) Class {
	n, err := strconv.Atoi(strings.TrimSpace(mac))
	if err != nil {
		return ClassNone
	}
	switch {
	case n == 3 || n == 21:
		return ClassNeverRetry
	case n >= 24 && n <= 30:
		return ClassTransient
	}
	return ClassNone
}

// normalize makes codes comparable whatever the caller's spelling.
func normalize(code string) string {
	return strings.ToLower(strings.TrimSpace(code))
}
