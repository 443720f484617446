package httpapi_test

import (
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/sumdb/note"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/consent"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/incidents"
	"github.com/safezones/safezones/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

// Kafr Nabl surgical hospital, Idleb governorate.
const hospitalLon, hospitalLat = 36.56071, 35.61393

// addNotifier adds the ngo "msf" with a reporter and a viewer to w.
func addNotifier(t *testing.T, w *world) {
	t.Helper()
	if _, err := w.db.CreateParty(ctx, &safezones.Party{ID: "msf", Name: "MSF", Kind: safezones.PartyNGO}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		id   string
		role safezones.MemberRole
	}{{"msf-reporter", safezones.RoleReporter}, {"msf-viewer", safezones.RoleViewer}} {
		if _, err := w.db.CreateMember(ctx, &safezones.Member{ID: m.id, PartyID: "msf", Name: m.id, Role: m.role}); err != nil {
			t.Fatal(err)
		}
		_, plain, err := w.db.CreateToken(ctx, m.id, "test", time.Time{}, "operator")
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[m.id] = plain
	}
}

func (w *world) deconflictionServer(t *testing.T) *httpapi.Server {
	t.Helper()
	b, err := boundary.Syria()
	if err != nil {
		t.Fatal(err)
	}
	srv := w.server()
	srv.Notifications, srv.Boundaries, srv.Incidents, srv.Now = w.db, b, w.db, w.clock.Now
	return srv
}

func hospitalBody(w *world, extra string) []byte {
	return []byte(`{"id":"kafr-nabl","kind":"site","type":"hospital","name":"Kafr Nabl surgical hospital",
		"geometry":{"type":"Point","coordinates":[36.56071,35.61393]},"buffer_m":100,"governorate":"Idleb",
		"verified_at":"` + w.clock.Now().Add(-24*time.Hour).Format(time.RFC3339) + `","addressed":["syria"],"contact":"+000 5555"` + extra + `}`)
}

// TestNotificationVisibility reads one hospital through every read path
// as the addressed party, an unaddressed party, anonymously, as the
// notifier and as the operator, and checks that exact coordinates reach
// only those entitled, and that the disclosure record lists exactly the
// reads that returned them.
func TestNotificationVisibility(t *testing.T) {
	w := newWorld(t)
	addNotifier(t, w)
	ts := httptest.NewServer(w.deconflictionServer(t).Handler())
	t.Cleanup(ts.Close)
	if status, body := send(t, ts.URL, "POST", "/v1/notifications", w.tokens["msf-reporter"], hospitalBody(w, "")); status != 201 {
		t.Fatalf("create = %d %s", status, body)
	}
	exactMarks := []string{"36.56071", "35.61393", "Kafr Nabl", "+000 5555"}
	readers := []struct {
		name, member string
		party        string // as the disclosure record names it
		exact        bool
	}{
		{"the addressed party", "syria-viewer", "syria", true},
		{"an unaddressed party", "russia-signer", "", false},
		{"anonymous", "", "", false},
		{"the notifier", "msf-viewer", "msf", true},
		{"the operator", "operator", "operator", true},
	}
	paths := []string{"/v1/notifications", "/v1/notifications?f=geojson", "/v1/notifications/kafr-nabl",
		"/v1/notifications/kafr-nabl/versions/1", "/v1/notifications/kafr-nabl/history", "/v1/notifications/export.csv",
		"/collections/notifications/items", "/collections/notifications/items/kafr-nabl", "/collections/notifications",
		"/collections", "/v1/ledger/entries?start=0&limit=1000", "/v1/notifications/kafr-nabl/receipts", "/v1/notifications/stats"}
	// leaky maps each path that answers exact data to those entitled to
	// the route the disclosure record names.
	leaky := map[string]string{"/v1/notifications": "GET /v1/notifications", "/v1/notifications?f=geojson": "GET /v1/notifications?f=geojson",
		"/v1/notifications/kafr-nabl": "GET /v1/notifications/{id}", "/v1/notifications/kafr-nabl/versions/1": "GET /v1/notifications/{id}/versions/{version}",
		"/v1/notifications/kafr-nabl/history": "GET /v1/notifications/{id}/history", "/v1/notifications/export.csv": "GET /v1/notifications/export.csv",
		"/collections/notifications/items":           "GET /collections/notifications/items",
		"/collections/notifications/items/kafr-nabl": "GET /collections/notifications/items/{item}"}
	var wantReads []string
	for _, rd := range readers {
		tok := w.tokens[rd.member]
		if rd.member == "operator" {
			tok = testToken
		}
		for _, p := range paths {
			status, body := send(t, ts.URL, "GET", p, tok, nil)
			if status != 200 {
				t.Errorf("%s: GET %s = %d %s", rd.name, p, status, body)
				continue
			}
			shows := false
			for _, m := range exactMarks {
				shows = shows || strings.Contains(string(body), m)
			}
			if want := rd.exact && leaky[p] != ""; shows != want {
				t.Errorf("%s: GET %s shows exact data %v, want %v:\n%s", rd.name, p, shows, want, body)
			}
			if rd.exact && leaky[p] != "" {
				wantReads = append(wantReads, rd.party+" "+leaky[p])
			}
			if !rd.exact && p == "/v1/notifications/kafr-nabl" {
				var v map[string]any
				json.Unmarshal(body, &v)
				if v["exact"] != false || fmt.Sprint(v["coarse"]) != "map[bbox:[36.5 35.6 36.6 35.7] cell_deg:0.1]" || v["governorate"] != "Idleb" {
					t.Errorf("%s: coarse view = %s", rd.name, body)
				}
			}
		}
	}
	// The disclosure record: the notifier and the operator read it; nobody else may.
	status, body := send(t, ts.URL, "GET", "/v1/notifications/kafr-nabl/disclosures", w.tokens["msf-viewer"], nil)
	if status != 200 {
		t.Fatalf("disclosures = %d %s", status, body)
	}
	var rec struct{ Disclosures []safezones.Disclosure }
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range rec.Disclosures {
		got = append(got, d.PartyID+" "+d.Via)
		if d.Version != 1 || d.By == "" || d.At.IsZero() {
			t.Errorf("disclosure %+v", d)
		}
	}
	if diff := cmp.Diff(wantReads, got); diff != "" {
		t.Errorf("disclosure record differs from the exact reads (-want +got):\n%s", diff)
	}
	for _, who := range []string{"syria-viewer", "russia-signer"} {
		if status, _ := send(t, ts.URL, "GET", "/v1/notifications/kafr-nabl/disclosures", w.tokens[who], nil); status != 403 && status != 404 {
			t.Errorf("%s reads the disclosure record: %d", who, status)
		}
	}
	if status, _ := send(t, ts.URL, "GET", "/v1/notifications/kafr-nabl/disclosures", "", nil); status != 401 {
		t.Errorf("anonymous reads the disclosure record: %d", status)
	}
	// Receipts: syria's member read it exactly, so it is delivered, not acknowledged.
	_, body = send(t, ts.URL, "GET", "/v1/notifications/kafr-nabl/receipts", "", nil)
	var rs struct {
		Receipts []map[string]any
	}
	json.Unmarshal(body, &rs)
	if len(rs.Receipts) != 1 || rs.Receipts[0]["delivered_at"] == nil || rs.Receipts[0]["acknowledged_at"] != nil {
		t.Errorf("receipts = %s", body)
	}
	// The CSV export carries its HXL row.
	_, body = send(t, ts.URL, "GET", "/v1/notifications/export.csv", "", nil)
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][0] != "#meta+id" || rows[2][7] != "36.55" || rows[2][5] != "" {
		t.Errorf("public CSV = %q, %v", rows, err)
	}
}

// TestNotificationAuthorization tries every deconfliction write as the
// wrong party, with too low a role, and with no token: each is refused and
// changes nothing, not the store and not the ledger.
func TestNotificationAuthorization(t *testing.T) {
	w := newWorld(t)
	addNotifier(t, w)
	ts := httptest.NewServer(w.deconflictionServer(t).Handler())
	t.Cleanup(ts.Close)
	if status, body := send(t, ts.URL, "POST", "/v1/notifications", w.tokens["msf-reporter"], hospitalBody(w, "")); status != 201 {
		t.Fatalf("create = %d %s", status, body)
	}
	n, _ := w.db.Notification(ctx, "kafr-nabl", 0)
	w.clock.add(time.Minute)
	ack := func(party, keyID string, r safezones.AcknowledgementResponse) func() []byte {
		return func() []byte {
			c, s, _ := consent.SignAck(w.keys[party], consent.NewAckPayload(n, party, keyID, r, "test", w.clock.Now()))
			return mustJSON(map[string]any{"payload": json.RawMessage(c), "signature": s})
		}
	}
	static := func(s string) func() []byte { return func() []byte { return []byte(s) } }
	update := func() []byte { return hospitalBody(w, `,"base_version":1`) }
	fingerprint := func() string {
		var b strings.Builder
		b.WriteString(w.fingerprint())
		h, _ := w.db.NotificationHistory(ctx, "kafr-nabl")
		as, _ := w.db.Acknowledgements(ctx, "kafr-nabl")
		ns, _ := w.db.ListNotifications(ctx, safezones.NotificationFilter{IncludeCancelled: true})
		fmt.Fprintf(&b, "%d %d %d", len(h), len(as), len(ns))
		return b.String()
	}
	cases := []struct {
		name, member, method, path string
		body                       func() []byte
		status                     int
	}{
		{"a state notifies", "syria-admin", "POST", "/v1/notifications", static(string(hospitalBody(w, ""))), 403},
		{"a viewer notifies", "msf-viewer", "POST", "/v1/notifications", static(strings.Replace(string(hospitalBody(w, "")), "kafr-nabl", "other", 1)), 403},
		{"a member notifies for another party", "msf-reporter", "POST", "/v1/notifications", static(strings.Replace(string(hospitalBody(w, `,"notifier":"qatar"`)), "kafr-nabl", "other", 1)), 403},
		{"anonymous notifies", "", "POST", "/v1/notifications", static(string(hospitalBody(w, ""))), 401},
		{"an addressed party updates", "syria-admin", "POST", "/v1/notifications/kafr-nabl/versions", update, 403},
		{"an unaddressed party updates", "russia-admin", "POST", "/v1/notifications/kafr-nabl/versions", update, 404},
		{"a viewer of the notifier updates", "msf-viewer", "POST", "/v1/notifications/kafr-nabl/versions", update, 403},
		{"an addressed party cancels", "syria-admin", "POST", "/v1/notifications/kafr-nabl/cancel", static(`{"base_version":1,"reason":"x"}`), 403},
		{"another party signs syria's acknowledgement", "russia-signer", "POST", "/v1/notifications/kafr-nabl/acknowledgements", ack("syria", w.keyIDs["syria"], safezones.ResponseAcknowledge), 403},
		{"a viewer posts its party's acknowledgement", "syria-viewer", "POST", "/v1/notifications/kafr-nabl/acknowledgements", ack("syria", w.keyIDs["syria"], safezones.ResponseAcknowledge), 403},
		{"an unaddressed party acknowledges", "russia-signer", "POST", "/v1/notifications/kafr-nabl/acknowledgements", ack("russia", w.keyIDs["russia"], safezones.ResponseAcknowledge), 403},
		{"a revoked key", "syria-signer", "POST", "/v1/notifications/kafr-nabl/acknowledgements", func() []byte {
			c, s, _ := consent.SignAck(w.revokedKey, consent.NewAckPayload(n, "syria", w.revokedKeyID, safezones.ResponseAcknowledge, "", w.clock.Now()))
			return mustJSON(map[string]any{"payload": json.RawMessage(c), "signature": s})
		}, 403},
		{"another party's key", "syria-signer", "POST", "/v1/notifications/kafr-nabl/acknowledgements", ack("russia", w.keyIDs["russia"], safezones.ResponseAcknowledge), 403},
		{"a revoked token", "syria-revoked", "POST", "/v1/notifications/kafr-nabl/acknowledgements", ack("syria", w.keyIDs["syria"], safezones.ResponseAcknowledge), 401},
		{"no token checks", "", "POST", "/v1/check", static(`{"geometry":{"type":"Point","coordinates":[36.56,35.61]},"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}`), 401},
		{"anonymous report", "", "GET", "/v1/reports/accountability", nil, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := fingerprint()
			var body []byte
			if tc.body != nil {
				body = tc.body()
			}
			status, resp := send(t, ts.URL, tc.method, tc.path, w.tokens[tc.member], body)
			if status != tc.status {
				t.Fatalf("%s %s as %q = %d %s, want %d", tc.method, tc.path, tc.member, status, resp, tc.status)
			}
			if after := fingerprint(); after != before {
				t.Errorf("a refused request changed the store or the ledger")
			}
		})
	}
	// The right actors succeed.
	for _, tc := range []struct {
		member, method, path string
		body                 []byte
	}{
		{"syria-signer", "POST", "/v1/notifications/kafr-nabl/acknowledgements", ack("syria", w.keyIDs["syria"], safezones.ResponseAcknowledge)()},
		{"msf-reporter", "POST", "/v1/notifications/kafr-nabl/versions", update()},
		{"msf-reporter", "POST", "/v1/notifications/kafr-nabl/cancel", []byte(`{"base_version":2,"reason":"closed"}`)},
	} {
		if status, resp := send(t, ts.URL, tc.method, tc.path, w.tokens[tc.member], tc.body); status != 201 {
			t.Errorf("%s %s as %s = %d %s", tc.method, tc.path, tc.member, status, resp)
		}
	}
}

// TestNotificationChecksAPI shares a record with a problem (409 with the
// problems), overrides it with a reason (logged in the version), and runs
// POST /v1/check over a convoy's route: the convoy is found in its window
// and not a day later; its name and distance only for entitled parties.
func TestNotificationChecksAPI(t *testing.T) {
	w := newWorld(t)
	addNotifier(t, w)
	a := newAPITest(t, w.deconflictionServer(t))
	rep := w.tokens["msf-reporter"]
	stale := strings.Replace(string(hospitalBody(w, "")), w.clock.Now().Add(-24*time.Hour).Format(time.RFC3339), "2026-01-01T00:00:00Z", 1)
	r := a.do(call{method: "POST", path: "/v1/notifications/check", token: rep, status: 200, body: []byte(stale)})
	if ps := r.json(t)["problems"].([]any); len(ps) != 1 || ps[0].(map[string]any)["code"] != "stale" {
		t.Errorf("dry run = %s", r.body)
	}
	r = a.do(call{method: "POST", path: "/v1/notifications", token: rep, status: 409, body: []byte(stale)})
	if ps, _ := r.json(t)["problems"].([]any); len(ps) != 1 {
		t.Errorf("409 = %s", r.body)
	}
	if n, _ := w.db.ListNotifications(ctx, safezones.NotificationFilter{}); len(n) != 0 {
		t.Fatalf("a refused notification was stored")
	}
	a.do(call{method: "POST", path: "/v1/notifications", token: rep, status: 400,
		body: []byte(strings.TrimSuffix(stale, "}") + `,"overrides":[{"code":"lead_time","reason":"x"}]}`)})
	r = a.do(call{method: "POST", path: "/v1/notifications", token: rep, status: 201,
		body: []byte(strings.TrimSuffix(stale, "}") + `,"overrides":[{"code":"stale","reason":"verified by phone with the director"}]}`)})
	if ov := r.json(t)["overrides"].([]any); len(ov) != 1 {
		t.Errorf("overrides = %s", r.body)
	}

	depart := w.clock.Now().Add(72 * time.Hour).Truncate(time.Hour)
	convoy := fmt.Sprintf(`{"id":"wfp-convoy","kind":"movement","type":"convoy","name":"Cross-border convoy 17",
		"geometry":{"type":"LineString","coordinates":[[36.6601,36.2264],[36.6360,35.9306]]},"buffer_m":200,"governorate":"Idleb","vehicles":12,
		"departure":{"from":%q,"to":%q},"arrival":{"from":%q,"to":%q},"addressed":["russia"]}`,
		depart.Format(time.RFC3339), depart.Add(2*time.Hour).Format(time.RFC3339), depart.Add(3*time.Hour).Format(time.RFC3339), depart.Add(6*time.Hour).Format(time.RFC3339))
	a.do(call{method: "POST", path: "/v1/notifications", token: rep, status: 201, body: []byte(convoy)})
	check := func(token string, from time.Time) map[string]any {
		body := fmt.Sprintf(`{"geometry":{"type":"LineString","coordinates":[[36.60,36.05],[36.70,36.07]]},"buffer_m":50,"from":%q,"to":%q}`,
			from.Format(time.RFC3339), from.Add(3*time.Hour).Format(time.RFC3339))
		return a.do(call{method: "POST", path: "/v1/check", token: token, status: 200, body: []byte(body)}).json(t)
	}
	got := check(w.tokens["russia-signer"], depart.Add(time.Hour))
	ns := got["notifications"].([]any)
	if len(ns) != 1 || ns[0].(map[string]any)["id"] != "wfp-convoy" || ns[0].(map[string]any)["distance_m"] != 0.0 || ns[0].(map[string]any)["name"] != "Cross-border convoy 17" {
		t.Errorf("check by the addressed party during the movement = %v", got)
	}
	got = check(w.tokens["syria-signer"], depart.Add(time.Hour))
	ns = got["notifications"].([]any)
	if len(ns) != 1 || ns[0].(map[string]any)["exact"] != false || ns[0].(map[string]any)["distance_m"] != nil || ns[0].(map[string]any)["name"] != nil {
		t.Errorf("check by an unaddressed party = %v; want the convoy without name or distance", got)
	}
	if got := check(w.tokens["russia-signer"], depart.Add(25*time.Hour)); len(got["notifications"].([]any)) != 0 {
		t.Errorf("the same route a day later = %v, want nothing", got)
	}
	a.do(call{method: "POST", path: "/v1/check", token: rep, status: 400, invalid: true, body: []byte(`{"geometry":{"type":"Point","coordinates":[36,35]},"from":"2026-01-02T00:00:00Z"}`)})
	// Every check is logged for the party that asked.
	size, _ := w.db.LedgerSize(ctx)
	entries, _ := w.db.LedgerEntries(ctx, 0, int(size))
	var askers []string
	for _, e := range entries {
		if e.Type == safezones.LedgerDeconfliction {
			env, _ := ledger.DecodeEnvelope(e.Data)
			var rec struct {
				PartyID string `json:"party_id"`
			}
			json.Unmarshal(env.Record, &rec)
			askers = append(askers, rec.PartyID)
		}
	}
	if fmt.Sprint(askers) != "[russia syria russia]" {
		t.Errorf("logged checks by %v", askers)
	}
}

// TestAccountabilityScenario: a hospital notified to syria, acknowledged
// by syria; an incident 150 m away with 500 m precision. The report names
// the hospital with syria's signed acknowledgement, whose signature
// verifies with syria's key, and proofs that verify against the signed
// checkpoint with the ledger's verifier. A second site, never
// acknowledged, raised an escalation past its deadline.
func TestAccountabilityScenario(t *testing.T) {
	w := newWorld(t)
	addNotifier(t, w)
	skey, vkey, _ := note.GenerateKey(rand.Reader, "safezones-test")
	signer, _ := note.NewSigner(skey)
	srv := w.deconflictionServer(t)
	srv.LedgerSigner = signer
	a := newAPITest(t, srv)
	a.do(call{method: "POST", path: "/v1/notifications", token: w.tokens["msf-reporter"], status: 201, body: hospitalBody(w, "")})
	school := strings.NewReplacer("kafr-nabl", "school-7", `"hospital"`, `"school"`, "36.56071", "36.63", "35.61393", "35.93").Replace(string(hospitalBody(w, "")))
	a.do(call{method: "POST", path: "/v1/notifications", token: w.tokens["msf-reporter"], status: 201, body: []byte(school)})
	n, _ := w.db.Notification(ctx, "kafr-nabl", 0)
	w.clock.add(2 * time.Hour)
	c, s, _ := consent.SignAck(w.keys["syria"], consent.NewAckPayload(n, "syria", w.keyIDs["syria"], safezones.ResponseAcknowledge, "", w.clock.Now()))
	a.do(call{method: "POST", path: "/v1/notifications/kafr-nabl/acknowledgements", token: w.tokens["syria-signer"], status: 201,
		body: mustJSON(map[string]any{"payload": json.RawMessage(c), "signature": s})})

	// The deadline passes for the school; the sweep escalates.
	w.clock.add(71 * time.Hour)
	alerts, err := w.db.SweepNotifications(ctx, w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	overdue := slices.IndexFunc(alerts, func(x safezones.NotificationAlert) bool {
		return x.Kind == safezones.NotificationOverdue && x.NotificationID == "school-7" && x.PartyID == "syria"
	})
	if overdue < 0 || slices.ContainsFunc(alerts, func(x safezones.NotificationAlert) bool { return x.NotificationID == "kafr-nabl" }) {
		t.Errorf("sweep = %+v; want school-7 overdue for syria and nothing for the acknowledged hospital", alerts)
	}
	if as := a.do(call{method: "GET", path: "/v1/notifications/alerts", status: 200}).json(t)["alerts"].([]any); len(as) != len(alerts) {
		t.Errorf("GET alerts = %v", as)
	}
	stats := a.do(call{method: "GET", path: "/v1/notifications/stats", status: 200}).json(t)["parties"].([]any)
	if len(stats) != 1 || stats[0].(map[string]any)["overdue"] != 1.0 || stats[0].(map[string]any)["acknowledged"] != 1.0 {
		t.Errorf("stats = %v", stats)
	}

	// An air strike 150 m north of the hospital, located within 500 m.
	w.clock.add(time.Hour)
	strike := geo.GeodesicDestination(geo.Point{Lon: hospitalLon, Lat: hospitalLat}, 0, 150)
	at := w.clock.Now().Add(-30 * time.Minute)
	rpt := incidents.Report{Source: incidents.Source{ID: "sams", Name: "SAMS", Kind: incidents.SourceNGO, Grade: "F"}, SourceEventID: "strike-1",
		EventType: "air_strike", Time: incidents.Interval{From: at, To: at.Add(time.Minute)}, Place: strike, RadiusM: 500}
	if _, err := w.db.UpsertReports(ctx, []incidents.Report{rpt}, "operator", "test"); err != nil {
		t.Fatal(err)
	}
	r := a.do(call{method: "GET", path: "/v1/reports/accountability", token: w.tokens["syria-viewer"], status: 200})
	var report struct {
		Checkpoint string
		TreeSize   int64 `json:"tree_size"`
		Incidents  []struct {
			Key      string
			Notified []struct {
				Notification struct {
					ID        string
					DistanceM *float64 `json:"distance_m"`
				}
				Parties []struct {
					PartyID            string `json:"party_id"`
					AcknowledgedBefore bool   `json:"acknowledged_before"`
				}
				Acknowledgements []struct {
					KeyID     string `json:"key_id"`
					Payload   json.RawMessage
					Signature []byte
				}
				Proofs []struct {
					RecordID string `json:"record_id"`
					Index    int64
					LeafHash string `json:"leaf_hash"`
					Data     string
					Proof    []string
				}
			}
		}
		Parties []struct {
			PartyID     string `json:"party_id"`
			Overdue     int
			LaterStruck int `json:"later_struck"`
		}
	}
	if err := json.Unmarshal(r.body, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Incidents) != 1 || len(report.Incidents[0].Notified) != 1 {
		t.Fatalf("report = %s", r.body)
	}
	m := report.Incidents[0].Notified[0]
	if m.Notification.ID != "kafr-nabl" || m.Notification.DistanceM == nil || *m.Notification.DistanceM > 60 ||
		len(m.Parties) != 1 || !m.Parties[0].AcknowledgedBefore || len(m.Acknowledgements) != 1 || len(m.Proofs) != 2 {
		t.Errorf("the hospital's entry = %+v", m)
	}
	if len(report.Parties) != 1 || report.Parties[0].LaterStruck != 1 || report.Parties[0].Overdue != 1 {
		t.Errorf("party table = %+v", report.Parties)
	}
	// The signature verifies with syria's registered key.
	keys, _ := w.db.PartyKeys(ctx, "syria")
	kx := slices.IndexFunc(keys, func(k safezones.PartyKey) bool { return k.ID == m.Acknowledgements[0].KeyID })
	canonical, _ := ledger.Canonical(m.Acknowledgements[0].Payload)
	if kx < 0 || consent.Verify(keys[kx].PublicKey, canonical, m.Acknowledgements[0].Signature) != nil {
		t.Errorf("syria's acknowledgement does not verify")
	}
	// The proofs verify against the signed checkpoint.
	cp, err := ledger.Open([]byte(report.Checkpoint), vkey)
	if err != nil || cp.Size != report.TreeSize {
		t.Fatalf("checkpoint: %v", err)
	}
	for _, p := range m.Proofs {
		leaf, _ := ledger.ParseHash(p.LeafHash)
		if ledger.LeafHash([]byte(p.Data)) != leaf {
			t.Errorf("%s: data does not hash to the leaf", p.RecordID)
		}
		var proof tlog.RecordProof
		for _, h := range p.Proof {
			x, _ := ledger.ParseHash(h)
			proof = append(proof, x)
		}
		if err := ledger.CheckInclusion(proof, cp.Size, cp.Root, p.Index, leaf); err != nil {
			t.Errorf("%s: %v", p.RecordID, err)
		}
	}
	if m.Proofs[0].RecordID != "notification/kafr-nabl/v1" || !strings.HasPrefix(m.Proofs[1].RecordID, "notification/kafr-nabl/v1/acknowledgement/a-") {
		t.Errorf("second proof is %s", m.Proofs[1].RecordID)
	}
	// CSV with HXL, and the printable page.
	r = a.do(call{method: "GET", path: "/v1/reports/accountability?f=csv", token: w.tokens["syria-viewer"], status: 200})
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][0] != "#event+id" || rows[2][7] != "kafr-nabl" || rows[2][13] != "syria" || rows[2][19] != "true" {
		t.Errorf("CSV report = %q, %v", rows, err)
	}
	r = a.do(call{method: "GET", path: "/v1/reports/accountability?f=html", token: w.tokens["syria-viewer"], status: 200})
	if !strings.Contains(string(r.body), "kafr-nabl") || !strings.Contains(string(r.body), "<table>") {
		t.Errorf("HTML report = %s", r.body)
	}
	// An unaddressed party sees the match, without the hospital's name or distance.
	r = a.do(call{method: "GET", path: "/v1/reports/accountability", token: w.tokens["russia-signer"], status: 200})
	if strings.Contains(string(r.body), "Kafr Nabl") || strings.Contains(string(r.body), "distance_m") {
		t.Errorf("report for russia shows the hospital's name or distance: %s", r.body)
	}
}

// TestNotificationCollection reads the OGC collection "notifications":
// its extent is made of coarse boxes only; bbox and datetime filter on
// what each reader may see, so that a bbox inside a grid cell or a time
// window cannot locate a place or a movement more finely than the coarse
// view; paging works; a cancelled notification is not an item; and the
// disclosure record lists exactly the items that were answered exact.
func TestNotificationCollection(t *testing.T) {
	w := newWorld(t)
	addNotifier(t, w)
	a := newAPITest(t, w.deconflictionServer(t))
	rep := w.tokens["msf-reporter"]
	a.do(call{method: "POST", path: "/v1/notifications", token: rep, status: 201, body: hospitalBody(w, "")})
	depart := w.clock.Now().Add(72 * time.Hour).Truncate(time.Hour)
	convoy := fmt.Sprintf(`{"id":"wfp-convoy","kind":"movement","type":"convoy","name":"Cross-border convoy 17",
		"geometry":{"type":"LineString","coordinates":[[36.6601,36.2264],[36.6360,35.9306]]},"buffer_m":200,"governorate":"Idleb","vehicles":12,
		"departure":{"from":%q,"to":%q},"arrival":{"from":%q,"to":%q},"addressed":["russia"]}`,
		depart.Format(time.RFC3339), depart.Add(2*time.Hour).Format(time.RFC3339), depart.Add(3*time.Hour).Format(time.RFC3339), depart.Add(6*time.Hour).Format(time.RFC3339))
	a.do(call{method: "POST", path: "/v1/notifications", token: rep, status: 201, body: []byte(convoy)})
	school := strings.NewReplacer("kafr-nabl", "school-7", `"hospital"`, `"school"`, "36.56071", "36.40", "35.61393", "35.80").Replace(string(hospitalBody(w, "")))
	a.do(call{method: "POST", path: "/v1/notifications", token: rep, status: 201, body: []byte(school)})
	a.do(call{method: "POST", path: "/v1/notifications/school-7/cancel", token: rep, status: 201, body: []byte(`{"base_version":1,"reason":"closed"}`)})

	var cs struct {
		Collections []struct {
			ID     string
			Extent struct {
				Spatial  struct{ BBox [][]float64 }
				Temporal struct{ Interval [][]any }
			}
		}
	}
	if err := json.Unmarshal(a.do(call{method: "GET", path: "/collections", status: 200}).body, &cs); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(cs.Collections, func(c struct {
		ID     string
		Extent struct {
			Spatial  struct{ BBox [][]float64 }
			Temporal struct{ Interval [][]any }
		}
	}) bool {
		return c.ID == "notifications"
	})
	if i < 0 {
		t.Fatalf("no notifications collection in %+v", cs.Collections)
	}
	// The hospital's cell and the convoy's cells; not the cancelled school.
	if e := cs.Collections[i].Extent; fmt.Sprint(e.Spatial.BBox, e.Temporal.Interval) != "[[36.5 35.6 36.7 36.3]] [[<nil> <nil>]]" {
		t.Errorf("extent = %v %v; want the coarse boxes' union [36.5 35.6 36.7 36.3] and an open interval", e.Spatial.BBox, e.Temporal.Interval)
	}

	type page struct {
		NumberMatched  int `json:"numberMatched"`
		NumberReturned int `json:"numberReturned"`
		Links          []struct{ Rel string }
		Features       []struct {
			ID         string
			Geometry   struct{ Type string }
			Properties struct{ Exact bool }
		}
	}
	items := func(member, query string) (page, []string) {
		t.Helper()
		tok := w.tokens[member]
		if member == "operator" {
			tok = testToken
		}
		var p page
		if err := json.Unmarshal(a.do(call{method: "GET", path: "/collections/notifications/items" + query, token: tok, status: 200}).body, &p); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range p.Features {
			kind := "coarse " + f.Geometry.Type
			if f.Properties.Exact {
				kind = "exact " + f.Geometry.Type
			}
			got = append(got, f.ID+" "+kind)
		}
		return p, got
	}
	after := depart.Add(30 * time.Hour).Format(time.RFC3339)
	cases := []struct {
		name, member, query string
		want                []string
	}{
		{"anonymous, everything", "", "", []string{"kafr-nabl coarse Polygon", "wfp-convoy coarse Polygon"}},
		{"the operator, everything", "operator", "", []string{"kafr-nabl exact Point", "wfp-convoy exact LineString"}},
		{"anonymous, a bbox in the hospital's cell that misses the hospital", "", "?bbox=36.50,35.60,36.55,35.61", []string{"kafr-nabl coarse Polygon"}},
		{"the addressed party, the same bbox", "syria-viewer", "?bbox=36.50,35.60,36.55,35.61", nil},
		{"the addressed party, a bbox around the hospital", "syria-viewer", "?bbox=36.56,35.61,36.57,35.62", []string{"kafr-nabl exact Point"}},
		{"anonymous, a bbox outside every cell", "", "?bbox=36.0,35.0,36.4,35.5", nil},
		{"the convoy's party, a day after arrival", "russia-signer", "?datetime=" + after, []string{"kafr-nabl coarse Polygon"}},
		{"the convoy's party, during the movement", "russia-signer", "?datetime=" + depart.Add(time.Hour).Format(time.RFC3339),
			[]string{"kafr-nabl coarse Polygon", "wfp-convoy exact LineString"}},
		{"anonymous, a day after arrival", "", "?datetime=" + after, []string{"kafr-nabl coarse Polygon", "wfp-convoy coarse Polygon"}},
	}
	for _, tc := range cases {
		if _, got := items(tc.member, tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("%s: items%s = %v, want %v", tc.name, tc.query, got, tc.want)
		}
	}
	p, got := items("", "?limit=1")
	if p.NumberMatched != 2 || p.NumberReturned != 1 || len(got) != 1 || !slices.ContainsFunc(p.Links, func(l struct{ Rel string }) bool { return l.Rel == "next" }) {
		t.Errorf("first page = %+v", p)
	}
	p, got = items("", "?limit=1&offset=1")
	if fmt.Sprint(got) != "[wfp-convoy coarse Polygon]" || !slices.ContainsFunc(p.Links, func(l struct{ Rel string }) bool { return l.Rel == "prev" }) {
		t.Errorf("second page = %+v", p)
	}
	for _, id := range []string{"school-7", "nowhere"} {
		a.do(call{method: "GET", path: "/collections/notifications/items/" + id, token: testToken, status: 404})
	}
	r := a.do(call{method: "GET", path: "/collections/notifications/items/wfp-convoy", token: w.tokens["russia-signer"], status: 200})
	if !strings.Contains(string(r.body), `"coordinates":[[36.6601,36.2264],[36.636,35.9306]]`) || !strings.Contains(string(r.body), `"rel":"collection"`) {
		t.Errorf("the convoy's item for its party = %s", r.body)
	}

	// Only the answered exact items were disclosed: the operator's two,
	// syria's hospital once (not the bbox that missed it), russia's
	// convoy during the movement and its item (not the window after it).
	want := map[string][]string{
		"kafr-nabl":  {"operator GET /collections/notifications/items", "syria GET /collections/notifications/items"},
		"wfp-convoy": {"operator GET /collections/notifications/items", "russia GET /collections/notifications/items", "russia GET /collections/notifications/items/{item}"},
		"school-7":   nil,
	}
	for id, want := range want {
		var rec struct{ Disclosures []safezones.Disclosure }
		json.Unmarshal(a.do(call{method: "GET", path: "/v1/notifications/" + id + "/disclosures", token: w.tokens["msf-viewer"], status: 200}).body, &rec)
		var got []string
		for _, d := range rec.Disclosures {
			got = append(got, d.PartyID+" "+d.Via)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: disclosure record (-want +got):\n%s", id, diff)
		}
	}
}
