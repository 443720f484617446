package aircraft

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/safezones/safezones/fence"
)

// collector is a sink that records every update.
type collector struct {
	mu      sync.Mutex
	updates []fence.Update
	calls   int
	maxSize int
}

func (c *collector) sink(us []fence.Update) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.updates = append(c.updates, us...)
	c.calls++
	c.maxSize = max(c.maxSize, len(us))
}

func (c *collector) snapshot() []fence.Update {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]fence.Update(nil), c.updates...)
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startRun runs f in a goroutine and returns a stop function that cancels
// it and waits for it to return nil.
func startRun(t *testing.T, run func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v after cancel, want nil", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// positionKeys returns "id lat lon" for each update, to compare streams.
func positionKeys(us []fence.Update) []string {
	var out []string
	for _, u := range us {
		out = append(out, fmt.Sprintf("%s %.5f %.5f", u.ObjectID, u.Point.Lat, u.Point.Lon))
	}
	return out
}

// TestSBSClientReconnects serves the sample's first lines, cuts the
// connection in the middle of a position line, then serves the rest from
// that line on a second connection: every position arrives exactly once.
func TestSBSClientReconnects(t *testing.T) {
	lines := readLines(t, sampleSBS)[:400]
	var want []string
	var m Merger
	cut := -1
	for i, l := range lines {
		msg, _ := ParseSBS(l)
		if u, ok := m.Add(&msg, t0); ok {
			want = append(want, positionKeys([]fence.Update{u})...)
			if cut < 0 && len(want) == 3 {
				cut = i
			}
		}
	}
	if cut < 0 {
		t.Fatal("sample has too few positions")
	}
	const bad = "MSG,3,,,4B1908,,,,,,,2525,,,abc,-118.25598,,,0,0,0,0"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		// First connection: lines before the cut, half of the cut line.
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		var b bytes.Buffer
		for _, l := range lines[:cut] {
			b.Write(l)
			b.WriteString("\r\n")
		}
		b.Write(lines[cut][:len(lines[cut])/2])
		conn.Write(b.Bytes())
		conn.Close()
		// Second connection: a bad line, then from the cut line on, and
		// stay open.
		conn, err = ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		b.Reset()
		b.WriteString(bad + "\r\n")
		for _, l := range lines[cut:] {
			b.Write(l)
			b.WriteString("\r\n")
		}
		conn.Write(b.Bytes())
		var one [1]byte
		conn.Read(one[:]) // until the client goes
	}()
	var col collector
	c := &SBSClient{Addr: ln.Addr().String(), MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		BatchSize: 2, BatchDelay: 10 * time.Millisecond}
	stop := startRun(t, func(ctx context.Context) error { return c.Run(ctx, col.sink) })
	waitFor(t, "every position", func() bool { return len(col.snapshot()) >= len(want) })
	waitFor(t, "every line", func() bool { return c.Stats().Lines == uint64(len(lines)+1) })
	st := c.Stats()
	stop()
	got := positionKeys(col.snapshot())
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("positions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if st.State != StateConnected || st.Reconnects != 1 || st.BadLines != 1 || st.Positions != uint64(len(want)) ||
		!strings.Contains(st.LastError, "closed") || st.LastMessage.IsZero() {
		t.Errorf("Stats() = %+v; want connected, 1 reconnect, 1 bad line, %d positions", st, len(want))
	}
	if col.maxSize > 2 {
		t.Errorf("a batch had %d updates, BatchSize is 2", col.maxSize)
	}
	if s := c.Stats().State; s != StateStopped {
		t.Errorf("state after stop = %v, want stopped", s)
	}
}

// TestSBSClientBackoff dials a closed port: the client keeps retrying,
// reports reconnecting and stops on cancel.
func TestSBSClientBackoff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &SBSClient{Addr: addr, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}
	var col collector
	startRun(t, func(ctx context.Context) error { return c.Run(ctx, col.sink) })
	waitFor(t, "reconnecting", func() bool {
		s := c.Stats()
		return s.State == StateReconnecting && s.LastError != ""
	})
}

func TestBackoff(t *testing.T) {
	b := backoff{min: 250 * time.Millisecond, max: 30 * time.Second}
	for i, want := range []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second} {
		if d := b.next(); d < want/2 || d > want {
			t.Errorf("attempt %d: %v, want in [%v, %v]", i, d, want/2, want)
		}
	}
	for range 20 {
		b.next()
	}
	if d := b.next(); d < 15*time.Second || d > 30*time.Second {
		t.Errorf("capped attempt: %v, want in [15s, 30s]", d)
	}
	b.reset()
	if d := b.next(); d > 250*time.Millisecond {
		t.Errorf("after reset: %v, want at most 250ms", d)
	}
}

func TestJSONPoller(t *testing.T) {
	sample, err := os.ReadFile("testdata/claws_aircraft.json")
	if err != nil {
		t.Fatal(err)
	}
	later := strings.Replace(strings.Replace(string(sample), "1633214709.0", "1633214712.0", 1), `"seen_pos":2.4`, `"seen_pos":0.4`, 1)
	// The same position 1 s later: now and seen_pos both grew by one.
	same := strings.Replace(strings.Replace(later, "1633214712.0", "1633214713.0", 1), `"seen_pos":0.4`, `"seen_pos":1.4`, 1)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := requests.Add(1); {
		case n <= 2:
			w.Write(sample) // the second poll is a repeat
		case n == 3:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case n == 4:
			w.Write([]byte(later))
		default:
			w.Write([]byte(same))
		}
	}))
	defer srv.Close()
	var col collector
	p := &JSONPoller{URL: srv.URL + "/data/aircraft.json", Interval: 5 * time.Millisecond, MinBackoff: 5 * time.Millisecond}
	stop := startRun(t, func(ctx context.Context) error { return p.Run(ctx, col.sink) })
	// Polls are sequential: the seventh request arrives only after the
	// sixth answer was handled, so waiting for it leaves no poll in flight
	// that the counts below depend on.
	waitFor(t, "seven polls", func() bool { return requests.Load() >= 7 })
	stop()
	got := col.snapshot()
	if len(got) != 2 || !got[0].Time.Equal(time.UnixMilli(1633214706600)) || !got[1].Time.Equal(time.UnixMilli(1633214711600)) {
		t.Fatalf("updates = %+v; want two, at now - seen_pos of the first and third files", got)
	}
	st := p.Stats()
	if st.Reconnects != 1 || st.Positions != 2 || st.Lines < 10 || st.BadLines != 0 || !strings.Contains(st.LastError, "503") {
		t.Errorf("Stats() = %+v", st)
	}
}

func TestJSONPollerRedactsURL(t *testing.T) {
	p := &JSONPoller{URL: "http://user:secret@127.0.0.1:8080/data/aircraft.json"}
	if name := p.Stats().Feed; strings.Contains(name, "secret") {
		t.Errorf("feed name %q shows the password", name)
	}
}

// TestReplayLoopback replays the real sample to an SBSClient over
// loopback at a high rate: the client sees every line and every position.
func TestReplayLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var lastSent, lastTotal atomic.Int64
	r := &Replayer{Path: sampleSBS, Rate: 40_000, Progress: func(sent, total int) {
		lastSent.Store(int64(sent))
		lastTotal.Store(int64(total))
	}}
	served := make(chan error, 1)
	go func() { served <- r.Serve(context.Background(), ln) }()
	var col collector
	c := &SBSClient{Addr: ln.Addr().String(), MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	stop := startRun(t, func(ctx context.Context) error { return c.Run(ctx, col.sink) })
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not finish")
	}
	waitFor(t, "every line", func() bool { return c.Stats().Lines >= 4184 })
	waitFor(t, "every position", func() bool { return len(col.snapshot()) >= 74 })
	stop()
	st := c.Stats()
	if st.Lines != 4184 || st.BadLines != 0 || st.Positions != 74 || len(col.snapshot()) != 74 {
		t.Errorf("Stats() = %+v, %d updates; want 4184 lines, 0 bad, 74 positions", st, len(col.snapshot()))
	}
	if lastSent.Load() != 4184 || lastTotal.Load() != 4184 {
		t.Errorf("last progress %d/%d, want 4184/4184", lastSent.Load(), lastTotal.Load())
	}
}

func TestReplayStopsOnCancel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Replayer{Path: sampleSBS, Rate: 10, Loop: true}
	served := make(chan error, 1)
	go func() { served <- r.Serve(ctx, ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 100)
	if _, err := conn.Read(buf); err != nil {
		t.Fatalf("no data from the replay: %v", err)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop on cancel")
	}
}

func TestLoadRecordingTimes(t *testing.T) {
	rec := "MSG,3,,,4B1908,,2013/05/23,12:00:00.000,,,,2525,,,33.9,-118.2,,,0,0,0,0\n" +
		"MSG,5,,,4B1908,,,,,,,2525,,,,,,,,,,\r\n" +
		"\n" +
		"MSG,5,,,4B1908,,2013/05/23,12:00:01.500,,,,2525,,,,,,,,,,\n" +
		"MSG,5,,,4B1908,,2013/05/23,12:00:01.000,,,,2525,,,,,,,,,,"
	lines, offsets, timed, err := LoadRecording(strings.NewReader(rec))
	if err != nil || !timed || len(lines) != 4 {
		t.Fatalf("LoadRecording = %d lines, timed %v, %v; want 4, true", len(lines), timed, err)
	}
	want := []time.Duration{0, 0, 1500 * time.Millisecond, 1500 * time.Millisecond}
	for i := range want {
		if offsets[i] != want[i] || !bytes.HasSuffix(lines[i], []byte("0\r\n")) && !bytes.HasSuffix(lines[i], []byte(",\r\n")) {
			t.Errorf("line %d: offset %v, %q; want %v and a CRLF end", i, offsets[i], lines[i], want[i])
		}
	}
	_, _, timed, _ = LoadRecording(strings.NewReader("MSG,8,,,4B1908,,,,,,,,,,,,,,,,,\n"))
	if timed {
		t.Errorf("a recording without times is timed")
	}
}

func TestReplayerEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.txt")
	os.WriteFile(path, nil, 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := (&Replayer{Path: path}).Serve(context.Background(), ln); err == nil || !strings.Contains(err.Error(), "no lines") {
		t.Errorf("Serve(empty) = %v, want no lines", err)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.Now = func() time.Time { return t0.Add(5 * time.Second) }
	c := &SBSClient{Addr: "127.0.0.1:30003", Name: "west"}
	c.c.lines.Add(10)
	c.c.bad.Add(2)
	c.c.positions.Add(3)
	c.c.reconnects.Add(1)
	c.c.state.Store(int32(StateConnected))
	c.c.lastMsg.Store(t0.UnixNano())
	m.Watch(c)
	m.Watch(&JSONPoller{URL: "http://127.0.0.1:8081/data/aircraft.json"})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			labels := ""
			for _, l := range mt.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + ","
			}
			v := mt.GetCounter().GetValue() + mt.GetGauge().GetValue()
			got[mf.GetName()+"{"+labels+"}"] = v
		}
	}
	want := map[string]float64{
		"safezones_feed_lines_total{feed=west,format=sbs,}":                                             10,
		"safezones_feed_bad_lines_total{feed=west,format=sbs,}":                                         2,
		"safezones_feed_positions_total{feed=west,format=sbs,}":                                         3,
		"safezones_feed_reconnects_total{feed=west,format=sbs,}":                                        1,
		"safezones_feed_connected{feed=west,format=sbs,}":                                               1,
		"safezones_feed_last_message_age_seconds{feed=west,format=sbs,}":                                5,
		"safezones_feed_connected{feed=http://127.0.0.1:8081/data/aircraft.json,format=aircraft_json,}": 0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, ok := got["safezones_feed_last_message_age_seconds{feed=http://127.0.0.1:8081/data/aircraft.json,format=aircraft_json,}"]; ok {
		t.Errorf("message age exported before any message")
	}
}
