package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v85/webhook"
)

const testSecret = "whsec_testsecret0123456789abcdefABCDEF"

var testBody = []byte(`{"id":"evt_1","type":"recovery.started","data":{"object":{}}}`)

// stripeStyleVerify is what a receiver writes by hand from Stripe's docs:
// split the header, HMAC "<t>.<body>" with the secret, compare to any v1.
func stripeStyleVerify(header string, body []byte, secret string) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(m.Sum(nil))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

func TestSign(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_700_000_000, 999_000_000)
	h := Sign(testSecret, at, testBody)

	t.Run("Format", func(t *testing.T) {
		if !regexp.MustCompile(`^t=1700000000,v1=[0-9a-f]{64}$`).MatchString(h) {
			t.Fatalf("header %q has the wrong shape", h)
		}
	})
	t.Run("HandRolledStripeVerifier", func(t *testing.T) {
		if !stripeStyleVerify(h, testBody, testSecret) {
			t.Fatalf("hand-rolled verifier rejected %q", h)
		}
		if stripeStyleVerify(h, testBody, testSecret+"x") {
			t.Fatal("hand-rolled verifier accepted a wrong secret")
		}
	})
	t.Run("MatchesStripeLibrary", func(t *testing.T) {
		want := "t=" + strconv.FormatInt(at.Unix(), 10) + ",v1=" +
			hex.EncodeToString(stripewebhook.ComputeSignature(at, testBody, testSecret))
		if h != want {
			t.Fatalf("Sign = %q, stripe-go computes %q", h, want)
		}
		// stripe-go's verifier checks against the wall clock, so sign "now".
		fresh := Sign(testSecret, time.Now(), testBody)
		if err := stripewebhook.ValidatePayload(testBody, fresh, testSecret); err != nil {
			t.Fatalf("stripe-go ValidatePayload: %v", err)
		}
	})
	t.Run("VerifyRoundTrip", func(t *testing.T) {
		if err := Verify(h, testBody, testSecret, 5*time.Minute, at.Add(time.Minute)); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}

func TestVerify(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_700_000_000, 0)
	good := Sign(testSecret, at, testBody)
	other := Sign("whsec_other", at, testBody)
	v1 := func(h string) string { _, v, _ := strings.Cut(h, ",v1="); return v }
	tol := 5 * time.Minute

	tests := []struct {
		name   string
		header string
		body   []byte
		secret string
		tol    time.Duration
		now    time.Time
		want   error
	}{
		{"OK", good, testBody, testSecret, tol, at, nil},
		{"OKSecondOfSeveralV1", "t=1700000000,v1=" + v1(other) + ",v1=" + v1(good), testBody, testSecret, tol, at, nil},
		{"OKIgnoresOtherSchemes", "t=1700000000,v0=abc,v1=zz-not-hex,v1=" + v1(good), testBody, testSecret, tol, at, nil},
		{"OKSpacesAfterCommas", "t=1700000000, v1=" + v1(good), testBody, testSecret, tol, at, nil},
		{"OKAtToleranceEdge", good, testBody, testSecret, tol, at.Add(tol), nil},
		{"OKToleranceZeroSkipsCheck", good, testBody, testSecret, 0, at.Add(1000 * time.Hour), nil},
		{"ErrTamperedBody", good, []byte(strings.Replace(string(testBody), "started", "recovered", 1)), testSecret, tol, at, ErrNoValidSignature},
		{"ErrWrongSecret", good, testBody, "whsec_wrong", tol, at, ErrNoValidSignature},
		{"ErrOnlyOtherSecret", other, testBody, testSecret, tol, at, ErrNoValidSignature},
		{"ErrTimestampSwapped", "t=1700000001,v1=" + v1(good), testBody, testSecret, tol, at, ErrNoValidSignature},
		{"ErrStale", good, testBody, testSecret, tol, at.Add(tol + time.Second), ErrTimestamp},
		{"ErrFuture", good, testBody, testSecret, tol, at.Add(-tol - time.Second), ErrTimestamp},
		{"ErrNotSigned", "", testBody, testSecret, tol, at, ErrNotSigned},
		{"ErrGarbage", "garbage", testBody, testSecret, tol, at, ErrInvalidHeader},
		{"ErrNoTimestamp", "v1=" + v1(good), testBody, testSecret, tol, at, ErrInvalidHeader},
		{"ErrBadTimestamp", "t=soon,v1=" + v1(good), testBody, testSecret, tol, at, ErrInvalidHeader},
		{"ErrTwoTimestamps", "t=1,t=1700000000,v1=" + v1(good), testBody, testSecret, tol, at, ErrInvalidHeader},
		{"ErrNoV1", "t=1700000000,v0=" + v1(good), testBody, testSecret, tol, at, ErrNoValidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Verify(tt.header, tt.body, tt.secret, tt.tol, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, b := NewSecret(), NewSecret()
	if !regexp.MustCompile(`^whsec_[0-9A-Za-z]{32,}$`).MatchString(a) {
		t.Fatalf("NewSecret = %q", a)
	}
	if a == b {
		t.Fatalf("two secrets are equal: %q", a)
	}
	if err := Verify(Sign(a, time.Unix(5, 0), testBody), testBody, a, 0, time.Time{}); err != nil {
		t.Fatalf("a fresh secret does not round-trip: %v", err)
	}
}
