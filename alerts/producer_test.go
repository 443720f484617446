package alerts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func ptr(v float64) *float64 { return &v }

// testZones are a no-fly zone (0–3000 m) over a box near Idlib, a
// protected site east of it and a safe area and corridor around.
func testZones() []safezones.Zone {
	box := geo.Polygon{geo.Ring{{Lon: 36.5, Lat: 35.8}, {Lon: 36.7, Lat: 35.8}, {Lon: 36.7, Lat: 36.0}, {Lon: 36.5, Lat: 36.0}, {Lon: 36.5, Lat: 35.8}}}
	return []safezones.Zone{
		{ID: "nfz", Version: 2, Status: safezones.StatusActive, Terms: safezones.Terms{Kind: safezones.KindNoFly, Name: "Idlib no-fly zone",
			Geometry: box, FloorM: ptr(0), CeilingM: ptr(3000)}},
		{ID: "hospital", Version: 1, Status: safezones.StatusActive, Terms: safezones.Terms{Kind: safezones.KindProtectedSite, Name: "Hospital",
			Geometry: geo.Point{Lon: 36.9, Lat: 35.9}, RadiusM: 500}},
		{ID: "safe", Version: 1, Status: safezones.StatusActive, Terms: safezones.Terms{Kind: safezones.KindSafeArea, Name: "Safe area",
			Geometry: box}},
	}
}

// testSnapshot is built once: Build indexes the zones, which takes a while
// under the race detector, and snapshots are immutable.
var testSnapshot = sync.OnceValues(func() (*fence.Snapshot, error) { return fence.Build(testZones(), fence.Options{}) })

func mustEngine(t *testing.T) *fence.Engine {
	t.Helper()
	snap, err := testSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	return fence.NewEngine(snap)
}

// ev builds a tracker event.
func ev(kind fence.EventKind, zone string, zk safezones.Kind, mods ...func(*fence.Event)) fence.Event {
	e := fence.Event{Kind: kind, ObjectID: "4ca7b5", ZoneID: zone, Version: 2, ZoneKind: zk, At: t0,
		Point: geo.Point{Lon: 36.6, Lat: 35.9}, AltitudeKnown: true}
	for _, m := range mods {
		m(&e)
	}
	return e
}

func TestProducerRules(t *testing.T) {
	noAlt := func(e *fence.Event) { e.AltitudeKnown = false }
	exitWith := func(r fence.ExitReason) func(*fence.Event) {
		return func(e *fence.Event) { e.Reason, e.Dwell = r, 90*time.Second }
	}
	warn := func(e *fence.Event) {
		e.ETA, e.ETAMin, e.ETAMax, e.Entry = 120*time.Second, 100*time.Second, 150*time.Second, geo.Point{Lon: 36.5, Lat: 35.9}
	}
	nfz, site, safe, corr := safezones.KindNoFly, safezones.KindProtectedSite, safezones.KindSafeArea, safezones.KindCorridor
	tests := []struct {
		name string
		ev   fence.Event
		want *safezones.Alert // nil: no alert
	}{
		{"enter no-fly inside band", ev(fence.EventEnter, "nfz", nfz),
			&safezones.Alert{Kind: safezones.AlertViolation, AltitudeKnown: true}},
		{"enter no-fly without altitude", ev(fence.EventEnter, "nfz", nfz, noAlt),
			&safezones.Alert{Kind: safezones.AlertViolation, AltitudeKnown: false}},
		{"exit no-fly", ev(fence.EventExit, "nfz", nfz, exitWith(fence.ReasonLeft)),
			&safezones.Alert{Kind: safezones.AlertViolationEnd, AltitudeKnown: true, Reason: "exited", DwellSeconds: ptr(90)}},
		{"stale closes", ev(fence.EventExit, "nfz", nfz, exitWith(fence.ReasonStale)),
			&safezones.Alert{Kind: safezones.AlertViolationEnd, AltitudeKnown: true, Reason: "stale", DwellSeconds: ptr(90)}},
		{"zone ended closes", ev(fence.EventExit, "nfz", nfz, exitWith(fence.ReasonZoneInactive)),
			&safezones.Alert{Kind: safezones.AlertViolationEnd, AltitudeKnown: true, Reason: "zone_ended", DwellSeconds: ptr(90)}},
		{"warning no-fly", ev(fence.EventWarning, "nfz", nfz, warn),
			&safezones.Alert{Kind: safezones.AlertWarning, AltitudeKnown: true, ETASeconds: ptr(120), ETAMinSeconds: ptr(100), ETAMaxSeconds: ptr(150),
				Entry: &geo.Point{Lon: 36.5, Lat: 35.9}}},
		{"warning protected site", ev(fence.EventWarning, "hospital", site, warn),
			&safezones.Alert{Kind: safezones.AlertWarning, AltitudeKnown: true, ETASeconds: ptr(120), ETAMinSeconds: ptr(100), ETAMaxSeconds: ptr(150),
				Entry: &geo.Point{Lon: 36.5, Lat: 35.9}}},
		{"warning cancelled", ev(fence.EventWarningCancelled, "nfz", nfz, func(e *fence.Event) { e.Reason = fence.ReasonPathChanged }),
			&safezones.Alert{Kind: safezones.AlertWarningCancelled, AltitudeKnown: true, Reason: "path_changed"}},
		{"enter protected site is no violation", ev(fence.EventEnter, "hospital", site), nil},
		{"exit protected site", ev(fence.EventExit, "hospital", site, exitWith(fence.ReasonLeft)), nil},
		{"enter safe area", ev(fence.EventEnter, "safe", safe), nil},
		{"enter corridor", ev(fence.EventEnter, "c", corr), nil},
		{"warning safe area", ev(fence.EventWarning, "safe", safe, warn), nil},
		{"inside no-fly", ev(fence.EventInside, "nfz", nfz), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := alerts.NewMemoryStore()
			store.Now = func() time.Time { return t0.Add(time.Second) }
			p := alerts.NewProducer(store, nil, mustEngine(t))
			if err := p.Handle(context.Background(), []fence.Event{tt.ev}); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			got, _ := store.ListAlerts(context.Background(), safezones.AlertFilter{})
			if tt.want == nil {
				if len(got) != 0 {
					t.Fatalf("Handle(%v %s) stored %+v, want nothing", tt.ev.Kind, tt.ev.ZoneKind, got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("Handle(%v %s) stored %d alerts, want 1", tt.ev.Kind, tt.ev.ZoneKind, len(got))
			}
			want := *tt.want
			want.Seq, want.ID, want.Created = 1, "al-1", t0.Add(time.Second)
			want.ObjectID, want.ZoneID, want.ZoneVersion, want.ZoneKind = "4ca7b5", tt.ev.ZoneID, 2, tt.ev.ZoneKind
			want.ZoneName = map[string]string{"nfz": "Idlib no-fly zone", "hospital": "Hospital"}[tt.ev.ZoneID]
			want.At, want.Point, want.Source = t0, tt.ev.Point, safezones.Source{Kind: safezones.SourceReal}
			if d := cmp.Diff(want, got[0]); d != "" {
				t.Errorf("Handle(%v %s) alert (-want +got):\n%s", tt.ev.Kind, tt.ev.ZoneKind, d)
			}
		})
	}
}

// TestProducerBatchOrderAndHub checks one store call per batch, event
// order kept, publication to the hub and the OnStored call.
func TestProducerBatchOrderAndHub(t *testing.T) {
	store := &countingStore{MemoryStore: alerts.NewMemoryStore()}
	hub := alerts.NewHub(store, alerts.HubOptions{})
	sub, err := hub.Subscribe(context.Background(), -1, alerts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	notified := 0
	p := alerts.NewProducer(store, hub, nil)
	p.OnStored = func() { notified++ }
	p.Source = safezones.Source{Kind: safezones.SourceSimulated, Description: "demo"}
	events := []fence.Event{
		ev(fence.EventEnter, "nfz", safezones.KindNoFly, func(e *fence.Event) { e.ObjectID = "a" }),
		ev(fence.EventEnter, "safe", safezones.KindSafeArea),
		ev(fence.EventEnter, "nfz", safezones.KindNoFly, func(e *fence.Event) { e.ObjectID = "b" }),
		ev(fence.EventExit, "nfz", safezones.KindNoFly, func(e *fence.Event) { e.ObjectID = "a"; e.Reason = fence.ReasonLeft }),
	}
	if err := p.Handle(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	if store.appends != 1 || notified != 1 {
		t.Errorf("AppendAlerts calls = %d, OnStored calls = %d, want 1 and 1", store.appends, notified)
	}
	var got []string
	for range 3 {
		a, err := sub.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if a.Source.Kind != safezones.SourceSimulated {
			t.Errorf("alert %d source %v, want simulated", a.Seq, a.Source)
		}
		got = append(got, fmt.Sprintf("%d %s %s", a.Seq, a.Kind, a.ObjectID))
	}
	want := []string{"1 violation a", "2 violation b", "3 violation_end a"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("published (-want +got):\n%s", d)
	}
	// A batch without alerts costs no store call.
	if err := p.Handle(context.Background(), []fence.Event{ev(fence.EventInside, "nfz", safezones.KindNoFly)}); err != nil || store.appends != 1 {
		t.Errorf("Handle(inside) = %v with %d appends, want nil and still 1", err, store.appends)
	}
}

type countingStore struct {
	*alerts.MemoryStore
	appends int
}

func (s *countingStore) AppendAlerts(ctx context.Context, as []safezones.Alert) error {
	s.appends++
	return s.MemoryStore.AppendAlerts(ctx, as)
}

// TestProducerStoreFailure checks that a refused batch is an error, is
// not published, and is stored first by the next call.
func TestProducerStoreFailure(t *testing.T) {
	store := alerts.NewMemoryStore()
	hub := alerts.NewHub(store, alerts.HubOptions{})
	p := alerts.NewProducer(store, hub, nil)
	down := errors.New("disk full")
	store.FailAppends(down)
	err := p.Handle(context.Background(), []fence.Event{ev(fence.EventEnter, "nfz", safezones.KindNoFly, func(e *fence.Event) { e.ObjectID = "first" })})
	if !errors.Is(err, down) {
		t.Fatalf("Handle with a failing store = %v, want it to wrap %v", err, down)
	}
	if p.Pending() != 1 {
		t.Errorf("Pending() = %d, want 1", p.Pending())
	}
	store.FailAppends(nil)
	if err := p.Handle(context.Background(), []fence.Event{ev(fence.EventEnter, "nfz", safezones.KindNoFly, func(e *fence.Event) { e.ObjectID = "second" })}); err != nil {
		t.Fatal(err)
	}
	got, _ := store.ListAlerts(context.Background(), safezones.AlertFilter{})
	if len(got) != 2 || got[0].ObjectID != "first" || got[1].ObjectID != "second" || got[0].Seq != 1 {
		t.Errorf("stored %+v, want first then second", got)
	}
	if p.Pending() != 0 {
		t.Errorf("Pending() = %d after success, want 0", p.Pending())
	}
}

// TestProducerWithTracker flies two aircraft east across the no-fly zone
// (0–3000 m): one at 2000 m gets a warning before entry, a violation on
// entry and a violation end on exit; one at 5000 m, above the ceiling,
// gets nothing.
func TestProducerWithTracker(t *testing.T) {
	engine := mustEngine(t)
	tr := fence.NewTracker(engine, fence.TrackerOptions{})
	store := alerts.NewMemoryStore()
	p := alerts.NewProducer(store, nil, engine)
	var evs []fence.Event
	for i := range 60 {
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		lon := 36.2 + float64(i)*0.02 // about 1.8 km per 10 s: 180 m/s
		for _, ac := range []struct {
			id  string
			alt float64
		}{{"low", 2000}, {"high", 5000}} {
			u := fence.Update{ObjectID: ac.id, Point: geo.Point{Lon: lon, Lat: 35.85}, AltM: ac.alt, HasAlt: true, Time: at,
				SpeedMS: 180, HeadingDeg: 90, HasVelocity: true}
			evs, _ = tr.Update(u, evs[:0])
			if err := p.Handle(context.Background(), evs); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, _ := store.ListAlerts(context.Background(), safezones.AlertFilter{})
	var kinds []string
	for _, a := range got {
		if a.ObjectID != "low" {
			t.Errorf("alert %s for %s above the ceiling", a.Kind, a.ObjectID)
			continue
		}
		if a.ZoneID != "nfz" {
			continue
		}
		if len(kinds) == 0 || kinds[len(kinds)-1] != string(a.Kind) {
			kinds = append(kinds, string(a.Kind))
		}
	}
	want := []string{"warning", "violation", "violation_end"}
	if d := cmp.Diff(want, kinds); d != "" {
		t.Errorf("alert kinds for the no-fly zone (-want +got):\n%s\nall: %+v", d, got)
	}
}
