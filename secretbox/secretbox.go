// Package secretbox encrypts provider secrets (Stripe keys, webhook signing
// secrets, widget secrets) at rest with AES-256-GCM, and manages the key file
// that SQLite deployments keep beside their database.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Box encrypts and decrypts short secrets.
type Box struct {
	aead cipher.AEAD
}

// prefix versions the ciphertext format so the key or cipher can change later.
const prefix = "v1:"

// New derives an AES-256 key from the configured secret key. Any non-empty
// string works; it is stretched with SHA-256 so operators may paste a
// passphrase or a random base64 string alike.
func New(secretKey string) (*Box, error) {
	if strings.TrimSpace(secretKey) == "" {
		return nil, errors.New("secretbox: empty secret key")
	}
	k := sha256.Sum256([]byte(secretKey))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext; the empty string stays empty so "unset" is visible.
func (b *Box) Seal(plaintext string) string {
	if plaintext == "" {
		return ""
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("secretbox: crypto/rand failed: " + err.Error())
	}
	ct := b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(ct)
}

// Open decrypts a value produced by Seal.
func (b *Box) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if !strings.HasPrefix(sealed, prefix) {
		return "", errors.New("secretbox: unknown ciphertext format")
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	if err != nil {
		return "", fmt.Errorf("secretbox: %w", err)
	}
	ns := b.aead.NonceSize()
	if len(raw) < ns {
		return "", errors.New("secretbox: ciphertext too short")
	}
	pt, err := b.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return "", errors.New("secretbox: cannot decrypt (wrong HOLDFAST_SECRET_KEY?)")
	}
	return string(pt), nil
}

// KeyFilePath is where the generated key lives for an SQLite database file.
func KeyFilePath(dbPath string) string { return dbPath + ".secret-key" }

// LoadOrCreateKeyFile reads the key beside an SQLite database, creating it
// (0600, 32 random bytes base64) the first time, so serve and the admin
// commands agree on one key without configuration.
func LoadOrCreateKeyFile(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		k := strings.TrimSpace(string(b))
		if k == "" {
			return "", fmt.Errorf("secret key file %s is empty", path)
		}
		return k, nil
	} else if !os.IsNotExist(err) {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	k := base64.RawURLEncoding.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if os.IsExist(err) { // another process won the race: use its key
			return LoadOrCreateKeyFile(path)
		}
		return "", err
	}
	defer f.Close()
	if _, err := f.WriteString(k + "\n"); err != nil {
		return "", err
	}
	return k, f.Sync()
}
