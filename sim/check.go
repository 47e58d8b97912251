package sim

import (
	"sort"
	"time"
)

// The independent rule checker. It reads only the card network's log of
// charges (and each payment's opening decline) and counts what the card
// networks would fine, with its own copy of the rules as the networks
// publish them — deliberately not the engine's policy package, so an engine
// bug cannot hide itself:
//
//   - Visa: at most 15 reattempts of a card in 30 days;
//   - Mastercard: at most 10 in 24 hours and 35 in 30 days;
//   - no attempt on a card after a never-retry answer (Visa category 1 such
//     as lost, stolen, pickup; Mastercard MAC 03/21; Stripe's
//     do_not_try_again family), the opening failure included.
//
// Reattempts are counted per card; the opening failure is not a reattempt.

// Violations counts network-rule violations by rule.
type Violations struct {
	Total           int `json:"total"`
	Visa30d         int `json:"visa_15_in_30d"`
	Mastercard24h   int `json:"mastercard_10_in_24h"`
	Mastercard30d   int `json:"mastercard_35_in_30d"`
	AfterNeverRetry int `json:"after_never_retry"`
}

// neverRetryCodes are the decline codes after which a card must not be
// charged again (Visa category 1, SPEC §6's never-retry list).
var neverRetryCodes = map[string]bool{
	"incorrect_number": true, "lost_card": true, "pickup_card": true, "stolen_card": true,
	"revocation_of_authorization": true, "revocation_of_all_authorizations": true, "highest_risk_level": true,
	"fraudulent": true, "merchant_blacklist": true, "restricted_card": true, "security_violation": true,
	"transaction_not_allowed": true,
}

// CheckRules counts the violations in a log of charges. opening gives each
// payment's opening decline code and card.
func CheckRules(charges []Charge, opening func(payment int) (code, fingerprint string)) Violations {
	byCard := map[string][]Charge{}
	for _, c := range charges {
		byCard[c.Fingerprint] = append(byCard[c.Fingerprint], c)
	}
	cards := make([]string, 0, len(byCard))
	for fp := range byCard {
		cards = append(cards, fp)
	}
	sort.Strings(cards)
	var v Violations
	for _, fp := range cards {
		cs := byCard[fp]
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].At.Before(cs[j].At) })
		dead := false
		if code, card := opening(cs[0].Payment); card == fp && neverRetryCodes[code] {
			dead = true
		}
		for i, c := range cs {
			if dead {
				v.AfterNeverRetry++
			}
			switch c.Brand {
			case "visa":
				if within(cs[:i+1], c.At, 30*24*time.Hour) > 15 {
					v.Visa30d++
				}
			case "mastercard":
				if within(cs[:i+1], c.At, 24*time.Hour) > 10 {
					v.Mastercard24h++
				}
				if within(cs[:i+1], c.At, 30*24*time.Hour) > 35 {
					v.Mastercard30d++
				}
			}
			if !c.Succeeded && neverRetryCodes[c.Code] {
				dead = true
			}
		}
	}
	v.Total = v.Visa30d + v.Mastercard24h + v.Mastercard30d + v.AfterNeverRetry
	return v
}

// within counts the charges in cs (sorted, ending at t) in the window (t-w, t].
func within(cs []Charge, t time.Time, w time.Duration) int {
	n := 0
	for i := len(cs) - 1; i >= 0 && cs[i].At.After(t.Add(-w)); i-- {
		n++
	}
	return n
}
