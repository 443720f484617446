package fence

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// transition is an enter or exit in a form both the tracker and the
// brute-force truth produce.
type transition struct {
	Object, Zone string
	Kind         EventKind
	At           time.Time
}

// sortTransitions orders transitions by time, object, kind and zone: the
// tracker lists one update's exits in the order the zones were entered.
func sortTransitions(ts []transition) {
	slices.SortStableFunc(ts, func(a, b transition) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := strings.Compare(a.Object, b.Object); c != 0 {
			return c
		}
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return strings.Compare(a.Zone, b.Zone)
	})
}

// planarTruth replays updates against every zone with geo's point test and
// returns the enters and exits, in update order.
func planarTruth(s *Snapshot, updates []Update) []transition {
	zones := make([]safezones.Zone, s.Len())
	for i := range zones {
		zones[i] = *s.Zone(int32(i))
		zones[i].Geometry = s.Geometry(int32(i)) // as indexed: densified
	}
	inside := map[string]map[string]bool{}
	var out []transition
	for _, u := range updates {
		now := map[string]bool{}
		for _, z := range zones {
			if z.Geometry.(geo.Polygon).ContainsPoint(u.Point) {
				now[z.ID] = true
			}
		}
		was := inside[u.ObjectID]
		for _, z := range zones { // zone order, as the tracker reports
			if was[z.ID] && !now[z.ID] {
				out = append(out, transition{u.ObjectID, z.ID, EventExit, u.Time})
			}
		}
		for _, z := range zones {
			if now[z.ID] && !was[z.ID] {
				out = append(out, transition{u.ObjectID, z.ID, EventEnter, u.Time})
			}
		}
		inside[u.ObjectID] = now
	}
	return out
}

func transitions(evs []Event) []transition {
	var out []transition
	for _, e := range evs {
		if e.Kind == EventEnter || e.Kind == EventExit {
			out = append(out, transition{e.ObjectID, e.ZoneID, e.Kind, e.At})
		}
	}
	return out
}

// TestTrackerMatchesPlanarTruth replays the standard workload's tracks at
// a reduced scale and requires exactly the enters and exits of the
// brute-force planar truth, with and without prediction.
func TestTrackerMatchesPlanarTruth(t *testing.T) {
	objects, updates, nz := 100, 60, 1000
	if testing.Short() {
		objects, updates, nz = 50, 40, 2000
	}
	zones := WorkloadZones(7, nz)
	tracks := WorkloadTracks(7, objects, updates)
	want := planarTruth(mustBuild(t, zones, Options{}), tracks)
	if len(want) < 50 {
		t.Fatalf("truth has only %d transitions; the test needs more", len(want))
	}
	for _, horizon := range []time.Duration{-1, 5 * time.Minute} {
		e := NewEngine(mustBuild(t, zones, Options{}))
		tr := NewTracker(e, TrackerOptions{Horizon: horizon})
		var evs, all []Event
		for _, u := range tracks {
			var out Outcome
			evs, out = tr.Update(u, evs[:0])
			if out != Applied {
				t.Fatalf("Update(%s at %v) = %v, want applied", u.ObjectID, u.Time, out)
			}
			all = append(all, evs...)
		}
		got := transitions(all)
		sortTransitions(want)
		sortTransitions(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("horizon %v: transitions differ from the planar truth (-want +got):\n%s", horizon, diff)
		}
		t.Logf("horizon %v: %d transitions, %d events, warnings %+v", horizon, len(got), len(all), tr.WarningStats())
	}
}

// noFlyScenario is a no-fly zone from 2,000 to 6,000 m over a 10 km box
// north of (36, 33).
func noFlyScenario(t *testing.T) (*Engine, safezones.Zone) {
	z := safezones.Zone{ID: "nf", Version: 1, Status: safezones.StatusActive, Terms: safezones.Terms{
		Kind: safezones.KindNoFly, Geometry: geo.Polygon{box(36, 33.1, 36.1, 33.2)}, FloorM: fptr(2000), CeilingM: fptr(6000)}}
	return NewEngine(mustBuild(t, []safezones.Zone{z}, Options{})), z
}

// flyEast returns updates every 10 s from (35.95, 33.15) heading east at
// 100 m/s, n of them, at altitude alt.
func flyEast(id string, n int, alt float64) []Update {
	var out []Update
	p := geo.Point{Lon: 35.95, Lat: 33.15}
	for k := 0; k < n; k++ {
		out = append(out, Update{ObjectID: id, Point: p, AltM: alt, HasAlt: true, Time: tBase.Add(time.Duration(k) * 10 * time.Second)})
		p = geo.Destination(p, 90, 1000)
	}
	return out
}

func replay(tr *Tracker, us []Update) []Event {
	var all []Event
	for _, u := range us {
		all, _ = tr.Update(u, all)
	}
	return all
}

func TestTrackerNoFlyBand(t *testing.T) {
	e, _ := noFlyScenario(t)
	tests := []struct {
		name string
		alt  float64
		want []transition
	}{
		{"below the floor", 1500, nil},
		{"above the ceiling", 6500, nil},
		{"inside the band", 3000, []transition{
			// 35.95 + k km east: the box spans lon 36–36.1, 4.7–14.0 km out.
			{"a", "nf", EventEnter, tBase.Add(50 * time.Second)},
			{"a", "nf", EventExit, tBase.Add(140 * time.Second)},
		}},
		{"at the floor", 2000, []transition{
			{"a", "nf", EventEnter, tBase.Add(50 * time.Second)},
			{"a", "nf", EventExit, tBase.Add(140 * time.Second)},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(e, TrackerOptions{Horizon: -1})
			got := transitions(replay(tr, flyEast("a", 20, tc.alt)))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("alt %g: transitions (-want +got):\n%s", tc.alt, diff)
			}
		})
	}
}

func TestTrackerInsideDwellAndOrder(t *testing.T) {
	e, _ := noFlyScenario(t)
	tr := NewTracker(e, TrackerOptions{Horizon: -1})
	us := flyEast("a", 10, 3000)
	var evs []Event
	for _, u := range us[:7] {
		evs, _ = tr.Update(u, evs[:0])
	}
	// Update 6 (t=60 s) is inside since update 5 (t=50 s).
	if len(evs) != 1 || evs[0].Kind != EventInside || evs[0].Dwell != 10*time.Second {
		t.Fatalf("last events = %+v, want one inside with dwell 10s", evs)
	}
	tests := []struct {
		name string
		u    Update
		want Outcome
	}{
		{"duplicate", us[6], Duplicate},
		{"out of order", us[3], OutOfOrder},
		{"no id", Update{Point: us[7].Point, Time: us[7].Time}, Invalid},
		{"bad latitude", Update{ObjectID: "a", Point: geo.Point{Lon: 1, Lat: 91}, Time: us[7].Time}, Invalid},
		{"next", us[7], Applied},
	}
	for _, tc := range tests {
		evs, got := tr.Update(tc.u, nil)
		if got != tc.want {
			t.Errorf("%s: Update = %v, want %v", tc.name, got, tc.want)
		}
		if got != Applied && len(evs) != 0 {
			t.Errorf("%s: ignored update produced %+v", tc.name, evs)
		}
	}
}

func TestTrackerExpireAndZoneRemoval(t *testing.T) {
	e, _ := noFlyScenario(t)
	tr := NewTracker(e, TrackerOptions{Horizon: -1, StaleAfter: time.Minute})
	us := flyEast("a", 7, 3000)
	replay(tr, us)
	last := us[len(us)-1].Time
	if evs := tr.Expire(last.Add(59*time.Second), nil); len(evs) != 0 || tr.Objects() != 1 {
		t.Fatalf("Expire before StaleAfter = %+v, objects %d", evs, tr.Objects())
	}
	evs := tr.Expire(last.Add(time.Minute), nil)
	want := []Event{{Kind: EventExit, ObjectID: "a", ZoneID: "nf", Version: 1, ZoneKind: safezones.KindNoFly,
		At: last.Add(time.Minute), Point: us[6].Point, AltitudeKnown: true, Dwell: 10 * time.Second, Reason: ReasonStale}}
	if diff := cmp.Diff(want, evs); diff != "" {
		t.Errorf("Expire (-want +got):\n%s", diff)
	}
	if tr.Objects() != 0 {
		t.Errorf("Objects() = %d after Expire, want 0", tr.Objects())
	}

	// A zone removed from the engine exits its objects with ReasonZoneInactive.
	tr = NewTracker(e, TrackerOptions{Horizon: -1})
	replay(tr, us[:7])
	e.Swap(mustBuild(t, nil, Options{}))
	evs, _ = tr.Update(flyEast("a", 8, 3000)[7], nil)
	if len(evs) != 1 || evs[0].Kind != EventExit || evs[0].Reason != ReasonZoneInactive {
		t.Errorf("after the zone was removed: %+v, want one exit with reason zone_inactive", evs)
	}

	// A zone that ends while an object inside stops reporting: Expire
	// closes the event before the object is stale, and only once.
	e, _ = noFlyScenario(t)
	tr = NewTracker(e, TrackerOptions{Horizon: -1, StaleAfter: time.Hour})
	replay(tr, us[:7])
	if evs := tr.Expire(last, nil); len(evs) != 0 {
		t.Fatalf("Expire while the zone is in force: %+v", evs)
	}
	e.Swap(mustBuild(t, nil, Options{}))
	evs = tr.Expire(last.Add(time.Second), nil)
	if len(evs) != 1 || evs[0].Kind != EventExit || evs[0].Reason != ReasonZoneInactive || evs[0].ZoneID != "nf" {
		t.Fatalf("Expire after the zone ended: %+v, want one exit with reason zone_inactive", evs)
	}
	if evs := tr.Expire(last.Add(2*time.Second), nil); len(evs) != 0 || tr.Objects() != 1 {
		t.Errorf("a second Expire: %+v (objects %d), want nothing and the object kept", evs, tr.Objects())
	}
}

// TestEarlyWarning flies at 250 m/s towards a site from 60 km out: a
// warning must come with an ETA within 10% of 240 s, the entry must carry
// its lead time, and turning away must cancel a warning.
func TestEarlyWarning(t *testing.T) {
	site := geo.Point{Lon: 37, Lat: 34}
	z := safezones.Zone{ID: "hospital", Version: 3, Status: safezones.StatusActive, Terms: safezones.Terms{
		Kind: safezones.KindProtectedSite, Geometry: site, RadiusM: 2000}}
	e := NewEngine(mustBuild(t, []safezones.Zone{z}, Options{}))
	tr := NewTracker(e, TrackerOptions{})
	// Start 62 km west of the centre, so the circle's edge is 60 km out.
	start := geo.Destination(site, 270, 62000)
	var warned *Event
	var all []Event
	for k := 0; k < 5; k++ {
		p := geo.Destination(start, geo.BearingDeg(start, site), 250*float64(k)*4)
		evs, _ := tr.Update(Update{ObjectID: "jet", Point: p, Time: tBase.Add(time.Duration(k) * 4 * time.Second)}, nil)
		all = append(all, evs...)
		for i := range evs {
			if evs[i].Kind == EventWarning && warned == nil {
				ev := evs[i]
				warned = &ev
			}
		}
	}
	if warned == nil {
		t.Fatalf("no warning; events %+v", all)
	}
	// The first warning came at the second update (the first has no
	// velocity yet), 1 km closer: 59 km at 250 m/s is 236 s.
	elapsed := warned.At.Sub(tBase)
	wantETA := 240*time.Second - elapsed
	if d := warned.ETA - wantETA; d.Abs() > wantETA/10 {
		t.Errorf("warning ETA %v at %v, want %v within 10%%", warned.ETA, elapsed, wantETA)
	}
	if !(warned.ETAMin <= warned.ETA && warned.ETA <= warned.ETAMax) || warned.Scenarios < 1 {
		t.Errorf("warning interval [%v, %v] does not hold ETA %v (scenarios %d)", warned.ETAMin, warned.ETAMax, warned.ETA, warned.Scenarios)
	}
	if d := geo.DistanceM(warned.Entry, site); d < 1900 || d > 2100 {
		t.Errorf("predicted entry %v is %.0f m from the centre, want about 2000", warned.Entry, d)
	}
	// Fly on to the site: the entry carries the lead time.
	p := all[len(all)-1].Point
	last := tBase.Add(16 * time.Second)
	var enter *Event
	for k := 1; k < 80 && enter == nil; k++ {
		q := geo.Destination(start, geo.BearingDeg(start, site), 250*float64(16+4*k))
		evs, _ := tr.Update(Update{ObjectID: "jet", Point: q, Time: last.Add(time.Duration(k) * 4 * time.Second)}, nil)
		for i := range evs {
			if evs[i].Kind == EventEnter {
				ev := evs[i]
				enter = &ev
			}
		}
	}
	_ = p
	if enter == nil || !enter.Warned || enter.LeadTime < 200*time.Second {
		t.Fatalf("enter = %+v, want warned with a lead time of about 236 s", enter)
	}
	st := tr.WarningStats()
	if st.Issued != 1 || st.Entered != 1 || st.Unwarned != 0 {
		t.Errorf("WarningStats = %+v, want 1 issued, 1 entered", st)
	}

	// A second jet heads for the site, then turns north: its warning is
	// cancelled.
	start2 := geo.Destination(site, 200, 40000)
	b := geo.BearingDeg(start2, site)
	var cancelled bool
	p2 := start2
	for k := 0; k < 12; k++ {
		if k == 4 {
			b = 300 // away from the site
		}
		evs, _ := tr.Update(Update{ObjectID: "jet2", Point: p2, Time: tBase.Add(time.Duration(k) * 4 * time.Second)}, nil)
		for _, ev := range evs {
			if ev.Kind == EventWarningCancelled && ev.Reason == ReasonPathChanged {
				cancelled = true
			}
		}
		p2 = geo.Destination(p2, b, 1000)
	}
	if !cancelled {
		t.Error("turning away did not cancel the warning")
	}
}

func TestMotionTurning(t *testing.T) {
	// A track turning at 1°/s: the estimate should find it.
	var o object
	p, h := geo.Point{Lon: 36, Lat: 34}, 0.0
	for k := 0; k < 6; k++ {
		o.pushFix(Update{ObjectID: "x", Point: p, Time: tBase.Add(time.Duration(k) * 10 * time.Second)})
		p = geo.Destination(p, h+5, 1000)
		h += 10
	}
	v, _, omega, _, _, ok := o.motion()
	if !ok || v < 99 || v > 101 || omega < 0.9 || omega > 1.1 {
		t.Errorf("motion() = v %.2f, omega %.3f, ok %v; want 100 m/s, 1°/s", v, omega, ok)
	}
}

func TestEventNames(t *testing.T) {
	var names []string
	for k := EventEnter; k <= EventWarningCancelled; k++ {
		names = append(names, k.String())
	}
	for r := ReasonLeft; r <= ReasonPathChanged; r++ {
		names = append(names, r.String())
	}
	for o := Applied; o <= Invalid; o++ {
		names = append(names, o.String())
	}
	got := strings.Join(names, ",")
	want := "enter,exit,inside,warning,warning_cancelled,left,zone_inactive,stale,path_changed,applied,duplicate,out_of_order,invalid"
	if got != want {
		t.Errorf("names = %s, want %s", got, want)
	}
	if !slices.Contains(names, fmt.Sprint(EventExit)) {
		t.Error("EventExit does not print as a name")
	}
}

// TestTrackerConcurrent feeds objects from several goroutines while a
// writer swaps snapshots and Expire runs; run with -race.
func TestTrackerConcurrent(t *testing.T) {
	zones := WorkloadZones(3, 300)
	a, b := mustBuild(t, zones, Options{}), mustBuild(t, zones[:150], Options{})
	e := NewEngine(a)
	tr := NewTracker(e, TrackerOptions{Horizon: 2 * time.Minute})
	tracks := WorkloadTracks(3, 40, 30)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			e.Swap(b)
			e.Swap(a)
			tr.Expire(WorkloadStart, nil)
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var evs []Event
			for _, u := range tracks {
				if int(u.ObjectID[len(u.ObjectID)-1])%4 == w {
					evs, _ = tr.Update(u, evs[:0])
				}
			}
		}(w)
	}
	wg.Wait()
	<-done
	if n := tr.Objects(); n != 40 {
		t.Errorf("Objects() = %d, want 40", n)
	}
}
