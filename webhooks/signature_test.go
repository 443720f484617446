package webhooks_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/safezones/safezones/webhooks"
)

func TestSignVerify(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	now := time.Unix(1_780_000_000, 0)
	body := []byte(`{"id":"al-7","kind":"violation"}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := webhooks.Sign(secret, now.Unix(), body)
	cases := []struct {
		name    string
		secret  string
		ts      string
		body    []byte
		header  string
		receive time.Time
		want    error // nil, ErrBadSignature or ErrStale
	}{
		{"as sent", secret, ts, body, sig, now, nil},
		{"received 4m59s later", secret, ts, body, sig, now.Add(4*time.Minute + 59*time.Second), nil},
		{"among rotated signatures", secret, ts, body, "v1=00ff, " + sig, now, nil},
		{"body changed", secret, ts, []byte(`{"id":"al-7","kind":"warning"}`), sig, now, webhooks.ErrBadSignature},
		{"body re-encoded", secret, ts, []byte(`{"id": "al-7","kind":"violation"}`), sig, now, webhooks.ErrBadSignature},
		{"other secret", secret + "x", ts, body, sig, now, webhooks.ErrBadSignature},
		{"timestamp changed", secret, strconv.FormatInt(now.Unix()+1, 10), body, sig, now.Add(time.Second), webhooks.ErrBadSignature},
		{"old timestamp", secret, ts, body, sig, now.Add(5*time.Minute + time.Second), webhooks.ErrStale},
		{"timestamp from the future", secret, ts, body, sig, now.Add(-6 * time.Minute), webhooks.ErrStale},
		{"not a number", secret, "yesterday", body, sig, now, webhooks.ErrBadSignature},
		{"no v1 value", secret, ts, body, sig[3:], now, webhooks.ErrBadSignature},
		{"empty header", secret, ts, body, "", now, webhooks.ErrBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := webhooks.VerifyAt(tc.secret, tc.ts, tc.body, tc.header, tc.receive)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("VerifyAt(%q, %s, %s, %q) = %v, want %v", tc.secret, tc.ts, tc.body, tc.header, err, tc.want)
			}
		})
	}
	// Verify reads the real clock: a fresh signature passes, one signed
	// ten minutes ago does not.
	fresh := time.Now().Unix()
	if err := webhooks.Verify(secret, strconv.FormatInt(fresh, 10), body, webhooks.Sign(secret, fresh, body)); err != nil {
		t.Errorf("Verify(fresh) = %v", err)
	}
	old := time.Now().Add(-10 * time.Minute).Unix()
	if err := webhooks.Verify(secret, strconv.FormatInt(old, 10), body, webhooks.Sign(secret, old, body)); !errors.Is(err, webhooks.ErrStale) {
		t.Errorf("Verify(10 minutes old) = %v, want ErrStale", err)
	}
}

// TestSignKnownAnswer pins the scheme docs/webhooks.md describes, so that a
// change to it cannot pass unnoticed: HMAC-SHA256 of "1700000000." + body,
// computed independently with
// printf '1700000000.{"id":"al-1"}' | openssl dgst -sha256 -hmac secret-of-16-bytes
func TestSignKnownAnswer(t *testing.T) {
	got := webhooks.Sign("secret-of-16-bytes", 1700000000, []byte(`{"id":"al-1"}`))
	const want = "v1=3856e7dc66187647984b6f6956a207c6f29783cd9b13ebec254b795f7d420d5d"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
