package consent_test

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gowebpki/jcs"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
)

func mustPolicy(t *testing.T, s string) *safezones.ConsentPolicy {
	t.Helper()
	p, err := safezones.ParseConsentPolicy([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

func yesTo(parties ...string) func(string) bool {
	return func(p string) bool {
		for _, q := range parties {
			if p == q {
				return true
			}
		}
		return false
	}
}

func TestEvaluateAndOutstanding(t *testing.T) {
	nested := `{"all":["syria",{"at_least":2,"of":["russia","turkey","iran"]}]}`
	cases := []struct {
		policy   string
		yes      []string
		want     bool
		awaiting []string
	}{
		{`"syria"`, nil, false, []string{"syria"}},
		{`"syria"`, []string{"syria"}, true, []string{}},
		{`{"all":["syria","russia"]}`, []string{"syria"}, false, []string{"russia"}},
		{`{"any":["russia","turkey"]}`, nil, false, []string{"russia", "turkey"}},
		{`{"any":["russia","turkey"]}`, []string{"turkey"}, true, []string{}},
		{`{"at_least":2,"of":["russia","turkey","iran"]}`, []string{"iran"}, false, []string{"russia", "turkey"}},
		{nested, []string{"russia", "iran"}, false, []string{"syria"}},
		{nested, []string{"syria", "russia"}, false, []string{"iran", "turkey"}},
		{nested, []string{"syria", "russia", "iran", "usa"}, true, []string{}},
	}
	for _, tc := range cases {
		p := mustPolicy(t, tc.policy)
		if got := consent.Evaluate(p, yesTo(tc.yes...)); got != tc.want {
			t.Errorf("Evaluate(%s, %v) = %v, want %v", tc.policy, tc.yes, got, tc.want)
		}
		if d := cmp.Diff(tc.awaiting, consent.Outstanding(p, yesTo(tc.yes...))); d != "" {
			t.Errorf("Outstanding(%s, %v) (-want +got):\n%s", tc.policy, tc.yes, d)
		}
	}
	leaves := consent.Leaves(mustPolicy(t, nested))
	want := []consent.Leaf{{"syria", "all[0]"}, {"russia", "all[1].of[0]"}, {"turkey", "all[1].of[1]"}, {"iran", "all[1].of[2]"}}
	if d := cmp.Diff(want, leaves); d != "" {
		t.Errorf("Leaves (-want +got):\n%s", d)
	}
}

// TestNext walks decision sequences through the pure rule: the status
// after each verdict.
func TestNext(t *testing.T) {
	type step struct {
		party   string
		verdict safezones.Verdict
		want    safezones.Status
	}
	const (
		approve, reject, suspend, withdraw = safezones.VerdictApprove, safezones.VerdictReject, safezones.VerdictSuspend, safezones.VerdictWithdraw
		proposed, active, susp, revoked    = safezones.StatusProposed, safezones.StatusActive, safezones.StatusSuspended, safezones.StatusRevoked
	)
	cases := []struct {
		name     string
		policy   string
		start    safezones.Status
		presumed bool
		steps    []step
	}{
		{"host alone", `"syria"`, proposed, false, []step{{"syria", reject, proposed}, {"syria", approve, active},
			{"syria", suspend, susp}, {"syria", approve, active}, {"syria", withdraw, revoked}}},
		{"two of three", `{"at_least":2,"of":["russia","turkey","iran"]}`, proposed, false, []step{{"russia", approve, proposed},
			{"turkey", approve, active}, {"iran", reject, active}, {"turkey", suspend, susp}, {"iran", approve, active},
			{"turkey", withdraw, active}, {"iran", withdraw, revoked}}},
		{"outsiders change nothing", `"syria"`, proposed, false, []step{{"usa", approve, proposed}, {"syria", approve, active},
			{"usa", withdraw, active}}},
		{"presumed consent of an operator-recorded version", `{"at_least":2,"of":["russia","turkey","iran"]}`, active, true,
			[]step{{"russia", suspend, active}, {"iran", reject, susp}, {"iran", approve, active}}},
		{"no presumption for a version in force by consent", `{"any":["russia","turkey"]}`, proposed, false,
			[]step{{"russia", approve, active}, {"russia", suspend, susp}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := consent.State{Policy: mustPolicy(t, tc.policy), Status: tc.start, Standings: consent.Standings{}, InValidity: true, Presumed: tc.presumed}
			for i, st := range tc.steps {
				s.Standings[st.party] = st.verdict
				if tr, ok := consent.Next(s, st.party, st.verdict); ok {
					if tr.Reason == "" {
						t.Errorf("step %d: transition to %s without a reason", i, tr.To)
					}
					s.Status = tr.To
				}
				if s.Status != st.want {
					t.Fatalf("step %d: after %s %s: %s, want %s", i, st.party, st.verdict, s.Status, st.want)
				}
			}
		})
	}
	// Consent complete before the validity begins: nothing until then.
	s := consent.State{Policy: mustPolicy(t, `"syria"`), Status: proposed, Standings: consent.Standings{"syria": approve}}
	if _, ok := consent.Next(s, "syria", approve); ok {
		t.Error("Next activated a version outside its validity")
	}
	s.InValidity = true
	if tr, ok := consent.Next(s, "", ""); !ok || tr.To != active {
		t.Errorf("Next(sweep, in validity) = %v, %v; want active", tr, ok)
	}
	s.Policy = nil
	if _, ok := consent.Next(s, "syria", approve); ok {
		t.Error("Next changed a status without a policy")
	}
}

func TestAdmissible(t *testing.T) {
	z := func(st safezones.Status) *safezones.Zone { return &safezones.Zone{ID: "z", Version: 1, Status: st} }
	cases := []struct {
		name string
		z    *safezones.Zone
		prev safezones.Verdict
		v    safezones.Verdict
		ok   bool
	}{
		{"approve a proposal", z(safezones.StatusProposed), "", safezones.VerdictApprove, true},
		{"suspend a proposal", z(safezones.StatusProposed), "", safezones.VerdictSuspend, false},
		{"suspend in force", z(safezones.StatusActive), safezones.VerdictApprove, safezones.VerdictSuspend, true},
		{"after a withdrawal", z(safezones.StatusActive), safezones.VerdictWithdraw, safezones.VerdictApprove, false},
		{"a revoked version", z(safezones.StatusRevoked), "", safezones.VerdictApprove, false},
		{"an expired version", z(safezones.StatusExpired), safezones.VerdictApprove, safezones.VerdictWithdraw, false},
	}
	for _, tc := range cases {
		err := consent.Admissible(tc.z, "syria", tc.prev, tc.v)
		if (err == nil) != tc.ok || (err != nil && safezones.ErrorCode(err) != safezones.CodeConflict) {
			t.Errorf("%s: Admissible = %v, want ok=%v (else conflict)", tc.name, err, tc.ok)
		}
	}
}

// TestSignatureVerifiesWithStandardLibrary checks the signed bytes are the
// RFC 8785 form of the payload, with a verifier written against
// crypto/ed25519 and an independent JCS implementation only.
func TestSignatureVerifiesWithStandardLibrary(t *testing.T) {
	pub, priv, err := consent.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	z := &safezones.Zone{ID: "idlib", Version: 3, Hash: "ab12000000000000000000000000000000000000000000000000000000000000"}
	p := consent.NewPayload(z, "syria", consent.KeyID(pub), safezones.VerdictApprove, "agreed in Astana",
		time.Date(2026, 5, 1, 12, 0, 0, 123, time.FixedZone("EEST", 3*3600)))
	canonical, sig, err := consent.Sign(priv, p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"hash":"ab12000000000000000000000000000000000000000000000000000000000000","key_id":"` + consent.KeyID(pub) +
		`","party_id":"syria","reason":"agreed in Astana","signed_at":"2026-05-01T09:00:00Z","type":"safezones.decision.v1","verdict":"approve","version":3,"zone_id":"idlib"}`
	if string(canonical) != want {
		t.Errorf("canonical payload\n%s\nwant\n%s", canonical, want)
	}
	// Re-encode the payload any way at all: JCS gives back the signed bytes.
	var loose map[string]any
	json.Unmarshal(canonical, &loose)
	pretty, _ := json.MarshalIndent(loose, "", "   ")
	again, err := jcs.Transform(pretty)
	if err != nil || !ed25519.Verify(pub, again, sig) {
		t.Errorf("ed25519.Verify over JCS(payload) failed (%v)", err)
	}
	got, c2, err := consent.DecodePayload(pretty)
	if err != nil || string(c2) != want || got.Verdict != safezones.VerdictApprove {
		t.Errorf("DecodePayload(pretty) = %+v, %s, %v", got, c2, err)
	}
	if err := consent.Verify(pub, c2, sig); err != nil {
		t.Errorf("Verify = %v", err)
	}
	tampered := []byte(string(canonical[:len(canonical)-3]) + `4}`)
	if err := consent.Verify(pub, tampered, sig); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("Verify(tampered) = %v, want invalid", err)
	}
}

func TestDecodePayloadErrors(t *testing.T) {
	good := map[string]any{"type": consent.PayloadType, "zone_id": "z", "version": 1, "hash": "ab12000000000000000000000000000000000000000000000000000000000000",
		"party_id": "syria", "key_id": "0123456789abcdef", "verdict": "approve", "reason": "", "signed_at": "2026-05-01T12:00:00Z"}
	cases := []struct {
		name  string
		key   string
		value any
		field string
	}{
		{"wrong type", "type", "safezones.ack.v1", "payload.type"},
		{"bad zone id", "zone_id", "Z Z", "payload.zone_id"},
		{"version zero", "version", 0, "payload.version"},
		{"short hash", "hash", "ab12", "payload.hash"},
		{"uppercase hash", "hash", "AB12000000000000000000000000000000000000000000000000000000000000", "payload.hash"},
		{"bad key id", "key_id", "xyz", "payload.key_id"},
		{"unknown verdict", "verdict", "abstain", "payload.verdict"},
		{"no time", "signed_at", nil, "payload.signed_at"},
		{"unknown field", "extra", true, "payload"},
	}
	for _, tc := range cases {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		if tc.value == nil {
			delete(m, tc.key)
		} else {
			m[tc.key] = tc.value
		}
		b, _ := json.Marshal(m)
		_, _, err := consent.DecodePayload(b)
		var e *safezones.Error
		if !errors.As(err, &e) || e.Code != safezones.CodeInvalid || e.Field != tc.field {
			t.Errorf("%s: DecodePayload = %v; want invalid at %s", tc.name, err, tc.field)
		}
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "syria.key")
	pub, priv, _ := consent.GenerateKey()
	if err := consent.WritePrivateKeyFile(path, priv); err != nil {
		t.Fatal(err)
	}
	if err := consent.WritePrivateKeyFile(path, priv); !errors.Is(err, os.ErrExist) {
		t.Errorf("second WritePrivateKeyFile = %v; want it to refuse to overwrite", err)
	}
	st, _ := os.Stat(path)
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	got, err := consent.ReadPrivateKeyFile(path)
	if err != nil || !got.Equal(priv) || !got.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("ReadPrivateKeyFile = %v; want the key written", err)
	}
	if runtime.GOOS != "windows" {
		os.Chmod(path, 0o644)
		if _, err := consent.ReadPrivateKeyFile(path); err == nil {
			t.Error("ReadPrivateKeyFile accepted a world-readable key file")
		}
	}
	if k, err := consent.ParsePublicKey(consent.EncodePublicKey(pub)); err != nil || !k.Equal(pub) {
		t.Errorf("ParsePublicKey(EncodePublicKey) = %v, %v", k, err)
	}
	if _, err := consent.ParsePublicKey("c2hvcnQ="); err == nil {
		t.Error("ParsePublicKey accepted 5 bytes")
	}
	if id := consent.KeyID(pub); len(id) != 16 {
		t.Errorf("KeyID = %q, want 16 hex digits", id)
	}
}
