package consent

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/ledger"
)

// PayloadType names the kind and format of a signed decision payload, so
// that a signature over one kind of safezones record can never pass for
// another.
const PayloadType = "safezones.decision.v1"

// Payload is what a party signs for a decision: it names the zone, the
// exact version and that version's hash (safezones.Zone.Hash), the party,
// the key, the verdict, the reason and the time. The signed bytes are its
// RFC 8785 canonical JSON.
type Payload struct {
	Type     string            `json:"type"`
	ZoneID   string            `json:"zone_id"`
	Version  int               `json:"version"`
	Hash     string            `json:"hash"`
	PartyID  string            `json:"party_id"`
	KeyID    string            `json:"key_id"`
	Verdict  safezones.Verdict `json:"verdict"`
	Reason   string            `json:"reason"`
	SignedAt time.Time         `json:"signed_at"`
	// Simulated marks a scenario decision (demo data): it is signed, so
	// the mark cannot be removed without breaking the signature.
	Simulated bool `json:"simulated,omitempty"`
}

// NewPayload returns the payload for party's verdict on version z, signed
// at the second of at, in UTC.
func NewPayload(z *safezones.Zone, partyID, keyID string, v safezones.Verdict, reason string, at time.Time) Payload {
	return Payload{Type: PayloadType, ZoneID: z.ID, Version: z.Version, Hash: z.Hash, PartyID: partyID,
		KeyID: keyID, Verdict: v, Reason: reason, SignedAt: at.UTC().Truncate(time.Second)}
}

// Canonical returns the RFC 8785 encoding of p: the bytes that are signed.
func (p Payload) Canonical() ([]byte, error) { return ledger.Canonical(p) }

// Sign returns p's canonical bytes and the ed25519 signature over them.
func Sign(priv ed25519.PrivateKey, p Payload) (canonical, sig []byte, err error) {
	return signCanonical(priv, "decision", p)
}

// signCanonical returns v's RFC 8785 bytes and the ed25519 signature over
// them; what names the statement in errors.
func signCanonical(priv ed25519.PrivateKey, what string, v any) (canonical, sig []byte, err error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, nil, fmt.Errorf("sign %s: not an ed25519 private key", what)
	}
	canonical, err = ledger.Canonical(v)
	if err != nil {
		return nil, nil, err
	}
	return canonical, ed25519.Sign(priv, canonical), nil
}

// Verify checks sig over canonical with the ed25519 public key pub. It
// returns an *safezones.Error with code invalid naming the signature field.
func Verify(pub, canonical, sig []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("verify decision: public key has %d bytes", len(pub))
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, canonical, sig) {
		return safezones.FieldErrorf(safezones.CodeInvalid, "signature",
			"the signature does not verify against key %s over the RFC 8785 canonical form of the payload: the payload was changed after signing, or signed with another key", KeyID(pub))
	}
	return nil
}

// DecisionID returns the id of the decision whose canonical payload is
// canonical: "d-" and the first 16 bytes of its SHA-256 in hex. The same
// signed payload always has the same id, so a replay is recognised.
func DecisionID(canonical []byte) string { return contentID("d-", canonical) }

// contentID is prefix and the first 16 bytes of the SHA-256 of canonical
// in hex.
func contentID(prefix string, canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return prefix + hex.EncodeToString(sum[:16])
}

var (
	hashPattern  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	keyIDPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// DecodePayload reads a payload object as a client sent it and returns it
// with its canonical bytes (RFC 8785 of the object as sent, which is what
// the client must have signed). Unknown fields are refused. Failures are
// *safezones.Error with code invalid and a Field such as
// "payload.hash".
func DecodePayload(raw json.RawMessage) (Payload, []byte, error) {
	var p Payload
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return p, nil, safezones.FieldErrorf(safezones.CodeInvalid, "payload", "payload is required: the decision object that was signed")
	}
	canonical, err := ledger.Canonical(raw)
	if err != nil {
		return p, nil, safezones.FieldErrorf(safezones.CodeInvalid, "payload", "payload is not JSON: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, nil, safezones.FieldErrorf(safezones.CodeInvalid, "payload", "payload: %v", err)
	}
	if err := p.Validate(); err != nil {
		return p, nil, err
	}
	return p, canonical, nil
}

// Validate checks every field of p and names the first bad one as
// "payload.<field>".
func (p *Payload) Validate() error {
	bad := func(field, format string, args ...any) error {
		return safezones.FieldErrorf(safezones.CodeInvalid, "payload."+field, format, args...)
	}
	switch {
	case p.Type != PayloadType:
		return bad("type", "type must be %q, not %q", PayloadType, p.Type)
	case !safezones.ValidID(p.ZoneID):
		return bad("zone_id", "%q is not a valid zone id", p.ZoneID)
	case p.Version < 1:
		return bad("version", "version must be a positive integer")
	case !hashPattern.MatchString(p.Hash):
		return bad("hash", "hash must be the version's 64 lowercase hex digits (its \"hash\" property)")
	case !safezones.ValidID(p.PartyID):
		return bad("party_id", "%q is not a valid party id", p.PartyID)
	case !keyIDPattern.MatchString(p.KeyID):
		return bad("key_id", "key_id must be 16 lowercase hex digits (see safezones keys generate)")
	case !p.Verdict.Valid():
		return bad("verdict", "verdict %q is not one of approve, reject, suspend, withdraw", p.Verdict)
	case len(p.Reason) > safezones.MaxDescriptionLen:
		return bad("reason", "reason is %d bytes, more than %d", len(p.Reason), safezones.MaxDescriptionLen)
	case p.SignedAt.IsZero():
		return bad("signed_at", "signed_at is required (RFC 3339 UTC)")
	}
	return nil
}
