package secretbox

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := New("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range []string{"whsec_abc", "sk_test_123", "ünïcode", ""} {
		t.Run(pt, func(t *testing.T) {
			ct := b.Seal(pt)
			if pt != "" && (ct == pt || strings.Contains(ct, pt)) {
				t.Fatalf("ciphertext %q leaks plaintext", ct)
			}
			got, err := b.Open(ct)
			if err != nil || got != pt {
				t.Fatalf("Open = %q, %v; want %q", got, err, pt)
			}
		})
	}
	if b.Seal("x") == b.Seal("x") {
		t.Fatal("two seals of one plaintext are equal: nonce reused")
	}
}

func TestOpenWrongKey(t *testing.T) {
	a, _ := New("key-a")
	b, _ := New("key-b")
	if _, err := b.Open(a.Seal("secret")); err == nil {
		t.Fatal("decrypting with another key succeeded")
	}
	if _, err := a.Open("garbage"); err == nil {
		t.Fatal("garbage decrypted")
	}
	if _, err := New(" "); err == nil {
		t.Fatal("empty key accepted")
	}
}

func TestKeyFileCreatedOnceThenReused(t *testing.T) {
	p := KeyFilePath(filepath.Join(t.TempDir(), "holdfast.db"))
	k1, err := LoadOrCreateKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if k1 != k2 || len(k1) < 40 {
		t.Fatalf("key file not stable: %q vs %q", k1, k2)
	}
}
