package mail

import (
	"strings"

	"holdfast"
)

// CardVars are the variables of an expiring-card notice: the dunning
// variables (Amount and InvoiceURL are empty: nothing is owed) plus the card.
type CardVars struct {
	Vars
	CardBrand string // "Visa", "Mastercard", … (display name)
	CardLast4 string
	ExpiresOn string // the last day the card works, e.g. "January 31, 2027"
}

// htmlCardVars are CardVars as the HTML template sees them.
type htmlCardVars struct {
	htmlVars
	CardBrand string
	CardLast4 string
	ExpiresOn string
}

var sampleCardVars = CardVars{Vars: sampleVars, CardBrand: "Visa", CardLast4: "4242", ExpiresOn: "January 31, 2027"}

// RenderCard fills an expiring-card notice template, with the same escaping
// rules as Render. Returns EVALIDATION with Param "template" when it fails.
func RenderCard(t Template, v CardVars) (Rendered, error) {
	r, _, err := renderData(t, v, htmlCardVars{htmlVars: newHTMLVars(v.Vars), CardBrand: v.CardBrand, CardLast4: v.CardLast4, ExpiresOn: v.ExpiresOn})
	if err != nil {
		return Rendered{}, &holdfast.Error{Code: holdfast.EVALIDATION, Param: "template", Message: err.Error()}
	}
	return r, nil
}

// ValidateCard is Validate for an expiring-card notice template: it must
// parse and execute with sample card variables. Returns EVALIDATION with
// Param "subject" or "body".
func ValidateCard(t Template) error {
	if strings.TrimSpace(t.Subject) == "" {
		return holdfast.ParamError("subject", "subject is required")
	}
	if strings.TrimSpace(t.Body) == "" {
		return holdfast.ParamError("body", "body is required")
	}
	v := sampleCardVars
	if _, param, err := renderData(t, v, htmlCardVars{htmlVars: newHTMLVars(v.Vars), CardBrand: v.CardBrand, CardLast4: v.CardLast4, ExpiresOn: v.ExpiresOn}); err != nil {
		return holdfast.ParamError(param, "%s", err.Error())
	}
	return nil
}

// CardBrandName is the display name of a Stripe card brand.
func CardBrandName(brand string) string {
	switch strings.ToLower(brand) {
	case "visa":
		return "Visa"
	case "mastercard":
		return "Mastercard"
	case "amex", "american_express":
		return "American Express"
	case "discover":
		return "Discover"
	case "diners", "diners_club":
		return "Diners Club"
	case "jcb":
		return "JCB"
	case "unionpay":
		return "UnionPay"
	case "cartes_bancaires":
		return "Cartes Bancaires"
	case "", "unknown":
		return "card"
	}
	return strings.ToUpper(brand[:1]) + brand[1:]
}
