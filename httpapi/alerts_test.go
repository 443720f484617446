package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/sqlite"
)

// XML and event streams are text to the document.
func init() {
	for _, ct := range []string{"application/xml", "application/atom+xml", "text/event-stream"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// alertWorld is a server with a no-fly zone (0–3000 m) and alerts kept in
// an alerts.MemoryStore.
type alertWorld struct {
	db    *sqlite.DB
	srv   *httpapi.Server
	store *alerts.MemoryStore
	hub   *alerts.Hub
	a     *apiTest
}

func newAlertWorld(t *testing.T, configure func(*httpapi.Server)) *alertWorld {
	t.Helper()
	db := mustOpenDB(t)
	srv, _ := newServer(t, db)
	store := alerts.NewMemoryStore()
	hub := alerts.NewHub(store, alerts.HubOptions{})
	prod := alerts.NewProducer(store, hub, srv.Fence)
	prod.Source = safezones.Source{Kind: safezones.SourceSimulated, Description: "test flight"}
	srv.Alerts, srv.AlertHub, srv.AlertProducer, srv.Webhooks = store, hub, prod, store
	srv.CAPSender, srv.CAPHostID = "safezones@test.invalid", "test"
	if configure != nil {
		configure(srv)
	}
	w := &alertWorld{db: db, srv: srv, store: store, hub: hub, a: newAPITest(t, srv)}
	t.Cleanup(hub.Close) // before the test server's Close, which waits for streams
	w.a.do(call{method: "POST", path: "/v1/zones", token: testToken, contentType: "application/geo+json", status: 201,
		body: feature("nfz", polygon([2]float64{36.5, 35.8}, [2]float64{36.7, 35.8}, [2]float64{36.7, 36.0}, [2]float64{36.5, 36.0}, [2]float64{36.5, 35.8}),
			map[string]any{"name": "Idlib no-fly zone", "kind": "no_fly", "floor_m": 0, "ceiling_m": 3000,
				"valid_from": "2020-01-01T00:00:00Z", "status": "active"})})
	return w
}

var flightStart = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// flight returns NDJSON positions of aircraft id at altM flying east at
// 35.85°N, steps [from, to) of 10 s and about 1.8 km.
func flight(id string, altM float64, from, to int) []byte {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, `{"id":%q,"lon":%g,"lat":35.85,"alt_m":%g,"t":%q,"speed_ms":180,"heading_deg":90}`+"\n",
			id, 36.2+float64(i)*0.02, altM, flightStart.Add(time.Duration(i)*10*time.Second).Format(time.RFC3339))
	}
	return []byte(b.String())
}

// postFlights posts steps [from, to) of the low (2000 m) and high
// (5000 m, above the ceiling) aircraft.
func (w *alertWorld) postFlights(t *testing.T, from, to int, status int) {
	t.Helper()
	body := append(flight("low", 2000, from, to), flight("high", 5000, from, to)...)
	w.a.do(call{method: "POST", path: "/v1/positions", token: testToken, contentType: "application/x-ndjson", body: body, status: status})
}

// sseEvent is one event of a stream.
type sseEvent struct {
	id, event, data string
}

// sseClient reads a stream in the background.
type sseClient struct {
	resp   *http.Response
	events chan sseEvent
	done   chan struct{}
	once   sync.Once
}

// openStream connects to the alert stream; lastID is sent as
// Last-Event-ID unless empty.
func openStream(t *testing.T, base, query, lastID string) *sseClient {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/v1/alerts/stream"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /v1/alerts/stream%s = %d %s", query, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	c := &sseClient{resp: resp, events: make(chan sseEvent, 1000), done: make(chan struct{})}
	t.Cleanup(c.close)
	go func() {
		defer close(c.events)
		send := func(e sseEvent) bool {
			select {
			case c.events <- e:
				return true
			case <-c.done:
				return false
			}
		}
		sc := bufio.NewScanner(resp.Body)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e != (sseEvent{}) && !send(e) {
					return
				}
				e = sseEvent{}
			case strings.HasPrefix(line, ":"):
				if !send(sseEvent{event: "comment", data: line}) {
					return
				}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.data = line[6:]
			}
		}
	}()
	return c
}

func (c *sseClient) close() {
	c.once.Do(func() {
		close(c.done)
		c.resp.Body.Close()
	})
}

// next returns the next event that is not a comment or retry hint.
func (c *sseClient) next(t *testing.T) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-c.events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if e.event == "comment" || (e.id == "" && e.event == "") {
				continue
			}
			return e
		case <-timeout:
			t.Fatal("no event within 10 s")
		}
	}
}

// alertOf decodes an event's data.
func alertOf(t *testing.T, e sseEvent) map[string]any {
	t.Helper()
	var a map[string]any
	if err := json.Unmarshal([]byte(e.data), &a); err != nil {
		t.Fatalf("event data %q: %v", e.data, err)
	}
	if id := strconv.Itoa(int(a["seq"].(float64))); id != e.id || a["kind"] != e.event {
		t.Errorf("event id %s event %s for alert seq %s kind %v", e.id, e.event, id, a["kind"])
	}
	return a
}

// TestAlertStreamEndToEnd flies an aircraft across the no-fly zone inside
// its band and one above its ceiling: an SSE client receives a warning
// before entry and a violation on entry for the first only; after a
// disconnect, it resumes with Last-Event-ID and receives the rest exactly
// once.
func TestAlertStreamEndToEnd(t *testing.T) {
	w := newAlertWorld(t, nil)
	all := openStream(t, w.a.ts.URL, "", "")
	violations := openStream(t, w.a.ts.URL, "?kind=violation&zone=nfz", "")

	w.postFlights(t, 0, 20, 200) // the low aircraft enters at step 15
	var seen []string
	var lastID string
	for {
		e := all.next(t)
		a := alertOf(t, e)
		if a["object_id"] != "low" {
			t.Fatalf("alert %v for the aircraft above the ceiling", a)
		}
		seen = append(seen, e.event)
		lastID = e.id
		if e.event == "violation" {
			if a["altitude_known"] != true || a["zone_name"] != "Idlib no-fly zone" || a["source"].(map[string]any)["kind"] != "simulated" {
				t.Errorf("violation %v", a)
			}
			break
		}
	}
	if seen[0] != "warning" {
		t.Errorf("stream events %v, want a warning before the violation", seen)
	}
	if e := violations.next(t); e.event != "violation" || e.id != lastID {
		t.Errorf("filtered stream got %s %s, want the violation %s", e.event, e.id, lastID)
	}
	all.close()

	w.postFlights(t, 20, 40, 200) // the low aircraft leaves at step 25
	stored, _ := w.store.ListAlerts(context.Background(), safezones.AlertFilter{})
	after, _ := strconv.ParseInt(lastID, 10, 64)
	var want []string
	for _, a := range stored {
		if a.Seq > after {
			want = append(want, strconv.FormatInt(a.Seq, 10)+" "+string(a.Kind))
		}
	}
	if len(want) == 0 || !strings.HasSuffix(want[len(want)-1], "violation_end") {
		t.Fatalf("stored after the violation: %v, want it to end with a violation_end", want)
	}
	resumed := openStream(t, w.a.ts.URL, "", lastID)
	var got []string
	for len(got) < len(want) {
		e := resumed.next(t)
		got = append(got, e.id+" "+e.event)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("resumed stream got %v, want %v", got, want)
	}
	// Nothing more: the next thing is the shutdown notice.
	w.hub.Close()
	if e := resumed.next(t); e.event != "disconnect" || !strings.Contains(e.data, "shutting down") {
		t.Errorf("after Close the stream sent %+v, want a disconnect", e)
	}
}

// TestAlertStreamOutlivesWriteTimeout checks that the stream lifts the
// server's write deadline and sends heartbeats.
func TestAlertStreamOutlivesWriteTimeout(t *testing.T) {
	store := alerts.NewMemoryStore()
	hub := alerts.NewHub(store, alerts.HubOptions{})
	srv := &httpapi.Server{Alerts: store, AlertHub: hub, OperatorToken: testToken, SSEHeartbeat: 50 * time.Millisecond}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.WriteTimeout = 300 * time.Millisecond
	ts.Start()
	defer ts.Close()  // runs last: it waits for the stream to end
	defer hub.Close() // ends the stream
	c := openStream(t, ts.URL, "?after=0", "")
	defer c.close()
	beats := 0
	deadline := time.After(10 * time.Second)
	for beats < 10 { // 10 heartbeats: well past the write timeout
		select {
		case e, ok := <-c.events:
			if !ok {
				t.Fatalf("the stream ended after %d heartbeats: the write timeout killed it", beats)
			}
			if e.data == ": heartbeat" {
				beats++
			}
		case <-deadline:
			t.Fatalf("%d heartbeats in 10 s, want 10", beats)
		}
	}
	p := alerts.NewProducer(store, hub, nil)
	if err := p.Handle(context.Background(), []fence.Event{{Kind: fence.EventEnter, ObjectID: "x", ZoneID: "z", Version: 1,
		ZoneKind: safezones.KindNoFly, At: flightStart, AltitudeKnown: true}}); err != nil {
		t.Fatal(err)
	}
	if e := c.next(t); e.id != "1" || e.event != "violation" {
		t.Errorf("after the write timeout the stream sent %+v, want alert 1", e)
	}
}

// TestAlertRoutes checks the JSON list, the CAP routes and their errors
// against the document, and validates the CAP output with the schema.
func TestAlertRoutes(t *testing.T) {
	w := newAlertWorld(t, nil)
	a := w.a
	w.postFlights(t, 0, 40, 200)
	list := a.do(call{method: "GET", path: "/v1/alerts", status: 200}).json(t)["alerts"].([]any)
	if len(list) < 3 {
		t.Fatalf("GET /v1/alerts: %d alerts, want warning, violation and violation end", len(list))
	}
	page := a.do(call{method: "GET", path: "/v1/alerts?limit=1&after=1", status: 200}).json(t)
	if as := page["alerts"].([]any); len(as) != 1 || as[0].(map[string]any)["seq"] != 2.0 || page["next_after"] != 2.0 {
		t.Errorf("GET /v1/alerts?limit=1&after=1 = %v", page)
	}
	v := a.do(call{method: "GET", path: "/v1/alerts?kind=violation,violation_end&zone=nfz&object=low", status: 200}).json(t)["alerts"].([]any)
	if len(v) != 2 || v[0].(map[string]any)["kind"] != "violation" || v[1].(map[string]any)["reason"] != "exited" {
		t.Errorf("violations of low: %v", v)
	}
	if n := len(a.do(call{method: "GET", path: "/v1/alerts?object=high", status: 200}).json(t)["alerts"].([]any)); n != 0 {
		t.Errorf("the aircraft above the ceiling has %d alerts, want 0", n)
	}
	a.do(call{method: "GET", path: "/v1/alerts?kind=strike", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/alerts?limit=0", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/alerts?color=red", status: 400})
	a.do(call{method: "GET", path: "/v1/alerts/stream?kind=strike", status: 400, invalid: true})

	dir := t.TempDir()
	var files []string
	for _, x := range list {
		al := x.(map[string]any)
		r := a.do(call{method: "GET", path: "/v1/alerts/" + al["id"].(string) + "/cap", status: 200})
		if ct := r.header.Get("Content-Type"); ct != "application/xml" {
			t.Errorf("CAP content type %q", ct)
		}
		body := string(r.body)
		if !strings.Contains(body, "<identifier>safezones-test-"+al["id"].(string)+"</identifier>") || !strings.Contains(body, "<status>Exercise</status>") {
			t.Errorf("CAP of %s:\n%s", al["id"], body)
		}
		if al["kind"] == "violation" && !strings.Contains(body, "<polygon>35.8,36.5 ") {
			t.Errorf("violation's CAP polygon is not lat,lon from the zone:\n%s", body)
		}
		files = append(files, writeFile(t, dir, al["id"].(string)+".xml", r.body))
	}
	a.do(call{method: "GET", path: "/v1/alerts/al-999/cap", status: 404})
	a.do(call{method: "GET", path: "/v1/alerts/x1/cap", status: 400, invalid: true})
	feed := a.do(call{method: "GET", path: "/v1/alerts/cap?limit=2", status: 200})
	if ct := feed.header.Get("Content-Type"); ct != "application/atom+xml" {
		t.Errorf("feed content type %q", ct)
	}
	if n := strings.Count(string(feed.body), "<entry>"); n != 2 {
		t.Errorf("feed with limit=2 has %d entries:\n%s", n, feed.body)
	}
	files = append(files, capOfFeed(t, dir, feed.body)...)
	validateCAP(t, files...)
}

// TestAlertRoutesUnconfigured checks the 503 of a server without alerts.
func TestAlertRoutesUnconfigured(t *testing.T) {
	db := mustOpenDB(t)
	srv, _ := newServer(t, db)
	a := newAPITest(t, srv)
	for _, p := range []string{"/v1/alerts", "/v1/alerts/stream", "/v1/alerts/cap", "/v1/alerts/al-1/cap", "/v1/webhooks"} {
		a.do(call{method: "GET", path: p, token: testToken, status: 503})
	}
}

// TestPositionsFailWhenAlertsCannotBeStored checks that the ingest answers
// 503 when the alert store fails, and that the alerts are stored with the
// next batch.
func TestPositionsFailWhenAlertsCannotBeStored(t *testing.T) {
	w := newAlertWorld(t, nil)
	w.store.FailAppends(errors.New("disk full"))
	w.postFlights(t, 0, 20, 503)
	if n, _ := w.store.LastAlertSeq(context.Background()); n != 0 {
		t.Fatalf("%d alerts stored while the store fails", n)
	}
	w.store.FailAppends(nil)
	w.postFlights(t, 20, 21, 200)
	v, _ := w.store.ListAlerts(context.Background(), safezones.AlertFilter{Kinds: []safezones.AlertKind{safezones.AlertViolation}})
	if len(v) != 1 || v[0].ObjectID != "low" {
		t.Errorf("after the store recovered: violations %+v, want the low aircraft's", v)
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// capOfFeed writes each <alert> of an Atom feed to its own file.
func capOfFeed(t *testing.T, dir string, feed []byte) []string {
	t.Helper()
	var files []string
	s := string(feed)
	for i := 0; ; i++ {
		start := strings.Index(s, "<alert ")
		if start < 0 {
			return files
		}
		end := strings.Index(s, "</alert>")
		files = append(files, writeFile(t, dir, fmt.Sprintf("feed-%d.xml", i), []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+s[start:end+len("</alert>")])))
		s = s[end+len("</alert>"):]
	}
}

// validateCAP validates files with xmllint against the official CAP 1.2
// schema (alerts/testdata), skipping when xmllint is not installed.
func validateCAP(t *testing.T, files ...string) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (Debian package libxml2-utils): CAP 1.2 schema validation skipped")
	}
	args := append([]string{"--noout", "--nonet", "--schema", filepath.Join("..", "alerts", "testdata", "CAP-v1.2.xsd")}, files...)
	if out, err := exec.Command(xmllint, args...).CombinedOutput(); err != nil {
		t.Errorf("xmllint --schema CAP-v1.2.xsd: %v\n%s", err, out)
	}
}
