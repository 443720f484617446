package main

import (
	"bytes"
	"context"
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/aircraft"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geojson"
	"github.com/safezones/safezones/httpapi"
)

// newSBSPipeline runs the watch path of `safezones serve --sbs feedAddr`
// in process on the first zones of the standard workload as no_fly zones:
// an SBS client feeding the tracker (no prediction), alerts produced into
// a memory store and streamed by the hub, the feed's metrics at /metrics.
// It returns the service's base URL; everything stops when the test ends.
func newSBSPipeline(t *testing.T, zones int, feedAddr string) string {
	t.Helper()
	snap, err := fence.Build(noFlyZones(1, zones), fence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	engine := fence.NewEngine(snap)
	tracker := fence.NewTracker(engine, fence.TrackerOptions{Horizon: -1})
	store := alerts.NewMemoryStore()
	hub := alerts.NewHub(store, alerts.HubOptions{})
	producer := alerts.NewProducer(store, hub, engine)
	reg := prometheus.NewRegistry()
	feed := &aircraft.SBSClient{Addr: feedAddr, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	aircraft.NewMetrics(reg).Watch(feed)
	s := &httpapi.Server{Fence: engine, Tracker: tracker, OperatorToken: testToken, Registry: reg,
		Alerts: store, AlertHub: hub, AlertProducer: producer}
	url := serve(t, s.Handler())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		// As cmd/safezones feedSink does, without the archive.
		feed.Run(ctx, func(us []fence.Update) {
			var evs, all []fence.Event
			for _, u := range us {
				evs, _ = tracker.Update(u, evs[:0])
				all = append(all, evs...)
			}
			if err := producer.Handle(context.Background(), all); err != nil {
				t.Errorf("store alerts: %v", err)
			}
		})
	}()
	t.Cleanup(func() { hub.Close(); cancel(); <-done })
	return url
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

var sbsRowPattern = regexp.MustCompile(`(?m)^\| (\d+) \| (\d+) \| [0-9.]+k \| (\d+) \((\d+)\) \| (\d+) \((\d+)\) \| .* \| (\d+) \|$`)

// TestSBSAgreesWithTheTruth runs the sbs mode twice (two feed connections,
// two address blocks) against the in-process pipeline: 20 aircraft x 20
// positions,
// and the streamed violations and ends must be exactly the truth's: the
// stream is about 43 kB, so many positions of one aircraft arrive in one read.
func TestSBSAgreesWithTheTruth(t *testing.T) {
	feedAddr := freeAddr(t)
	url := newSBSPipeline(t, 2000, feedAddr)
	var out bytes.Buffer
	err := run(context.Background(), args(url, "-mode", "sbs", "-sbs-listen", feedAddr, "-zones", "2000",
		"-objects", "20", "-updates", "20", "-runs", "2"), &out)
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	rows := sbsRowPattern.FindAllStringSubmatch(out.String(), -1)
	if len(rows) != 2 {
		t.Fatalf("%d table rows, want 2", len(rows))
	}
	for _, r := range rows {
		if r[2] != "400" {
			t.Errorf("run %s: %s positions, want 400", r[1], r[2])
		}
		if r[3] != r[4] || r[5] != r[6] || r[7] != "0" {
			t.Errorf("run %s: violations %s (truth %s), ends %s (truth %s), %s wrong", r[1], r[3], r[4], r[5], r[6], r[7])
		}
		if n, _ := strconv.Atoi(r[4]); n == 0 {
			t.Errorf("run %s: the truth has no violation; the test checks nothing", r[1])
		}
	}
}

// TestSBSLinesParseBack checks the line writer: every position line reads
// back with aircraft.ParseSBS to its aircraft, position (to 6 decimals)
// and altitude (to the foot, inside the zones' band).
func TestSBSLinesParseBack(t *testing.T) {
	tracks := fence.WorkloadTracks(1, 3, 4)
	objects := make([]int, len(tracks))
	for i := range tracks {
		objects[i] = i % 3
	}
	const base = 0xABC000
	st := buildSBS(tracks, objects, base)
	if st.positions != len(tracks) || len(st.ids) != 3 {
		t.Fatalf("positions %d, aircraft %d; want %d, 3", st.positions, len(st.ids), len(tracks))
	}
	pos := 0
	for line := range bytes.Lines(st.data) {
		m, err := aircraft.ParseSBS(line)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if pos == len(tracks) {
			t.Fatalf("line %q beyond the %d positions", line, len(tracks))
		}
		u := tracks[pos]
		if m.Type != 3 || m.Has&aircraft.HasPosition == 0 || m.ICAO != base+uint32(objects[pos]) || m.Has&aircraft.HasCallsign != 0 {
			t.Errorf("line %q: type %d, address %06X; want 3, %06X, no callsign", line, m.Type, m.ICAO, base+uint32(objects[pos]))
		}
		if math.Abs(m.Lat-u.Point.Lat) > 5e-7 || math.Abs(m.Lon-u.Point.Lon) > 5e-7 {
			t.Errorf("line %q: position %v,%v, want %v", line, m.Lat, m.Lon, u.Point)
		}
		if math.Abs(m.AltitudeFt*metresPerFoot-u.AltM) > metresPerFoot/2 || m.Has&aircraft.HasAltitude == 0 {
			t.Errorf("line %q: altitude %v ft, want %v m", line, m.AltitudeFt, u.AltM)
		}
		if alt := m.AltitudeFt * metresPerFoot; alt < sbsFloorM || alt > sbsCeilingM {
			t.Errorf("line %q: altitude %v m outside the zones' band", line, alt)
		}
		pos++
	}
	if pos != len(tracks) {
		t.Errorf("%d position lines, want %d", pos, len(tracks))
	}
}

// TestWriteZonesAreNoFly writes the zones file and reads it back as
// `safezones zone import` does: no_fly zones with the band.
func TestWriteZonesAreNoFly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zones.geojson")
	if err := run(context.Background(), []string{"-write-zones", path, "-zones", "25"}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	feats, errs := geojson.DecodeFeatureCollection(data, geojson.DefaultLimits())
	if len(errs) > 0 || len(feats) != 25 {
		t.Fatalf("%d features, errors %v; want 25, none", len(feats), errs)
	}
	for _, f := range feats {
		terms, err := geojson.TermsFromFeature(f)
		if err != nil {
			t.Fatal(err)
		}
		if terms.Kind != safezones.KindNoFly || terms.FloorM == nil || *terms.FloorM != sbsFloorM ||
			terms.CeilingM == nil || *terms.CeilingM != sbsCeilingM {
			t.Fatalf("feature %d: kind %s, band %v-%v; want no_fly %v-%v", f.Index, terms.Kind, terms.FloorM, terms.CeilingM, sbsFloorM, sbsCeilingM)
		}
	}
}

func TestSBSListenIsLoopbackOnly(t *testing.T) {
	if _, err := listenSBS("192.0.2.1:30003", false); err == nil {
		t.Error("listenSBS on a non-loopback address succeeded without -allow-remote")
	}
}
