package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"holdfast"
)

// Passwords are hashed with argon2id using OWASP's recommended minimum
// (19 MiB, two passes, one lane): about 30 ms here, slow enough to make
// offline guessing expensive, fast enough not to stall a small server. The
// parameters are stored in the PHC string, so they can be raised later
// without invalidating existing hashes.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	saltLen        = 16

	// MinPasswordLength follows NIST SP 800-63B's minimum for user-chosen secrets.
	MinPasswordLength = 10
	maxPasswordBytes  = 1024
)

// MaxConcurrentHashes caps how many argon2id computations run at once in
// the process (sign-ins, set-password, user creation): each holds 19 MiB
// while it runs, so a flood of sign-ins for many emails waits its turn here
// instead of growing memory without bound (4 × 19 MiB ≈ 76 MiB at most).
const MaxConcurrentHashes = 4

// hashSlots is the process-wide semaphore of MaxConcurrentHashes.
var hashSlots = make(chan struct{}, MaxConcurrentHashes)

// hashing and hashPeak observe the semaphore (the peak is read by tests).
var hashing, hashPeak atomic.Int32

// idKey is argon2.IDKey under hashSlots. It waits for a slot until ctx ends.
func idKey(ctx context.Context, password, salt []byte, iters, memKiB uint32, threads uint8, keyLen uint32) ([]byte, error) {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-hashSlots }()
	n := hashing.Add(1)
	defer hashing.Add(-1)
	for {
		p := hashPeak.Load()
		if n <= p || hashPeak.CompareAndSwap(p, n) {
			break
		}
	}
	return argon2.IDKey(password, salt, iters, memKiB, threads, keyLen), nil
}

// HashPassword returns the argon2id PHC string of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := idKey(context.Background(), []byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string hash. A
// malformed hash never matches.
func VerifyPassword(hash, password string) bool {
	ok, _ := VerifyPasswordContext(context.Background(), hash, password)
	return ok
}

// VerifyPasswordContext is VerifyPassword that gives up (with ctx's error)
// when ctx ends while it waits for a hashing slot.
func VerifyPasswordContext(ctx context.Context, hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, nil
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, nil
	}
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil || mem == 0 || iters == 0 || threads == 0 {
		return false, nil
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, nil
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, nil
	}
	// Parameters come from the stored hash; cap them so a tampered row
	// cannot make one check cost more than hashes this code writes.
	if mem > argonMemoryKiB || iters > 10 || threads > 4 || len(want) > 64 {
		return false, nil
	}
	got, err := idKey(ctx, []byte(password), salt, iters, mem, threads, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when an email is unknown, so a sign-in for
// a missing account takes as long as one for a real account.
var dummyHash, _ = HashPassword(holdfast.RandomBase62(24))

// ValidatePassword checks a new password; the error names the field.
func ValidatePassword(field, password string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return holdfast.ParamError(field, "Use at least %d characters.", MinPasswordLength)
	case len(password) > maxPasswordBytes:
		return holdfast.ParamError(field, "Use at most %d bytes.", maxPasswordBytes)
	}
	return nil
}
