package aircraft

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func mustParse(t *testing.T, line string) *Message {
	t.Helper()
	m, err := ParseSBS([]byte(line))
	if err != nil {
		t.Fatalf("ParseSBS(%q): %v", line, err)
	}
	return &m
}

type step struct {
	at   time.Duration
	line string
}

func run(t *testing.T, m *Merger, steps []step) []fence.Update {
	t.Helper()
	var out []fence.Update
	for _, s := range steps {
		if u, ok := m.Add(mustParse(t, s.line), t0.Add(s.at)); ok {
			out = append(out, u)
		}
	}
	return out
}

const (
	velocity = "MSG,4,,,76CCE2,,,,,,,,298,96,,,-128,,0,0,0,0"
	altitude = "MSG,5,,,76CCE2,,,,,,,10000,,,,,,,,,,"
	identity = "MSG,1,,,76CCE2,,,,,,SIA38   ,,,,,,,,0,0,0,0"
	squawk   = "MSG,6,,,76CCE2,,,,,,,,,,,,,4622,0,0,0,0"
	posNoAlt = "MSG,3,,,76CCE2,,,,,,,,,,34.03234,-118.68856,,,0,0,0,0"
	posAlt   = "MSG,3,,,76CCE2,,,,,,,9975,,,34.03234,-118.68856,,,0,0,0,0"
)

func TestMergerCombines(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  []fence.Update
	}{
		{"velocity and altitude join the next position, in SI units",
			[]step{{0, velocity}, {time.Second, altitude}, {2 * time.Second, posNoAlt}},
			[]fence.Update{{ObjectID: "icao:76CCE2", Point: geo.Point{Lon: -118.68856, Lat: 34.03234}, Time: t0.Add(2 * time.Second),
				AltM: 3048, HasAlt: true, SpeedMS: 298 * 1852.0 / 3600, HeadingDeg: 96, HasVelocity: true}}},
		{"the position's own altitude wins",
			[]step{{0, altitude}, {time.Second, posAlt}},
			[]fence.Update{{ObjectID: "icao:76CCE2", Point: geo.Point{Lon: -118.68856, Lat: 34.03234}, Time: t0.Add(time.Second),
				AltM: 9975 * 0.3048, HasAlt: true}}},
		{"velocity 11 s old is stale, altitude 10 s old is not",
			[]step{{0, velocity}, {time.Second, altitude}, {11 * time.Second, posNoAlt}},
			[]fence.Update{{ObjectID: "icao:76CCE2", Point: geo.Point{Lon: -118.68856, Lat: 34.03234}, Time: t0.Add(11 * time.Second),
				AltM: 3048, HasAlt: true}}},
		{"messages without a position make no update",
			[]step{{0, velocity}, {0, altitude}, {0, identity}, {0, squawk}}, nil},
		{"another aircraft's velocity is not used",
			[]step{{0, "MSG,4,,,ADFE14,,,,,,,,298,96,,,-128,,0,0,0,0"}, {time.Second, posNoAlt}},
			[]fence.Update{{ObjectID: "icao:76CCE2", Point: geo.Point{Lon: -118.68856, Lat: 34.03234}, Time: t0.Add(time.Second)}}},
		{"track 360 becomes heading 0",
			[]step{{0, "MSG,4,,,76CCE2,,,,,,,,100,360,,,,,,,,"}, {0, posNoAlt}},
			[]fence.Update{{ObjectID: "icao:76CCE2", Point: geo.Point{Lon: -118.68856, Lat: 34.03234}, Time: t0,
				SpeedMS: 100 * 1852.0 / 3600, HeadingDeg: 0, HasVelocity: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Merger
			got := run(t, &m, tt.steps)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
				t.Errorf("updates (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergerIdentity(t *testing.T) {
	var m Merger
	run(t, &m, []step{{0, identity}, {0, squawk}, {0, "MSG,2,,,76CCE2,,,,,,,,5,90,34.0,-118.6,,,,,,-1"}})
	got, ok := m.Lookup(0x76CCE2, false)
	want := Aircraft{ObjectID: "icao:76CCE2", Callsign: "SIA38", Squawk: 4622, HasSquawk: true, OnGround: true, LastSeen: t0}
	if !ok || got != want {
		t.Errorf("Lookup(76CCE2) = %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := m.Lookup(0x76CCE2, true); ok {
		t.Errorf("Lookup(~76CCE2) found the ICAO address")
	}
}

func TestMergerMessageTimes(t *testing.T) {
	loc := time.FixedZone("UTC-7", -7*3600)
	m := Merger{MessageTimes: loc}
	line := "MSG,3,,,4B1908,,2013/05/23,05:00:00.250,,,,2525,,,33.96693,-118.25598,,,0,0,0,0"
	u, ok := m.Add(mustParse(t, line), t0)
	want := time.Date(2013, 5, 23, 12, 0, 0, 250e6, time.UTC)
	if !ok || !u.Time.Equal(want) {
		t.Errorf("Add(%q) time = %v, want %v", line, u.Time, want)
	}
	var recv Merger
	if u, _ := recv.Add(mustParse(t, line), t0); !u.Time.Equal(t0) {
		t.Errorf("without MessageTimes, time = %v, want the receive time %v", u.Time, t0)
	}
}

func TestMergerEviction(t *testing.T) {
	m := Merger{EvictAfter: time.Minute, MaxAircraft: 3}
	line := func(hex string) string { return "MSG,8,,," + hex + ",,,,,,,,,,,,,,,,," }
	run(t, &m, []step{{0, line("000001")}, {10 * time.Second, line("000002")}, {20 * time.Second, line("000003")}})
	if m.Len() != 3 {
		t.Fatalf("Len() = %d, want 3", m.Len())
	}
	// The cap: a fourth aircraft evicts the longest silent one.
	run(t, &m, []step{{30 * time.Second, line("000004")}})
	if _, ok := m.Lookup(1, false); ok || m.Len() != 3 {
		t.Errorf("after a fourth aircraft: Len() = %d, 000001 kept = %v; want 3 and evicted", m.Len(), ok)
	}
	// Silence: at t0+75s, 000002 (last heard at 10 s) is over a minute old.
	if n := m.Sweep(t0.Add(75 * time.Second)); n != 1 {
		t.Errorf("Sweep(t0+75s) = %d, want 1", n)
	}
	if _, ok := m.Lookup(2, false); ok {
		t.Errorf("000002 survived Sweep")
	}
	if m.Evicted() != 2 || m.Len() != 2 {
		t.Errorf("Evicted() = %d, Len() = %d; want 2, 2", m.Evicted(), m.Len())
	}
}

func TestMergerSample(t *testing.T) {
	var m Merger
	n, withVel := 0, 0
	for i, l := range readLines(t, sampleSBS) {
		msg, err := ParseSBS(l)
		if err != nil {
			t.Fatal(err)
		}
		// A line every 50 ms, as a receiver would pace them.
		u, ok := m.Add(&msg, t0.Add(time.Duration(i)*50*time.Millisecond))
		if !ok {
			continue
		}
		n++
		if len(u.ObjectID) != len("icao:4B1908") || !u.HasAlt {
			t.Errorf("update %d = %+v, want an icao: id and an altitude", n, u)
		}
		if u.HasVelocity {
			withVel++
		}
	}
	if n != 74 {
		t.Errorf("%d updates from the sample, want 74 (one per position line)", n)
	}
	if withVel == 0 {
		t.Errorf("no update carried a velocity")
	}
}

func TestObjectID(t *testing.T) {
	for _, tt := range []struct {
		icao    uint32
		nonICAO bool
		want    string
	}{{0x4B1908, false, "icao:4B1908"}, {0xABC, false, "icao:000ABC"}, {0xABCDEF, true, "icao:~ABCDEF"}} {
		if got := ObjectID(tt.icao, tt.nonICAO); got != tt.want {
			t.Errorf("ObjectID(%06X, %v) = %q, want %q", tt.icao, tt.nonICAO, got, tt.want)
		}
	}
}

// TestMergerOneReadManyPositions: positions of one aircraft that arrive in
// the same read share a receive time; the merger keeps them apart (a
// microsecond each) so that a tracker applies every one instead of taking
// all but the first for duplicates.
func TestMergerOneReadManyPositions(t *testing.T) {
	var m Merger
	e := fence.NewEngine(nil)
	tr := fence.NewTracker(e, fence.TrackerOptions{Horizon: -1})
	applied := 0
	var last time.Time
	for i := 0; i < 10; i++ {
		u, ok := m.Add(mustParse(t, posAlt), t0)
		if !ok {
			t.Fatal("no update")
		}
		if !u.Time.After(last) {
			t.Fatalf("position %d at %v, not after %v", i, u.Time, last)
		}
		last = u.Time
		if _, out := tr.Update(u, nil); out == fence.Applied {
			applied++
		}
	}
	if applied != 10 {
		t.Errorf("the tracker applied %d of 10 positions received together", applied)
	}
	// A later read goes back to the receive clock.
	if u, _ := m.Add(mustParse(t, posAlt), t0.Add(time.Second)); !u.Time.Equal(t0.Add(time.Second)) {
		t.Errorf("next read at %v, want %v", u.Time, t0.Add(time.Second))
	}
}
