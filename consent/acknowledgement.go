package consent

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/ledger"
)

// AcknowledgementType names the kind and format of a signed
// acknowledgement payload, so that it can never pass for a decision.
const AcknowledgementType = "safezones.acknowledgement.v1"

// AckPayload is what an addressed party signs to acknowledge, or object
// to, one exact notification version: it names the notification, the
// version, that version's hash (safezones.Notification.Hash), the party,
// the key, the response, the reason and the time. The signed bytes are
// its RFC 8785 canonical JSON.
type AckPayload struct {
	Type           string                            `json:"type"`
	NotificationID string                            `json:"notification_id"`
	Version        int                               `json:"version"`
	Hash           string                            `json:"hash"`
	PartyID        string                            `json:"party_id"`
	KeyID          string                            `json:"key_id"`
	Response       safezones.AcknowledgementResponse `json:"response"`
	Reason         string                            `json:"reason"`
	SignedAt       time.Time                         `json:"signed_at"`
	// Simulated marks a scenario acknowledgement (demo data), inside the
	// signature.
	Simulated bool `json:"simulated,omitempty"`
}

// NewAckPayload returns party's response to version n, signed at the
// second of at, in UTC.
func NewAckPayload(n *safezones.Notification, partyID, keyID string, r safezones.AcknowledgementResponse, reason string, at time.Time) AckPayload {
	return AckPayload{Type: AcknowledgementType, NotificationID: n.ID, Version: n.Version, Hash: n.Hash, PartyID: partyID,
		KeyID: keyID, Response: r, Reason: reason, SignedAt: at.UTC().Truncate(time.Second)}
}

// SignAck returns p's canonical bytes and the ed25519 signature over them.
func SignAck(priv ed25519.PrivateKey, p AckPayload) (canonical, sig []byte, err error) {
	return signCanonical(priv, "acknowledgement", p)
}

// AcknowledgementID returns "a-" and the first 16 bytes of the SHA-256 of
// the canonical payload in hex: a replay has the same id.
func AcknowledgementID(canonical []byte) string { return contentID("a-", canonical) }

// DecodeAckPayload reads a payload object as a client sent it and returns
// it with its canonical bytes (what the client must have signed). Unknown
// fields are refused; failures are *safezones.Error with code invalid and
// a Field such as "payload.hash".
func DecodeAckPayload(raw json.RawMessage) (AckPayload, []byte, error) {
	var p AckPayload
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return p, nil, safezones.FieldErrorf(safezones.CodeInvalid, "payload", "payload is required: the acknowledgement object that was signed")
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
	bad := func(field, format string, args ...any) error {
		return safezones.FieldErrorf(safezones.CodeInvalid, "payload."+field, format, args...)
	}
	switch {
	case p.Type != AcknowledgementType:
		return p, nil, bad("type", "type must be %q, not %q", AcknowledgementType, p.Type)
	case !safezones.ValidID(p.NotificationID):
		return p, nil, bad("notification_id", "%q is not a valid notification id", p.NotificationID)
	case p.Version < 1:
		return p, nil, bad("version", "version must be a positive integer")
	case !hashPattern.MatchString(p.Hash):
		return p, nil, bad("hash", "hash must be the version's 64 lowercase hex digits (its \"hash\")")
	case !safezones.ValidID(p.PartyID):
		return p, nil, bad("party_id", "%q is not a valid party id", p.PartyID)
	case !keyIDPattern.MatchString(p.KeyID):
		return p, nil, bad("key_id", "key_id must be 16 lowercase hex digits")
	case !p.Response.Valid():
		return p, nil, bad("response", "response %q is not acknowledge or object", p.Response)
	case p.Response == safezones.ResponseObject && p.Reason == "":
		return p, nil, bad("reason", "an objection needs a reason")
	case len(p.Reason) > safezones.MaxDescriptionLen:
		return p, nil, bad("reason", "reason is more than %d bytes", safezones.MaxDescriptionLen)
	case p.SignedAt.IsZero():
		return p, nil, bad("signed_at", "signed_at is required (RFC 3339 UTC)")
	}
	return p, canonical, nil
}

// CheckAckTime refuses a payload signed more than MaxAge before now or
// more than MaxClockSkew after it, as CheckTime does for decisions.
func CheckAckTime(p *AckPayload, now time.Time) error {
	return CheckTime(&Payload{SignedAt: p.SignedAt}, now)
}

// notificationContent is what a notification version's hash covers.
type notificationContent struct {
	Type     string                      `json:"type"`
	ID       string                      `json:"id"`
	Version  int                         `json:"version"`
	Notifier string                      `json:"notifier"`
	Terms    safezones.NotificationTerms `json:"terms"`
	Geometry map[string]any              `json:"geometry"`
	Reason   string                      `json:"reason"`
	Override []safezones.CheckOverride   `json:"overrides"`
}

// NotificationContent returns the RFC 8785 JSON of a version's content:
// {"type":"safezones.notification.v1", "id", "version", "notifier",
// "terms", "geometry" (GeoJSON), "reason", "overrides"}.
func NotificationContent(n *safezones.Notification) ([]byte, error) {
	ov := n.Overrides
	if ov == nil {
		ov = []safezones.CheckOverride{}
	}
	return ledger.Canonical(notificationContent{Type: "safezones.notification.v1", ID: n.ID, Version: n.Version, Notifier: n.Notifier,
		Terms: n.NotificationTerms, Geometry: map[string]any{"type": n.Geometry.Type(), "coordinates": safezones.Coordinates(n.Geometry)},
		Reason: n.Reason, Override: ov})
}

// NotificationHash returns the hex SHA-256 of the salt (hex-decoded)
// followed by NotificationContent(n). Anyone given the exact version and
// its salt can recompute it; anyone holding only the hash cannot confirm
// a guessed place.
func NotificationHash(n *safezones.Notification) (string, error) {
	salt, err := hex.DecodeString(n.Salt)
	if err != nil || len(salt) < 16 {
		return "", fmt.Errorf("notification %s v%d: salt must be at least 16 bytes in hex", n.ID, n.Version)
	}
	content, err := NotificationContent(n)
	if err != nil {
		return "", err
	}
	return ledger.SaltedDigest(salt, content), nil
}
