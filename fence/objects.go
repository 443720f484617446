package fence

import (
	"time"

	"github.com/safezones/safezones/geo"
)

// ObjectState is a copy of what a Tracker holds of one object, for
// display: the map's live aircraft (GET /v1/objects). It shares no memory
// with the tracker.
type ObjectState struct {
	ObjectID string
	// Point, AltM (when HasAlt) and Time are the object's last update.
	Point  geo.Point
	AltM   float64
	HasAlt bool
	Time   time.Time
	// SpeedMS (metres per second over ground), HeadingDeg (degrees
	// clockwise from true north) and TurnDegS (degrees per second,
	// positive clockwise; 0 on a straight track) are the motion the early
	// warning flies from: reported with the update or estimated from the
	// recent fixes. HasVelocity is false before the object has any.
	SpeedMS     float64
	HeadingDeg  float64
	TurnDegS    float64
	HasVelocity bool
	// Zones are the ids of the zones the object is inside, in the order
	// it entered them.
	Zones []string
	// Path is the nominal predicted path from Point over the tracker's
	// horizon, as the early warning flies it (TrackerOptions.StepM
	// resolution): nil when the object is not predicted (no velocity,
	// slower than MinSpeedMS, or prediction turned off). It ends where it
	// would cross ±180° longitude or reach a pole.
	Path []PathPoint
}

// PathPoint is a vertex of a predicted path: where the object would be
// After its last update.
type PathPoint struct {
	Point geo.Point
	After time.Duration
}

// ObjectStates appends the state of every object the tracker holds to dst
// and returns the extended slice, in no particular order. With withPaths
// it also computes each moving object's nominal predicted path (about a
// dozen vertices for a straight 15-minute path; more on a turn). It is a
// read: it changes no object and no warning. Each shard's lock is held
// only while its objects are copied; paths are computed outside the locks.
func (tr *Tracker) ObjectStates(dst []ObjectState, withPaths bool) []ObjectState {
	type motionOf struct {
		i                int
		v, heading, turn float64
	}
	var moving []motionOf
	for i := range tr.shards {
		sh := &tr.shards[i]
		sh.mu.Lock()
		for _, o := range sh.objs {
			if o.nHist == 0 {
				continue
			}
			last := o.hist[(o.nHist-1)%histLen]
			st := ObjectState{ObjectID: o.id, Point: last.p, AltM: last.alt, HasAlt: last.hasAlt, Time: o.last}
			v, heading, omega, _, _, ok := o.motion()
			if ok {
				st.SpeedMS, st.HeadingDeg, st.TurnDegS, st.HasVelocity = v, heading, omega, true
			}
			if len(o.zones) > 0 {
				st.Zones = make([]string, len(o.zones))
				for k, zs := range o.zones {
					st.Zones[k] = zs.id
				}
			}
			dst = append(dst, st)
			if withPaths && ok && tr.opts.Horizon > 0 && v >= tr.opts.MinSpeedMS {
				moving = append(moving, motionOf{i: len(dst) - 1, v: v, heading: heading, turn: omega})
			}
		}
		sh.mu.Unlock()
	}
	for _, m := range moving {
		st := &dst[m.i]
		path := tr.flyPath(nil, st.Point, m.v, m.heading, m.turn)
		st.Path = make([]PathPoint, 0, len(path))
		for _, p := range path {
			if p.brk {
				break
			}
			st.Path = append(st.Path, PathPoint{Point: p.p, After: secs(p.tau)})
		}
	}
	return dst
}
