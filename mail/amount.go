package mail

import (
	"strconv"
	"strings"
)

// convention is how a currency's own country writes an amount: the symbol
// and where it goes, the thousands separator and the decimal mark.
type convention struct {
	symbol       string
	after        bool // "1.234,56 €" rather than "€1,234.56"
	group, point string
}

// conventions are the currencies written with their symbol, the way their
// home country writes them. Others show their uppercase ISO code after the
// number with comma thousands ("1,234.56 CHF"), which no reader can misread,
// unlike "$" for CAD or AUD.
var conventions = map[string]convention{
	"usd": {symbol: "$", group: ",", point: "."},
	"gbp": {symbol: "£", group: ",", point: "."},
	"jpy": {symbol: "¥", group: ",", point: "."},
	"eur": {symbol: " €", after: true, group: ".", point: ","},
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

// FormatAmount renders an amount in minor units for a customer (or an
// operator) to read, with thousands separators in the currency's
// convention: "$1,234.56" (usd), "£1,234.56" (gbp), "¥1,234" (jpy),
// "1.234,56 €" (eur), and otherwise the number followed by the uppercase
// code ("1,234.56 CHF", "50,000 KRW"). The currency is matched
// case-insensitively.
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
	c, ok := conventions[cur]
	if !ok {
		c = convention{group: ",", point: "."}
	}
	num := decimal(mag, decimals, c.group, c.point)
	switch {
	case ok && c.after:
		return sign + num + c.symbol
	case ok:
		return sign + c.symbol + num
	case cur == "":
		return sign + num
	}
	return sign + num + " " + strings.ToUpper(cur)
}

// decimal writes v with the given number of digits after the decimal mark
// and the whole part grouped in threes.
func decimal(v uint64, decimals int, group, point string) string {
	s := strconv.FormatUint(v, 10)
	if len(s) <= decimals {
		s = strings.Repeat("0", decimals-len(s)+1) + s
	}
	whole, frac := s[:len(s)-decimals], s[len(s)-decimals:]
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if decimals > 0 {
		b.WriteString(point + frac)
	}
	return b.String()
}
