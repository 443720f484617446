package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gowebpki/jcs"
	"golang.org/x/mod/sumdb/tlog"
)

// Envelope is what a leaf commits to: the record's kind and id, when it was
// logged, its position, and the record itself.
type Envelope struct {
	Index      int64           `json:"index"`
	Type       string          `json:"type"`
	RecordID   string          `json:"record_id"`
	RecordedAt time.Time       `json:"recorded_at"`
	Record     json.RawMessage `json:"record"`
}

// Canonical returns the RFC 8785 (JSON Canonicalization Scheme) encoding of
// v after encoding/json: object keys sorted, no insignificant whitespace,
// numbers in their shortest ECMAScript form. Equal values always give equal
// bytes, so anyone can recompute a leaf from the record it holds.
func Canonical(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonical encoding: %w", err)
	}
	out, err := jcs.Transform(b)
	if err != nil {
		return nil, fmt.Errorf("canonical encoding: %w", err)
	}
	return out, nil
}

// SaltedDigest returns the hex SHA-256 of salt followed by content. Records
// whose content may not be public (a reporter, a coarsened place, a
// notified site) log this digest instead: a random salt of at least 16
// bytes, kept beside the content, stops anyone holding only the ledger
// from confirming a guessed content by hashing candidates, while any
// change to the stored content still changes the digest.
func SaltedDigest(salt, content []byte) string {
	h := sha256.New()
	h.Write(salt)
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// EncodeEnvelope returns the canonical bytes of e: the leaf data.
func EncodeEnvelope(e Envelope) ([]byte, error) {
	e.RecordedAt = e.RecordedAt.UTC()
	return Canonical(e)
}

// DecodeEnvelope parses leaf data back into an Envelope and checks that it
// is canonical: re-encoding must give the same bytes.
func DecodeEnvelope(data []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(data, &e); err != nil {
		return e, fmt.Errorf("decode entry: %w", err)
	}
	again, err := EncodeEnvelope(e)
	if err != nil {
		return e, err
	}
	if string(again) != string(data) {
		return e, fmt.Errorf("entry %d is not in canonical form", e.Index)
	}
	return e, nil
}

// LeafHash returns the RFC 6962 leaf hash of data: SHA-256(0x00 || data).
func LeafHash(data []byte) tlog.Hash { return tlog.RecordHash(data) }
