// SBS mode: sfload plays the server's SBS-1 feed and measures the whole
// watch path, SBS TCP in to alerts out on the SSE stream.
//
//	go run ./cmd/sfload -write-zones /tmp/sbs/zones.geojson -zones 10000
//	safezones zone import --db /tmp/sbs/sbs.db --active --quiet /tmp/sbs/zones.geojson
//	go run ./cmd/sfload -mode sbs -sbs-listen 127.0.0.1:30003 -server http://127.0.0.1:8090 -zones 10000 &
//	safezones serve --db /tmp/sbs/sbs.db --addr 127.0.0.1:8090 --sbs 127.0.0.1:30003 --predict-every 0
//
// The zones are the standard workload's, written as no_fly zones with the
// band sbsFloorM..sbsCeilingM (the workload flies at 500-12,000 m, so every
// enter is a violation). sfload listens, waits for the server to connect,
// opens the alert stream, and writes the workload's tracks as MSG,3 lines
// as fast as the connection takes them: TCP back-pressure sets the pace,
// so the rate is the server's. The throughput clock runs from the first
// line written until the server's safezones_feed_positions_total (at
// /metrics) has counted every position; alert latency is each alert's
// arrival on the stream minus its "at", which is the server's receive
// time of the position that caused it (the feed times positions by the
// receive clock). Violations and their ends are checked against an
// in-process tracker run on the same lines.

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/aircraft"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geojson"
)

// The altitude band of the no_fly zones sfload writes, in metres: it holds
// every altitude of the workload (500-12,000 m), so every enter of the
// truth is a violation.
const (
	sbsFloorM   = 0.0
	sbsCeilingM = 15_000.0
)

const (
	// alertDrain bounds the wait for the alerts once every position is
	// in; alertGrace is the wait after the expected count arrived, for
	// alerts beyond the truth.
	alertDrain = 30 * time.Second
	alertGrace = 500 * time.Millisecond
	// metricsPoll is the pause between two reads of /metrics: the
	// resolution of the throughput clock's end.
	metricsPoll = 10 * time.Millisecond
	// maxStreamReconnects bounds the alert stream's resumptions (the hub
	// drops a subscriber that falls 1,024 alerts behind).
	maxStreamReconnects = 10
	// metresPerFoot converts the SBS altitude (feet) as the server does.
	metresPerFoot = 0.3048
)

// noFlyZones returns the standard workload's first n zones as no_fly zones
// with the band sbsFloorM..sbsCeilingM, in force at any time.
func noFlyZones(seed uint64, n int) []safezones.Zone {
	zones := fence.WorkloadZones(seed, n)
	floor, ceiling := sbsFloorM, sbsCeilingM
	for i := range zones {
		zones[i].Kind = safezones.KindNoFly
		zones[i].FloorM, zones[i].CeilingM = &floor, &ceiling
		zones[i].Valid.From = time.Time{}
	}
	return zones
}

// writeZones writes noFlyZones as a GeoJSON FeatureCollection that
// `safezones zone import` reads. It lives here, not in sfbench, so that
// the benchmark writer stays as it is: only this mode needs no_fly zones.
func writeZones(path string, seed uint64, n int, out io.Writer) error {
	zones := noFlyZones(seed, n)
	buf := []byte(`{"type":"FeatureCollection","features":[`)
	for i := range zones {
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		buf = geojson.AppendZoneFeature(buf, &zones[i])
	}
	buf = append(buf, "]}\n"...)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "sfload: wrote %d no_fly zones (band %g-%g m, seed %d) to %s\n", n, sbsFloorM, sbsCeilingM, seed, path)
	fmt.Fprintf(out, "sfload: import them with: safezones zone import --db DB --active --quiet %s\n", path)
	return nil
}

// appendSBSTime appends t as an SBS-1 date and time pair of fields.
func appendSBSTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	b = t.AppendFormat(b, "2006/01/02,15:04:05.000,")
	return t.AppendFormat(b, "2006/01/02,15:04:05.000")
}

// appendHex appends a 24-bit address as six upper-case hex digits.
func appendHex(b []byte, addr uint32) []byte {
	const digits = "0123456789ABCDEF"
	for shift := 20; shift >= 0; shift -= 4 {
		b = append(b, digits[addr>>uint(shift)&0xF])
	}
	return b
}

// appendSBSPosition appends u as the MSG,3 (airborne position) line of
// aircraft addr, as dump1090 writes it: times generated and logged, no
// callsign, altitude in whole feet, lat and lon to 6 decimals (0.1 m).
func appendSBSPosition(b []byte, addr uint32, u fence.Update) []byte {
	b = append(b, "MSG,3,1,1,"...)
	b = appendHex(b, addr)
	b = append(b, ",1,"...)
	b = appendSBSTime(b, u.Time)
	b = append(b, ",,"...)
	b = strconv.AppendInt(b, int64(math.Round(u.AltM/metresPerFoot)), 10)
	b = append(b, ",,,"...)
	b = strconv.AppendFloat(b, u.Point.Lat, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, u.Point.Lon, 'f', 6, 64)
	return append(b, ",,,0,0,0,0\n"...)
}

// sbsStream is one run's feed: the bytes to send and what they hold.
type sbsStream struct {
	data      []byte
	positions int
	ids       map[string]bool // the aircraft's object ids, "icao:4B1908"
}

// buildSBS writes tracks as MSG,3 lines in their order (the workload's,
// objects interleaved), object n (objects[i] of tracks[i]) as address
// base+n. It is built before the clock starts, so that sfload spends its
// share of the cores on the wire. Many lines of one aircraft may reach
// the server in one read and share a receive time; the server's merger
// keeps them apart in arrival order, as the truth's distinct times do.
func buildSBS(tracks []fence.Update, objects []int, base uint32) *sbsStream {
	s := &sbsStream{ids: map[string]bool{}}
	for i, u := range tracks {
		addr := base + uint32(objects[i])
		s.data = appendSBSPosition(s.data, addr, u)
		s.positions++
		s.ids[aircraft.ObjectID(addr, false)] = true
	}
	return s
}

// lastBase is the address block of this process's last run.
var (
	baseMu   sync.Mutex
	lastBase int64 = -1
)

// icaoBase returns the first address of a run's block of objects
// addresses. The server remembers each aircraft's zones for minutes
// (until it goes stale), and a rerun with the same addresses would not
// enter the zones it is still in; so the block follows the clock's
// seconds, and this process's runs never repeat one.
func icaoBase(objects int) uint32 {
	blocks := int64(1<<24) / int64(objects)
	baseMu.Lock()
	defer baseMu.Unlock()
	k := time.Now().Unix()
	if k <= lastBase {
		k = lastBase + 1
	}
	lastBase = k
	return uint32(k%blocks) * uint32(objects)
}

// sbsTruth reads the stream back as the server does (ParseSBS, then a
// Merger) and runs its positions through an in-process tracker without
// prediction on snap. times[i] stands for the receive time of the i-th
// position (the server's clock differs, but only the order matters to
// the tracker). It counts the enters and exits of no_fly zones by "kind
// object zone", the keys alertKeys makes of the alerts.
func sbsTruth(snap *fence.Snapshot, data []byte, times []time.Time) (map[string]int, error) {
	tr := fence.NewTracker(fence.NewEngine(snap), fence.TrackerOptions{Horizon: -1})
	var m aircraft.Merger
	out := map[string]int{}
	var evs []fence.Event
	pos := 0
	for line := range bytes.Lines(data) {
		msg, err := aircraft.ParseSBS(line)
		if err != nil {
			return nil, fmt.Errorf("sfload's own SBS line %q: %w", line, err)
		}
		if pos == len(times) {
			return nil, fmt.Errorf("sfload's own SBS stream holds more than %d positions", len(times))
		}
		u, ok := m.Add(&msg, times[pos])
		if !ok {
			continue
		}
		pos++
		evs, _ = tr.Update(u, evs[:0])
		for _, e := range evs {
			if e.ZoneKind == safezones.KindNoFly && (e.Kind == fence.EventEnter || e.Kind == fence.EventExit) {
				out[e.Kind.String()+" "+e.ObjectID+" "+e.ZoneID]++
			}
		}
	}
	if pos != len(times) {
		return nil, fmt.Errorf("sfload's own SBS stream holds %d positions, want %d", pos, len(times))
	}
	return out, nil
}

// sbsLoad is the SBS mode's workload and truth, built once for every run.
type sbsLoad struct {
	c       config
	t       target
	snap    *fence.Snapshot
	tracks  []fence.Update
	objects []int
	times   []time.Time
	client  *http.Client
}

// sbsResult is one run of the SBS mode.
type sbsResult struct {
	positions        int
	bytes            int
	elapsed          time.Duration
	alerts           alertCount // of this run's aircraft, as streamed
	others           int        // alerts of other aircraft on the stream
	truth            alertCount
	reconnects       int
	p50, p99, max    time.Duration // ingest ("at") to SSE receipt
	store50, store99 time.Duration // ingest to stored ("created")
	diff             int
	examples         []string
}

// alertCount counts violations and their ends.
type alertCount struct{ violations, ends int }

func (r sbsResult) rate() float64 { return float64(r.positions) / r.elapsed.Seconds() }

// runSBS runs the SBS mode: c.runs runs, one feed connection each.
func runSBS(ctx context.Context, c config, t target, out io.Writer) error {
	l, err := newSBSLoad(c, t)
	if err != nil {
		return err
	}
	ln, err := listenSBS(c.sbsListen, c.allowRemote)
	if err != nil {
		return err
	}
	defer ln.Close()
	var results []sbsResult
	var failed error
	for i := range c.runs {
		fmt.Fprintf(out, "sfload: sbs run %d: waiting for the server's feed on %s (safezones serve --sbs %s)\n", i+1, ln.Addr(), ln.Addr())
		r, err := l.run(ctx, ln)
		if err != nil {
			return fmt.Errorf("sbs run %d: %w", i+1, err)
		}
		printSBSResult(out, i+1, r)
		results = append(results, r)
		if r.diff > 0 && failed == nil {
			failed = fmt.Errorf("sbs run %d: %d alerts differ from the in-process truth", i+1, r.diff)
		}
	}
	printSBSTable(out, results)
	return failed
}

// listenSBS listens on addr, which must be a loopback address unless
// allowRemote: the feed carries made-up aircraft.
func listenSBS(addr string, allowRemote bool) (*net.TCPListener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("-sbs-listen %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); !allowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("-sbs-listen %q is not a loopback address; pass -allow-remote to listen on it", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return ln.(*net.TCPListener), nil
}

func newSBSLoad(c config, t target) (*sbsLoad, error) {
	if c.objects >= 1<<23 {
		return nil, errors.New("-objects must be below 8,388,608 (24-bit aircraft addresses, two blocks at least)")
	}
	snap, err := fence.Build(noFlyZones(c.seed, c.zones), fence.Options{})
	if err != nil {
		return nil, fmt.Errorf("build the in-process truth from %d no_fly zones: %w", c.zones, err)
	}
	l := &sbsLoad{c: c, t: t, snap: snap, client: &http.Client{}}
	l.tracks = fence.WorkloadTracks(c.seed, c.objects, c.updates)
	l.tracks = l.tracks[:min(len(l.tracks), c.count)]
	l.objects = make([]int, len(l.tracks))
	l.times = make([]time.Time, len(l.tracks))
	for i, u := range l.tracks {
		n, err := strconv.Atoi(strings.TrimPrefix(u.ObjectID, "obj"))
		if err != nil {
			return nil, fmt.Errorf("workload object id %q has no number", u.ObjectID)
		}
		l.objects[i], l.times[i] = n, u.Time
	}
	return l, nil
}

// run performs one run: accept the server's feed connection, open the
// alert stream, send every line, time the positions in, wait for the
// alerts and compare them with the truth.
func (l *sbsLoad) run(ctx context.Context, ln *net.TCPListener) (sbsResult, error) {
	st := buildSBS(shiftTracks(l.tracks), l.objects, icaoBase(l.c.objects))
	r := sbsResult{positions: st.positions, bytes: len(st.data)}
	want, err := sbsTruth(l.snap, st.data, l.times)
	if err != nil {
		return r, err
	}
	conn, err := accept(ctx, ln)
	if err != nil {
		return r, err
	}
	defer conn.Close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	as, err := openAlertStream(runCtx, l.client, l.t, st.ids)
	if err != nil {
		return r, err
	}
	before, err := l.feedPositions(ctx)
	if err != nil {
		return r, err
	}
	start := time.Now()
	if err := writeAll(ctx, conn, st.data); err != nil {
		return r, fmt.Errorf("send the feed: %w", err)
	}
	if err := l.waitPositions(ctx, before+float64(st.positions)); err != nil {
		return r, err
	}
	r.elapsed = time.Since(start)
	r.truth = countKeys(want)
	waitAlerts(ctx, as, r.truth)
	cancel()
	got, others, reconnects := as.result()
	r.others, r.reconnects = others, reconnects
	r.alerts = countAlerts(got)
	r.p50, r.p99, r.max, r.store50, r.store99 = alertLatencies(got)
	_, _, r.diff, r.examples = compare(want, alertKeys(got))
	return r, nil
}

// accept waits for the server's feed connection until ctx ends.
func accept(ctx context.Context, ln *net.TCPListener) (net.Conn, error) {
	stop := context.AfterFunc(ctx, func() { ln.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	conn, err := ln.Accept()
	if err != nil {
		return nil, fmt.Errorf("wait for the server's feed connection: %w", ctxErr(ctx, err))
	}
	return conn, nil
}

// writeAll writes data to conn, as fast as the server reads it, until
// ctx ends.
func writeAll(ctx context.Context, conn net.Conn, data []byte) error {
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	_, err := conn.Write(data)
	return ctxErr(ctx, err)
}

// get performs an authenticated GET of path on the server.
func (l *sbsLoad) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+l.t.addr+path, nil)
	if err != nil {
		return nil, err
	}
	return doGet(l.client, l.t, req)
}

// doGet sends req with t's Host and token, and fails on a status that is
// not 200.
func doGet(client *http.Client, t target, req *http.Request) (*http.Response, error) {
	req.Host = t.host
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s: %s", req.URL.Path, resp.Status, bytes.TrimSpace(body))
	}
	return resp, nil
}

// feedPositions returns the server's safezones_feed_positions_total summed
// over its SBS feeds (sfload's should be its only one).
func (l *sbsLoad) feedPositions(ctx context.Context) (float64, error) {
	resp, err := l.get(ctx, "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return parseFeedPositions(resp.Body)
}

// parseFeedPositions sums the safezones_feed_positions_total series of
// format "sbs" in a Prometheus text exposition.
func parseFeedPositions(r io.Reader) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sum, found := 0.0, false
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "safezones_feed_positions_total{") || !strings.Contains(line, `format="sbs"`) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("/metrics: %q: %v", line, err)
		}
		sum, found = sum+v, true
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("/metrics: %w", err)
	}
	if !found {
		return 0, errors.New("/metrics has no safezones_feed_positions_total of an SBS feed: is the server started with --sbs?")
	}
	return sum, nil
}

// waitPositions polls /metrics until the feed counted want positions.
func (l *sbsLoad) waitPositions(ctx context.Context, want float64) error {
	for {
		n, err := l.feedPositions(ctx)
		if err != nil {
			return fmt.Errorf("wait for the positions: %w", ctxErr(ctx, err))
		}
		if n >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the positions: the feed counted %.0f of %.0f: %w", n, want, context.Cause(ctx))
		case <-time.After(metricsPoll):
		}
	}
}

// waitAlerts waits until the stream brought as many violations and ends
// as the truth has, then alertGrace more for any beyond it; at most
// alertDrain, or until ctx ends.
func waitAlerts(ctx context.Context, as *alertStream, want alertCount) {
	drain := time.After(alertDrain)
	for {
		got, done := as.count()
		if done || (got.violations >= want.violations && got.ends >= want.ends) {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-drain:
			return
		case <-time.After(metricsPoll):
		}
	}
	select {
	case <-ctx.Done():
	case <-time.After(alertGrace):
	}
}

// alertRecord is one streamed alert of the run's aircraft.
type alertRecord struct {
	Kind     string    `json:"kind"`
	ObjectID string    `json:"object_id"`
	ZoneID   string    `json:"zone_id"`
	At       time.Time `json:"at"`
	Created  time.Time `json:"created"`
	recv     time.Time
}

// alertStream reads GET /v1/alerts/stream (violations and their ends)
// in the background, keeping the alerts of ids, and resumes from the
// last event id when the server drops it (at most maxStreamReconnects
// times).
type alertStream struct {
	client *http.Client
	t      target
	ids    map[string]bool

	mu         sync.Mutex
	got        []alertRecord
	n          alertCount
	others     int
	lastID     string
	reconnects int
	done       bool // the stream ended for good
}

// openAlertStream subscribes and returns once the server answered, so
// that every alert stored from then on comes through; it reads until ctx
// ends.
func openAlertStream(ctx context.Context, client *http.Client, t target, ids map[string]bool) (*alertStream, error) {
	as := &alertStream{client: client, t: t, ids: ids}
	body, err := as.connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("open the alert stream: %w", err)
	}
	go as.loop(ctx, body)
	return as, nil
}

// connect opens the stream, resuming after the last event id if any.
func (as *alertStream) connect(ctx context.Context) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+as.t.addr+"/v1/alerts/stream?kind=violation,violation_end", nil)
	if err != nil {
		return nil, err
	}
	as.mu.Lock()
	if as.lastID != "" {
		req.Header.Set("Last-Event-ID", as.lastID)
	}
	as.mu.Unlock()
	resp, err := doGet(as.client, as.t, req)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// loop reads body, then resumes, until ctx ends or the resumptions are
// spent.
func (as *alertStream) loop(ctx context.Context, body io.ReadCloser) {
	defer func() {
		as.mu.Lock()
		as.done = true
		as.mu.Unlock()
	}()
	for resumed := 0; ; resumed++ {
		as.read(body)
		body.Close()
		if ctx.Err() != nil || resumed == maxStreamReconnects {
			return
		}
		var err error
		if body, err = as.connect(ctx); err != nil {
			return
		}
		as.mu.Lock()
		as.reconnects++
		as.mu.Unlock()
	}
}

// read reads events until the stream ends or says disconnect.
func (as *alertStream) read(body io.Reader) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var id, event string
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			if event == "disconnect" {
				return
			}
			if data != nil {
				as.add(id, data, time.Now())
			}
			id, event, data = "", "", nil
		case bytes.HasPrefix(line, []byte("id:")):
			id = strings.TrimSpace(string(line[3:]))
		case bytes.HasPrefix(line, []byte("event:")):
			event = strings.TrimSpace(string(line[6:]))
		case bytes.HasPrefix(line, []byte("data:")):
			data = append(data, bytes.TrimPrefix(line[5:], []byte(" "))...)
		}
	}
}

// add records one event's alert, received at recv.
func (as *alertStream) add(id string, data []byte, recv time.Time) {
	var a alertRecord
	err := json.Unmarshal(data, &a)
	as.mu.Lock()
	defer as.mu.Unlock()
	if id != "" {
		as.lastID = id
	}
	if err != nil || !as.ids[a.ObjectID] {
		as.others++
		return
	}
	a.recv = recv
	as.got = append(as.got, a)
	switch a.Kind {
	case string(safezones.AlertViolation):
		as.n.violations++
	case string(safezones.AlertViolationEnd):
		as.n.ends++
	}
}

// count returns the violations and ends so far, and whether the stream
// ended for good.
func (as *alertStream) count() (alertCount, bool) {
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.n, as.done
}

// result returns the alerts of the run's aircraft, the number of others
// and the stream's resumptions.
func (as *alertStream) result() ([]alertRecord, int, int) {
	as.mu.Lock()
	defer as.mu.Unlock()
	return slices.Clone(as.got), as.others, as.reconnects
}

// alertKeys counts streamed alerts by the truth's keys: a violation is
// an enter, its end an exit.
func alertKeys(got []alertRecord) map[string]int {
	out := map[string]int{}
	for _, a := range got {
		kind := "enter"
		if a.Kind == string(safezones.AlertViolationEnd) {
			kind = "exit"
		}
		out[kind+" "+a.ObjectID+" "+a.ZoneID]++
	}
	return out
}

// countKeys counts the truth's enters and exits.
func countKeys(want map[string]int) alertCount {
	var n alertCount
	for k, v := range want {
		if strings.HasPrefix(k, "enter ") {
			n.violations += v
		} else {
			n.ends += v
		}
	}
	return n
}

func countAlerts(got []alertRecord) alertCount {
	var n alertCount
	for _, a := range got {
		if a.Kind == string(safezones.AlertViolationEnd) {
			n.ends++
		} else {
			n.violations++
		}
	}
	return n
}

// alertLatencies returns the p50, p99 and max of ingest to SSE receipt,
// and the p50 and p99 of ingest to store; zeros without alerts.
func alertLatencies(got []alertRecord) (p50, p99, max, store50, store99 time.Duration) {
	if len(got) == 0 {
		return
	}
	sse := make([]time.Duration, len(got))
	store := make([]time.Duration, len(got))
	for i, a := range got {
		sse[i], store[i] = a.recv.Sub(a.At), a.Created.Sub(a.At)
	}
	slices.Sort(sse)
	slices.Sort(store)
	pct := func(ds []time.Duration, p float64) time.Duration { return ds[int(p*float64(len(ds)-1))] }
	return pct(sse, 0.5), pct(sse, 0.99), sse[len(sse)-1], pct(store, 0.5), pct(store, 0.99)
}

func printSBSResult(out io.Writer, run int, r sbsResult) {
	fmt.Fprintf(out, "sfload: sbs run %d: %d positions (MSG,3 lines, %.0f kB) from the first line written to the feed's count in %v: %.0f/s\n",
		run, r.positions, float64(r.bytes)/1e3, r.elapsed.Round(time.Millisecond), r.rate())
	fmt.Fprintf(out, "sfload: sbs run %d: alerts %d violation, %d violation_end (truth %d enters, %d exits; %d differ); %d of other aircraft; %d stream resumptions\n",
		run, r.alerts.violations, r.alerts.ends, r.truth.violations, r.truth.ends, r.diff, r.others, r.reconnects)
	fmt.Fprintf(out, "sfload: sbs run %d: alert latency ingest to SSE p50 %v p99 %v max %v (ingest to stored p50 %v p99 %v)\n",
		run, round(r.p50), round(r.p99), round(r.max), round(r.store50), round(r.store99))
	for _, e := range r.examples {
		fmt.Fprintf(out, "sfload: sbs run %d: wrong: %s\n", run, e)
	}
}

// printSBSTable prints every run as a Markdown table.
func printSBSTable(out io.Writer, results []sbsResult) {
	fmt.Fprintln(out, "\n| run | positions | per second | violations (truth) | ends (truth) | latency p50 | p99 | max | wrong |")
	fmt.Fprintln(out, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for i, r := range results {
		fmt.Fprintf(out, "| %d | %d | %.1fk | %d (%d) | %d (%d) | %v | %v | %v | %d |\n", i+1, r.positions, r.rate()/1000,
			r.alerts.violations, r.truth.violations, r.alerts.ends, r.truth.ends, round(r.p50), round(r.p99), round(r.max), r.diff)
	}
}
