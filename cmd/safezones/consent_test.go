package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/demo"
	"github.com/safezones/safezones/evidence"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/incidents"
	"github.com/safezones/safezones/sqlite"
)

// runCLI runs the command line in-process and returns its error and
// output (stdout and stderr together).
func runCLI(t *testing.T, env map[string]string, args ...string) (error, string) {
	t.Helper()
	var out bytes.Buffer
	e := &environment{stdout: &out, stderr: &out, getenv: func(k string) string { return env[k] }}
	err := e.run(context.Background(), args)
	return err, out.String()
}

// consentServer serves a fresh store with parties syria and russia, a
// signer and an admin of syria (tokens returned), and a proposed zone
// "aleppo" in Syria: with no policy and no roles, it needs the approval of
// Syria, the state whose territory holds it.
func consentServer(t *testing.T) (url string, db *sqlite.DB, signer, admin string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cell.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for id, country := range map[string]string{"syria": "SYR", "russia": "RUS"} {
		if _, err := db.CreateParty(ctx, &safezones.Party{ID: id, Name: id, Kind: safezones.PartyState, Country: country}); err != nil {
			t.Fatal(err)
		}
	}
	tokens := map[safezones.MemberRole]string{}
	for _, role := range []safezones.MemberRole{safezones.RoleSigner, safezones.RoleAdmin} {
		m, err := db.CreateMember(ctx, &safezones.Member{PartyID: "syria", Name: string(role), Role: role})
		if err != nil {
			t.Fatal(err)
		}
		if _, tokens[role], err = db.CreateToken(ctx, m.ID, "", time.Time{}, "operator"); err != nil {
			t.Fatal(err)
		}
	}
	ring := geo.Ring{{Lon: 37.1, Lat: 36.1}, {Lon: 37.3, Lat: 36.1}, {Lon: 37.3, Lat: 36.3}, {Lon: 37.1, Lat: 36.3}, {Lon: 37.1, Lat: 36.1}}
	if _, err := db.CreateZone(ctx, &safezones.Zone{ID: "aleppo", Terms: safezones.Terms{Kind: safezones.KindSafeArea, Name: "Aleppo",
		Geometry: geo.Polygon{ring}}}, safezones.StatusProposed); err != nil {
		t.Fatal(err)
	}
	srv := &httpapi.Server{Zones: db, Parties: db, Health: db, OperatorToken: testToken, PublicReads: true}
	wireConsent(srv, db)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL, db, tokens[safezones.RoleSigner], tokens[safezones.RoleAdmin]
}

// TestApproveWithCLI makes a key with the CLI, registers it, and approves a
// zone with `zone approve`; the decision it signed verifies with
// crypto/ed25519 over the RFC 8785 form of the payload, computed
// independently of the safezones code.
func TestApproveWithCLI(t *testing.T) {
	url, db, signer, admin := consentServer(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "syria.key")

	err, out := runCLI(t, nil, "keys", "generate", "--out", keyFile)
	if err != nil {
		t.Fatalf("keys generate: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`key id:\s+([0-9a-f]{16})\npublic key: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("keys generate printed no key id and public key:\n%s", out)
	}
	keyID, pubB64 := m[1], m[2]
	if st, _ := os.Stat(keyFile); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	if err, _ := runCLI(t, nil, "keys", "generate", "--out", keyFile); exitCode(err, io.Discard) != 1 {
		t.Errorf("keys generate over an existing file: %v; want exit 1", err)
	}

	env := map[string]string{"SAFEZONES_SERVER": url, "SAFEZONES_TOKEN": signer}
	// A signer may not register keys; an admin may.
	if err, out := runCLI(t, env, "keys", "register", "--key", keyFile); exitCode(err, io.Discard) != 1 || !strings.Contains(err.Error(), "admin") {
		t.Errorf("keys register as a signer = %v\n%s; want exit 1 naming the admin role", err, out)
	}
	if err, out := runCLI(t, map[string]string{"SAFEZONES_SERVER": url, "SAFEZONES_TOKEN": admin}, "keys", "register", "--key", keyFile); err != nil {
		t.Fatalf("keys register: %v\n%s", err, out)
	}
	if err, out := runCLI(t, env, "zone", "approve", "aleppo"); exitCode(err, io.Discard) != 2 {
		t.Errorf("zone approve without --key = %v\n%s; want exit 2", err, out)
	}

	err, out = runCLI(t, env, "zone", "approve", "--key", keyFile, "--reason", "host consents", "aleppo")
	if err != nil {
		t.Fatalf("zone approve: %v\n%s", err, out)
	}
	if !strings.Contains(out, "version 1 is now active") {
		t.Errorf("zone approve printed:\n%s\nwant it to report version 1 active", out)
	}

	// Verify what was recorded, with the standard library and JCS only.
	resp, err := http.Get(url + "/v1/zones/aleppo/decisions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Decisions []struct {
			Payload   json.RawMessage `json:"payload"`
			Signature string          `json:"signature"`
		} `json:"decisions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || len(got.Decisions) != 1 {
		t.Fatalf("decisions = %+v, %v; want one", got, err)
	}
	d := got.Decisions[0]
	pub, _ := base64.StdEncoding.DecodeString(pubB64)
	sig, _ := base64.StdEncoding.DecodeString(d.Signature)
	signed, err := jcs.Transform(d.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), signed, sig) {
		t.Fatalf("the CLI's signature does not verify with crypto/ed25519 over\n%s", signed)
	}
	z, _ := db.Zone(context.Background(), "aleppo", 1)
	var p map[string]any
	json.Unmarshal(d.Payload, &p)
	want := map[string]any{"type": "safezones.decision.v1", "zone_id": "aleppo", "version": 1.0, "hash": z.Hash,
		"party_id": "syria", "key_id": keyID, "verdict": "approve", "reason": "host consents"}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("payload %s = %v, want %v", k, p[k], v)
		}
	}
	if z.Status != safezones.StatusActive {
		t.Errorf("zone after the approval: %s, want active", z.Status)
	}
	// A tampered copy of the same signature is refused.
	tampered := bytes.Replace(signed, []byte(`"verdict":"approve"`), []byte(`"verdict":"withdraw"`), 1)
	body, _ := json.Marshal(map[string]any{"payload": json.RawMessage(tampered), "signature": d.Signature})
	req, _ := http.NewRequest("POST", url+"/v1/zones/aleppo/decisions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+signer)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("tampered payload: %v %v; want 400", resp.Status, err)
	}

	// After rotation the old key is refused; the server says why.
	if err, out := runCLI(t, map[string]string{"SAFEZONES_SERVER": url, "SAFEZONES_TOKEN": admin}, "keys", "revoke", keyID); err != nil {
		t.Fatalf("keys revoke: %v\n%s", err, out)
	}
	err, out = runCLI(t, env, "zone", "suspend", "--key", keyFile, "aleppo")
	if exitCode(err, io.Discard) != 1 || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("zone suspend with a revoked key = %v\n%s; want exit 1 saying the key is revoked", err, out)
	}
	if err, out := runCLI(t, env, "keys", "list"); err != nil || !strings.Contains(out, keyID) {
		t.Errorf("keys list = %v\n%s", err, out)
	}
}

func TestPartyCLI(t *testing.T) {
	url, _, signer, _ := consentServer(t)
	op := map[string]string{"SAFEZONES_SERVER": url, "SAFEZONES_TOKEN": testToken}
	if err, out := runCLI(t, op, "party", "create", "--id", "qatar", "--name", "Qatar", "--kind", "funder", "--source", "simulated"); err != nil {
		t.Fatalf("party create: %v\n%s", err, out)
	}
	if err, out := runCLI(t, op, "party", "list"); err != nil || !strings.Contains(out, "qatar") {
		t.Errorf("party list = %v\n%s", err, out)
	}
	err, out := runCLI(t, op, "party", "add-member", "--party", "qatar", "--id", "qatar-desk", "--name", "Desk", "--role", "signer")
	if err != nil {
		t.Fatalf("party add-member: %v\n%s", err, out)
	}
	err, out = runCLI(t, op, "party", "token", "--party", "qatar", "--member", "qatar-desk", "--expires", "24h")
	if err != nil {
		t.Fatalf("party token: %v\n%s", err, out)
	}
	tok := regexp.MustCompile(`SAFEZONES_TOKEN=(sz_\S+)`).FindStringSubmatch(out)
	if tok == nil {
		t.Fatalf("party token printed no token:\n%s", out)
	}
	member := map[string]string{"SAFEZONES_SERVER": url, "SAFEZONES_TOKEN": tok[1]}
	if err, out := runCLI(t, member, "party", "members"); err != nil || !strings.Contains(out, "qatar-desk") {
		t.Errorf("party members as the new member = %v\n%s", err, out)
	}
	if err, out := runCLI(t, member, "party", "set-role", "qatar-desk", "admin"); exitCode(err, io.Discard) != 1 {
		t.Errorf("raising its own role = %v\n%s; want exit 1 (403)", err, out)
	}
	if err, _ := runCLI(t, member, "party", "members", "--party", "syria"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("listing another party's members = %v; want 403", err)
	}
	err, out = runCLI(t, op, "party", "tokens", "--party", "qatar")
	if err != nil || strings.Contains(out, tok[1][20:]) {
		t.Errorf("party tokens = %v\n%s; want the list without secrets", err, out)
	}
	id := strings.Split(tok[1], "_")[1]
	if err, out := runCLI(t, member, "party", "revoke-token", id); err != nil {
		t.Fatalf("revoke own token: %v\n%s", err, out)
	}
	if err, _ := runCLI(t, member, "party", "members"); exitCode(err, io.Discard) != 1 {
		t.Errorf("using a revoked token = %v; want exit 1", err)
	}
	if err, _ := runCLI(t, op, "party", "members"); exitCode(err, io.Discard) != 2 {
		t.Errorf("party members as the operator without --party = %v; want exit 2", err)
	}
	if err, _ := runCLI(t, map[string]string{"SAFEZONES_SERVER": url, "SAFEZONES_TOKEN": signer}, "party", "add-member", "--name", "x", "--role", "owner"); exitCode(err, io.Discard) != 2 {
		t.Errorf("party add-member with an unknown role = %v; want exit 2", err)
	}
	for _, args := range [][]string{{"party", "--help"}, {"keys", "--help"}, {"party", "token", "--help"}, {"zone", "approve", "--help"}, {"keys", "generate", "--help"}} {
		if err, out := runCLI(t, nil, args...); exitCode(err, io.Discard) != 0 || !strings.Contains(out, "Examples:") {
			t.Errorf("%v = %v\n%s; want exit 0 and a usage with examples", args, err, out)
		}
	}
}

// TestDemoConsent starts the demo and checks its consent scenario: the
// Aleppo proposal waits for Russia after Syria's simulated approval, the
// Gulf funders' pledges are there, and Russia's approval with the printed
// demo token and key brings the zone into force; the ledger then still
// verifies from outside, decisions and pledges included.
func TestDemoConsent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: io.Discard, ready: func(a string) { addrc <- a },
		getenv: func(k string) string {
			return map[string]string{"SAFEZONES_OPERATOR_TOKEN": testToken, "SAFEZONES_LOG_LEVEL": "warn"}[k]
		}}
	done := make(chan error, 1)
	go func() { done <- env.run(ctx, []string{"demo", "--addr", "127.0.0.1:0"}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo returned %v", err)
		}
	})
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("demo exited early: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("demo did not start within 60s")
	}
	banner := out.String()

	summary := func() safezones.ZoneSummary {
		t.Helper()
		status, body := request(t, "GET", base+"/v1/zones/eastern-aleppo-safe-area/summary", "")
		var s safezones.ZoneSummary
		if status != http.StatusOK || json.Unmarshal(body, &s) != nil {
			t.Fatalf("summary = %d %s", status, body)
		}
		return s
	}
	s := summary()
	if v := s.Versions[0]; v.Status != safezones.StatusProposed || strings.Join(v.Approved, ",") != "syria" || strings.Join(v.Awaiting, ",") != "russia" {
		t.Errorf("Aleppo at start: %+v; want proposed, approved by syria, awaiting russia", v)
	}
	for _, p := range s.Parties {
		if p.PartyID == "syria" && (len(p.Verdicts) != 1 || p.Verdicts[0].SourceKind != safezones.SourceSimulated) {
			t.Errorf("syria's verdicts %+v; want one simulated approval", p.Verdicts)
		}
	}
	status, body := request(t, "GET", base+"/v1/zones/idlib-safe-area/summary", "")
	var idlib safezones.ZoneSummary
	json.Unmarshal(body, &idlib)
	funders := map[string]bool{}
	for _, c := range idlib.Commitments {
		if c.SourceKind != safezones.SourceSimulated || c.Kind != safezones.CommitmentFunding || c.Pledged <= 0 {
			t.Errorf("Idlib commitment %+v; want simulated funding", c)
		}
		funders[c.PartyID] = true
	}
	if status != http.StatusOK || !funders["saudi-arabia"] || !funders["qatar"] || !funders["uae"] {
		t.Errorf("Idlib summary %d: commitments %+v; want pledges by saudi-arabia, qatar and uae", status, idlib.Commitments)
	}
	// The default policy of a zone in Syria without roles: Syria as host.
	status, body = request(t, "GET", base+"/v1/zones/eastern-ghouta-safe-area/policy", "")
	if status != http.StatusOK || !strings.Contains(string(body), `"source":"territory"`) || !strings.Contains(string(body), `"policy":{"all":["syria"]}`) {
		t.Errorf("Ghouta policy = %d %s; want all of [syria] from the territory", status, body)
	}

	tok := regexp.MustCompile(`RUSSIA_TOKEN=(sz_\S+)`).FindStringSubmatch(banner)
	key := regexp.MustCompile(`--key (\S+russia\.key)`).FindStringSubmatch(banner)
	vkey := regexp.MustCompile(`SAFEZONES_LEDGER_PUBKEY=(\S+)`).FindStringSubmatch(banner)
	if tok == nil || key == nil || vkey == nil {
		t.Fatalf("the demo banner lacks the Russia token, key or ledger key:\n%s", banner)
	}
	russia := map[string]string{"SAFEZONES_SERVER": base, "SAFEZONES_TOKEN": tok[1]}
	// The demo holds scenario data only: an unmarked decision is refused.
	if err, out := runCLI(t, russia, "zone", "approve", "--key", key[1], "eastern-aleppo-safe-area"); err == nil || !strings.Contains(err.Error(), "simulated") {
		t.Errorf("an unmarked decision in the demo = %v\n%s; want it refused, asking for --simulated", err, out)
	}
	err, cliOut := runCLI(t, russia,
		"zone", "approve", "--simulated", "--key", key[1], "--reason", "guarantor consents (demo)", "eastern-aleppo-safe-area")
	if err != nil {
		t.Fatalf("zone approve as Russia: %v\n%s", err, cliOut)
	}
	if v := summary().Versions[0]; v.Status != safezones.StatusActive || len(v.Awaiting) != 0 {
		t.Errorf("Aleppo after Russia's approval: %+v; want active", v)
	}
	checkDemoIncidents(t, base, banner)
	checkDemoNotifications(t, base, banner)
	err, vout := runCLI(t, nil, "verify", "--server", base, "--key", vkey[1], "--state", filepath.Join(t.TempDir(), "state"), "--all")
	if err != nil {
		t.Fatalf("verify --all after the consent and incident scenarios: %v\n%s", err, vout)
	}
}

// checkDemoIncidents checks the demo's incidents: the real UCDP reports,
// the simulated strike's three reports linked into one incident with the
// fourth 20 km away apart, the reviewer's revisions in the history, the
// public view coarsened without the reporter or the photo, and the photo
// served to the reviewer byte for byte under its hash.
func checkDemoIncidents(t *testing.T, base, banner string) {
	t.Helper()
	get := func(path, token string) (int, []byte) { return requestAs(t, "GET", base+path, token, "") }
	if !strings.Contains(banner, "593 real UCDP GED reports") {
		t.Errorf("the banner does not count the real incidents:\n%s", banner)
	}
	m := regexp.MustCompile(`REVIEWER_TOKEN=(sz_\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner lacks the reviewer's token:\n%s", banner)
	}
	reviewer := m[1]

	var linked struct {
		Incidents []incidents.Incident `json:"incidents"`
	}
	status, body := get("/v1/incidents/linked?from=2019-05-05T00:00:00Z&to=2019-05-06T00:00:00Z&bbox=36.4,35.5,36.8,35.7", reviewer)
	if err := json.Unmarshal(body, &linked); status != http.StatusOK || err != nil {
		t.Fatalf("linked incidents: %d %s", status, body)
	}
	var strike *incidents.Incident
	for i, inc := range linked.Incidents {
		for _, r := range inc.Reports {
			if r.Key() == demo.SimulatedStrikeKey {
				strike = &linked.Incidents[i]
			}
		}
	}
	if strike == nil || len(strike.Reports) != 3 {
		t.Fatalf("the simulated strike is not one incident of three reports: %+v", linked.Incidents)
	}
	for _, inc := range linked.Incidents {
		for _, r := range inc.Reports {
			if r.SourceEventID == "demo-cell-0413" && inc.ID == strike.ID {
				t.Errorf("the market strike 20 km away was linked into the hospital strike")
			}
		}
	}
	// Anonymous readers see the same grouping (the coarsened report is not
	// counted twice) without its exact place.
	status, body = get("/v1/incidents/linked?from=2019-05-05T00:00:00Z&to=2019-05-06T00:00:00Z&bbox=36.4,35.5,36.8,35.7", "")
	var public struct {
		Incidents []incidents.Incident `json:"incidents"`
	}
	json.Unmarshal(body, &public)
	if status != http.StatusOK || len(public.Incidents) != len(linked.Incidents) || strings.Contains(string(body), "36.5618") || strings.Contains(string(body), "Simulated witness") {
		t.Errorf("anonymous linked incidents: %d, %d incidents (reviewer: %d):\n%s", status, len(public.Incidents), len(linked.Incidents), body)
	}
	if k, _ := strike.Reports[0].Figure(incidents.Killed); len(strike.Casualties) == 0 {
		t.Errorf("linked incident has no combined casualties (first report: %+v)", k)
	}

	var hist struct {
		Revisions []incidents.Revision `json:"revisions"`
	}
	_, body = get("/v1/incidents/"+demo.SimulatedStrikeKey+"/history", reviewer)
	json.Unmarshal(body, &hist)
	var revised *incidents.Revision
	for i, rv := range hist.Revisions {
		if strings.Contains(rv.Reason, "five dead") {
			revised = &hist.Revisions[i]
		}
	}
	if revised == nil || revised.By != demo.DemoReviewer || revised.LedgerIndex <= 0 {
		t.Fatalf("no casualty revision by the reviewer with a ledger entry in %s", body)
	}
	last := hist.Revisions[len(hist.Revisions)-1]
	if last.Review.Status != incidents.StatusVerified || last.Effective().Happened != incidents.ConfidenceConfirmed || last.Reporter == nil {
		t.Errorf("last revision: status %s, happened %s, reporter %v", last.Review.Status, last.Effective().Happened, last.Reporter)
	}
	status, body = get("/v1/incidents/"+demo.SimulatedStrikeKey, "")
	if status != http.StatusOK || strings.Contains(string(body), "Simulated witness") || strings.Contains(string(body), "36.5618") || !strings.Contains(string(body), `"coarsened":true`) {
		t.Errorf("public read of the strike: %d %s", status, body)
	}

	var ev struct {
		Evidence []evidence.Item `json:"evidence"`
		Withheld int             `json:"withheld"`
	}
	_, body = get("/v1/incidents/"+demo.SimulatedStrikeKey+"/evidence", "")
	json.Unmarshal(body, &ev)
	if len(ev.Evidence) != 0 || ev.Withheld != 1 {
		t.Errorf("public evidence list: %s; want the photo withheld", body)
	}
	_, body = get("/v1/incidents/"+demo.SimulatedStrikeKey+"/evidence", reviewer)
	json.Unmarshal(body, &ev)
	if len(ev.Evidence) != 1 || ev.Evidence[0].Thumbnail == nil {
		t.Fatalf("reviewer's evidence list: %s", body)
	}
	orig := ev.Evidence[0].Original
	status, file := get("/v1/evidence/"+orig.SHA256, reviewer)
	sum := sha256.Sum256(file)
	want := sha256.Sum256(demo.SimulatedEvidencePhoto())
	if status != http.StatusOK || sum != want || hex.EncodeToString(sum[:]) != orig.SHA256 {
		t.Errorf("photo download: %d, %d bytes hashing to %x; want %s", status, len(file), sum, orig.SHA256)
	}
	if status, _ := get("/v1/evidence/"+orig.SHA256, ""); status != http.StatusNotFound {
		t.Errorf("anonymous photo download: %d; want 404", status)
	}
	status, body = get("/collections/incidents/items?limit=1000", "")
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	if json.Unmarshal(body, &fc); status != http.StatusOK || len(fc.Features) != 597 {
		t.Errorf("OGC incidents: %d, %d features; want 597 (593 real, 4 simulated)", status, len(fc.Features))
	}
}

// checkDemoNotifications checks the demo's notifications: anonymous
// readers get the hospital only as a coarse box, UN OCHA's notifier (the
// banner's token) gets its exact coordinates and that read is recorded;
// Syria's simulated acknowledgement is there and its signature verifies
// with Syria's registered key; Russia's receipt is overdue and escalated;
// and the accountability report shows the parties' standing without tying
// the simulated notifications to the 2019 incidents.
func checkDemoNotifications(t *testing.T, base, banner string) {
	t.Helper()
	get := func(path, token string) (int, []byte) { return requestAs(t, "GET", base+path, token, "") }
	m := regexp.MustCompile(`NOTIFIER_TOKEN=(sz_\S+)`).FindStringSubmatch(banner)
	if m == nil || !strings.Contains(banner, "/v1/notifications/"+demo.NotifiedHospitalID) || !strings.Contains(banner, "/v1/reports/accountability") {
		t.Fatalf("the banner lacks the notifier's token or the notification and report curls:\n%s", banner)
	}
	notifier, hospital := m[1], demo.NotifiedHospitalID
	exactMarks := []string{"36.561026", "35.613414", "Kafr Nobol hospital"}
	shows := func(body []byte) bool {
		for _, mark := range exactMarks {
			if strings.Contains(string(body), mark) {
				return true
			}
		}
		return false
	}
	type view struct {
		ID       string          `json:"id"`
		Exact    bool            `json:"exact"`
		Geometry json.RawMessage `json:"geometry"`
		Coarse   *struct {
			BBox [4]float64 `json:"bbox"`
		} `json:"coarse"`
		Source safezones.Source `json:"source"`
	}
	list := func(token string) (map[string]view, []byte) {
		t.Helper()
		status, body := get("/v1/notifications", token)
		var l struct{ Notifications []view }
		if err := json.Unmarshal(body, &l); status != http.StatusOK || err != nil {
			t.Fatalf("GET /v1/notifications = %d %s", status, body)
		}
		out := map[string]view{}
		for _, v := range l.Notifications {
			out[v.ID] = v
		}
		return out, body
	}
	public, body := list("")
	if len(public) != 2 || shows(body) {
		t.Errorf("anonymous list: %d notifications, exact data shown %v:\n%s", len(public), shows(body), body)
	}
	if v := public[hospital]; v.Exact || v.Coarse == nil || v.Coarse.BBox != [4]float64{36.5, 35.6, 36.6, 35.7} || v.Source.Kind != safezones.SourceSimulated {
		t.Errorf("anonymous view of the hospital = %+v; want a simulated record shown as the 0.1° box [36.5 35.6 36.6 35.7]", v)
	}
	for _, path := range []string{"/v1/notifications/" + hospital, "/collections/notifications/items", "/collections/notifications/items/" + hospital} {
		if status, body := get(path, ""); status != http.StatusOK || shows(body) {
			t.Errorf("anonymous GET %s = %d, exact data shown:\n%s", path, status, body)
		}
	}
	exact, _ := list(notifier)
	if v := exact[hospital]; !v.Exact || string(v.Geometry) != `{"type":"Point","coordinates":[36.561026,35.613414]}` {
		t.Errorf("the notifier's view of the hospital = %+v (geometry %s); want exact", v, v.Geometry)
	}
	status, body := get("/v1/notifications/"+hospital+"/disclosures", notifier)
	var rec struct{ Disclosures []safezones.Disclosure }
	json.Unmarshal(body, &rec)
	if status != http.StatusOK || len(rec.Disclosures) != 1 || rec.Disclosures[0].PartyID != "un-ocha" || rec.Disclosures[0].By != demo.DemoNotifier {
		t.Errorf("disclosure record = %d %s; want exactly the notifier's one exact read", status, body)
	}

	var rs struct {
		Receipts []struct {
			safezones.Receipt
			Overdue bool `json:"overdue"`
		}
	}
	_, body = get("/v1/notifications/"+hospital+"/receipts", "")
	json.Unmarshal(body, &rs)
	standing := map[string]string{}
	for _, r := range rs.Receipts {
		switch {
		case !r.AcknowledgedAt.IsZero() && r.AcknowledgedAt.Before(r.DueAt) && !r.Overdue:
			standing[r.PartyID] = "acknowledged"
		case r.Overdue && !r.Answered() && r.DueAt.Before(time.Now()):
			standing[r.PartyID] = "overdue"
		}
	}
	if standing["syria"] != "acknowledged" || standing["russia"] != "overdue" {
		t.Errorf("hospital receipts %s; want syria acknowledged in time, russia overdue", body)
	}
	var acks struct {
		Acknowledgements []struct {
			PartyID   string           `json:"party_id"`
			KeyID     string           `json:"key_id"`
			Response  string           `json:"response"`
			Payload   json.RawMessage  `json:"payload"`
			Signature []byte           `json:"signature"`
			Source    safezones.Source `json:"source"`
		}
	}
	_, body = get("/v1/notifications/"+hospital+"/acknowledgements", "")
	json.Unmarshal(body, &acks)
	if len(acks.Acknowledgements) != 1 || acks.Acknowledgements[0].PartyID != "syria" || acks.Acknowledgements[0].Response != "acknowledge" ||
		acks.Acknowledgements[0].Source.Kind != safezones.SourceSimulated || !strings.Contains(string(acks.Acknowledgements[0].Payload), `"simulated":true`) {
		t.Fatalf("hospital acknowledgements = %s; want syria's, simulated", body)
	}
	ack := acks.Acknowledgements[0]
	var keys struct {
		Keys []safezones.PartyKey `json:"keys"`
	}
	_, body = get("/v1/parties/syria/keys", notifier)
	json.Unmarshal(body, &keys)
	signed, err := jcs.Transform(ack.Payload)
	if err != nil {
		t.Fatal(err)
	}
	verified := false
	for _, k := range keys.Keys {
		verified = verified || k.ID == ack.KeyID && ed25519.Verify(k.PublicKey, signed, ack.Signature)
	}
	if !verified {
		t.Errorf("syria's acknowledgement does not verify with its registered keys %s", body)
	}

	var alerts struct{ Alerts []safezones.NotificationAlert }
	_, body = get("/v1/notifications/alerts", "")
	json.Unmarshal(body, &alerts)
	escalated := map[string]bool{}
	for _, a := range alerts.Alerts {
		if a.Kind == safezones.NotificationOverdue {
			escalated[a.NotificationID+" "+a.PartyID] = true
		}
	}
	if len(escalated) != 1 || !escalated[hospital+" russia"] {
		t.Errorf("escalations %v; want only russia's on the hospital:\n%s", escalated, body)
	}

	var report struct {
		Incidents []json.RawMessage `json:"incidents"`
		Parties   []struct {
			PartyID      string `json:"party_id"`
			Notified     int    `json:"notified"`
			Acknowledged int    `json:"acknowledged"`
			Overdue      int    `json:"overdue"`
		} `json:"parties"`
	}
	status, body = get("/v1/reports/accountability", notifier)
	if err := json.Unmarshal(body, &report); status != http.StatusOK || err != nil {
		t.Fatalf("accountability report = %d %s", status, body)
	}
	rows := map[string]string{}
	for _, p := range report.Parties {
		rows[p.PartyID] = fmt.Sprintf("notified %d, acknowledged %d, overdue %d", p.Notified, p.Acknowledged, p.Overdue)
	}
	want := map[string]string{"russia": "notified 2, acknowledged 0, overdue 1", "syria": "notified 2, acknowledged 1, overdue 0",
		"turkey": "notified 1, acknowledged 0, overdue 0"}
	if len(report.Incidents) != 0 || fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("report: %d incidents, parties %v; want no incident (the notifications come after 2019) and %v", len(report.Incidents), rows, want)
	}
	if status, body := get("/v1/reports/accountability?f=html", notifier); status != http.StatusOK || !strings.Contains(string(body), "<td>russia</td>") {
		t.Errorf("printable report = %d %s", status, body)
	}
}
