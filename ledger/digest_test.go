package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestSaltedDigest: the digest is SHA-256 over salt then content (checked
// against crypto/sha256 over the joined bytes), and another salt or one
// changed byte of content gives another digest.
func TestSaltedDigest(t *testing.T) {
	salt := []byte("0123456789abcdef")
	content := []byte(`{"place":{"lat":35.93,"lon":36.64}}`)
	sum := sha256.Sum256(append(append([]byte(nil), salt...), content...))
	d := SaltedDigest(salt, content)
	if d != hex.EncodeToString(sum[:]) {
		t.Errorf("SaltedDigest = %s, want %x", d, sum)
	}
	if SaltedDigest([]byte("fedcba9876543210"), content) == d {
		t.Error("another salt gives the same digest")
	}
	changed := append([]byte(nil), content...)
	changed[len(changed)-3] = '5'
	if SaltedDigest(salt, changed) == d {
		t.Error("changed content gives the same digest")
	}
}
