package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
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

// HashPassword returns the argon2id PHC string of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string hash. A
// malformed hash never matches.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil || mem == 0 || iters == 0 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
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
