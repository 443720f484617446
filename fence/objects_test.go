package fence

import (
	"math"
	"testing"
	"time"

	"github.com/safezones/safezones/geo"
)

// TestObjectStates checks the read-only view of the tracker: last
// position, motion, the zones an object is in, and a predicted path that
// follows the heading for the horizon; a parked object has no path, and
// reading changes nothing the next update sees.
func TestObjectStates(t *testing.T) {
	tr, f, b := siteTracker(t, 20e3) // 20 km west of the hospital, heading at it
	f.step(tr, b)
	f.step(tr, b)
	inside := Update{ObjectID: "ambulance", Point: geo.Point{Lon: 37, Lat: 34}, AltM: 450, HasAlt: true, Time: tBase}
	if _, out := tr.Update(inside, nil); out != Applied {
		t.Fatalf("Update(%+v) = %v", inside, out)
	}

	states := tr.ObjectStates(nil, true)
	if len(states) != 2 {
		t.Fatalf("ObjectStates = %d objects, want 2: %+v", len(states), states)
	}
	byID := map[string]ObjectState{}
	for _, s := range states {
		byID[s.ObjectID] = s
	}

	jet := byID["jet"]
	wantAt := tBase.Add(4 * time.Second)
	if !jet.HasVelocity || jet.SpeedMS != 250 || jet.Time != wantAt || jet.HasAlt || len(jet.Zones) != 0 {
		t.Errorf("jet = %+v; want 250 m/s at %v, no altitude, in no zone", jet, wantAt)
	}
	if len(jet.Path) < 2 || jet.Path[0].Point != jet.Point || jet.Path[0].After != 0 {
		t.Fatalf("jet path = %+v; want it to start at the last position %v", jet.Path, jet.Point)
	}
	last := jet.Path[len(jet.Path)-1]
	if last.After != DefaultHorizon {
		t.Errorf("jet path ends after %v, want the horizon %v", last.After, DefaultHorizon)
	}
	wantM := 250 * DefaultHorizon.Seconds()
	if d := geo.DistanceM(jet.Point, last.Point); math.Abs(d-wantM) > 0.01*wantM {
		t.Errorf("jet path is %.0f m long, want about %.0f m (250 m/s for the horizon)", d, wantM)
	}
	if h := geo.BearingDeg(jet.Point, last.Point); math.Abs(wrap180(h-jet.HeadingDeg)) > 1 {
		t.Errorf("jet path bears %.1f°, want its heading %.1f°", h, jet.HeadingDeg)
	}

	amb := byID["ambulance"]
	if !amb.HasAlt || amb.AltM != 450 || amb.HasVelocity || amb.Path != nil || len(amb.Zones) != 1 || amb.Zones[0] != "hospital" {
		t.Errorf("ambulance = %+v; want 450 m, no velocity, no path, inside hospital", amb)
	}

	if noPaths := tr.ObjectStates(nil, false); noPaths[0].Path != nil || noPaths[1].Path != nil {
		t.Errorf("ObjectStates without paths gave paths: %+v", noPaths)
	}
	// Reading is not an update: the next position of the ambulance is
	// still an exit from the zone it was in.
	evs, _ := tr.Update(Update{ObjectID: "ambulance", Point: geo.Point{Lon: 37.5, Lat: 34}, Time: tBase.Add(time.Minute)}, nil)
	if count(evs, EventExit) != 1 {
		t.Errorf("events after reading the states = %+v; want one exit", evs)
	}
}
