package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"holdfast"
)

// MaxPayloadBytes caps a webhook body. Stripe events are far smaller (an
// invoice with many lines is tens of KiB); the cap keeps a hostile sender
// from making us parse megabytes.
const MaxPayloadBytes = 1 << 20

// DefaultTolerance is how old a Stripe-Signature timestamp may be (Stripe's
// own recommendation, and stripe-go's default).
const DefaultTolerance = 300 * time.Second

// Event is a verified Stripe event reduced to what ingestion reads.
type Event struct {
	ID       string
	Type     string
	Livemode bool
	Created  time.Time // Stripe's `created`: orders events about one object
	Object   obj       // data.object
	Previous obj       // data.previous_attributes (updates only)
}

// Errors of signature verification. They all render as 400 invalid_request;
// the messages never say whether a workspace exists.
var (
	errNoSignature  = holdfast.Errorf(holdfast.EINVALID, "Missing Stripe-Signature header.")
	errBadHeader    = holdfast.Errorf(holdfast.EINVALID, "Malformed Stripe-Signature header.")
	errStale        = holdfast.Errorf(holdfast.EINVALID, "Stripe-Signature timestamp is outside the 5-minute tolerance (too old, or in the future).")
	errNoMatch      = holdfast.Errorf(holdfast.EINVALID, "No signature in Stripe-Signature matches this endpoint's signing secret.")
	errBadPayload   = holdfast.Errorf(holdfast.EINVALID, "The webhook body is not a Stripe event.")
	errModeMismatch = holdfast.Errorf(holdfast.EINVALID, "The event's livemode does not match the mode of the signing secret that verified it.")
	errTooLarge     = holdfast.Errorf(holdfast.ETOOLARGE, "Request body exceeds the 1 MiB limit.")
)

// signedTooFarAhead reports whether any t= of a Stripe-Signature header lies
// more than tolerance after now.
func signedTooFarAhead(header string, now time.Time, tolerance time.Duration) bool {
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if k != "t" {
			continue
		}
		if t, err := strconv.ParseInt(v, 10, 64); err == nil && time.Unix(t, 0).Sub(now) > tolerance {
			return true
		}
	}
	return false
}

// wireEvent is the part of a Stripe event ingestion reads.
type wireEvent struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Livemode bool   `json:"livemode"`
	Created  int64  `json:"created"`
	Data     *struct {
		Object             map[string]any `json:"object"`
		PreviousAttributes map[string]any `json:"previous_attributes"`
	} `json:"data"`
}

// verify checks the Stripe-Signature of payload against the workspace's test
// and live signing secrets and parses the event. The secret that verifies it
// decides the mode, and the event's livemode must agree (a test event signed
// with the live secret, or the reverse, is refused), so livemode=false events
// only ever land in test mode.
//
// The header is checked first with no secret at all, so a missing, malformed
// or stale header gets the same answer whether or not the workspace exists.
// Signatures are checked by stripe-go (HMAC-SHA256 over "t.payload", every v1
// signature tried, which is how Stripe rolls a secret). API-version mismatches
// are ignored on purpose: the event is read with tolerant accessors over its
// raw JSON, not with this library version's typed structs.
func (in *Ingester) verify(ctx context.Context, wsID string, payload []byte, header string) (*Event, holdfast.Mode, error) {
	if len(payload) > MaxPayloadBytes {
		return nil, "", errTooLarge
	}
	if header == "" {
		return nil, "", errNoSignature
	}
	switch err := webhook.ValidatePayloadWithTolerance(payload, header, "", in.tolerance); {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader):
		return nil, "", errBadHeader
	case errors.Is(err, webhook.ErrTooOld):
		return nil, "", errStale
	}
	// stripe-go only refuses timestamps too far in the past; one from the
	// future would stay replayable for as long as it is ahead, so the
	// tolerance holds both ways.
	if signedTooFarAhead(header, time.Now(), in.tolerance) {
		return nil, "", errStale
	}
	secrets, err := in.secrets.get(ctx, in.store, wsID)
	if err != nil {
		return nil, "", err
	}
	if secrets == nil {
		in.log.Warn("stripe webhook for unknown workspace", "workspace", wsID)
		return nil, "", errNoMatch
	}
	configured, mismatch := false, false
	var parsed *wireEvent // parsed once, after the first secret that verifies
	for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
		secret := secrets[mode]
		if secret == "" {
			continue
		}
		configured = true
		// The signature alone (HMAC), then one lean parse of the event:
		// stripe-go's ConstructEvent would decode it into its typed structs
		// and data.object twice, which ingestion never reads.
		switch err := webhook.ValidatePayloadWithTolerance(payload, header, secret, in.tolerance); {
		case errors.Is(err, webhook.ErrNoValidSignature):
			continue
		case errors.Is(err, webhook.ErrTooOld):
			return nil, "", errStale
		case err != nil:
			return nil, "", errBadPayload
		}
		if parsed == nil {
			parsed = &wireEvent{}
			if err := json.Unmarshal(payload, parsed); err != nil {
				return nil, "", errBadPayload
			}
		}
		se := parsed
		if se.Livemode != mode.Livemode() {
			// The same secret may be set for both modes: the other mode's
			// secret still gets its turn before the event is refused.
			mismatch = true
			continue
		}
		if se.ID == "" || len(se.ID) > maxID || se.Type == "" || len(se.Type) > maxID || se.Created < 0 || se.Created > maxUnix {
			return nil, "", errBadPayload
		}
		ev := &Event{ID: se.ID, Type: se.Type, Livemode: se.Livemode, Created: time.Unix(se.Created, 0).UTC()}
		if se.Data != nil {
			ev.Object, ev.Previous = obj(se.Data.Object), obj(se.Data.PreviousAttributes)
		}
		return ev, mode, nil
	}
	if mismatch {
		return nil, "", errModeMismatch
	}
	if !configured {
		in.log.Warn("stripe webhook for a workspace without signing secrets", "workspace", wsID)
	}
	return nil, "", errNoMatch
}
