package demo

import (
	"math/rand/v2"
	"strings"
)

// The simulated business: a subscription SaaS with three plans in three
// currencies, customers with plausible names, and the decline codes a real
// Stripe account sees, in roughly real proportions.

var firstNames = strings.Fields(`Olivia Liam Emma Noah Ava Elijah Sophia Lucas Isabella Mateo Mia Levi Amelia Ethan Harper
	James Evelyn Leo Luna Henry Camila Aiden Gianna Jack Elena Owen Aria Samuel Ella Sebastian Nora Daniel Zoe Julian Hazel
	Hugo Chloe Felix Ingrid Lars Marta Jonas Priya Arjun Yuki Kenji Fatima Omar Leila Tomas Ana Diego Sofia Pierre Claire`)

var lastNames = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
	Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Clark Lewis Robinson Walker Young
	Allen King Wright Scott Nguyen Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker
	Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Kim Schmidt Muller
	Dubois Rossi Novak Silva Sato Tanaka Okafor Haddad Jansen Larsen`)

// plan is a subscription price.
type plan struct {
	Price    string
	Product  string
	Amount   int64
	Currency string
	Interval string
	Weight   int
}

var plans = []plan{
	{"price_demo_starter_usd", "prod_demo_starter", 1900, "usd", "month", 30},
	{"price_demo_pro_usd", "prod_demo_pro", 4900, "usd", "month", 28},
	{"price_demo_business_usd", "prod_demo_business", 19900, "usd", "month", 8},
	{"price_demo_pro_usd_year", "prod_demo_pro", 49000, "usd", "year", 6},
	{"price_demo_starter_eur", "prod_demo_starter", 1700, "eur", "month", 12},
	{"price_demo_pro_eur", "prod_demo_pro", 4500, "eur", "month", 8},
	{"price_demo_pro_gbp", "prod_demo_pro", 3900, "gbp", "month", 8},
}

// decline is one kind of card failure and how often it happens.
type decline struct {
	Code    string
	Failure string // Stripe's error code
	Message string
	Weight  int
}

var declines = []decline{
	{"insufficient_funds", "card_declined", "Your card has insufficient funds.", 34},
	{"generic_decline", "card_declined", "Your card was declined.", 18},
	{"do_not_honor", "card_declined", "Your card was declined.", 7},
	{"expired_card", "expired_card", "Your card has expired.", 12},
	{"incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.", 3},
	{"authentication_required", "card_declined", "Your card was declined. This transaction requires authentication.", 5},
	{"card_velocity_exceeded", "card_declined", "Your card was declined for making repeated attempts too frequently.", 4},
	{"try_again_later", "card_declined", "Your card was declined.", 5},
	{"processing_error", "processing_error", "An error occurred while processing your card.", 3},
	{"lost_card", "card_declined", "Your card was declined.", 3},
	{"stolen_card", "card_declined", "Your card was declined.", 2},
	{"transaction_not_allowed", "card_declined", "Your card does not support this type of purchase.", 2},
}

var timezones = []string{"America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Berlin",
	"Europe/Paris", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo"}

var brands = []struct {
	Brand, Funding string
	Weight         int
}{{"visa", "credit", 40}, {"visa", "debit", 18}, {"mastercard", "credit", 22}, {"mastercard", "debit", 8}, {"amex", "credit", 12}}

// pick returns an index chosen with the given weights.
func pick(r *rand.Rand, n int, weight func(i int) int) int {
	total := 0
	for i := range n {
		total += weight(i)
	}
	x := r.IntN(total)
	for i := range n {
		x -= weight(i)
		if x < 0 {
			return i
		}
	}
	return n - 1
}
