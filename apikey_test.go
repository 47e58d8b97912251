package holdfast

import (
	"strings"
	"testing"
)

func TestHashTokenIsSHA256Hex(t *testing.T) {
	// Fixed value computed independently (sha256sum), so a change of hash
	// would lock every existing key out and must be deliberate.
	if got := HashToken("hf_test_abc"); got != "21987be358c58d8e8e1f88d6d6445ad1670db7f0f0c7bc1a25d0c4a888b59444" {
		t.Fatalf("HashToken = %s", got)
	}
}

func TestWellFormedToken(t *testing.T) {
	b62 := strings.Repeat("aZ9", 11) // 33 base62 characters
	for tok, want := range map[string]bool{
		"hf_live_" + b62:                      true,
		"hf_test_" + b62:                      true,
		"hf_pub_" + b62:                       true,
		"hf_test_" + b62[:31]:                 false, // fewer than 32 random characters
		"hf_prod_" + b62:                      false,
		"hf_test_" + b62[:32] + "-":           false,
		"hf_test_" + b62[:32] + "é":           false, // bytes above ASCII
		"hf_test_" + b62[:32] + "\x00":        false,
		"sk_test_" + b62:                      false,
		"":                                    false,
		"hf_test_" + strings.Repeat("a", 129): false,
	} {
		if WellFormedToken(tok) != want {
			t.Errorf("WellFormedToken(%q) = %v, want %v", tok, !want, want)
		}
	}
	for _, kind := range []struct {
		k    KeyKind
		m    Mode
		pref string
	}{{KindSecret, ModeLive, "hf_live_"}, {KindSecret, ModeTest, "hf_test_"}, {KindPublishable, ModeLive, "hf_pub_"}} {
		tok := NewToken(kind.k, kind.m)
		if !strings.HasPrefix(tok, kind.pref) || !WellFormedToken(tok) || len(tok)-len(kind.pref) < 32 {
			t.Errorf("NewToken(%s, %s) = %q", kind.k, kind.m, tok)
		}
	}
}
