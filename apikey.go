package holdfast

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Scope grants a family of routes to a secret key.
type Scope string

// The scopes of SPEC §2.
const (
	ScopeRead      Scope = "read"
	ScopeWrite     Scope = "write"
	ScopeAdmin     Scope = "admin"
	ScopeAnalytics Scope = "analytics"
	ScopeWebhooks  Scope = "webhooks"
)

// AllScopes lists every valid scope in display order.
var AllScopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin, ScopeAnalytics, ScopeWebhooks}

// KeyKind is secret or publishable.
type KeyKind string

// Key kinds.
const (
	KindSecret      KeyKind = "secret"
	KindPublishable KeyKind = "publishable"
)

// APIKey is a stored key; its token exists only at creation time.
type APIKey struct {
	ID          string     `json:"id"`
	Object      string     `json:"object"`
	WorkspaceID string     `json:"workspace"`
	Mode        Mode       `json:"mode"`
	Kind        KeyKind    `json:"kind"`
	Name        string     `json:"name"`
	Scopes      []Scope    `json:"scopes"`
	RateLimit   *int       `json:"rate_limit"`
	Hint        string     `json:"token_hint"`
	ExpiresAt   *time.Time `json:"expires_at"`
	RevokedAt   *time.Time `json:"revoked_at"`
	RotatedTo   string     `json:"rotated_to,omitempty"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	CreatedAt   time.Time  `json:"created_at"`
	// Token is set only on the value returned by create/rotate.
	Token string `json:"token,omitempty"`
}

// HasScope reports whether the key grants s; admin grants everything.
func (k *APIKey) HasScope(s Scope) bool {
	return slices.Contains(k.Scopes, ScopeAdmin) || slices.Contains(k.Scopes, s)
}

// Usable reports whether the key authenticates at now.
func (k *APIKey) Usable(now time.Time) bool {
	if k.RevokedAt != nil && !k.RevokedAt.After(now) {
		return false
	}
	if k.ExpiresAt != nil && !k.ExpiresAt.After(now) {
		return false
	}
	return true
}

// Token prefixes of SPEC §2.
const (
	TokenPrefixLive        = "hf_live_"
	TokenPrefixTest        = "hf_test_"
	TokenPrefixPublishable = "hf_pub_"
	tokenRandomLen         = 40
)

// NewToken mints a token for a key of the given kind and mode. Publishable
// tokens carry their mode after the prefix ("hf_pub_test_…") only in the
// database row, not in the token, so the format stays exactly hf_pub_<base62>.
func NewToken(kind KeyKind, mode Mode) string {
	switch {
	case kind == KindPublishable:
		return TokenPrefixPublishable + RandomBase62(tokenRandomLen)
	case mode == ModeLive:
		return TokenPrefixLive + RandomBase62(tokenRandomLen)
	default:
		return TokenPrefixTest + RandomBase62(tokenRandomLen)
	}
}

// WellFormedToken checks the shape of a bearer token before any lookup.
func WellFormedToken(tok string) bool {
	var rest string
	switch {
	case strings.HasPrefix(tok, TokenPrefixLive):
		rest = tok[len(TokenPrefixLive):]
	case strings.HasPrefix(tok, TokenPrefixTest):
		rest = tok[len(TokenPrefixTest):]
	case strings.HasPrefix(tok, TokenPrefixPublishable):
		rest = tok[len(TokenPrefixPublishable):]
	default:
		return false
	}
	if len(rest) < 32 || len(rest) > 128 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if !isBase62[rest[i]] {
			return false
		}
	}
	return true
}

// isBase62 marks the bytes of base62: every authenticated request checks
// its token byte by byte.
var isBase62 = func() (t [256]bool) {
	for i := 0; i < len(base62); i++ {
		t[base62[i]] = true
	}
	return t
}()

// HashToken is the only form in which a token is stored. Tokens carry 238
// bits of entropy, so a fast hash is enough; lookups are by this hash and the
// final check compares hashes in constant time.
func HashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], h[:])
	return string(out[:])
}

// TokenHint is what lists show: the prefix and the last four characters.
func TokenHint(tok string) string {
	i := strings.LastIndexByte(tok, '_')
	if i < 0 || len(tok) < 4 {
		return "…"
	}
	return tok[:i+1] + "…" + tok[len(tok)-4:]
}

// ParseScopes validates a comma-separated scope list.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(AllScopes, Scope(p)) {
			return nil, Errorf(EVALIDATION, "unknown scope %q (valid: read, write, admin, analytics, webhooks)", p)
		}
		if !slices.Contains(out, Scope(p)) {
			out = append(out, Scope(p))
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EVALIDATION, "no scopes given")
	}
	return out, nil
}
