package demo

import (
	"bufio"
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/aircraft"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/zonefile"
)

// TestSimulatedFlights decodes the demo's recording as the server does
// (SBS-1 decoder and merger, one second a position each at
// FlightsPerSecond) and runs it through a tracker over the shipped zones:
// SIMUL01 enters and leaves the Idlib no-fly zone inside its band and is
// warned about it beforehand; SIMUL02, above the ceiling, never enters it.
func TestSimulatedFlights(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	parties, err := Parties()
	if err != nil {
		t.Fatal(err)
	}
	for i := range parties {
		if _, err := db.CreateParty(ctx, &parties[i]); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := zonefile.Import(ctx, db, ZonesGeoJSON(), zonefile.Options{StatusFromProperties: true}, nil); err != nil || len(res.Errors) > 0 {
		t.Fatalf("import: %v %v", err, res.Errors)
	}
	// Every shipped zone as if in force (the demo puts most in force
	// through its consent scenario).
	page, err := db.ListZones(ctx, safezones.ZoneFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	zones := page.Zones
	snap, err := fence.Build(zones, fence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := fence.NewTracker(fence.NewEngine(snap), fence.TrackerOptions{PredictEvery: 30 * time.Second})
	var m aircraft.Merger
	start := time.Now()
	events := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(SimulatedFlights()))
	lines := 0
	var evs []fence.Event
	for sc.Scan() {
		msg, err := aircraft.ParseSBS(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", lines+1, err)
		}
		recv := start.Add(time.Duration(lines) * time.Second / FlightsPerSecond)
		lines++
		u, ok := m.Add(&msg, recv)
		if !ok {
			continue
		}
		evs, _ = tr.Update(u, evs[:0])
		for _, e := range evs {
			if e.ZoneID == "idlib-no-fly" && e.Kind != fence.EventInside {
				events[e.ObjectID] = append(events[e.ObjectID], e.Kind.String())
				t.Logf("%v after the start: %s %s (ETA %v)", recv.Sub(start), e.ObjectID, e.Kind, e.ETA)
			}
		}
	}
	got1 := events[aircraft.ObjectID(0xF00001, false)]
	if len(got1) < 3 || got1[0] != "warning" {
		t.Fatalf("SIMUL01 events %v: want a warning first, then enter and exit", got1)
	}
	want := []string{"enter", "exit"}
	var seen []string
	for _, k := range got1 {
		if k == "enter" || k == "exit" {
			seen = append(seen, k)
		}
	}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("SIMUL01 enter/exit %v, want %v", seen, want)
	}
	if got2 := events[aircraft.ObjectID(0xF00002, false)]; len(got2) != 0 {
		t.Errorf("SIMUL02 above the ceiling raised %v", got2)
	}
	if d := time.Duration(lines) * time.Second / FlightsPerSecond; d < 5*time.Minute || d > 20*time.Minute {
		t.Errorf("a loop takes %v", d)
	}
}
