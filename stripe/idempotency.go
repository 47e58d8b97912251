package stripe

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
)

// Every POST Holdfast sends to Stripe carries an idempotency key that is
// derived, never random, so that sending it again — stripe-go's own network
// retry (retry.go), the engine re-driving an attempt after a crash, or the
// customer retrying an accept — replays Stripe's first answer instead of
// charging or changing anything twice:
//
//   - invoice pay: "hf_att_" + the attempt id (engine.IdempotencyKeyPrefix),
//     stored on the attempt before the call, so one key names one attempt;
//   - cancel-flow requests: offerKey below, from the session, the action,
//     the request and its parameters, plus the count of earlier definite
//     rejections (holdfast.Rejected) so a corrected retry is not answered
//     with the cached refusal;
//   - portal sessions: none of ours (creating one twice is harmless; stripe-go
//     adds a random key for its own retries).

// setIdempotencyKey puts key on a request's parameters ("" leaves it to
// stripe-go).
func setIdempotencyKey(p *stripego.Params, key string) {
	if key != "" {
		p.SetIdempotencyKey(key)
	}
}

// offerKey derives the idempotency key of one cancel-flow request. The same
// accept retried after a crash or timeout gets the same key; a different
// request of the same session (another offer after the customer changed
// their reason) gets its own.
func offerKey(req holdfast.ApplyRequest, action, name, path, encodedParams string) string {
	sum := sha256.Sum256([]byte("POST " + path + "?" + encodedParams))
	key := "holdfast-" + req.SessionID + "-" + action + "-" + name + "-" + hex.EncodeToString(sum[:6])
	if req.Attempt > 0 {
		key += "-" + strconv.Itoa(req.Attempt)
	}
	return key
}
