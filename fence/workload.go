package fence

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// WorkloadBox is the extent of the standard workload of PERFORMANCE.md:
// lon 35–42.5, lat 32–37.5 (Syria's extent, about 690 x 610 km).
var WorkloadBox = geo.Rect{Min: geo.Point{Lon: 35, Lat: 32}, Max: geo.Point{Lon: 42.5, Lat: 37.5}}

// WorkloadStart is the time of the first track update of the standard
// workload.
var WorkloadStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// WorkloadStep is the time between two updates of one object in the
// standard workload's tracks (1 km per update, so 100 m/s).
const WorkloadStep = 10 * time.Second

// workload random streams: one per kind of data, so that changing the
// number of points does not change the zones.
const (
	streamZones = iota + 1
	streamPoints
	streamTracks
)

func newRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// WorkloadZones returns the n zones of the standard workload for seed:
// simple star-shaped safe_area polygons of 20–200 vertices (uniform, mean
// about 110) around centres uniform over WorkloadBox, with a radius that is
// log-uniform in 1–10 km for 98% of zones and in 10–40 km for 2%; each
// vertex lies at 0.6–1 times the radius (uniform) from the centre, at
// evenly spaced, jittered bearings, counter-clockwise. Zones are active
// with an open validity window and a simulated source. The same seed and n
// give the same zones.
func WorkloadZones(seed uint64, n int) []safezones.Zone {
	rng := newRand(seed, streamZones)
	zones := make([]safezones.Zone, n)
	for i := range zones {
		c := geo.Point{
			Lon: WorkloadBox.Min.Lon + rng.Float64()*(WorkloadBox.Max.Lon-WorkloadBox.Min.Lon),
			Lat: WorkloadBox.Min.Lat + rng.Float64()*(WorkloadBox.Max.Lat-WorkloadBox.Min.Lat),
		}
		var r float64
		if rng.Float64() < 0.02 {
			r = 10e3 * math.Pow(4, rng.Float64())
		} else {
			r = 1e3 * math.Pow(10, rng.Float64())
		}
		nv := 20 + rng.IntN(181)
		ring := make(geo.Ring, nv+1)
		for k := 0; k < nv; k++ {
			// Bearings run clockwise from north, so walking them downwards
			// winds the ring counter-clockwise.
			b := 360 - (float64(k)+0.8*rng.Float64())*360/float64(nv)
			ring[k] = geo.Destination(c, b, r*(0.6+0.4*rng.Float64()))
		}
		ring[nv] = ring[0]
		zones[i] = safezones.Zone{
			ID:      fmt.Sprintf("w%06d", i),
			Version: 1,
			Terms: safezones.Terms{
				Kind:     safezones.KindSafeArea,
				Name:     fmt.Sprintf("workload zone %d", i),
				Geometry: geo.Polygon{ring},
				Source:   safezones.Source{Kind: safezones.SourceSimulated, Description: fmt.Sprintf("standard workload, seed %d", seed)},
			},
			Status:    safezones.StatusActive,
			CreatedAt: WorkloadStart,
			CreatedBy: "operator",
		}
	}
	return zones
}

// WorkloadPoints returns n points uniform over WorkloadBox for seed.
func WorkloadPoints(seed uint64, n int) []geo.Point {
	rng := newRand(seed, streamPoints)
	pts := make([]geo.Point, n)
	for i := range pts {
		pts[i] = geo.Point{
			Lon: WorkloadBox.Min.Lon + rng.Float64()*(WorkloadBox.Max.Lon-WorkloadBox.Min.Lon),
			Lat: WorkloadBox.Min.Lat + rng.Float64()*(WorkloadBox.Max.Lat-WorkloadBox.Min.Lat),
		}
	}
	return pts
}

// WorkloadTracks returns the standard workload's tracks for seed: objects
// objects ("obj0000", …) each with updates positions 1 km apart (geodesic)
// and WorkloadStep apart in time, starting uniform in WorkloadBox on a
// uniform heading that turns slowly (a random walk of about 3° per update
// around a per-object turn rate of up to ±2° per update) and bounces off
// the box's edges. Altitudes are constant per object, 500–12,000 m. The
// updates are in time order, objects interleaved (object i reports
// i*WorkloadStep/objects after the round's start).
func WorkloadTracks(seed uint64, objects, updates int) []Update {
	rng := newRand(seed, streamTracks)
	type obj struct {
		p       geo.Point
		heading float64
		turn    float64
		alt     float64
	}
	objs := make([]obj, objects)
	for i := range objs {
		objs[i] = obj{
			p: geo.Point{
				Lon: WorkloadBox.Min.Lon + rng.Float64()*(WorkloadBox.Max.Lon-WorkloadBox.Min.Lon),
				Lat: WorkloadBox.Min.Lat + rng.Float64()*(WorkloadBox.Max.Lat-WorkloadBox.Min.Lat),
			},
			heading: rng.Float64() * 360,
			turn:    (rng.Float64()*2 - 1) * 2,
			alt:     500 + rng.Float64()*11500,
		}
	}
	out := make([]Update, 0, objects*updates)
	for k := 0; k < updates; k++ {
		for i := range objs {
			o := &objs[i]
			if k > 0 {
				o.heading = math.Mod(o.heading+o.turn+rng.NormFloat64()*3+360, 360)
				next := geo.Destination(o.p, o.heading, 1000)
				if next.Lon < WorkloadBox.Min.Lon || next.Lon > WorkloadBox.Max.Lon {
					o.heading = math.Mod(360-o.heading, 360)
					next = geo.Destination(o.p, o.heading, 1000)
				}
				if next.Lat < WorkloadBox.Min.Lat || next.Lat > WorkloadBox.Max.Lat {
					o.heading = math.Mod(540-o.heading, 360)
					next = geo.Destination(o.p, o.heading, 1000)
				}
				if !WorkloadBox.Contains(next) {
					o.heading = math.Mod(o.heading+180, 360)
					next = geo.Destination(o.p, o.heading, 1000)
				}
				o.p = next
			}
			at := WorkloadStart.Add(time.Duration(k)*WorkloadStep + time.Duration(i)*WorkloadStep/time.Duration(max(1, objects)))
			out = append(out, Update{ObjectID: fmt.Sprintf("obj%04d", i), Point: o.p, AltM: o.alt, HasAlt: true, Time: at})
		}
	}
	return out
}
