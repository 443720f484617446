package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/sqlite"
)

// clock is a settable time for the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// world is a store with parties, members, tokens, keys, a zone and a
// pledge, for the consent and authorisation tests.
type world struct {
	t      *testing.T
	db     *sqlite.DB
	clock  *clock
	tokens map[string]string // member id -> bearer token
	keys   map[string]ed25519.PrivateKey
	keyIDs map[string]string // party -> its active key id
	// revokedKey is syria's retired key (registered, then revoked).
	revokedKey   ed25519.PrivateKey
	revokedKeyID string
	// tokenIDs maps member id -> its token's id.
	tokenIDs map[string]string
}

var ctx = context.Background()

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, db: mustOpenDB(t), clock: &clock{t: time.Now().UTC().Truncate(time.Second)},
		tokens: map[string]string{}, keys: map[string]ed25519.PrivateKey{}, keyIDs: map[string]string{}, tokenIDs: map[string]string{}}
	w.db.Now = w.clock.Now
	for _, p := range []struct {
		id   string
		kind safezones.PartyKind
	}{{"syria", safezones.PartyState}, {"russia", safezones.PartyState}, {"qatar", safezones.PartyFunder}, {"iran", safezones.PartyState}} {
		if _, err := w.db.CreateParty(ctx, &safezones.Party{ID: p.id, Name: p.id, Kind: p.kind}); err != nil {
			t.Fatal(err)
		}
	}
	members := []struct {
		id, party string
		role      safezones.MemberRole
	}{
		{"syria-admin", "syria", safezones.RoleAdmin}, {"syria-signer", "syria", safezones.RoleSigner},
		{"syria-reporter", "syria", safezones.RoleReporter}, {"syria-viewer", "syria", safezones.RoleViewer},
		{"russia-admin", "russia", safezones.RoleAdmin}, {"russia-signer", "russia", safezones.RoleSigner},
		{"qatar-signer", "qatar", safezones.RoleSigner}, {"qatar-reporter", "qatar", safezones.RoleReporter},
		{"syria-revoked", "syria", safezones.RoleAdmin}, {"syria-expired", "syria", safezones.RoleAdmin},
		{"iran-signer", "iran", safezones.RoleSigner},
	}
	for _, m := range members {
		if _, err := w.db.CreateMember(ctx, &safezones.Member{ID: m.id, PartyID: m.party, Name: m.id, Role: m.role}); err != nil {
			t.Fatal(err)
		}
		exp := time.Time{}
		if m.id == "syria-expired" {
			exp = w.clock.Now().Add(time.Minute)
		}
		tok, plain, err := w.db.CreateToken(ctx, m.id, "test", exp, "operator")
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[m.id], w.tokenIDs[m.id] = plain, tok.ID
	}
	if _, err := w.db.RevokeToken(ctx, w.tokenIDs["syria-revoked"], "operator"); err != nil {
		t.Fatal(err)
	}
	w.clock.add(2 * time.Minute) // syria-expired has expired
	for _, party := range []string{"syria", "russia", "qatar", "iran"} {
		pub, priv, _ := consent.GenerateKey()
		k, err := w.db.RegisterKey(ctx, party, pub, "operator")
		if err != nil {
			t.Fatal(err)
		}
		w.keys[party], w.keyIDs[party] = priv, k.ID
	}
	pub, priv, _ := consent.GenerateKey()
	k, err := w.db.RegisterKey(ctx, "syria", pub, "operator")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.RevokeKey(ctx, "syria", k.ID, "operator"); err != nil {
		t.Fatal(err)
	}
	w.revokedKey, w.revokedKeyID = priv, k.ID
	ring := geo.Ring{{Lon: 37.1, Lat: 36.1}, {Lon: 37.3, Lat: 36.1}, {Lon: 37.3, Lat: 36.3}, {Lon: 37.1, Lat: 36.3}, {Lon: 37.1, Lat: 36.1}}
	if _, err := w.db.CreateZone(ctx, &safezones.Zone{ID: "aleppo", Terms: safezones.Terms{Kind: safezones.KindSafeArea,
		Name: "Aleppo", Geometry: geo.Polygon{ring}}}, safezones.StatusProposed); err != nil {
		t.Fatal(err)
	}
	p, _ := safezones.ParseConsentPolicy([]byte(`{"all":["syria","russia"]}`))
	if _, _, err := w.db.SetZonePolicy(ctx, "aleppo", p, "operator", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.AssignZoneRole(ctx, "aleppo", "qatar", safezones.PartyRoleFunder, "operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.Pledge(ctx, &safezones.Commitment{ID: "qatar-usd", ZoneID: "aleppo", PartyID: "qatar",
		Kind: safezones.CommitmentFunding, Quantity: 1000, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) server() *httpapi.Server {
	skey, _, _ := note.GenerateKey(rand.Reader, "safezones-test")
	signer, _ := note.NewSigner(skey)
	return &httpapi.Server{Zones: w.db, Parties: w.db, Health: w.db, Ledger: w.db, LedgerSigner: signer,
		Members: w.db, Keys: w.db, Consent: w.db, Commitments: w.db, OperatorToken: testToken, PublicReads: true}
}

// decision returns the JSON body of party's verdict on the latest version
// of zone id, signed with priv under key id keyID.
func (w *world) decision(id, party, keyID string, priv ed25519.PrivateKey, v safezones.Verdict) []byte {
	w.t.Helper()
	z, err := w.db.Zone(ctx, id, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	canonical, sig, err := consent.Sign(priv, consent.NewPayload(z, party, keyID, v, "test", w.clock.Now()))
	if err != nil {
		w.t.Fatal(err)
	}
	return mustJSON(safezones.SignedDecision{Payload: canonical, Signature: sig})
}

// fingerprint is everything the store holds that a request could change,
// the ledger size included.
func (w *world) fingerprint() string {
	w.t.Helper()
	var b strings.Builder
	n, _ := w.db.LedgerSize(ctx)
	fmt.Fprintf(&b, "ledger %d\n", n)
	parties, _ := w.db.ListParties(ctx)
	for _, p := range parties {
		ms, _ := w.db.ListMembers(ctx, p.ID)
		ts, _ := w.db.ListTokens(ctx, p.ID)
		ks, _ := w.db.PartyKeys(ctx, p.ID)
		fmt.Fprintf(&b, "party %s %s %s %s\n", p.ID, mustJSON(ms), mustJSON(ts), mustJSON(ks))
	}
	page, _ := w.db.ListZones(ctx, safezones.ZoneFilter{})
	for _, z := range page.Zones {
		vs, chs, _ := w.db.ZoneHistory(ctx, z.ID)
		pol, _ := w.db.ZonePolicy(ctx, z.ID)
		roles, _ := w.db.ZoneRoles(ctx, z.ID)
		ds, _ := w.db.Decisions(ctx, z.ID)
		cs, _ := w.db.Commitments(ctx, z.ID)
		fmt.Fprintf(&b, "zone %s %d %s %s %s %s %s\n", z.ID, len(vs), mustJSON(chs), mustJSON(pol), mustJSON(roles), mustJSON(ds), mustJSON(cs))
	}
	return b.String()
}

// TestObjectLevelAuthorization tries every write endpoint as the wrong
// party, with too low a role, and with revoked, expired or no tokens and
// keys, and checks each is refused with 401 or 403 and changes nothing:
// not the store, not the ledger. Then it checks that the same actions by
// the right actor succeed, so that the refusals are not an accident of
// the setup.
func TestObjectLevelAuthorization(t *testing.T) {
	w := newWorld(t)
	ts := httptest.NewServer(w.server().Handler())
	t.Cleanup(ts.Close)

	syriaDecision := func(v safezones.Verdict) func() []byte {
		return func() []byte { return w.decision("aleppo", "syria", w.keyIDs["syria"], w.keys["syria"], v) }
	}
	static := func(s string) func() []byte { return func() []byte { return []byte(s) } }
	zone := `{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[36,35]},"properties":{"name":"X","kind":"protected_site","radius_m":10}}`
	cases := []struct {
		name, member, method, path string
		body                       func() []byte
		status                     int
	}{
		// Members and tokens.
		{"another party adds a member", "russia-admin", "POST", "/v1/parties/syria/members", static(`{"name":"mole","role":"admin"}`), 403},
		{"a signer adds a member", "syria-signer", "POST", "/v1/parties/syria/members", static(`{"name":"friend","role":"viewer"}`), 403},
		{"a signer raises its own role", "syria-signer", "POST", "/v1/parties/syria/members/syria-signer/role", static(`{"role":"admin"}`), 403},
		{"a viewer raises its own role", "syria-viewer", "POST", "/v1/parties/syria/members/syria-viewer/role", static(`{"role":"signer"}`), 403},
		{"another party changes a role", "russia-admin", "POST", "/v1/parties/syria/members/syria-viewer/role", static(`{"role":"admin"}`), 403},
		{"another party issues a token", "russia-admin", "POST", "/v1/parties/syria/members/syria-admin/tokens", static(`{}`), 403},
		{"a signer issues itself a token", "syria-signer", "POST", "/v1/parties/syria/members/syria-signer/tokens", static(`{}`), 403},
		{"another party lists tokens", "russia-admin", "GET", "/v1/parties/syria/tokens", nil, 403},
		{"a viewer lists tokens", "syria-viewer", "GET", "/v1/parties/syria/tokens", nil, 403},
		{"another party lists members", "russia-signer", "GET", "/v1/parties/syria/members", nil, 403},
		{"anonymous lists members", "", "GET", "/v1/parties/syria/members", nil, 401},
		{"another party revokes a token", "russia-admin", "POST", "/v1/parties/syria/tokens/" + w.tokenIDs["syria-signer"] + "/revoke", nil, 403},
		{"a viewer revokes another's token", "syria-viewer", "POST", "/v1/parties/syria/tokens/" + w.tokenIDs["syria-signer"] + "/revoke", nil, 403},
		// Keys.
		{"another party registers a key", "russia-admin", "POST", "/v1/parties/syria/keys", static(`{"public_key":"` + consent.EncodePublicKey(make([]byte, 32)) + `"}`), 403},
		{"a signer registers a key", "syria-signer", "POST", "/v1/parties/syria/keys", static(`{"public_key":"` + consent.EncodePublicKey(make([]byte, 32)) + `"}`), 403},
		{"another party revokes a key", "russia-admin", "POST", "/v1/parties/syria/keys/" + w.keyIDs["syria"] + "/revoke", nil, 403},
		{"a signer revokes a key", "syria-signer", "POST", "/v1/parties/syria/keys/" + w.keyIDs["syria"] + "/revoke", nil, 403},
		// Decisions.
		{"another party posts a decision", "russia-signer", "POST", "/v1/zones/aleppo/decisions", syriaDecision(safezones.VerdictApprove), 403},
		{"another party's admin posts a decision", "russia-admin", "POST", "/v1/zones/aleppo/decisions", syriaDecision(safezones.VerdictReject), 403},
		{"a viewer posts a decision", "syria-viewer", "POST", "/v1/zones/aleppo/decisions", syriaDecision(safezones.VerdictApprove), 403},
		{"a reporter posts a decision", "syria-reporter", "POST", "/v1/zones/aleppo/decisions", syriaDecision(safezones.VerdictApprove), 403},
		{"a revoked key", "syria-signer", "POST", "/v1/zones/aleppo/decisions", func() []byte {
			return w.decision("aleppo", "syria", w.revokedKeyID, w.revokedKey, safezones.VerdictApprove)
		}, 403},
		{"another party's key", "syria-signer", "POST", "/v1/zones/aleppo/decisions", func() []byte {
			return w.decision("aleppo", "syria", w.keyIDs["russia"], w.keys["russia"], safezones.VerdictApprove)
		}, 403},
		{"a party with no say on the zone", "iran-signer", "POST", "/v1/zones/aleppo/decisions", func() []byte {
			return w.decision("aleppo", "iran", w.keyIDs["iran"], w.keys["iran"], safezones.VerdictApprove)
		}, 403},
		{"a revoked token", "syria-revoked", "POST", "/v1/zones/aleppo/decisions", syriaDecision(safezones.VerdictApprove), 401},
		{"an expired token", "syria-expired", "POST", "/v1/zones/aleppo/decisions", syriaDecision(safezones.VerdictApprove), 401},
		{"no token", "", "POST", "/v1/zones/aleppo/decisions", syriaDecision(safezones.VerdictApprove), 401},
		// The operator's business.
		{"a party admin sets the policy", "syria-admin", "PUT", "/v1/zones/aleppo/policy", static(`{"policy":{"all":["syria"]}}`), 403},
		{"a party admin assigns a role", "syria-admin", "POST", "/v1/zones/aleppo/roles", static(`{"party_id":"syria","role":"host"}`), 403},
		{"a party admin removes a role", "syria-admin", "DELETE", "/v1/zones/aleppo/roles/qatar/funder", nil, 403},
		{"a party admin activates a zone", "syria-admin", "POST", "/v1/zones/aleppo/versions/1/status", static(`{"status":"active"}`), 403},
		{"a party admin proposes a zone", "syria-admin", "POST", "/v1/zones", static(zone), 403},
		{"a party admin creates a party", "syria-admin", "POST", "/v1/parties", static(`{"id":"x","name":"X","kind":"ngo"}`), 403},
		// Commitments.
		{"pledging for another party", "syria-signer", "POST", "/v1/zones/aleppo/commitments", static(`{"party_id":"qatar","kind":"funding","quantity":5,"currency":"USD"}`), 403},
		{"a reporter pledges", "qatar-reporter", "POST", "/v1/zones/aleppo/commitments", static(`{"kind":"funding","quantity":5,"currency":"USD"}`), 403},
		{"delivering for another party", "russia-signer", "POST", "/v1/zones/aleppo/commitments/qatar-usd/deliveries", static(`{"quantity":5}`), 403},
		{"a revoked token delivers", "syria-revoked", "POST", "/v1/zones/aleppo/commitments/qatar-usd/deliveries", static(`{"quantity":5}`), 401},
		{"an expired token pledges", "syria-expired", "POST", "/v1/zones/aleppo/commitments", static(`{"kind":"troops","quantity":5}`), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.fingerprint()
			var body []byte
			if tc.body != nil {
				body = tc.body()
			}
			status, resp := send(t, ts.URL, tc.method, tc.path, w.tokens[tc.member], body)
			if status != tc.status {
				t.Fatalf("%s %s as %q = %d %s, want %d", tc.method, tc.path, tc.member, status, resp, tc.status)
			}
			var e struct{ Error safezones.Error }
			if err := json.Unmarshal(resp, &e); err != nil || e.Error.Message == "" {
				t.Errorf("refusal without an error message: %s", resp)
			}
			if after := w.fingerprint(); after != before {
				t.Errorf("a refused request changed the store or the ledger:\nbefore %s\nafter  %s", before, after)
			}
		})
	}

	// The same actions by the right actors succeed.
	w.clock.add(time.Minute)
	allowed := []struct {
		name, member, method, path string
		body                       []byte
		status                     int
	}{
		{"an admin adds a member", "syria-admin", "POST", "/v1/parties/syria/members", []byte(`{"id":"syria-new","name":"new","role":"signer"}`), 201},
		{"an admin lowers a role", "syria-admin", "POST", "/v1/parties/syria/members/syria-new/role", []byte(`{"role":"viewer"}`), 200},
		{"an admin issues a token", "syria-admin", "POST", "/v1/parties/syria/members/syria-new/tokens", []byte(`{}`), 201},
		{"a viewer lists its party's members", "syria-viewer", "GET", "/v1/parties/syria/members", nil, 200},
		{"an admin registers a key", "syria-admin", "POST", "/v1/parties/syria/keys", []byte(`{"public_key":"` + consent.EncodePublicKey(make([]byte, 32)) + `"}`), 201},
		{"the signer signs for its party", "syria-signer", "POST", "/v1/zones/aleppo/decisions", w.decision("aleppo", "syria", w.keyIDs["syria"], w.keys["syria"], safezones.VerdictApprove), 201},
		{"the operator relays a signed decision", "", "POST", "/v1/zones/aleppo/decisions", w.decision("aleppo", "russia", w.keyIDs["russia"], w.keys["russia"], safezones.VerdictApprove), 201},
		{"a signer pledges for its party", "qatar-signer", "POST", "/v1/zones/aleppo/commitments", []byte(`{"kind":"funding","quantity":5,"currency":"QAR"}`), 201},
		{"a reporter records a delivery", "qatar-reporter", "POST", "/v1/zones/aleppo/commitments/qatar-usd/deliveries", []byte(`{"quantity":5}`), 201},
		{"a member revokes its own token", "syria-viewer", "POST", "/v1/parties/syria/tokens/" + w.tokenIDs["syria-viewer"] + "/revoke", nil, 200},
	}
	for _, tc := range allowed {
		tok := w.tokens[tc.member]
		if tc.member == "" {
			tok = testToken
		}
		if status, resp := send(t, ts.URL, tc.method, tc.path, tok, tc.body); status != tc.status {
			t.Errorf("%s: %s %s = %d %s, want %d", tc.name, tc.method, tc.path, status, resp, tc.status)
		}
	}
	if z, _ := w.db.Zone(ctx, "aleppo", 1); z.Status != safezones.StatusActive {
		t.Errorf("after both approvals the zone is %s, want active", z.Status)
	}
	// The revoked own token no longer works.
	if status, _ := send(t, ts.URL, "GET", "/v1/me", w.tokens["syria-viewer"], nil); status != http.StatusUnauthorized {
		t.Errorf("GET /v1/me with a token its member revoked = %d, want 401", status)
	}
}

func send(t *testing.T, base, method, path, token string, body []byte) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = strings.NewReader(string(body))
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestOpenAPIConsent drives the member, key and consent routes through a
// session and validates every request and response against the document.
func TestOpenAPIConsent(t *testing.T) {
	w := newWorld(t)
	a := newAPITest(t, w.server())
	op := testToken
	admin, signer, viewer := w.tokens["syria-admin"], w.tokens["syria-signer"], w.tokens["syria-viewer"]

	// Who am I.
	if me := a.do(call{method: "GET", path: "/v1/me", token: signer, status: 200}).json(t); me["party_id"] != "syria" || me["role"] != "signer" || me["member_id"] != "syria-signer" {
		t.Errorf("GET /v1/me as syria-signer = %v", me)
	}
	if me := a.do(call{method: "GET", path: "/v1/me", token: op, status: 200}).json(t); me["operator"] != true || me["role"] != "admin" {
		t.Errorf("GET /v1/me as the operator = %v", me)
	}
	a.do(call{method: "GET", path: "/v1/me", status: 401, invalid: true})
	a.do(call{method: "GET", path: "/v1/me", token: "sz_aaaaaaaaaaaaaaaa_" + strings.Repeat("a", 52), status: 401})

	// Members and tokens.
	r := a.do(call{method: "POST", path: "/v1/parties/syria/members", token: admin, status: 201, body: []byte(`{"name":"Liaison officer","role":"signer"}`)})
	newMember := r.json(t)["id"].(string)
	if loc := r.header.Get("Location"); loc != "/v1/parties/syria/members/"+newMember {
		t.Errorf("Location = %q", loc)
	}
	a.do(call{method: "POST", path: "/v1/parties/syria/members", token: admin, status: 400, invalid: true, body: []byte(`{"name":"X","role":"owner"}`)})
	a.do(call{method: "POST", path: "/v1/parties/syria/members", token: admin, status: 400, invalid: true, body: []byte(`{"name":"X","role":"viewer","party_id":"russia"}`)})
	a.do(call{method: "POST", path: "/v1/parties/syria/members", token: admin, status: 409, body: []byte(`{"id":"syria-viewer","name":"X","role":"viewer"}`)})
	a.do(call{method: "POST", path: "/v1/parties/nobody/members", token: op, status: 404, body: []byte(`{"name":"X","role":"viewer"}`)})
	a.do(call{method: "POST", path: "/v1/parties/syria/members", token: viewer, status: 403, body: []byte(`{"name":"X","role":"viewer"}`)})
	if ms := a.do(call{method: "GET", path: "/v1/parties/syria/members", token: viewer, status: 200}).json(t)["members"].([]any); len(ms) != 7 {
		t.Errorf("syria has %d members, want 7", len(ms))
	}
	a.do(call{method: "GET", path: "/v1/parties/nobody/members", token: op, status: 404})
	a.do(call{method: "POST", path: "/v1/parties/syria/members/" + newMember + "/role", token: admin, status: 200, body: []byte(`{"role":"reporter"}`)})
	a.do(call{method: "POST", path: "/v1/parties/syria/members/russia-admin/role", token: op, status: 404, body: []byte(`{"role":"viewer"}`)})
	a.do(call{method: "POST", path: "/v1/parties/syria/members/syria-signer/role", token: signer, status: 403, body: []byte(`{"role":"admin"}`)})
	tok := a.do(call{method: "POST", path: "/v1/parties/syria/members/" + newMember + "/tokens", token: admin, status: 201,
		body: []byte(`{"name":"field laptop","expires_at":"` + w.clock.Now().Add(48*time.Hour).Format(time.RFC3339) + `"}`)})
	if tok.header.Get("Cache-Control") != "no-store" {
		t.Error("a new token's response may be cached")
	}
	created := tok.json(t)
	plain := created["token"].(string)
	if me := a.do(call{method: "GET", path: "/v1/me", token: plain, status: 200}).json(t); me["member_id"] != newMember || me["role"] != "reporter" {
		t.Errorf("the new token acts as %v", me)
	}
	a.do(call{method: "POST", path: "/v1/parties/syria/members/" + newMember + "/tokens", token: admin, status: 400, body: []byte(`{"expires_at":"2001-01-01T00:00:00Z"}`)})
	a.do(call{method: "POST", path: "/v1/parties/syria/members/" + newMember + "/tokens", token: admin, status: 400, invalid: true, body: []byte(`{"expires_at":"soon"}`)})
	a.do(call{method: "POST", path: "/v1/parties/syria/members/ghost/tokens", token: admin, status: 404, body: []byte(`{}`)})
	list := a.do(call{method: "GET", path: "/v1/parties/syria/tokens", token: admin, status: 200})
	if strings.Contains(string(list.body), plain[20:]) {
		t.Error("the token list shows a secret")
	}
	a.do(call{method: "GET", path: "/v1/parties/syria/tokens", token: viewer, status: 403})
	a.do(call{method: "POST", path: "/v1/parties/syria/tokens/" + created["id"].(string) + "/revoke", token: admin, status: 200})
	a.do(call{method: "POST", path: "/v1/parties/syria/tokens/" + created["id"].(string) + "/revoke", token: admin, status: 409})
	a.do(call{method: "POST", path: "/v1/parties/syria/tokens/ghost/revoke", token: admin, status: 404})
	a.do(call{method: "POST", path: "/v1/parties/russia/tokens/" + w.tokenIDs["syria-signer"] + "/revoke", token: op, status: 404})
	a.do(call{method: "GET", path: "/v1/me", token: plain, status: 401})

	// Keys.
	pub, priv, _ := consent.GenerateKey()
	r = a.do(call{method: "POST", path: "/v1/parties/syria/keys", token: admin, status: 201, body: mustJSON(map[string]string{"public_key": consent.EncodePublicKey(pub)})})
	newKey := r.json(t)["id"].(string)
	if newKey != consent.KeyID(pub) {
		t.Errorf("registered key id %s, want %s", newKey, consent.KeyID(pub))
	}
	a.do(call{method: "POST", path: "/v1/parties/syria/keys", token: admin, status: 409, body: mustJSON(map[string]string{"public_key": consent.EncodePublicKey(pub)})})
	a.do(call{method: "POST", path: "/v1/parties/syria/keys", token: admin, status: 400, body: []byte(`{"public_key":"c2hvcnQ="}`)})
	a.do(call{method: "POST", path: "/v1/parties/syria/keys", token: admin, status: 400, invalid: true, body: []byte(`{}`)})
	a.do(call{method: "POST", path: "/v1/parties/nobody/keys", token: op, status: 404, body: mustJSON(map[string]string{"public_key": consent.EncodePublicKey(make([]byte, 32))})})
	if ks := a.do(call{method: "GET", path: "/v1/parties/syria/keys", status: 200}).json(t)["keys"].([]any); len(ks) != 3 {
		t.Errorf("syria has %d keys, want 3", len(ks))
	}
	a.do(call{method: "GET", path: "/v1/parties/nobody/keys", status: 404})

	// Policy and roles.
	if p := a.do(call{method: "GET", path: "/v1/zones/aleppo/policy", status: 200}).json(t); p["source"] != "explicit" {
		t.Errorf("policy = %v", p)
	}
	a.do(call{method: "GET", path: "/v1/zones/nowhere/policy", status: 404})
	r = a.do(call{method: "PUT", path: "/v1/zones/aleppo/policy", token: op, status: 400,
		body: []byte(`{"policy":{"all":["syria",{"at_least":3,"of":["russia","qatar"]}]}}`)})
	if f := r.json(t)["error"].(map[string]any)["field"]; f != "policy.all[1].at_least" {
		t.Errorf("at_least above its list: field %v, want policy.all[1].at_least", f)
	}
	r = a.do(call{method: "PUT", path: "/v1/zones/aleppo/policy", token: op, status: 400, body: []byte(`{"policy":{"all":["syria","atlantis"]}}`)})
	if f := r.json(t)["error"].(map[string]any)["field"]; f != "policy.all[1]" {
		t.Errorf("unknown party: field %v, want policy.all[1]", f)
	}
	a.do(call{method: "PUT", path: "/v1/zones/aleppo/policy", token: op, status: 400, invalid: true, body: []byte(`{"policy":{"some":["syria"]}}`)})
	a.do(call{method: "PUT", path: "/v1/zones/aleppo/policy", token: op, status: 400, invalid: true, body: []byte(`{"reason":"none"}`)})
	a.do(call{method: "PUT", path: "/v1/zones/nowhere/policy", token: op, status: 404, body: []byte(`{"policy":"syria"}`)})
	a.do(call{method: "PUT", path: "/v1/zones/aleppo/policy", token: admin, status: 403, body: []byte(`{"policy":"syria"}`)})
	r = a.do(call{method: "PUT", path: "/v1/zones/aleppo/policy", token: op, status: 200,
		body: []byte(`{"policy":{"all":["syria",{"any":["russia","qatar"]}]},"reason":"host and one more"}`)})
	if p := r.json(t); len(p["changes"].([]any)) != 2 || len(p["status_changes"].([]any)) != 0 {
		t.Errorf("PUT policy = %v", p)
	}
	a.do(call{method: "POST", path: "/v1/zones/aleppo/roles", token: op, status: 201, body: []byte(`{"party_id":"syria","role":"host"}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/roles", token: op, status: 409, body: []byte(`{"party_id":"syria","role":"host"}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/roles", token: op, status: 400, invalid: true, body: []byte(`{"party_id":"syria","role":"landlord"}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/roles", token: op, status: 400, body: []byte(`{"party_id":"atlantis","role":"monitor"}`)})
	a.do(call{method: "POST", path: "/v1/zones/nowhere/roles", token: op, status: 404, body: []byte(`{"party_id":"syria","role":"host"}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/roles", token: op, status: 201, body: []byte(`{"party_id":"russia","role":"guarantor"}`)})
	a.do(call{method: "DELETE", path: "/v1/zones/aleppo/roles/russia/guarantor", token: op, status: 200})
	a.do(call{method: "DELETE", path: "/v1/zones/aleppo/roles/russia/guarantor", token: op, status: 404})
	a.do(call{method: "DELETE", path: "/v1/zones/aleppo/roles/russia/landlord", token: op, status: 404, invalid: true})
	if rs := a.do(call{method: "GET", path: "/v1/zones/aleppo/roles", status: 200}).json(t)["roles"].([]any); len(rs) != 3 {
		t.Errorf("aleppo has %d role assignments, want 3", len(rs))
	}
	a.do(call{method: "GET", path: "/v1/zones/nowhere/roles", status: 404})

	// Decisions.
	w.clock.add(time.Minute)
	r = a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: signer, status: 201,
		body: w.decision("aleppo", "syria", w.keyIDs["syria"], w.keys["syria"], safezones.VerdictApprove)})
	if res := r.json(t); res["zone"].(map[string]any)["status"] != "proposed" || fmt.Sprint(res["awaiting"]) != "[qatar russia]" {
		t.Errorf("syria's approval = %v; want proposed, awaiting qatar and russia", res)
	}
	w.clock.add(time.Minute)
	replay := w.decision("aleppo", "syria", w.keyIDs["syria"], w.keys["syria"], safezones.VerdictApprove)
	a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: signer, status: 201, body: replay})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: signer, status: 409, body: replay})
	tampered := strings.Replace(string(w.decision("aleppo", "syria", newKey, priv, safezones.VerdictReject)), `"reason":"test"`, `"reason":"edited"`, 1)
	r = a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: signer, status: 400, body: []byte(tampered)})
	if f := r.json(t)["error"].(map[string]any)["field"]; f != "signature" {
		t.Errorf("tampered payload: field %v, want signature", f)
	}
	other := w.decision("aleppo", "syria", newKey, priv, safezones.VerdictReject)
	a.do(call{method: "POST", path: "/v1/zones/russia-zone/decisions", token: signer, status: 400, body: other})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: signer, status: 400, invalid: true, body: []byte(`{"payload":{"type":"safezones.decision.v1"},"signature":"AAAA"}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: viewer, status: 403, body: other})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", status: 401, invalid: true, body: other})
	// A new version: a decision naming the old hash is refused.
	z1, _ := w.db.Zone(ctx, "aleppo", 1)
	t2 := z1.Terms
	t2.Name = "Aleppo, enlarged"
	if _, err := w.db.AddVersion(ctx, "aleppo", 1, t2, "operator"); err != nil {
		t.Fatal(err)
	}
	w.clock.add(time.Minute)
	stale := consent.NewPayload(z1, "russia", w.keyIDs["russia"], safezones.VerdictApprove, "", w.clock.Now())
	stale.Version = 2
	canonical, sig, _ := consent.Sign(w.keys["russia"], stale)
	r = a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: w.tokens["russia-signer"], status: 409,
		body: mustJSON(safezones.SignedDecision{Payload: canonical, Signature: sig})})
	if f := r.json(t)["error"].(map[string]any)["field"]; f != "payload.hash" {
		t.Errorf("version 2 with version 1's hash: field %v, want payload.hash", f)
	}
	unknownVersion := stale
	unknownVersion.Version = 9
	canonical, sig, _ = consent.Sign(w.keys["russia"], unknownVersion)
	a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: w.tokens["russia-signer"], status: 404,
		body: mustJSON(safezones.SignedDecision{Payload: canonical, Signature: sig})})
	r = a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: w.tokens["russia-signer"], status: 201,
		body: w.decision("aleppo", "russia", w.keyIDs["russia"], w.keys["russia"], safezones.VerdictApprove)})
	if res := r.json(t); res["zone"].(map[string]any)["version"] != 2.0 || res["zone"].(map[string]any)["status"] != "proposed" {
		t.Errorf("russia's approval of v2 = %v; want v2 proposed (syria approved v1 only)", res)
	}
	w.clock.add(time.Minute)
	r = a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: signer, status: 201,
		body: w.decision("aleppo", "syria", w.keyIDs["syria"], w.keys["syria"], safezones.VerdictApprove)})
	if res := r.json(t); res["zone"].(map[string]any)["status"] != "active" || len(res["status_changes"].([]any)) != 1 {
		t.Errorf("syria's approval of v2 = %v; want v2 active", res)
	}
	// The superseded version is closed to decisions.
	w.clock.add(time.Minute)
	old := consent.NewPayload(z1, "syria", w.keyIDs["syria"], safezones.VerdictSuspend, "", w.clock.Now())
	canonical, sig, _ = consent.Sign(w.keys["syria"], old)
	a.do(call{method: "POST", path: "/v1/zones/aleppo/decisions", token: signer, status: 409,
		body: mustJSON(safezones.SignedDecision{Payload: canonical, Signature: sig})})
	ds := a.do(call{method: "GET", path: "/v1/zones/aleppo/decisions", status: 200}).json(t)["decisions"].([]any)
	if len(ds) != 4 {
		t.Errorf("aleppo has %d decisions, want 4", len(ds))
	}
	a.do(call{method: "GET", path: "/v1/zones/nowhere/decisions", status: 404})
	a.do(call{method: "POST", path: "/v1/parties/syria/keys/" + newKey + "/revoke", token: admin, status: 200})
	a.do(call{method: "POST", path: "/v1/parties/syria/keys/" + newKey + "/revoke", token: admin, status: 409})
	a.do(call{method: "POST", path: "/v1/parties/russia/keys/" + newKey + "/revoke", token: op, status: 404})

	// Commitments.
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments", token: w.tokens["qatar-signer"], status: 201,
		body: []byte(`{"kind":"monitors","quantity":20,"description":"observers","source":{"kind":"simulated","description":"test"}}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments", token: op, status: 201,
		body: []byte(`{"id":"qatar-troops","party_id":"qatar","kind":"troops","quantity":100,"pledged_at":"2017-05-06T00:00:00Z"}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments", token: op, status: 409, body: []byte(`{"id":"qatar-troops","party_id":"qatar","kind":"troops","quantity":1}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments", token: op, status: 400, body: []byte(`{"kind":"troops","quantity":1}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments", token: op, status: 400, invalid: true, body: []byte(`{"party_id":"qatar","kind":"hope","quantity":1}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments", token: op, status: 400, body: []byte(`{"party_id":"qatar","kind":"funding","quantity":1}`)})
	a.do(call{method: "POST", path: "/v1/zones/nowhere/commitments", token: op, status: 404, body: []byte(`{"party_id":"qatar","kind":"troops","quantity":1}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments/qatar-usd/deliveries", token: w.tokens["qatar-reporter"], status: 201,
		body: []byte(`{"quantity":400,"delivered_at":"2017-06-01T00:00:00Z"}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments/qatar-usd/deliveries", token: w.tokens["qatar-reporter"], status: 400, body: []byte(`{"quantity":601}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments/qatar-usd/deliveries", token: w.tokens["qatar-reporter"], status: 400, invalid: true, body: []byte(`{"quantity":0}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments/ghost/deliveries", token: op, status: 404, body: []byte(`{"quantity":1}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo/commitments/qatar-usd/deliveries", token: signer, status: 403, body: []byte(`{"quantity":1}`)})
	cs := a.do(call{method: "GET", path: "/v1/zones/aleppo/commitments", status: 200}).json(t)["commitments"].([]any)
	if len(cs) != 3 || cs[0].(map[string]any)["delivered"] != 400.0 {
		t.Errorf("commitments = %v", cs)
	}
	a.do(call{method: "GET", path: "/v1/zones/nowhere/commitments", status: 404})

	// Summary.
	sum := a.do(call{method: "GET", path: "/v1/zones/aleppo/summary", status: 200}).json(t)
	versions := sum["versions"].([]any)
	if len(versions) != 2 || versions[1].(map[string]any)["status"] != "active" || versions[0].(map[string]any)["status"] != "revoked" {
		t.Errorf("summary versions = %v", versions)
	}
	if n := len(sum["commitments"].([]any)); n != 3 {
		t.Errorf("summary commitments = %v", sum["commitments"])
	}
	a.do(call{method: "GET", path: "/v1/zones/nowhere/summary", status: 404})
}
