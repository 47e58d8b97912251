package mail_test

import (
	"math"
	"testing"

	"holdfast/mail"
)

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		minor    int64
		currency string
		want     string
	}{
		{"USD", 1234, "usd", "$12.34"},
		{"USDUppercaseCode", 1234, "USD", "$12.34"},
		{"USDCents", 5, "usd", "$0.05"},
		{"USDZero", 0, "usd", "$0.00"},
		{"USDLarge", 123456789, "usd", "$1,234,567.89"},
		{"USDThousands", 259100, "usd", "$2,591.00"},
		{"USDHundreds", 99900, "usd", "$999.00"},
		{"EUR", 1234, "eur", "12,34 €"},
		{"EURThousands", 259100, "eur", "2.591,00 €"},
		{"GBP", 1200, "gbp", "£12.00"},
		{"JPYZeroDecimal", 1234, "jpy", "¥1,234"},
		{"KRWZeroDecimalNoSymbol", 50000, "krw", "50,000 KRW"},
		{"XOFZeroDecimal", 7, "xof", "7 XOF"},
		{"CHFFallback", 1234, "chf", "12.34 CHF"},
		{"CADFallbackNotDollar", 99, "cad", "0.99 CAD"},
		{"KWDThreeDecimal", 5124, "kwd", "5.124 KWD"},
		{"Negative", -1234, "usd", "-$12.34"},
		{"NegativeFallback", -5, "chf", "-0.05 CHF"},
		{"MinInt64", math.MinInt64, "jpy", "-¥9,223,372,036,854,775,808"},
		{"CHFThousands", 123456, "chf", "1,234.56 CHF"},
		{"NoCurrency", 1234, "", "12.34"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mail.FormatAmount(tt.minor, tt.currency); got != tt.want {
				t.Errorf("FormatAmount(%d, %q) = %q, want %q", tt.minor, tt.currency, got, tt.want)
			}
		})
	}
}
