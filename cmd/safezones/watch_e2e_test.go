package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/safezones/safezones/aircraft"
	"github.com/safezones/safezones/webhooks"
)

// The watch floor's acceptance test (TestWatchCrossing) replays a recorded
// SBS-1 stream in which one aircraft crosses a no-fly zone inside its
// altitude band and another crosses it above the ceiling, and follows the
// alerts through the SSE stream and a webhook receiver, across a SIGKILL of
// the server in the middle of a delivery.

// The zone: a no-fly box from the ground to 3,000 m, 0.06° of longitude
// (about 5.6 km) wide, across latitude 33.5.
const (
	crossZoneID   = "crossing-nofly"
	crossZoneWest = 36.00
	crossZoneEast = 36.06
	crossLat      = 33.50
)

var crossZoneFile = fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","id":%q,
 "geometry":{"type":"Polygon","coordinates":[[[%[2]g,33.45],[%[3]g,33.45],[%[3]g,33.55],[%[2]g,33.55],[%[2]g,33.45]]]},
 "properties":{"name":"Crossing test no-fly zone","kind":"no_fly","floor_m":0,"ceiling_m":3000}}]}`,
	crossZoneID, crossZoneWest, crossZoneEast)

// The recording. Both aircraft fly east along crossLat in lock step, one
// position each per step of crossStepDeg (about 460 m): crossBefore steps
// west of the zone, crossInside in it, crossAfter east of it. Positions
// fall half a step off the zone's edges so that none lies on a boundary.
const (
	crossStepDeg = 0.005
	crossBefore  = 24
	crossInside  = 12 // (crossZoneEast-crossZoneWest)/crossStepDeg
	crossAfter   = 12
	// crossRate is the replay pace in lines a second. The server times
	// positions by their arrival, so it sets the apparent speed: each
	// aircraft gets crossRate/2 positions a second, the approach to the
	// zone lasts crossBefore*2/crossRate = 2 s of track time (ten
	// predictions at crossPredictEvery) and the whole replay about 4 s.
	crossRate         = 24
	crossPredictEvery = "200ms"
)

// The aircraft: ABC001 at 6,000 ft (1,829 m, inside the band) and ABC002
// at 15,000 ft (4,572 m, above the ceiling).
var crossAircraft = []struct {
	hex, callsign string
	altFt         int
}{{"ABC001", "SZT001", 6000}, {"ABC002", "SZT002", 15000}}

// sbsLine writes an SBS-1 MSG line of transmission type typ with the
// given 1-based fields set; the others stay empty, as dump1090 leaves the
// date and time fields.
func sbsLine(typ int, hex string, set map[int]string) string {
	var f [22]string
	f[0], f[1], f[2], f[3], f[4], f[5] = "MSG", strconv.Itoa(typ), "1", "1", hex, "1"
	for i, v := range set {
		f[i-1] = v
	}
	return strings.Join(f[:], ",")
}

// writeCrossingRecording writes the recording into dir and returns its
// path: an identity (MSG,1) line per aircraft, then their airborne
// positions with altitude (MSG,3) interleaved.
func writeCrossingRecording(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	for _, a := range crossAircraft {
		lines = append(lines, sbsLine(1, a.hex, map[int]string{11: a.callsign, 19: "0", 20: "0", 21: "0", 22: "0"}))
	}
	west := crossZoneWest - (float64(crossBefore)-0.5)*crossStepDeg
	for k := range crossBefore + crossInside + crossAfter {
		lon := west + float64(k)*crossStepDeg
		for _, a := range crossAircraft {
			lines = append(lines, sbsLine(3, a.hex, map[int]string{
				12: strconv.Itoa(a.altFt), 15: strconv.FormatFloat(crossLat, 'f', 5, 64),
				16: strconv.FormatFloat(lon, 'f', 5, 64), 19: "0", 20: "0", 21: "0", 22: "0"}))
		}
	}
	for i, l := range lines {
		if _, err := aircraft.ParseSBS([]byte(l)); err != nil {
			t.Fatalf("recording line %d %q: %v", i+1, l, err)
		}
	}
	path := filepath.Join(dir, "crossing.sbs")
	writeFile(t, path, []byte(strings.Join(lines, "\r\n")+"\r\n"))
	return path
}

// procLog keeps a process's stderr for the failure report.
type procLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *procLog) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *procLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// proc is a process started by startProc.
type proc struct {
	cmd  *exec.Cmd
	log  *procLog      // its stderr
	done chan struct{} // closed when it exited and its stderr was read
	err  error         // what Wait returned, once done
}

// startProc starts cmd with its stderr kept in the log; each line also
// goes to onLine when set. The process is killed when the test ends, and
// its log printed if the test failed.
func startProc(t *testing.T, name string, cmd *exec.Cmd, onLine func(string)) *proc {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, log: &procLog{}, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.log.add(sc.Text())
			if onLine != nil {
				onLine(sc.Text())
			}
		}
		io.Copy(io.Discard, stderr)
		// Wait closes the pipe, so only once everything was read.
		p.err = cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s (pid %d) stderr:\n%s", name, cmd.Process.Pid, p.log)
		}
	})
	return p
}

// wait waits for p to exit, at most d; false when it did not.
func (p *proc) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// startServeArgs runs `safezones serve` on db with the operator token and
// extra args, and returns its base URL and the process (killed when the
// test ends).
func startServeArgs(t *testing.T, db string, args ...string) (string, *proc) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, args...)...)
	cmd.Env = append(os.Environ(), "SAFEZONES_OPERATOR_TOKEN="+testToken)
	urlc := make(chan string, 1)
	p := startProc(t, "serve", cmd, func(line string) {
		if m := servingURL.FindStringSubmatch(line); m != nil {
			select {
			case urlc <- m[1]:
			default:
			}
		}
	})
	select {
	case u := <-urlc:
		return u, p
	case <-p.done:
		t.Fatalf("serve exited early (%v)", p.err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not report its address within 30s")
	}
	return "", nil
}

// freeAddr returns a loopback address nothing listens on right now, for a
// feed that serve must be told of before it exists.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitUntil polls cond every 20 ms until it holds, failing the test with
// what when deadline passes first.
func waitUntil(t *testing.T, deadline time.Time, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sseAlert is an alert as the SSE stream delivered it.
type sseAlert struct {
	ID, Event string   `json:"-"` // the event's id (the seq) and name (the kind)
	Seq       int64    `json:"seq"`
	AlertID   string   `json:"id"`
	Kind      string   `json:"kind"`
	ObjectID  string   `json:"object_id"`
	ZoneID    string   `json:"zone_id"`
	Reason    string   `json:"reason"`
	ETA       *float64 `json:"eta_s"`
}

// sseClient reads GET /v1/alerts/stream in the background.
type sseClient struct {
	mu     sync.Mutex
	alerts []sseAlert
	other  []string // events other than alerts (disconnect)
	err    error    // why the stream ended
	ended  bool
}

func (c *sseClient) snapshot() ([]sseAlert, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.alerts), c.ended
}

// connectSSE subscribes to base's alert stream and returns once the
// server answered, so that every alert stored from then on is streamed.
func connectSSE(t *testing.T, ctx context.Context, base string) *sseClient {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/v1/alerts/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET /v1/alerts/stream = %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	c := &sseClient{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var id, event, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if event != "" || data != "" {
					c.mu.Lock()
					var a sseAlert
					switch err := json.Unmarshal([]byte(data), &a); {
					case event == "disconnect" || id == "":
						c.other = append(c.other, event+" "+data)
					case err != nil:
						c.other = append(c.other, fmt.Sprintf("undecodable %s %s: %v", event, data, err))
					default:
						a.ID, a.Event = id, event
						c.alerts = append(c.alerts, a)
					}
					c.mu.Unlock()
				}
				id, event, data = "", "", ""
			case strings.HasPrefix(line, ":"): // a comment (heartbeat)
			case strings.HasPrefix(line, "id:"):
				id = strings.TrimSpace(strings.TrimPrefix(line, "id:"))
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data += strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
			}
		}
		c.mu.Lock()
		c.err, c.ended = sc.Err(), true
		c.mu.Unlock()
	}()
	t.Cleanup(func() { resp.Body.Close(); <-done })
	return c
}

// receipt is one request the webhook receiver got.
type receipt struct {
	alertID string
	seq     int64
	kind    string
	attempt string
	sigErr  error
}

// webhookReceiver is the subscriber's endpoint: it checks every signature
// with webhooks.Verify and records the requests in arrival order. While
// holdFrom > 0 it answers slowly (after 500 ms) and holds the holdFrom-th
// request, unanswered, until release is closed; held says it arrived.
type webhookReceiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	secret   string
	got      []receipt
	holdFrom int
	held     chan struct{}
	release  chan struct{}
	unhold   func() // closes release, once
}

func newWebhookReceiver(t *testing.T, holdFrom int) *webhookReceiver {
	r := &webhookReceiver{holdFrom: holdFrom, held: make(chan struct{}), release: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	var once sync.Once
	r.unhold = func() { once.Do(func() { close(r.release) }) }
	t.Cleanup(r.srv.Close)
	t.Cleanup(r.unhold) // runs first: a held request must end for Close to return
	return r
}

func (r *webhookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	var a struct {
		Seq  int64  `json:"seq"`
		ID   string `json:"id"`
		Kind string `json:"kind"`
	}
	rc := receipt{alertID: req.Header.Get(webhooks.HeaderAlertID), attempt: req.Header.Get(webhooks.HeaderAttempt)}
	r.mu.Lock()
	rc.sigErr = webhooks.Verify(r.secret, req.Header.Get(webhooks.HeaderTimestamp), body, req.Header.Get(webhooks.HeaderSignature))
	if err := json.Unmarshal(body, &a); err != nil && rc.sigErr == nil {
		rc.sigErr = fmt.Errorf("body is not an alert: %v", err)
	} else if a.ID != rc.alertID && rc.sigErr == nil {
		rc.sigErr = fmt.Errorf("body id %q, header %q", a.ID, rc.alertID)
	}
	rc.seq, rc.kind = a.Seq, a.Kind
	r.got = append(r.got, rc)
	n, hold := len(r.got), r.holdFrom
	r.mu.Unlock()
	switch {
	case hold > 0 && n == hold:
		close(r.held)
		<-r.release
		return // the server is gone by now; nobody reads the answer
	case hold > 0:
		time.Sleep(500 * time.Millisecond)
	}
	if rc.sigErr != nil {
		http.Error(w, rc.sigErr.Error(), http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *webhookReceiver) receipts() []receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// TestWatchCrossing is the watch floor's acceptance test; see the top of
// the file.
func TestWatchCrossing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes for several seconds")
	}
	deadline := time.Now().Add(60 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	dir := t.TempDir()
	db := filepath.Join(dir, "watch.db")
	recording := writeCrossingRecording(t, dir)
	zones := filepath.Join(dir, "zone.geojson")
	writeFile(t, zones, []byte(crossZoneFile))
	if out, err := exec.Command(binary, "zone", "import", "--db", db, "--active", "--quiet", zones).CombinedOutput(); err != nil {
		t.Fatalf("zone import: %v\n%s", err, out)
	}

	// The server reads the feed from an address the replay will listen
	// on; it retries until the replay starts.
	feedAddr := freeAddr(t)
	serveArgs := []string{"--predict-every", crossPredictEvery, "--webhook-allow", "127.0.0.1"}
	base, serve := startServeArgs(t, db, append([]string{"--sbs", feedAddr}, serveArgs...)...)

	// The receiver answers the first delivery slowly and holds the second:
	// the server is killed with it in flight and the rest pending.
	recv := newWebhookReceiver(t, 2)
	status, body := request(t, "POST", base+"/v1/webhooks", `{"url":"`+recv.srv.URL+`/hook"}`)
	if status != http.StatusCreated {
		t.Fatalf("POST /v1/webhooks = %d %s", status, body)
	}
	var sub struct{ ID, Secret string }
	if err := json.Unmarshal(body, &sub); err != nil || sub.Secret == "" || sub.ID == "" {
		t.Fatalf("POST /v1/webhooks = %s (%v); want an id and the secret", body, err)
	}
	recv.mu.Lock()
	recv.secret = sub.Secret
	recv.mu.Unlock()
	stream := connectSSE(t, ctx, base)

	start := time.Now()
	replayCmd := exec.Command(binary, "replay", recording, "--listen", feedAddr, "--rate", strconv.Itoa(crossRate))
	replay := startProc(t, "replay", replayCmd, nil)
	if !replay.wait(time.Until(deadline)) {
		t.Fatal("timed out waiting for the replay to end")
	}
	if replay.err != nil {
		t.Fatalf("replay: %v\n%s", replay.err, replay.log)
	}
	t.Logf("replay ended after %v", time.Since(start).Round(time.Millisecond))
	isEnd := func(a sseAlert) bool { return a.ObjectID == "icao:ABC001" && a.Kind == "violation_end" }
	waitUntil(t, deadline, "the violation_end of icao:ABC001 on the SSE stream", func() bool {
		as, ended := stream.snapshot()
		if ended {
			t.Fatalf("the SSE stream ended early (%v); got %+v", stream.err, as)
		}
		return slices.ContainsFunc(as, isEnd)
	})
	// ABC002 flew alongside; give its last batch (the feed batches for up
	// to 200 ms) time to reach the tracker, and check that it did.
	waitUntil(t, deadline, "the track of icao:ABC002 in the archive", func() bool {
		status, body := request(t, "GET", base+"/v1/tracks/icao:ABC002", "")
		var f struct {
			Geometry *struct{ Coordinates [][]float64 } `json:"geometry"`
		}
		json.Unmarshal(body, &f)
		return status == http.StatusOK && f.Geometry != nil && len(f.Geometry.Coordinates) > 0 &&
			f.Geometry.Coordinates[len(f.Geometry.Coordinates)-1][0] > crossZoneEast
	})
	time.Sleep(300 * time.Millisecond) // any late alert of ABC002 would show by now
	streamed, _ := stream.snapshot()
	t.Logf("SSE after %v: %s", time.Since(start).Round(time.Millisecond), describeSSE(streamed))
	checkCrossingAlerts(t, streamed)
	stream.mu.Lock()
	if len(stream.other) > 0 {
		t.Errorf("SSE events other than alerts: %q", stream.other)
	}
	stream.mu.Unlock()
	if t.Failed() {
		t.FailNow()
	}

	// Crash in the middle of a delivery.
	select {
	case <-recv.held:
	case <-time.After(time.Until(deadline)):
		t.Fatalf("the second webhook delivery never came; got %+v", recv.receipts())
	}
	if err := serve.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !serve.wait(10 * time.Second) {
		t.Fatal("serve did not die within 10s of SIGKILL")
	}
	before := recv.receipts()
	t.Logf("killed serve with %d of %d alerts received by the webhook (the last in flight)", len(before), len(streamed))
	recv.mu.Lock()
	recv.holdFrom = 0 // answer at once from now on
	recv.mu.Unlock()
	recv.unhold()

	// Restart without the feed: the dispatcher resumes from the outbox.
	base, _ = startServeArgs(t, db, serveArgs...)
	want := make([]string, len(streamed))
	for i, a := range streamed {
		want[i] = a.AlertID
	}
	waitUntil(t, deadline, "every alert delivered after the restart", func() bool {
		status, body := request(t, "GET", base+"/v1/webhooks/"+sub.ID+"/deliveries", "")
		var ds struct {
			Deliveries []struct {
				AlertSeq int64  `json:"alert_seq"`
				State    string `json:"state"`
			}
		}
		if status != http.StatusOK || json.Unmarshal(body, &ds) != nil {
			t.Fatalf("GET deliveries = %d %s", status, body)
		}
		if len(ds.Deliveries) != len(want) {
			t.Fatalf("the outbox holds %d deliveries for %d alerts: %s", len(ds.Deliveries), len(want), body)
		}
		for _, d := range ds.Deliveries {
			if d.State != "delivered" {
				return false
			}
		}
		return true
	})
	t.Logf("all delivered %v after the replay started", time.Since(start).Round(time.Millisecond))

	// The store agrees with the stream.
	status, body = request(t, "GET", base+"/v1/alerts?limit=1000", "")
	var stored struct{ Alerts []sseAlert }
	if status != http.StatusOK || json.Unmarshal(body, &stored) != nil {
		t.Fatalf("GET /v1/alerts = %d %s", status, body)
	}
	if got := alertIDs(stored.Alerts); !slices.Equal(got, want) {
		t.Errorf("stored alerts %v, streamed %v", got, want)
	}

	// The receiver: every alert, signed, first received in seq order,
	// and at most the one in-flight delivery twice.
	got := recv.receipts()
	var firsts []string
	var lastSeq int64
	seen := map[string]int{}
	dups := 0
	for _, r := range got {
		if r.sigErr != nil {
			t.Errorf("delivery of %s (attempt %s): %v", r.alertID, r.attempt, r.sigErr)
		}
		if seen[r.alertID]++; seen[r.alertID] > 1 {
			dups++
			continue
		}
		if r.seq <= lastSeq {
			t.Errorf("alert %s (seq %d) first received after seq %d", r.alertID, r.seq, lastSeq)
		}
		lastSeq = r.seq
		firsts = append(firsts, r.alertID)
	}
	if !slices.Equal(firsts, want) {
		t.Errorf("webhook received %v (in order of first receipt), want %v as streamed", firsts, want)
	}
	if dups > 1 {
		t.Errorf("%d repeated deliveries, want at most the one in flight at the crash: %+v", dups, got)
	}
	held := before[len(before)-1].alertID
	for id, n := range seen {
		if n > 1 && id != held {
			t.Errorf("alert %s received %d times; only %s was in flight at the crash", id, n, held)
		}
	}
	t.Logf("webhook: %d requests for %d alerts, %d repeated (%s in flight at the crash)", len(got), len(want), dups, held)
}

// checkCrossingAlerts checks the streamed alerts: for icao:ABC001 one or
// more warnings, then one violation, then one violation_end (exited), all
// for the zone; nothing for icao:ABC002; ids and seqs consistent.
func checkCrossingAlerts(t *testing.T, as []sseAlert) {
	t.Helper()
	var warn, viol, end []sseAlert
	var lastSeq int64
	for _, a := range as {
		if a.ID != strconv.FormatInt(a.Seq, 10) || a.AlertID != "al-"+a.ID || a.Event != a.Kind {
			t.Errorf("SSE event id %s event %s carries alert %s seq %d kind %s", a.ID, a.Event, a.AlertID, a.Seq, a.Kind)
		}
		if a.Seq <= lastSeq {
			t.Errorf("SSE alert seq %d after %d", a.Seq, lastSeq)
		}
		lastSeq = a.Seq
		if a.ObjectID != "icao:ABC001" {
			t.Errorf("alert %s (%s) for %s; want alerts for icao:ABC001 only (icao:ABC002 flies above the ceiling)", a.AlertID, a.Kind, a.ObjectID)
			continue
		}
		if a.ZoneID != crossZoneID {
			t.Errorf("alert %s for zone %q, want %q", a.AlertID, a.ZoneID, crossZoneID)
		}
		switch a.Kind {
		case "warning":
			warn = append(warn, a)
		case "violation":
			viol = append(viol, a)
		case "violation_end":
			end = append(end, a)
		default:
			t.Errorf("unexpected alert %s %s (reason %q)", a.AlertID, a.Kind, a.Reason)
		}
	}
	if len(warn) == 0 || len(viol) != 1 || len(end) != 1 {
		t.Fatalf("icao:ABC001 got %d warnings, %d violations, %d violation_ends; want at least one warning, then one of each", len(warn), len(viol), len(end))
	}
	if warn[0].Seq > viol[0].Seq {
		t.Errorf("first warning seq %d after the violation's %d: no warning before entry", warn[0].Seq, viol[0].Seq)
	}
	if viol[0].Seq > end[0].Seq {
		t.Errorf("violation seq %d after its end's %d", viol[0].Seq, end[0].Seq)
	}
	if end[0].Reason != "exited" {
		t.Errorf("violation_end reason %q, want exited", end[0].Reason)
	}
	for _, w := range warn {
		if w.Seq > viol[0].Seq {
			t.Errorf("warning %s after the violation", w.AlertID)
		}
		if w.ETA == nil || *w.ETA < 0 {
			t.Errorf("warning %s has ETA %v", w.AlertID, w.ETA)
		}
	}
}

func alertIDs(as []sseAlert) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.AlertID
	}
	return ids
}

func describeSSE(as []sseAlert) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "[%d %s %s", a.Seq, a.Kind, a.ObjectID)
		if a.ETA != nil {
			fmt.Fprintf(&b, " eta %.1fs", *a.ETA)
		}
		if a.Reason != "" {
			fmt.Fprintf(&b, " %s", a.Reason)
		}
		b.WriteString("] ")
	}
	return b.String()
}

// TestWatchGracefulShutdown stops a server reading a busy feed with
// SIGTERM: it must exit cleanly, the archive still taking the feed's last
// batch (it used to stop with the feeds and refuse that batch, logging an
// error, about one time in three).
func TestWatchGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes for a few seconds")
	}
	db := filepath.Join(t.TempDir(), "shutdown.db")
	addrc := make(chan string, 1)
	replayCmd := exec.Command(binary, "replay", sampleSBS, "--listen", "127.0.0.1:0", "--rate", "3000", "--loop")
	startProc(t, "replay", replayCmd, func(line string) {
		if _, rest, ok := strings.Cut(line, " on "); ok && strings.HasPrefix(line, "replaying ") {
			addr, _, _ := strings.Cut(rest, ";")
			select {
			case addrc <- addr:
			default:
			}
		}
	})
	var feed string
	select {
	case feed = <-addrc:
	case <-time.After(30 * time.Second):
		t.Fatal("replay did not report its address within 30s")
	}
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--db", db, "--sbs", feed)
	cmd.Env = append(os.Environ(), "SAFEZONES_OPERATOR_TOKEN="+testToken)
	connected := make(chan struct{})
	var once sync.Once
	serve := startProc(t, "serve", cmd, func(line string) {
		if strings.Contains(line, `msg="feed connected"`) {
			once.Do(func() { close(connected) })
		}
	})
	select {
	case <-connected:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not connect to the feed within 30s")
	}
	time.Sleep(500 * time.Millisecond) // positions flowing
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !serve.wait(30 * time.Second) {
		t.Fatal("serve did not stop within 30s of SIGTERM")
	}
	if serve.err != nil {
		t.Errorf("serve after SIGTERM: %v", serve.err)
	}
	if !strings.Contains(serve.log.String(), `msg="shutting down"`) {
		t.Errorf("serve did not log its shutdown:\n%s", serve.log)
	}
	for _, line := range strings.Split(serve.log.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("serve logged an error while stopping: %s", line)
		}
	}
}
