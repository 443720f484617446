package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/evidence"
	"github.com/safezones/safezones/geo"
)

// incidentWorld is a server with incidents and evidence, and members of an
// NGO (sams), a monitor (two reviewers) and a state (syria).
type incidentWorld struct {
	*world
	url   string
	blobs *evidence.Dir
}

func newIncidentWorld(t *testing.T) *incidentWorld {
	t.Helper()
	w := &incidentWorld{world: newWorld(t)}
	for _, p := range []struct {
		id   string
		kind safezones.PartyKind
	}{{"sams", safezones.PartyNGO}, {"monitor", safezones.PartyMonitor}} {
		if _, err := w.db.CreateParty(ctx, &safezones.Party{ID: p.id, Name: strings.ToUpper(p.id), Kind: p.kind}); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []struct {
		id, party string
		role      safezones.MemberRole
	}{{"sams-reporter", "sams", safezones.RoleReporter}, {"sams-viewer", "sams", safezones.RoleViewer},
		{"monitor-alice", "monitor", safezones.RoleReporter}, {"monitor-bob", "monitor", safezones.RoleReporter}} {
		if _, err := w.db.CreateMember(ctx, &safezones.Member{ID: m.id, PartyID: m.party, Name: m.id, Role: m.role}); err != nil {
			t.Fatal(err)
		}
		_, plain, err := w.db.CreateToken(ctx, m.id, "test", w.clock.Now().Add(24*time.Hour), "operator")
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[m.id] = plain
	}
	var err error
	if w.blobs, err = evidence.Open(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	srv := w.server()
	srv.Incidents, srv.Evidence, srv.Blobs = w.db, w.db, w.blobs
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	w.url = ts.URL
	return w
}

func (w *incidentWorld) do(method, path, who string, body []byte) (int, map[string]any) {
	w.t.Helper()
	tok := w.tokens[who]
	if who == "operator" {
		tok = testToken
	}
	status, b := send(w.t, w.url, method, path, tok, body)
	var m map[string]any
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &m); err != nil {
			w.t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return status, m
}

// upload posts file as evidence of key with caption.
func (w *incidentWorld) upload(key, who string, file []byte, caption string) (int, map[string]any) {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("caption", caption)
	mw.WriteField("credit", "SAMS field team")
	mw.WriteField("source_kind", "organisation")
	fw, _ := mw.CreateFormFile("file", "east-wing.png")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", w.url+"/v1/incidents/"+key+"/evidence", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+w.tokens[who])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func photo(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const hospitalStrike = `{"type":"Feature","geometry":{"type":"Point","coordinates":[36.641234,35.930187]},
 "properties":{"source_event_id":"2019-05-05-darkush","event_type":"air_strike","source_event_type":"airstrike on hospital",
  "time":{"from":"2019-05-05T07:00:00Z","to":"2019-05-05T08:00:00Z"},"radius_m":50,
  "location":"Al-Rahma hospital, Darkush","admin1":"Idleb","country":"Syria",
  "casualties":[{"category":"killed","min":3,"best":4,"max":4,"source":"hospital director"}],
  "happened":"plausible","civilians_harmed":"plausible","summary":"Strike on the east wing (simulated test report)",
  "reporter":{"name":"Dr. Hasan Witness","contact":"+963 000 000"},"public_radius_m":5000}}`

// TestIncidentWorkflow submits a report as an NGO, reads it as the public
// (coarsened, no reporter) and as a reviewer (exact, with reporter), has a
// reviewer revise its casualties with a reason (visible in the history
// with its ledger entry), attaches a photo whose original still hashes to
// what was uploaded after its thumbnail was made, and confirms from that
// evidence. Each forbidden step is tried and refused.
func TestIncidentWorkflow(t *testing.T) {
	w := newIncidentWorld(t)

	// Submission: only for one's own party, never self-graded, reporter
	// role at least.
	if st, m := w.do("POST", "/v1/incidents", "sams-viewer", []byte(hospitalStrike)); st != 403 {
		t.Errorf("a viewer submits: %d %v", st, m)
	}
	other := strings.Replace(hospitalStrike, `"source_event_id"`, `"source":{"id":"acled","name":"x","kind":"dataset"},"source_event_id"`, 1)
	if st, m := w.do("POST", "/v1/incidents", "sams-reporter", []byte(other)); st != 403 || m["error"].(map[string]any)["field"] != "source.id" {
		t.Errorf("sams submits as acled: %d %v", st, m)
	}
	st, m := w.do("POST", "/v1/incidents", "sams-reporter", []byte(hospitalStrike))
	if st != 201 {
		t.Fatalf("submit: %d %v", st, m)
	}
	key := m["key"].(string)
	if key != "sams:2019-05-05-darkush" {
		t.Fatalf("key %q", key)
	}
	if src := m["report"].(map[string]any)["source"].(map[string]any); src["grade"] != "F" || src["kind"] != "ngo" {
		t.Errorf("source %v; want the party as an ungraded ngo", src)
	}
	if st, _ := w.do("POST", "/v1/incidents", "sams-reporter", []byte(hospitalStrike)); st != 200 {
		t.Errorf("the same report again: %d; want 200", st)
	}

	// Public reads are coarsened and carry no reporter; a reviewer sees
	// everything; the source sees its exact place but not the reporter.
	_, pub := w.do("GET", "/v1/incidents/"+key, "", nil)
	raw, _ := json.Marshal(pub)
	for _, secret := range []string{"Hasan", "36.641234", "35.930187", "Darkush"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("a public read shows %q: %s", secret, raw)
		}
	}
	if pub["coarsened"] != true {
		t.Errorf("public read not marked coarsened: %s", raw)
	}
	_, rev := w.do("GET", "/v1/incidents/"+key, "monitor-alice", nil)
	if rev["reporter"].(map[string]any)["name"] != "Dr. Hasan Witness" {
		t.Errorf("a reviewer does not see the reporter: %v", rev["reporter"])
	}
	_, own := w.do("GET", "/v1/incidents/"+key, "sams-viewer", nil)
	if own["reporter"] != nil || own["report"].(map[string]any)["place"].(map[string]any)["lon"] != 36.641234 {
		t.Errorf("the source's own read: reporter %v, place %v", own["reporter"], own["report"].(map[string]any)["place"])
	}
	for _, path := range []string{"/v1/incidents", "/v1/incidents/" + key + "/history", "/collections/incidents/items", "/collections/incidents/items/" + key, "/v1/incidents/linked"} {
		_, b := send(t, w.url, "GET", path, "", nil)
		for _, secret := range []string{"Hasan", "36.641234", "35.930187", "Darkush"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("anonymous GET %s shows %q", path, secret)
			}
		}
	}

	// Review: not for the NGO; take it, revise casualties with a reason.
	if st, _ := w.do("POST", "/v1/incidents/"+key+"/review", "sams-reporter", []byte(`{"status":"in_review","assignee":"sams-reporter","reason":"mine"}`)); st != 403 {
		t.Errorf("the source reviews its own report: %d", st)
	}
	if st, m := w.do("POST", "/v1/incidents/"+key+"/review", "monitor-alice", []byte(`{"status":"in_review","assignee":"monitor-alice","reason":"triage"}`)); st != 200 {
		t.Fatalf("take in review: %d %v", st, m)
	}
	st, m = w.do("POST", "/v1/incidents/"+key+"/review", "monitor-alice",
		[]byte(`{"casualties":[{"category":"killed","min":5,"best":6,"max":7,"source":"Idlib health directorate list"}],"reason":"the directorate lists six dead"}`))
	if st != 200 {
		t.Fatalf("casualty revision: %d %v", st, m)
	}
	_, hist := w.do("GET", "/v1/incidents/"+key+"/history", "monitor-bob", nil)
	revs := hist["revisions"].([]any)
	last := revs[len(revs)-1].(map[string]any)
	if last["reason"] != "the directorate lists six dead" || last["by"] != "monitor-alice" ||
		last["review"].(map[string]any)["casualties"].([]any)[0].(map[string]any)["best"] != 6.0 {
		t.Errorf("history's last revision: %v", last)
	}
	idx := int64(last["ledger_index"].(float64))
	_, entry := w.do("GET", fmt.Sprintf("/v1/ledger/entries/%d", idx), "", nil)
	if entry["type"] != safezones.LedgerIncidentReport || !strings.Contains(fmt.Sprint(entry), "the directorate lists six dead") {
		t.Errorf("ledger entry %d: %v", idx, entry)
	}
	if st, _ := w.do("POST", "/v1/incidents/"+key+"/review", "monitor-bob", []byte(`{"status":"verified","reason":"x"}`)); st != 403 {
		t.Errorf("bob ends alice's review: %d", st)
	}
	if st, _ := w.do("POST", "/v1/incidents/"+key+"/review", "monitor-alice", []byte(`{"happened":"confirmed","reason":"x"}`)); st != 400 {
		t.Errorf("confirmed without evidence: %d", st)
	}

	// Evidence: the source attaches a photo; the original's hash verifies
	// after the thumbnail is made, by download and in the store.
	pic := photo(t, 640, 400)
	sum := sha256.Sum256(pic)
	want := hex.EncodeToString(sum[:])
	if st, _ := w.upload(key, "monitor-alice", []byte("not a photo at all"), "x"); st != 400 {
		t.Errorf("a text file as evidence: %d", st)
	}
	st, item := w.upload(key, "sams-reporter", pic, "East wing after the strike")
	if st != 201 {
		t.Fatalf("upload: %d %v", st, item)
	}
	orig := item["original"].(map[string]any)
	thumb, _ := item["thumbnail"].(map[string]any)
	if orig["sha256"] != want || thumb == nil || thumb["sha256"] == want {
		t.Fatalf("uploaded item %v; want original %s and a thumbnail of its own", item, want)
	}
	req, _ := http.NewRequest("GET", w.url+"/v1/evidence/"+want, nil)
	req.Header.Set("Authorization", "Bearer "+w.tokens["monitor-bob"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if gs := sha256.Sum256(got); resp.StatusCode != 200 || hex.EncodeToString(gs[:]) != want || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("download: %d, %s, %d bytes hashing to %x", resp.StatusCode, resp.Header.Get("Content-Type"), len(got), gs)
	}
	if err := w.blobs.Verify(ctx, want); err != nil {
		t.Errorf("the stored original no longer verifies after the thumbnail: %v", err)
	}
	// The report is coarsened: anonymous readers get neither the file
	// nor its listing.
	if st, _ := send(t, w.url, "GET", "/v1/evidence/"+want, "", nil); st != 404 {
		t.Errorf("anonymous download of a coarsened report's photo: %d", st)
	}
	if st, m := w.do("GET", "/v1/incidents/"+key+"/evidence", "", nil); st != 200 || len(m["evidence"].([]any)) != 0 || m["withheld"] != 1.0 {
		t.Errorf("anonymous evidence list: %d %v", st, m)
	}
	if _, m := w.do("GET", "/v1/incidents/"+key+"/evidence", "monitor-bob", nil); len(m["evidence"].([]any)) != 1 {
		t.Errorf("reviewer's evidence list: %v", m)
	}
	if st, m := w.do("POST", "/v1/incidents/"+key+"/review", "monitor-alice", []byte(`{"happened":"confirmed","reason":"photo of the damage"}`)); st != 200 {
		t.Errorf("confirm from evidence: %d %v", st, m)
	}
	if st, _ := w.do("POST", "/v1/incidents/"+key+"/review", "monitor-alice", []byte(`{"status":"verified","reason":"photo and directorate list agree"}`)); st != 200 {
		t.Errorf("verify: %d", st)
	}
	// The public OGC collection lists the incident, coarsened.
	_, fc := w.do("GET", "/collections/incidents/items?bbox=36,35,37,36.5", "", nil)
	feats := fc["features"].([]any)
	if len(feats) != 1 || feats[0].(map[string]any)["properties"].(map[string]any)["killed_best"] != 6.0 {
		t.Errorf("OGC items: %v", fc)
	}
}

// alertSink records what the ingest raises.
type alertSink struct{ alerts []safezones.Alert }

func (s *alertSink) Raise(_ context.Context, as []safezones.Alert) error {
	s.alerts = append(s.alerts, as...)
	return nil
}

// TestIncidentViolationAlerts submits a recent strike inside an active
// zone (one violation alert, from the public view of the report), an old
// one (no alert, but listed by the violation queries), and one far away
// (neither).
func TestIncidentViolationAlerts(t *testing.T) {
	w := &incidentWorld{world: newWorld(t)}
	if _, err := w.db.CreateParty(ctx, &safezones.Party{ID: "sams", Name: "SAMS", Kind: safezones.PartyNGO}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.CreateMember(ctx, &safezones.Member{ID: "sams-reporter", PartyID: "sams", Name: "r", Role: safezones.RoleReporter}); err != nil {
		t.Fatal(err)
	}
	_, plain, err := w.db.CreateToken(ctx, "sams-reporter", "test", time.Time{}, "operator")
	if err != nil {
		t.Fatal(err)
	}
	w.tokens["sams-reporter"] = plain
	ring := geo.Ring{{Lon: 36.5, Lat: 35.8}, {Lon: 36.8, Lat: 35.8}, {Lon: 36.8, Lat: 36.1}, {Lon: 36.5, Lat: 36.1}, {Lon: 36.5, Lat: 35.8}}
	if _, err := w.db.CreateZone(ctx, &safezones.Zone{ID: "idlib", Terms: safezones.Terms{Kind: safezones.KindSafeArea, Name: "Idlib",
		Geometry: geo.Polygon{ring}}}, safezones.StatusActive); err != nil {
		t.Fatal(err)
	}
	w.clock.add(2 * time.Hour)
	sink := &alertSink{}
	srv := w.server()
	srv.Incidents, srv.IncidentAlerts = w.db, sink
	srv.Now = w.clock.Now
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	w.url = ts.URL

	recent := w.clock.Now().Add(-time.Hour).Format(time.RFC3339)
	recentTo := w.clock.Now().Add(-30 * time.Minute).Format(time.RFC3339)
	strike := func(id, from, to string, lon, lat float64) []byte {
		return []byte(fmt.Sprintf(`{"source_event_id":%q,"event_type":"air_strike","time":{"from":%q,"to":%q},"place":{"lon":%v,"lat":%v},"radius_m":100,"public_radius_m":2000}`,
			id, from, to, lon, lat))
	}
	if st, m := w.do("POST", "/v1/incidents", "sams-reporter", strike("now", recent, recentTo, 36.641234, 35.930187)); st != 201 {
		t.Fatalf("recent strike: %d %v", st, m)
	}
	if len(sink.alerts) != 1 {
		t.Fatalf("alerts raised: %+v; want one", sink.alerts)
	}
	a := sink.alerts[0]
	if a.Kind != safezones.AlertViolation || a.ObjectID != "incident:sams:now" || a.ZoneID != "idlib" || a.Reason != "inside" || a.Point.Lon == 36.641234 {
		t.Errorf("alert %+v; want a violation of idlib at the coarsened place", a)
	}
	// Before the zone existed in the record: no violation at all.
	if st, _ := w.do("POST", "/v1/incidents", "sams-reporter", strike("old", "2019-05-05T07:00:00Z", "2019-05-05T08:00:00Z", 36.641234, 35.930187)); st != 201 || len(sink.alerts) != 1 {
		t.Errorf("old strike: %d, %d alerts", st, len(sink.alerts))
	}
	// Recent but 60 km away: no alert.
	if st, _ := w.do("POST", "/v1/incidents", "sams-reporter", strike("far", recent, recentTo, 37.3, 36.2)); st != 201 || len(sink.alerts) != 1 {
		t.Errorf("far strike: %d, %d alerts", st, len(sink.alerts))
	}
	_, m := w.do("GET", "/v1/incidents/sams:now/violations", "", nil)
	if vs := m["violations"].([]any); len(vs) != 1 || vs[0].(map[string]any)["zone_id"] != "idlib" {
		t.Errorf("violations of sams:now: %v", m)
	}
	_, m = w.do("GET", "/v1/incidents/violations", "", nil)
	if m["reports"] != 3.0 || len(m["violations"].([]any)) != 1 {
		t.Errorf("violations of all reports: %v", m)
	}
	raw, _ := json.Marshal(m)
	if strings.Contains(string(raw), "36.641234") {
		t.Errorf("public violations show the exact place: %s", raw)
	}
}
