package storetest

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
)

// mustParty stores a party with the given id and kind.
func mustParty(t *testing.T, s Store, id string, kind safezones.PartyKind) {
	t.Helper()
	p := &safezones.Party{ID: id, Name: strings.ToUpper(id), Kind: kind, Source: safezones.Source{Kind: safezones.SourceSimulated}}
	if kind == safezones.PartyState {
		p.Country = strings.ToUpper(id[:3])
	}
	if _, err := s.CreateParty(ctx, p); err != nil {
		t.Fatalf("CreateParty(%s) = %v", id, err)
	}
}

// signer is a party holding a registered signing key.
type signer struct {
	party string
	keyID string
	priv  ed25519.PrivateKey
}

// mustSigner registers a new key for party and returns its signer.
func mustSigner(t *testing.T, s Store, party string) signer {
	t.Helper()
	pub, priv, err := consent.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.RegisterKey(ctx, party, pub, safezones.OperatorPartyID)
	if err != nil {
		t.Fatalf("RegisterKey(%s) = %v", party, err)
	}
	return signer{party: party, keyID: k.ID, priv: priv}
}

// payload returns g's payload for verdict v on version z, signed at at.
func (g signer) payload(z *safezones.Zone, v safezones.Verdict, at time.Time) consent.Payload {
	return consent.NewPayload(z, g.party, g.keyID, v, "test: "+string(v), at)
}

// sign signs p with g's key.
func (g signer) sign(t *testing.T, p consent.Payload) safezones.SignedDecision {
	t.Helper()
	canonical, sig, err := consent.Sign(g.priv, p)
	if err != nil {
		t.Fatal(err)
	}
	return safezones.SignedDecision{Payload: canonical, Signature: sig}
}

// decide signs and records g's verdict on the current state of version v
// of zone id, at the store's time.
func (g signer) decide(t *testing.T, s Store, c *Clock, id string, v int, verdict safezones.Verdict) (*safezones.DecisionResult, error) {
	t.Helper()
	z, err := s.Zone(ctx, id, v)
	if err != nil {
		t.Fatalf("Zone(%s, %d) = %v", id, v, err)
	}
	return s.RecordDecision(ctx, g.sign(t, g.payload(z, verdict, c.T)), g.party)
}

func mustPolicy(t *testing.T, s Store, zoneID, policy string) {
	t.Helper()
	p, err := safezones.ParseConsentPolicy([]byte(policy))
	if err != nil {
		t.Fatalf("ParseConsentPolicy(%s) = %v", policy, err)
	}
	if _, _, err := s.SetZonePolicy(ctx, zoneID, p, safezones.OperatorPartyID, "test"); err != nil {
		t.Fatalf("SetZonePolicy(%s, %s) = %v", zoneID, policy, err)
	}
}

func mustRole(t *testing.T, s Store, zoneID, party string, role safezones.PartyRole) {
	t.Helper()
	if _, err := s.AssignZoneRole(ctx, zoneID, party, role, safezones.OperatorPartyID); err != nil {
		t.Fatalf("AssignZoneRole(%s, %s, %s) = %v", zoneID, party, role, err)
	}
}

func statusOf(t *testing.T, s Store, id string, v int) safezones.Status {
	t.Helper()
	z, err := s.Zone(ctx, id, v)
	if err != nil {
		t.Fatalf("Zone(%s, %d) = %v", id, v, err)
	}
	return z.Status
}

// consentParties stores the parties of the consent tests and a signer
// for each.
func consentParties(t *testing.T, s Store) map[string]signer {
	t.Helper()
	out := map[string]signer{}
	for _, id := range []string{"syria", "russia", "turkey", "iran", "usa"} {
		mustParty(t, s, id, safezones.PartyState)
		out[id] = mustSigner(t, s, id)
	}
	return out
}

func testMembers(t *testing.T, s Store, c *Clock) {
	mustParty(t, s, "syria", safezones.PartyState)
	mustParty(t, s, "russia", safezones.PartyState)
	cases := []struct {
		name  string
		m     safezones.Member
		code  safezones.Code
		field string
	}{
		{"unknown party", safezones.Member{PartyID: "nobody", Name: "A", Role: safezones.RoleAdmin}, safezones.CodeNotFound, ""},
		{"unknown role", safezones.Member{PartyID: "syria", Name: "A", Role: "owner"}, safezones.CodeInvalid, "role"},
		{"no name", safezones.Member{PartyID: "syria", Role: safezones.RoleViewer}, safezones.CodeInvalid, "name"},
		{"bad id", safezones.Member{ID: "Bad Id", PartyID: "syria", Name: "A", Role: safezones.RoleViewer}, safezones.CodeInvalid, "id"},
	}
	for _, tc := range cases {
		_, err := s.CreateMember(ctx, &tc.m)
		wantCode(t, "CreateMember("+tc.name+")", err, tc.code, tc.field)
	}
	admin, err := s.CreateMember(ctx, &safezones.Member{ID: "syria-admin", PartyID: "syria", Name: "Desk officer", Role: safezones.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if admin.CreatedAt != c.T || admin.CreatedBy != safezones.OperatorPartyID {
		t.Errorf("CreateMember = %+v; want created now by the operator", admin)
	}
	_, err = s.CreateMember(ctx, &safezones.Member{ID: "syria-admin", PartyID: "russia", Name: "B", Role: safezones.RoleViewer})
	wantCode(t, "CreateMember(duplicate id)", err, safezones.CodeConflict, "id")
	gen, err := s.CreateMember(ctx, &safezones.Member{PartyID: "syria", Name: "Signer", Role: safezones.RoleSigner, CreatedBy: "syria-admin"})
	if err != nil || !strings.HasPrefix(gen.ID, "m-") || !safezones.ValidID(gen.ID) {
		t.Fatalf("CreateMember(no id) = %+v, %v; want a generated m-… id", gen, err)
	}
	list, err := s.ListMembers(ctx, "syria")
	if err != nil || len(list) != 2 {
		t.Fatalf("ListMembers(syria) = %v, %v; want 2 members", list, err)
	}
	if list, _ := s.ListMembers(ctx, "russia"); len(list) != 0 {
		t.Errorf("ListMembers(russia) = %v; want none", list)
	}
	_, err = s.ListMembers(ctx, "nobody")
	wantCode(t, "ListMembers(nobody)", err, safezones.CodeNotFound, "")

	c.T = c.T.Add(time.Minute)
	got, err := s.SetMemberRole(ctx, gen.ID, safezones.RoleViewer, "syria-admin")
	if err != nil || got.Role != safezones.RoleViewer || got.UpdatedAt != c.T || got.UpdatedBy != "syria-admin" {
		t.Errorf("SetMemberRole = %+v, %v; want viewer, updated now by syria-admin", got, err)
	}
	read, _ := s.Member(ctx, gen.ID)
	if d := cmp.Diff(got, read); d != "" {
		t.Errorf("Member after SetMemberRole (-set +read):\n%s", d)
	}
	_, err = s.SetMemberRole(ctx, gen.ID, "root", "syria-admin")
	wantCode(t, "SetMemberRole(root)", err, safezones.CodeInvalid, "role")
	_, err = s.SetMemberRole(ctx, "ghost", safezones.RoleAdmin, "x")
	wantCode(t, "SetMemberRole(ghost)", err, safezones.CodeNotFound, "")
	_, err = s.Member(ctx, "ghost")
	wantCode(t, "Member(ghost)", err, safezones.CodeNotFound, "")
}

func testTokens(t *testing.T, s Store, c *Clock) {
	mustParty(t, s, "syria", safezones.PartyState)
	m, err := s.CreateMember(ctx, &safezones.Member{ID: "officer", PartyID: "syria", Name: "Officer", Role: safezones.RoleSigner})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.CreateToken(ctx, "ghost", "", time.Time{}, "operator")
	wantCode(t, "CreateToken(ghost)", err, safezones.CodeNotFound, "")
	_, _, err = s.CreateToken(ctx, m.ID, "", c.T.Add(-time.Second), "operator")
	wantCode(t, "CreateToken(expired)", err, safezones.CodeInvalid, "expires_at")
	_, _, err = s.CreateToken(ctx, m.ID, "", c.T.Add(safezones.MaxTokenLifetime+time.Hour), "operator")
	wantCode(t, "CreateToken(too long)", err, safezones.CodeInvalid, "expires_at")

	tok, plain, err := s.CreateToken(ctx, m.ID, "laptop", time.Time{}, "operator")
	if err != nil {
		t.Fatal(err)
	}
	if id, _, ok := safezones.ParseToken(plain); !ok || id != tok.ID || tok.PartyID != "syria" || !tok.ExpiresAt.Equal(c.T.Add(safezones.DefaultTokenLifetime)) {
		t.Fatalf("CreateToken = %+v, %q; want a token sz_%s_… of syria expiring after the default lifetime", tok, plain, tok.ID)
	}
	actor, err := s.Authenticate(ctx, plain)
	want := safezones.Actor{PartyID: "syria", MemberID: "officer", Role: safezones.RoleSigner, TokenID: tok.ID}
	if err != nil || actor != want {
		t.Fatalf("Authenticate(token) = %+v, %v; want %+v", actor, err, want)
	}
	other, _, _, _ := safezones.NewToken()
	flip := byte('a')
	if plain[len(plain)-1] == 'a' {
		flip = 'b'
	}
	wrongSecret := plain[:len(plain)-1] + string(flip)
	for name, bearer := range map[string]string{
		"empty":              "",
		"prefix only":        safezones.TokenPrefix,
		"wrong secret":       wrongSecret,
		"unknown id":         other,
		"not a member token": "secret-operator-token",
		"upper case":         strings.ToUpper(plain),
	} {
		_, err := s.Authenticate(ctx, bearer)
		wantCode(t, "Authenticate("+name+")", err, safezones.CodeUnauthorized, "")
	}

	// A role change applies to the next request.
	if _, err := s.SetMemberRole(ctx, m.ID, safezones.RoleViewer, "operator"); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Authenticate(ctx, plain); a.Role != safezones.RoleViewer {
		t.Errorf("Authenticate after role change: role %s, want viewer", a.Role)
	}

	// Expiry: accepted until the instant before expires_at.
	short, shortPlain, err := s.CreateToken(ctx, m.ID, "short", c.T.Add(time.Hour), "operator")
	if err != nil {
		t.Fatal(err)
	}
	c.T = short.ExpiresAt.Add(-time.Nanosecond)
	if _, err := s.Authenticate(ctx, shortPlain); err != nil {
		t.Errorf("Authenticate just before expiry: %v", err)
	}
	c.T = short.ExpiresAt
	_, err = s.Authenticate(ctx, shortPlain)
	wantCode(t, "Authenticate(at expiry)", err, safezones.CodeUnauthorized, "")

	// Revocation.
	rev, err := s.RevokeToken(ctx, tok.ID, "officer")
	if err != nil || rev.RevokedAt != c.T || rev.RevokedBy != "officer" {
		t.Fatalf("RevokeToken = %+v, %v; want revoked now by officer", rev, err)
	}
	_, err = s.Authenticate(ctx, plain)
	wantCode(t, "Authenticate(revoked)", err, safezones.CodeUnauthorized, "")
	_, err = s.RevokeToken(ctx, tok.ID, "officer")
	wantCode(t, "RevokeToken(again)", err, safezones.CodeConflict, "")
	_, err = s.RevokeToken(ctx, "ghost", "officer")
	wantCode(t, "RevokeToken(ghost)", err, safezones.CodeNotFound, "")

	list, err := s.ListTokens(ctx, "syria")
	if err != nil || len(list) != 2 || list[0].ID != tok.ID || list[0].RevokedAt.IsZero() {
		t.Fatalf("ListTokens(syria) = %+v, %v; want both tokens, the first revoked", list, err)
	}
	b, _ := json.Marshal(list)
	if secret := plain[len(safezones.TokenPrefix)+17:]; strings.Contains(string(b), secret) {
		t.Errorf("ListTokens shows a token's secret: %s", b)
	}
	_, err = s.ListTokens(ctx, "nobody")
	wantCode(t, "ListTokens(nobody)", err, safezones.CodeNotFound, "")
}

func testKeys(t *testing.T, s Store, c *Clock) {
	mustParty(t, s, "syria", safezones.PartyState)
	mustParty(t, s, "russia", safezones.PartyState)
	pub, _, _ := consent.GenerateKey()
	k, err := s.RegisterKey(ctx, "syria", pub, "syria-admin")
	if err != nil {
		t.Fatal(err)
	}
	want := &safezones.PartyKey{ID: consent.KeyID(pub), PartyID: "syria", PublicKey: pub, CreatedAt: c.T, CreatedBy: "syria-admin"}
	if d := cmp.Diff(want, k); d != "" {
		t.Errorf("RegisterKey (-want +got):\n%s", d)
	}
	_, err = s.RegisterKey(ctx, "russia", pub, "operator")
	wantCode(t, "RegisterKey(same key, other party)", err, safezones.CodeConflict, "public_key")
	_, err = s.RegisterKey(ctx, "syria", pub[:31], "operator")
	wantCode(t, "RegisterKey(31 bytes)", err, safezones.CodeInvalid, "public_key")
	_, err = s.RegisterKey(ctx, "nobody", pub, "operator")
	wantCode(t, "RegisterKey(nobody)", err, safezones.CodeNotFound, "")

	// Rotation: a new key, then the old one revoked.
	c.T = c.T.Add(time.Hour)
	pub2, _, _ := consent.GenerateKey()
	if _, err := s.RegisterKey(ctx, "syria", pub2, "syria-admin"); err != nil {
		t.Fatal(err)
	}
	_, err = s.RevokeKey(ctx, "russia", k.ID, "russia-admin")
	wantCode(t, "RevokeKey(another party's key)", err, safezones.CodeNotFound, "")
	rev, err := s.RevokeKey(ctx, "syria", k.ID, "syria-admin")
	if err != nil || rev.RevokedAt != c.T || rev.ActiveAt(c.T) || !rev.ActiveAt(c.T.Add(-time.Nanosecond)) {
		t.Fatalf("RevokeKey = %+v, %v; want revoked from now", rev, err)
	}
	_, err = s.RevokeKey(ctx, "syria", k.ID, "syria-admin")
	wantCode(t, "RevokeKey(again)", err, safezones.CodeConflict, "")
	keys, err := s.PartyKeys(ctx, "syria")
	if err != nil || len(keys) != 2 || keys[0].ID != k.ID || keys[0].RevokedAt.IsZero() || !keys[1].RevokedAt.IsZero() {
		t.Errorf("PartyKeys(syria) = %+v, %v; want the revoked key then the new one", keys, err)
	}
	if keys, _ := s.PartyKeys(ctx, "russia"); len(keys) != 0 {
		t.Errorf("PartyKeys(russia) = %v; want none", keys)
	}
	_, err = s.PartyKeys(ctx, "nobody")
	wantCode(t, "PartyKeys(nobody)", err, safezones.CodeNotFound, "")
}

func testRoles(t *testing.T, s Store, c *Clock) {
	mustParty(t, s, "syria", safezones.PartyState)
	mustParty(t, s, "russia", safezones.PartyState)
	mustCreate(t, s, safeArea("z", "Z", square(36, 35, 1)), safezones.StatusProposed)
	if p, _ := s.ZonePolicy(ctx, "z"); p.Source != safezones.PolicyNone || p.Policy != nil {
		t.Errorf("ZonePolicy(no roles) = %+v; want none", p)
	}
	mustRole(t, s, "z", "syria", safezones.PartyRoleHost)
	mustRole(t, s, "z", "russia", safezones.PartyRoleGuarantor)
	cases := []struct {
		name, zone, party string
		role              safezones.PartyRole
		code              safezones.Code
		field             string
	}{
		{"held already", "z", "syria", safezones.PartyRoleHost, safezones.CodeConflict, ""},
		{"unknown role", "z", "syria", "landlord", safezones.CodeInvalid, "role"},
		{"unknown party", "z", "nobody", safezones.PartyRoleFunder, safezones.CodeInvalid, "party_id"},
		{"unknown zone", "nowhere", "syria", safezones.PartyRoleHost, safezones.CodeNotFound, ""},
	}
	for _, tc := range cases {
		_, err := s.AssignZoneRole(ctx, tc.zone, tc.party, tc.role, "operator")
		wantCode(t, "AssignZoneRole("+tc.name+")", err, tc.code, tc.field)
	}
	p, err := s.ZonePolicy(ctx, "z")
	if err != nil || p.Source != safezones.PolicyHostRole || p.Policy == nil || consent.Parties(p.Policy)[0] != "syria" {
		t.Fatalf("ZonePolicy(host syria) = %+v, %v; want all of [syria] from the host role", p, err)
	}
	c.T = c.T.Add(time.Minute)
	r, err := s.RemoveZoneRole(ctx, "z", "syria", safezones.PartyRoleHost, "operator")
	if err != nil || r.RemovedAt != c.T {
		t.Fatalf("RemoveZoneRole = %+v, %v", r, err)
	}
	_, err = s.RemoveZoneRole(ctx, "z", "syria", safezones.PartyRoleHost, "operator")
	wantCode(t, "RemoveZoneRole(again)", err, safezones.CodeNotFound, "")
	if p, _ := s.ZonePolicy(ctx, "z"); p.Source != safezones.PolicyNone {
		t.Errorf("ZonePolicy after the host left = %+v; want none", p)
	}
	mustRole(t, s, "z", "syria", safezones.PartyRoleHost) // may return
	roles, err := s.ZoneRoles(ctx, "z")
	if err != nil || len(roles) != 3 || roles[0].RemovedAt.IsZero() || !roles[2].RemovedAt.IsZero() {
		t.Errorf("ZoneRoles = %+v, %v; want 3 assignments, the first removed", roles, err)
	}
	_, err = s.ZoneRoles(ctx, "nowhere")
	wantCode(t, "ZoneRoles(nowhere)", err, safezones.CodeNotFound, "")
}

func testPolicy(t *testing.T, s Store, c *Clock) {
	g := consentParties(t, s)
	mustCreate(t, s, safeArea("z", "Z", square(36, 35, 1)), safezones.StatusProposed)
	bad, _ := safezones.ParseConsentPolicy([]byte(`{"all":["syria","atlantis"]}`))
	_, _, err := s.SetZonePolicy(ctx, "z", bad, "operator", "")
	wantCode(t, "SetZonePolicy(unknown party)", err, safezones.CodeInvalid, "policy.all[1]")
	_, _, err = s.SetZonePolicy(ctx, "nowhere", safezones.ConsentPolicy{Party: "syria"}, "operator", "")
	wantCode(t, "SetZonePolicy(unknown zone)", err, safezones.CodeNotFound, "")
	_, _, err = s.SetZonePolicy(ctx, "z", safezones.ConsentPolicy{}, "operator", "")
	wantCode(t, "SetZonePolicy(empty)", err, safezones.CodeInvalid, "policy")

	mustPolicy(t, s, "z", `{"all":["syria","russia"]}`)
	c.T = c.T.Add(time.Minute)
	if _, err := g["syria"].decide(t, s, c, "z", 1, safezones.VerdictApprove); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, s, "z", 1); st != safezones.StatusProposed {
		t.Fatalf("after syria's approval of all[syria, russia]: %s, want proposed", st)
	}
	// Relaxing the policy lets the version in, attributed to its approver.
	c.T = c.T.Add(time.Minute)
	p, _ := safezones.ParseConsentPolicy([]byte(`{"any":["syria","russia"]}`))
	zp, changes, err := s.SetZonePolicy(ctx, "z", p, "operator", "the cell agreed either suffices")
	if err != nil || len(changes) != 1 || changes[0].Status != safezones.StatusActive || changes[0].By != "syria" {
		t.Fatalf("SetZonePolicy(any) = %+v, %v; want version 1 activated, by syria", changes, err)
	}
	if zp.Source != safezones.PolicyExplicit || len(zp.Changes) != 2 || zp.Changes[1].Reason != "the cell agreed either suffices" {
		t.Errorf("ZonePolicy = %+v; want explicit with 2 changes", zp)
	}
	b, _ := json.Marshal(zp.Policy)
	if string(b) != `{"any":["syria","russia"]}` {
		t.Errorf("ZonePolicy.Policy = %s", b)
	}
}

// step is one decision of a consent sequence and the version's status
// after it.
type step struct {
	party   string
	verdict safezones.Verdict
	want    safezones.Status
	code    safezones.Code // the error expected, "" for none
}

func testConsentSequences(t *testing.T, s Store, c *Clock) {
	g := consentParties(t, s)
	const (
		approve  = safezones.VerdictApprove
		reject   = safezones.VerdictReject
		suspend  = safezones.VerdictSuspend
		withdraw = safezones.VerdictWithdraw
		proposed = safezones.StatusProposed
		active   = safezones.StatusActive
		susp     = safezones.StatusSuspended
		revoked  = safezones.StatusRevoked
	)
	nested := `{"all":["syria",{"at_least":2,"of":["russia","turkey","iran"]}]}`
	cases := []struct {
		name string
		// policy is the zone's explicit policy; "" leaves the default
		// (syria as host) and "-" none at all.
		policy string
		roles  map[string]safezones.PartyRole
		steps  []step
	}{
		{"the host must approve (default from the host role)", "", map[string]safezones.PartyRole{"russia": safezones.PartyRoleGuarantor},
			[]step{{"russia", approve, proposed, ""}, {"syria", approve, active, ""}}},
		{"all of two waits for the second", `{"all":["syria","russia"]}`, nil,
			[]step{{"syria", approve, proposed, ""}, {"russia", approve, active, ""}}},
		{"reject, then approve", `{"all":["syria"]}`, nil,
			[]step{{"syria", reject, proposed, ""}, {"syria", approve, active, ""}}},
		{"at least two of three guarantors", `{"at_least":2,"of":["russia","turkey","iran"]}`, nil,
			[]step{{"russia", approve, proposed, ""}, {"iran", reject, proposed, ""}, {"turkey", approve, active, ""},
				{"iran", suspend, active, ""}, {"russia", suspend, susp, ""}, {"russia", approve, active, ""}}},
		{"host and two of three guarantors", nested, nil,
			[]step{{"syria", approve, proposed, ""}, {"russia", approve, proposed, ""}, {"turkey", approve, active, ""},
				{"syria", suspend, susp, ""}, {"syria", approve, active, ""}, {"turkey", withdraw, susp, ""},
				{"iran", approve, active, ""}, {"russia", withdraw, revoked, ""}}},
		{"the host withdraws: revoked for good", `{"all":["syria"]}`, nil,
			[]step{{"syria", approve, active, ""}, {"syria", withdraw, revoked, ""}, {"syria", approve, revoked, safezones.CodeConflict}}},
		{"a needed party withdraws before activation", `{"all":["syria","russia"]}`, nil,
			[]step{{"syria", approve, proposed, ""}, {"russia", withdraw, revoked, ""}}},
		{"any of two outlives one withdrawal", `{"any":["russia","turkey"]}`, nil,
			[]step{{"russia", approve, active, ""}, {"russia", withdraw, susp, ""}, {"russia", approve, susp, safezones.CodeConflict},
				{"turkey", approve, active, ""}}},
		{"suspending a proposal is refused", `{"all":["syria"]}`, nil,
			[]step{{"syria", suspend, proposed, safezones.CodeConflict}, {"syria", approve, active, ""}}},
		{"a party outside the policy changes nothing", `{"all":["syria"]}`, map[string]safezones.PartyRole{"usa": safezones.PartyRoleFunder},
			[]step{{"usa", approve, proposed, ""}, {"syria", approve, active, ""}, {"usa", suspend, active, ""}, {"usa", withdraw, active, ""}}},
		{"a party with no say is refused", `{"all":["syria"]}`, nil,
			[]step{{"iran", approve, proposed, safezones.CodeForbidden}}},
		{"no policy: decisions are recorded, the status stays", "-", map[string]safezones.PartyRole{"russia": safezones.PartyRoleGuarantor},
			[]step{{"russia", approve, proposed, ""}}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("seq-%d", i)
			mustCreate(t, s, safeArea(id, tc.name, square(36, 35, 1)), safezones.StatusProposed)
			switch tc.policy {
			case "":
				mustRole(t, s, id, "syria", safezones.PartyRoleHost)
			case "-":
			default:
				mustPolicy(t, s, id, tc.policy)
			}
			for party, role := range tc.roles {
				mustRole(t, s, id, party, role)
			}
			size, _ := s.LedgerSize(ctx)
			for j, st := range tc.steps {
				c.T = c.T.Add(time.Minute)
				_, err := g[st.party].decide(t, s, c, id, 1, st.verdict)
				if got := safezones.ErrorCode(err); got != st.code {
					t.Fatalf("step %d: %s %s = %v; want code %q", j, st.party, st.verdict, err, st.code)
				}
				if got := statusOf(t, s, id, 1); got != st.want {
					t.Fatalf("step %d: after %s %s the version is %s, want %s", j, st.party, st.verdict, got, st.want)
				}
				now, _ := s.LedgerSize(ctx)
				if st.code != "" && now != size {
					t.Fatalf("step %d: a refused decision changed the ledger from %d to %d entries", j, size, now)
				}
				size = now
			}
		})
	}
}

func testGeometryChangeAfterActivation(t *testing.T, s Store, c *Clock) {
	g := consentParties(t, s)
	v1 := mustCreate(t, s, safeArea("idlib", "Idlib", square(36, 35.5, 1)), safezones.StatusProposed)
	mustPolicy(t, s, "idlib", `{"all":["syria","russia"]}`)
	for _, p := range []string{"syria", "russia"} {
		c.T = c.T.Add(time.Minute)
		if _, err := g[p].decide(t, s, c, "idlib", 1, safezones.VerdictApprove); err != nil {
			t.Fatal(err)
		}
	}
	if st := statusOf(t, s, "idlib", 1); st != safezones.StatusActive {
		t.Fatalf("v1 after both approved: %s, want active", st)
	}
	c.T = c.T.Add(time.Hour)
	terms := v1.Terms
	terms.Geometry = square(36, 35.5, 1.3)
	v2, err := s.AddVersion(ctx, "idlib", 1, terms, "operator")
	if err != nil {
		t.Fatal(err)
	}
	activeVersion := func() int {
		t.Helper()
		zs, err := s.ActiveZones(ctx, c.T)
		if err != nil || len(zs) != 1 {
			t.Fatalf("ActiveZones = %v, %v; want one version in force", zs, err)
		}
		return zs[0].Version
	}
	if v := activeVersion(); v != 1 {
		t.Fatalf("in force while v2 is proposed: v%d, want v1", v)
	}
	c.T = c.T.Add(time.Minute)
	res, err := g["syria"].decide(t, s, c, "idlib", 2, safezones.VerdictApprove)
	if err != nil || res.Zone.Status != safezones.StatusProposed || len(res.Changes) != 0 || cmp.Diff([]string{"russia"}, res.Awaiting) != "" {
		t.Fatalf("syria approves v2 = %+v, %v; want v2 still proposed, awaiting russia", res, err)
	}
	if v := activeVersion(); v != 1 {
		t.Fatalf("in force after one approval of v2: v%d, want v1", v)
	}
	// Russia signs version 2 but with the hash of version 1: refused.
	c.T = c.T.Add(time.Minute)
	stale := g["russia"].payload(v2, safezones.VerdictApprove, c.T)
	stale.Hash = v1.Hash
	_, err = s.RecordDecision(ctx, g["russia"].sign(t, stale), "russia")
	wantCode(t, "RecordDecision(v2 with v1's hash)", err, safezones.CodeConflict, "payload.hash")

	res, err = g["russia"].decide(t, s, c, "idlib", 2, safezones.VerdictApprove)
	if err != nil || res.Zone.Status != safezones.StatusActive || len(res.Changes) != 1 || res.Changes[0].By != "russia" {
		t.Fatalf("russia approves v2 = %+v, %v; want v2 active", res, err)
	}
	if v := activeVersion(); v != 2 {
		t.Fatalf("in force after v2's consent: v%d, want v2", v)
	}
	if st := statusOf(t, s, "idlib", 1); st != safezones.StatusRevoked {
		t.Errorf("v1 after v2 came into force: %s, want revoked (superseded)", st)
	}
	// Decisions on the superseded version are refused.
	c.T = c.T.Add(time.Minute)
	_, err = g["syria"].decide(t, s, c, "idlib", 1, safezones.VerdictSuspend)
	wantCode(t, "RecordDecision(superseded v1)", err, safezones.CodeConflict, "payload.version")
	_, changes, _ := s.ZoneHistory(ctx, "idlib")
	last := changes[len(changes)-1]
	if last.Version != 1 || last.Status != safezones.StatusRevoked || last.Reason != "superseded by version 2" {
		t.Errorf("last status change %+v; want v1 revoked, superseded by version 2", last)
	}
}

func testValidityBeginsLater(t *testing.T, s Store, c *Clock) {
	g := consentParties(t, s)
	begins := c.T.Add(2 * time.Hour)
	z := safeArea("later", "Later", square(36, 35, 1))
	z.Valid.From = begins
	mustCreate(t, s, z, safezones.StatusProposed)
	mustPolicy(t, s, "later", `{"all":["syria"]}`)
	// A zone whose validity ended before consent arrived never comes in.
	gone := safeArea("gone", "Gone", square(37, 35, 1))
	gone.Valid = safezones.TimeWindow{From: c.T.Add(-2 * time.Hour), To: c.T.Add(-time.Hour)}
	mustCreate(t, s, gone, safezones.StatusProposed)
	mustPolicy(t, s, "gone", `{"all":["syria"]}`)

	c.T = c.T.Add(time.Minute)
	for _, id := range []string{"later", "gone"} {
		res, err := g["syria"].decide(t, s, c, id, 1, safezones.VerdictApprove)
		if err != nil || res.Zone.Status != safezones.StatusProposed {
			t.Fatalf("approve %s before/after its validity = %+v, %v; want it still proposed", id, res, err)
		}
	}
	if ch, err := s.ActivateDue(ctx, c.T); err != nil || len(ch) != 0 {
		t.Fatalf("ActivateDue(before validity) = %v, %v; want nothing", ch, err)
	}
	c.T = begins.Add(90 * time.Minute)
	ch, err := s.ActivateDue(ctx, c.T)
	if err != nil || len(ch) != 1 || ch[0].ZoneID != "later" || ch[0].Status != safezones.StatusActive || !ch[0].At.Equal(begins) || ch[0].By != "syria" {
		t.Fatalf("ActivateDue(after validity began) = %+v, %v; want later active from %s, by syria", ch, err, begins)
	}
	if _, err := s.ZoneAsOf(ctx, "later", begins.Add(time.Minute)); err != nil {
		t.Errorf("ZoneAsOf(later, just after validity began) = %v; want in force", err)
	}
	if _, err := s.ZoneAsOf(ctx, "later", begins.Add(-time.Minute)); safezones.ErrorCode(err) != safezones.CodeNotFound {
		t.Errorf("ZoneAsOf(later, before validity) = %v; want none in force", err)
	}
	if ch, _ := s.ActivateDue(ctx, c.T); len(ch) != 0 {
		t.Errorf("second ActivateDue = %v; want nothing", ch)
	}
}

func testDecisionRefusals(t *testing.T, s Store, c *Clock) {
	g := consentParties(t, s)
	v1 := mustCreate(t, s, safeArea("z", "Z", square(36, 35, 1)), safezones.StatusProposed)
	mustPolicy(t, s, "z", `{"all":["syria","russia"]}`)
	c.T = c.T.Add(time.Minute)
	first := g["syria"].sign(t, g["syria"].payload(v1, safezones.VerdictReject, c.T))
	if _, err := s.RecordDecision(ctx, first, "syria"); err != nil {
		t.Fatal(err)
	}
	// A superseded version: zone "old" v1 replaced by v2 in force.
	old := mustCreate(t, s, safeArea("old", "Old", square(37, 35, 1)), safezones.StatusActive)
	terms := old.Terms
	terms.Name = "Old, amended"
	if _, err := s.AddVersion(ctx, "old", 1, terms, "operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, safezones.StatusChange{ZoneID: "old", Version: 2, Status: safezones.StatusActive}); err != nil {
		t.Fatal(err)
	}
	mustRole(t, s, "old", "syria", safezones.PartyRoleHost)
	// A rotated key: registered, then revoked.
	c.T = c.T.Add(time.Minute)
	retired := mustSigner(t, s, "russia")
	if _, err := s.RevokeKey(ctx, "russia", retired.keyID, "operator"); err != nil {
		t.Fatal(err)
	}
	_, stranger, _ := consent.GenerateKey()
	unregistered := signer{party: "syria", keyID: consent.KeyID(stranger.Public().(ed25519.PublicKey)), priv: stranger}

	c.T = c.T.Add(time.Minute)
	now := c.T
	syria, russia := g["syria"], g["russia"]
	cases := []struct {
		name  string
		d     func() safezones.SignedDecision
		code  safezones.Code
		field string
	}{
		{"tampered payload", func() safezones.SignedDecision {
			d := syria.sign(t, syria.payload(v1, safezones.VerdictApprove, now))
			d.Payload = []byte(strings.Replace(string(d.Payload), `"verdict":"approve"`, `"verdict":"withdraw"`, 1))
			return d
		}, safezones.CodeInvalid, "signature"},
		{"signed by another party's key", func() safezones.SignedDecision {
			p := syria.payload(v1, safezones.VerdictApprove, now)
			return signer{party: "syria", keyID: syria.keyID, priv: russia.priv}.sign(t, p)
		}, safezones.CodeInvalid, "signature"},
		{"naming another party's key", func() safezones.SignedDecision {
			p := syria.payload(v1, safezones.VerdictApprove, now)
			p.KeyID = russia.keyID
			return russia.sign(t, p)
		}, safezones.CodeForbidden, "payload.key_id"},
		{"unregistered key", func() safezones.SignedDecision {
			return unregistered.sign(t, unregistered.payload(v1, safezones.VerdictApprove, now))
		}, safezones.CodeForbidden, "payload.key_id"},
		{"revoked key", func() safezones.SignedDecision {
			return retired.sign(t, retired.payload(v1, safezones.VerdictApprove, now))
		}, safezones.CodeForbidden, "payload.key_id"},
		{"wrong hash", func() safezones.SignedDecision {
			p := russia.payload(v1, safezones.VerdictApprove, now)
			p.Hash = strings.Repeat("0", 64)
			return russia.sign(t, p)
		}, safezones.CodeConflict, "payload.hash"},
		{"unknown version", func() safezones.SignedDecision {
			p := russia.payload(v1, safezones.VerdictApprove, now)
			p.Version = 7
			return russia.sign(t, p)
		}, safezones.CodeNotFound, ""},
		{"superseded version", func() safezones.SignedDecision {
			return syria.sign(t, syria.payload(old, safezones.VerdictSuspend, now))
		}, safezones.CodeConflict, "payload.version"},
		{"signed too long ago", func() safezones.SignedDecision {
			return russia.sign(t, russia.payload(v1, safezones.VerdictApprove, now.Add(-consent.MaxAge-time.Minute)))
		}, safezones.CodeInvalid, "payload.signed_at"},
		{"signed in the future", func() safezones.SignedDecision {
			return russia.sign(t, russia.payload(v1, safezones.VerdictApprove, now.Add(time.Hour)))
		}, safezones.CodeInvalid, "payload.signed_at"},
		{"older than the party's last decision", func() safezones.SignedDecision {
			return syria.sign(t, syria.payload(v1, safezones.VerdictApprove, now.Add(-2*time.Minute)))
		}, safezones.CodeConflict, "payload.signed_at"},
		{"replayed", func() safezones.SignedDecision { return first }, safezones.CodeConflict, ""},
		{"unknown field", func() safezones.SignedDecision {
			d := russia.sign(t, russia.payload(v1, safezones.VerdictApprove, now))
			d.Payload = []byte(strings.Replace(string(d.Payload), `{`, `{"extra":1,`, 1))
			return d
		}, safezones.CodeInvalid, "payload"},
		{"wrong payload type", func() safezones.SignedDecision {
			p := russia.payload(v1, safezones.VerdictApprove, now)
			p.Type = "safezones.acknowledgement.v1"
			return russia.sign(t, p)
		}, safezones.CodeInvalid, "payload.type"},
		{"short signature", func() safezones.SignedDecision {
			d := russia.sign(t, russia.payload(v1, safezones.VerdictApprove, now))
			d.Signature = d.Signature[:63]
			return d
		}, safezones.CodeInvalid, "signature"},
		{"no payload", func() safezones.SignedDecision {
			return safezones.SignedDecision{Signature: make([]byte, 64)}
		}, safezones.CodeInvalid, "payload"},
	}
	before, _ := s.Decisions(ctx, "z")
	size, _ := s.LedgerSize(ctx)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.RecordDecision(ctx, tc.d(), "test")
			wantCode(t, "RecordDecision("+tc.name+")", err, tc.code, tc.field)
		})
	}
	after, _ := s.Decisions(ctx, "z")
	if n, _ := s.LedgerSize(ctx); len(after) != len(before) || n != size {
		t.Errorf("refused decisions changed the store: %d decisions and %d ledger entries, were %d and %d", len(after), n, len(before), size)
	}
	if st := statusOf(t, s, "z", 1); st != safezones.StatusProposed {
		t.Errorf("after refused decisions the version is %s, want proposed", st)
	}
	// The same verdict, properly signed with the new key, goes through.
	res, err := syria.decide(t, s, c, "z", 1, safezones.VerdictApprove)
	if err != nil || res.Decision.RecordedBy != "syria" || res.Decision.Source.Kind != safezones.SourceReal {
		t.Fatalf("valid decision = %+v, %v", res, err)
	}
	ds, _ := s.Decisions(ctx, "z")
	if d := cmp.Diff(res.Decision, &ds[len(ds)-1]); d != "" {
		t.Errorf("Decisions() last differs from what RecordDecision returned (-recorded +read):\n%s", d)
	}
	if err := consent.Verify(mustKey(t, s, "syria", syria.keyID), ds[len(ds)-1].Payload, ds[len(ds)-1].Signature); err != nil {
		t.Errorf("a stored decision does not verify: %v", err)
	}
	_, err = s.Decisions(ctx, "nowhere")
	wantCode(t, "Decisions(nowhere)", err, safezones.CodeNotFound, "")
}

func mustKey(t *testing.T, s Store, party, keyID string) []byte {
	t.Helper()
	keys, err := s.PartyKeys(ctx, party)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.ID == keyID {
			return k.PublicKey
		}
	}
	t.Fatalf("party %s has no key %s", party, keyID)
	return nil
}

// testPresumedConsent checks a version recorded as in force by the
// operator: parties that have not decided on it count as consenting.
func testPresumedConsent(t *testing.T, s Store, c *Clock) {
	g := consentParties(t, s)
	mustCreate(t, s, safeArea("agreed", "Agreed elsewhere", square(36, 35, 1)), safezones.StatusActive)
	mustPolicy(t, s, "agreed", `{"at_least":2,"of":["russia","turkey","iran"]}`)
	mustRole(t, s, "agreed", "usa", safezones.PartyRoleFunder)
	for i, st := range []step{
		{"usa", safezones.VerdictSuspend, safezones.StatusActive, ""},
		{"russia", safezones.VerdictSuspend, safezones.StatusActive, ""},
		{"iran", safezones.VerdictReject, safezones.StatusSuspended, ""},
		{"iran", safezones.VerdictApprove, safezones.StatusActive, ""},
	} {
		c.T = c.T.Add(time.Minute)
		if _, err := g[st.party].decide(t, s, c, "agreed", 1, st.verdict); err != nil {
			t.Fatalf("step %d: %s %s: %v", i, st.party, st.verdict, err)
		}
		if got := statusOf(t, s, "agreed", 1); got != st.want {
			t.Fatalf("step %d: after %s %s the version is %s, want %s", i, st.party, st.verdict, got, st.want)
		}
	}
}

func testCommitments(t *testing.T, s Store, c *Clock) {
	mustParty(t, s, "qatar", safezones.PartyFunder)
	mustParty(t, s, "turkey", safezones.PartyState)
	mustCreate(t, s, safeArea("z", "Z", square(36, 35, 1)), safezones.StatusProposed)
	funding := func(mod func(*safezones.Commitment)) *safezones.Commitment {
		cm := &safezones.Commitment{ZoneID: "z", PartyID: "qatar", Kind: safezones.CommitmentFunding, Quantity: 100, Currency: "USD"}
		mod(cm)
		return cm
	}
	cases := []struct {
		name  string
		c     *safezones.Commitment
		code  safezones.Code
		field string
	}{
		{"unknown kind", funding(func(c *safezones.Commitment) { c.Kind = "goodwill" }), safezones.CodeInvalid, "kind"},
		{"zero quantity", funding(func(c *safezones.Commitment) { c.Quantity = 0 }), safezones.CodeInvalid, "quantity"},
		{"funding without currency", funding(func(c *safezones.Commitment) { c.Currency = "" }), safezones.CodeInvalid, "currency"},
		{"lowercase currency", funding(func(c *safezones.Commitment) { c.Currency = "usd" }), safezones.CodeInvalid, "currency"},
		{"troops with currency", funding(func(c *safezones.Commitment) { c.Kind = safezones.CommitmentTroops }), safezones.CodeInvalid, "currency"},
		{"pledged in the future", funding(func(cm *safezones.Commitment) { cm.PledgedAt = c.T.Add(time.Hour) }), safezones.CodeInvalid, "pledged_at"},
		{"unknown zone", funding(func(c *safezones.Commitment) { c.ZoneID = "nowhere" }), safezones.CodeNotFound, ""},
		{"unknown party", funding(func(c *safezones.Commitment) { c.PartyID = "atlantis" }), safezones.CodeInvalid, "party_id"},
	}
	for _, tc := range cases {
		_, err := s.Pledge(ctx, tc.c)
		wantCode(t, "Pledge("+tc.name+")", err, tc.code, tc.field)
	}
	pledged := c.T.Add(-24 * time.Hour)
	cm, err := s.Pledge(ctx, funding(func(cm *safezones.Commitment) {
		cm.ID, cm.PledgedAt, cm.CreatedBy = "qatar-usd", pledged, "qatar-signer"
		cm.Source = safezones.Source{Kind: safezones.SourceSimulated}
	}))
	if err != nil || cm.PledgedAt != pledged || cm.CreatedAt != c.T {
		t.Fatalf("Pledge = %+v, %v", cm, err)
	}
	_, err = s.Pledge(ctx, funding(func(c *safezones.Commitment) { c.ID = "qatar-usd" }))
	wantCode(t, "Pledge(duplicate id)", err, safezones.CodeConflict, "id")
	troops, err := s.Pledge(ctx, &safezones.Commitment{ZoneID: "z", PartyID: "turkey", Kind: safezones.CommitmentTroops, Quantity: 500})
	if err != nil || !strings.HasPrefix(troops.ID, "c-") || troops.Source.Kind != safezones.SourceOperator {
		t.Fatalf("Pledge(troops) = %+v, %v", troops, err)
	}

	if _, err := s.RecordDelivery(ctx, &safezones.Delivery{CommitmentID: "qatar-usd", Quantity: 40, CreatedBy: "qatar-reporter"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.RecordDelivery(ctx, &safezones.Delivery{CommitmentID: "qatar-usd", Quantity: 70})
	wantCode(t, "RecordDelivery(more than pledged)", err, safezones.CodeInvalid, "quantity")
	_, err = s.RecordDelivery(ctx, &safezones.Delivery{CommitmentID: "qatar-usd", Quantity: 0})
	wantCode(t, "RecordDelivery(zero)", err, safezones.CodeInvalid, "quantity")
	_, err = s.RecordDelivery(ctx, &safezones.Delivery{CommitmentID: "qatar-usd", Quantity: 1, DeliveredAt: c.T.Add(time.Hour)})
	wantCode(t, "RecordDelivery(future)", err, safezones.CodeInvalid, "delivered_at")
	_, err = s.RecordDelivery(ctx, &safezones.Delivery{CommitmentID: "ghost", Quantity: 1})
	wantCode(t, "RecordDelivery(ghost)", err, safezones.CodeNotFound, "")
	dl, err := s.RecordDelivery(ctx, &safezones.Delivery{CommitmentID: "qatar-usd", Quantity: 60})
	if err != nil || dl.ZoneID != "z" || dl.PartyID != "qatar" {
		t.Fatalf("RecordDelivery = %+v, %v; want zone and party taken from the commitment", dl, err)
	}

	got, err := s.Commitment(ctx, "qatar-usd")
	if err != nil || got.Delivered != 100 || len(got.Deliveries) != 2 || got.Deliveries[1].ID != dl.ID {
		t.Fatalf("Commitment(qatar-usd) = %+v, %v; want 100 delivered in 2 deliveries", got, err)
	}
	list, err := s.Commitments(ctx, "z")
	if err != nil || len(list) != 2 || list[0].ID != "qatar-usd" || list[1].Delivered != 0 {
		t.Fatalf("Commitments(z) = %+v, %v", list, err)
	}
	_, err = s.Commitments(ctx, "nowhere")
	wantCode(t, "Commitments(nowhere)", err, safezones.CodeNotFound, "")
	_, err = s.Commitment(ctx, "ghost")
	wantCode(t, "Commitment(ghost)", err, safezones.CodeNotFound, "")

	sum := consent.Summarize("z", nil, nil, nil, nil, list)
	want := []safezones.CommitmentTotal{
		{PartyID: "qatar", Kind: safezones.CommitmentFunding, Currency: "USD", SourceKind: safezones.SourceSimulated, Commitments: 1, Pledged: 100, Delivered: 100},
		{PartyID: "turkey", Kind: safezones.CommitmentTroops, SourceKind: safezones.SourceOperator, Commitments: 1, Pledged: 500},
	}
	if d := cmp.Diff(want, sum.Commitments); d != "" {
		t.Errorf("Summarize commitments (-want +got):\n%s", d)
	}
}

// checkConsentLedger checks that every consent record has its ledger
// entry: key registrations and revocations, policies, role assignments
// and removals, decisions, commitments and deliveries.
func checkConsentLedger(t *testing.T, s Store, byType map[string]int, parties []safezones.Party, zones []safezones.Zone) {
	t.Helper()
	want := map[string]int{}
	for _, p := range parties {
		keys, err := s.PartyKeys(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			want[safezones.LedgerPartyKey]++
			if !k.RevokedAt.IsZero() {
				want[safezones.LedgerPartyKeyRevocation]++
			}
		}
	}
	for _, z := range zones {
		pol, err := s.ZonePolicy(ctx, z.ID)
		if err != nil {
			t.Fatal(err)
		}
		want[safezones.LedgerZonePolicy] += len(pol.Changes)
		roles, _ := s.ZoneRoles(ctx, z.ID)
		for _, r := range roles {
			want[safezones.LedgerZoneRole]++
			if !r.RemovedAt.IsZero() {
				want[safezones.LedgerZoneRoleRemoval]++
			}
		}
		ds, _ := s.Decisions(ctx, z.ID)
		want[safezones.LedgerDecision] += len(ds)
		cs, _ := s.Commitments(ctx, z.ID)
		for _, c := range cs {
			want[safezones.LedgerCommitment]++
			want[safezones.LedgerDelivery] += len(c.Deliveries)
		}
	}
	for _, typ := range []string{safezones.LedgerPartyKey, safezones.LedgerPartyKeyRevocation, safezones.LedgerZonePolicy,
		safezones.LedgerZoneRole, safezones.LedgerZoneRoleRemoval, safezones.LedgerDecision, safezones.LedgerCommitment, safezones.LedgerDelivery} {
		if byType[typ] != want[typ] {
			t.Errorf("ledger has %d %s entries; the tables hold %d such records", byType[typ], typ, want[typ])
		}
	}
}
