package stripe

import (
	"encoding/json"
	"errors"
	"net/http"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
)

// Class is what a failed Stripe call means for the caller. Classify is the
// one place that decides it; every caller (invoice pay, cancel-flow offers,
// portal sessions) switches on its answer.
type Class int

const (
	// ClassUnknown: the outcome is open or transient — a network failure,
	// a timeout, a 409 conflict, a 429 rate limit or a 5xx. Sending the same
	// request again with the same idempotency key is safe and may succeed.
	ClassUnknown Class = iota
	// ClassDecline: the card network answered (a card_error, e.g. 402
	// card_declined). Only this is a card attempt; its details are read by
	// DeclineOf.
	ClassDecline
	// ClassRefused: Stripe definitely refused the request and changed
	// nothing (any other 4xx: invalid_request_error, a bad or restricted key,
	// an idempotency mismatch). Sending it again unchanged gets the same
	// answer; it is a provider error, not a card answer.
	ClassRefused
)

func (c Class) String() string {
	switch c {
	case ClassDecline:
		return "decline"
	case ClassRefused:
		return "refused"
	}
	return "unknown"
}

// Classify tells a card-network answer (ClassDecline) from a provider error
// that changed nothing (ClassRefused) and from an open outcome
// (ClassUnknown). A nil error is ClassUnknown (callers check nil first).
func Classify(err error) Class {
	se := AsStripeError(err)
	if se == nil {
		return ClassUnknown
	}
	if se.Type == stripego.ErrorTypeCard {
		return ClassDecline
	}
	s := se.HTTPStatusCode
	if s >= 400 && s < 500 && s != http.StatusConflict && s != http.StatusTooManyRequests {
		return ClassRefused
	}
	return ClassUnknown
}

// ProviderErrorOf describes a failed call that is not a card answer for the
// merchant: Stripe's message, error type and code, HTTP status and request
// id, or the network error when Stripe did not answer.
func ProviderErrorOf(err error) *holdfast.ProviderError {
	se := AsStripeError(err)
	if se == nil {
		return &holdfast.ProviderError{Message: err.Error()}
	}
	pe := &holdfast.ProviderError{Message: se.Msg, Type: string(se.Type), Code: string(se.Code),
		HTTPStatus: se.HTTPStatusCode, RequestID: RequestID(err)}
	if pe.Message == "" {
		pe.Message = http.StatusText(se.HTTPStatusCode)
	}
	return pe
}

// AsStripeError returns the Stripe API error inside err, or nil when err is
// not an answer from Stripe (network failure, context end, …).
func AsStripeError(err error) *stripego.Error {
	var se *stripego.Error
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// RequestID is the Stripe request id of a failed call ("" when Stripe did
// not answer), for logs and for support.
func RequestID(err error) string {
	if se := AsStripeError(err); se != nil {
		if se.RequestID != "" {
			return se.RequestID
		}
		if se.LastResponse != nil {
			return se.LastResponse.RequestID
		}
	}
	return ""
}

// DeclineOf reads the decline details of a Stripe error, including the
// advice codes stripe-go does not surface as fields.
func DeclineOf(se *stripego.Error) holdfast.Decline {
	d := holdfast.Decline{Code: string(se.DeclineCode), FailureCode: string(se.Code), Message: se.Msg}
	if se.LastResponse == nil {
		return d
	}
	var raw struct {
		Error struct {
			AdviceCode        string `json:"advice_code"`
			NetworkAdviceCode string `json:"network_advice_code"`
			DeclineCode       string `json:"decline_code"`
			PaymentIntent     struct {
				LastPaymentError struct {
					DeclineCode       string `json:"decline_code"`
					AdviceCode        string `json:"advice_code"`
					NetworkAdviceCode string `json:"network_advice_code"`
				} `json:"last_payment_error"`
			} `json:"payment_intent"`
		} `json:"error"`
	}
	if json.Unmarshal(se.LastResponse.RawJSON, &raw) != nil {
		return d
	}
	lpe := raw.Error.PaymentIntent.LastPaymentError
	d.Code = first(d.Code, raw.Error.DeclineCode, lpe.DeclineCode)
	d.AdviceCode = first(raw.Error.AdviceCode, lpe.AdviceCode)
	d.NetworkAdviceCode = first(raw.Error.NetworkAdviceCode, lpe.NetworkAdviceCode)
	return d
}

// requestRef is " (Stripe request req_…)" for a failed call Stripe answered,
// else "": the reference a customer can quote without seeing Stripe's text.
func requestRef(err error) string {
	if id := RequestID(err); id != "" {
		return " (Stripe request " + id + ")"
	}
	return ""
}
