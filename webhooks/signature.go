package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery request.
const (
	HeaderAlertID   = "Safezones-Alert-Id"         // the alert's id, "al-<seq>": the idempotency key
	HeaderAttempt   = "Safezones-Delivery-Attempt" // 1 for the first attempt, 2 for the first retry, ...
	HeaderTimestamp = "Safezones-Timestamp"        // Unix seconds when this attempt was signed
	HeaderSignature = "Safezones-Signature"        // "v1=" + hex HMAC-SHA256, see Sign
)

// MaxSignatureAge is how far a signed timestamp may lie from the
// receiver's clock, either way, before Verify refuses it: it bounds replays
// of a captured request.
const MaxSignatureAge = 5 * time.Minute

// Errors Verify returns.
var (
	ErrBadSignature = errors.New("webhook signature does not match")
	ErrStale        = errors.New("webhook timestamp is outside the allowed window")
)

// Sign returns the Safezones-Signature header value for body sent at
// timestamp (Unix seconds): "v1=" followed by the lowercase hex
// HMAC-SHA256, keyed with secret, of the decimal timestamp, a ".", and the
// body's exact bytes. Signing the timestamp with the body lets a receiver
// refuse old requests replayed by someone who captured one.
func Sign(secret string, timestamp int64, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, strconv.FormatInt(timestamp, 10), body))
}

func mac(secret, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a delivery as a receiver got it: timestamp is the
// Safezones-Timestamp header, body the raw request body (before any JSON
// decoding), header the Safezones-Signature header. It returns nil when
// one of the header's comma-separated "v1=" values is the signature of
// timestamp and body under secret and the timestamp is within
// MaxSignatureAge of the current time; else an error wrapping ErrStale or
// ErrBadSignature. The comparison takes constant time.
func Verify(secret, timestamp string, body []byte, header string) error {
	return VerifyAt(secret, timestamp, body, header, time.Now())
}

// VerifyAt is Verify with the receiver's clock reading now.
func VerifyAt(secret, timestamp string, body []byte, header string, now time.Time) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrBadSignature, timestamp)
	}
	if age := now.Sub(time.Unix(ts, 0)); age > MaxSignatureAge || age < -MaxSignatureAge {
		return fmt.Errorf("%w: signed %s from now, more than %s", ErrStale, age.Round(time.Second), MaxSignatureAge)
	}
	want := mac(secret, timestamp, body)
	for _, v := range strings.Split(header, ",") {
		hexSig, ok := strings.CutPrefix(strings.TrimSpace(v), "v1=")
		if !ok {
			continue
		}
		got, err := hex.DecodeString(hexSig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrBadSignature
}
