package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a signed statement of the log's size and root hash at a
// time. Its text follows the common transparency-log checkpoint layout:
//
//	<origin>
//	<size>
//	<base64 root hash>
//	time <RFC 3339 UTC>
//
// signed as a note (golang.org/x/mod/sumdb/note) with ed25519.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Time   time.Time
}

// Text returns the checkpoint's note text.
func (c Checkpoint) Text() string {
	return fmt.Sprintf("%s\n%d\n%s\ntime %s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]),
		c.Time.UTC().Format(time.RFC3339Nano))
}

// ParseCheckpoint reads a checkpoint's note text.
func ParseCheckpoint(text string) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 4 {
		return c, fmt.Errorf("checkpoint has %d lines, want 4", len(lines))
	}
	c.Origin = lines[0]
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 {
		return c, fmt.Errorf("checkpoint size %q is not a non-negative integer", lines[1])
	}
	c.Size = n
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return c, fmt.Errorf("checkpoint root %q is not a base64 SHA-256 hash", lines[2])
	}
	copy(c.Root[:], root)
	ts, ok := strings.CutPrefix(lines[3], "time ")
	if !ok {
		return c, fmt.Errorf("checkpoint line 4 %q is not \"time <RFC 3339>\"", lines[3])
	}
	if c.Time, err = time.Parse(time.RFC3339Nano, ts); err != nil {
		return c, fmt.Errorf("checkpoint time: %w", err)
	}
	return c, nil
}

// Sign returns the signed note of c.
func Sign(c Checkpoint, s note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: c.Text()}, s)
}

// Open verifies a signed checkpoint with the public key vkey (the
// note verifier key printed by `safezones ledger key`) and parses it.
func Open(msg []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("public key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var ue *note.UnverifiedNoteError
		if errors.As(err, &ue) {
			return Checkpoint{}, fmt.Errorf("checkpoint is not signed by key %s", v.Name())
		}
		return Checkpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return c, err
	}
	if c.Origin != v.Name() {
		return c, fmt.Errorf("checkpoint origin %q differs from the key's name %q", c.Origin, v.Name())
	}
	return c, nil
}

// KeyFile is the name of the signing key file in the data directory.
const KeyFile = "ledger.key"

// LoadOrCreateKey reads the note signer key at path, or generates a new
// ed25519 key named name, writes it there with mode 0600, and returns it.
// It returns the signer and the public verifier key.
func LoadOrCreateKey(path, name string) (note.Signer, string, error) {
	skey, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		s, v, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			return nil, "", err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, "", err
		}
		if err := writeFileSync(path, []byte(s+"\n"), 0o600); err != nil {
			return nil, "", fmt.Errorf("write ledger key: %w", err)
		}
		skey = []byte(s)
		_ = v // derived again below from the signer key, one code path
	} else if err != nil {
		return nil, "", fmt.Errorf("read ledger key: %w", err)
	}
	signer, err := note.NewSigner(string(bytes.TrimSpace(skey)))
	if err != nil {
		return nil, "", fmt.Errorf("ledger key %s: %w", path, err)
	}
	vkey, err := VerifierKey(string(bytes.TrimSpace(skey)))
	return signer, vkey, err
}

// VerifierKey derives the public verifier key from a note signer key.
func VerifierKey(skey string) (string, error) {
	// Signer key: PRIVATE+KEY+<name>+<hash>+<base64(alg || seed)>.
	parts := strings.SplitN(skey, "+", 5) // base64 may hold '+'
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("malformed ledger signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 33 || raw[0] != 1 {
		return "", errors.New("ledger signer key is not an ed25519 key")
	}
	return note.NewEd25519VerifierKey(parts[2], ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey))
}

// writeFileSync writes data to a new file and syncs it, so a key written
// at first start survives a crash right after.
func writeFileSync(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
