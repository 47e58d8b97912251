package engine

import (
	"context"
	"errors"

	"holdfast"
)

// Provider charges an open invoice again: live mode's is package stripe's
// (wired by cmd/holdfast through Config.LiveProvider); test mode simulates
// (SPEC §9, sim.go). The request and result types live in the root package
// so that the engine does not import the Stripe adapter.
type Provider = holdfast.PaymentProvider

// PayRequest is one retry of one payment (holdfast.PayRequest).
type PayRequest = holdfast.PayRequest

// PayResult is the provider's answer (holdfast.PayResult).
type PayResult = holdfast.PayResult

// errNoProvider is what live retries get when no live provider was wired:
// the outcome is unknown, so the attempt stays started and is re-driven.
var errNoProvider = errors.New("engine: no live payment provider configured (Config.LiveProvider)")

// noProvider is the live provider of an engine built without one.
type noProvider struct{}

func (noProvider) Pay(context.Context, PayRequest) (PayResult, error) {
	return PayResult{}, errNoProvider
}

// errCrash is returned by test hooks to simulate the process dying: the
// runner leaves the job exactly as it is, lease and all.
var errCrash = errors.New("engine: simulated crash")
