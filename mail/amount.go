package mail

import (
	"strconv"
	"strings"
)

// symbols are the currencies shown with a leading symbol. Others show their
// uppercase ISO code after the number ("12.34 CHF"), which no reader can misread,
// unlike "$" for CAD or AUD.
var symbols = map[string]string{
	"usd": "$",
	"eur": "€",
	"gbp": "£",
	"jpy": "¥",
}

// zeroDecimal are Stripe's zero-decimal currencies: the amount is already in
// whole units (¥1234 is sent to Stripe as 1234).
var zeroDecimal = map[string]bool{
	"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true,
	"krw": true, "mga": true, "pyg": true, "rwf": true, "ugx": true, "vnd": true,
	"vuv": true, "xaf": true, "xof": true, "xpf": true,
}

// threeDecimal are Stripe's three-decimal currencies: minor units are
// thousandths (5.124 KWD is 5124).
var threeDecimal = map[string]bool{
	"bhd": true, "jod": true, "kwd": true, "omr": true, "tnd": true,
}

// FormatAmount renders an amount in minor units for a customer to read:
// "$12.34" (usd), "€12.34" (eur), "£12.34" (gbp), "¥1234" (jpy), and otherwise
// the number followed by the uppercase code ("12.34 CHF", "1234 KRW"). The
// currency is matched case-insensitively. There are no thousands separators,
// because their style depends on the reader's locale, which we do not know.
func FormatAmount(minor int64, currency string) string {
	cur := strings.ToLower(strings.TrimSpace(currency))
	decimals := 2
	switch {
	case zeroDecimal[cur]:
		decimals = 0
	case threeDecimal[cur]:
		decimals = 3
	}
	sign := ""
	// Work on the magnitude as unsigned, so even math.MinInt64 has one.
	mag := uint64(minor)
	if minor < 0 {
		sign = "-"
		mag = -mag
	}
	num := decimal(mag, decimals)
	if sym, ok := symbols[cur]; ok {
		return sign + sym + num
	}
	if cur == "" {
		return sign + num
	}
	return sign + num + " " + strings.ToUpper(cur)
}

// decimal writes v with the given number of digits after the decimal point.
func decimal(v uint64, decimals int) string {
	s := strconv.FormatUint(v, 10)
	if decimals == 0 {
		return s
	}
	if len(s) <= decimals {
		s = strings.Repeat("0", decimals-len(s)+1) + s
	}
	return s[:len(s)-decimals] + "." + s[len(s)-decimals:]
}
