package fence

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// randomZones returns n zones of every kind around a small box, many of
// them with vertices snapped to a coarse grid, so that points can fall
// exactly on edges, on vertices and on the latitudes of vertices.
func randomZones(rng *rand.Rand, n int, box geo.Rect) []safezones.Zone {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	zones := make([]safezones.Zone, n)
	for i := range zones {
		c := geo.Point{
			Lon: box.Min.Lon + rng.Float64()*(box.Max.Lon-box.Min.Lon),
			Lat: box.Min.Lat + rng.Float64()*(box.Max.Lat-box.Min.Lat),
		}
		r := 0.002 + rng.Float64()*0.08 // degrees
		snap := 0.0
		if rng.IntN(2) == 0 {
			snap = []float64{0.001, 0.005, 0.01, 0.0625}[rng.IntN(4)]
		}
		z := safezones.Zone{ID: fmt.Sprintf("z%d", i), Version: 1 + rng.IntN(3), Status: safezones.StatusActive}
		switch k := rng.IntN(10); {
		case k < 4:
			z.Kind = safezones.KindSafeArea
			z.Geometry = randomPolygon(rng, c, r, snap)
		case k < 6:
			z.Kind = safezones.KindNoFly
			mp := geo.MultiPolygon{randomPolygon(rng, c, r, snap)}
			if rng.IntN(2) == 0 {
				c2 := geo.Point{Lon: c.Lon + (rng.Float64()-0.5)*4*r, Lat: c.Lat + (rng.Float64()-0.5)*4*r}
				mp = append(mp, randomPolygon(rng, c2, r*0.7, snap))
			}
			z.Geometry = mp
			if rng.IntN(2) == 0 {
				f := float64(rng.IntN(5) * 1000)
				z.FloorM = &f
			}
			if rng.IntN(2) == 0 {
				cl := float64(5000 + rng.IntN(5)*1000)
				z.CeilingM = &cl
			}
		case k < 8:
			z.Kind = safezones.KindProtectedSite
			z.Geometry = snapPoint(c, snap)
			z.RadiusM = 100 + rng.Float64()*8000
		default:
			z.Kind = safezones.KindCorridor
			l := geo.LineString{snapPoint(c, snap)}
			for k := 0; k < 1+rng.IntN(6); k++ {
				last := l[len(l)-1]
				l = append(l, snapPoint(geo.Point{Lon: last.Lon + (rng.Float64()-0.5)*r*2, Lat: last.Lat + (rng.Float64()-0.5)*r*2}, snap))
			}
			z.Geometry = l
			z.HalfWidthM = 50 + rng.Float64()*3000
			if rng.IntN(2) == 0 {
				z.Windows = []safezones.TimeWindow{{From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}, {From: t0.Add(5 * time.Hour)}}
			}
		}
		if rng.IntN(4) == 0 {
			z.Valid = safezones.TimeWindow{From: t0.Add(time.Duration(rng.IntN(4)) * time.Hour)}
			if rng.IntN(2) == 0 {
				z.Valid.To = z.Valid.From.Add(time.Duration(1+rng.IntN(4)) * time.Hour)
			}
		}
		zones[i] = z
	}
	return zones
}

func snapPoint(p geo.Point, snap float64) geo.Point {
	if snap == 0 {
		return p
	}
	return geo.Point{Lon: math.Round(p.Lon/snap) * snap, Lat: math.Round(p.Lat/snap) * snap}
}

// randomPolygon returns a star polygon around c, sometimes a box, with up to
// two holes; snapped rings may touch themselves, which the even-odd rule of
// geo handles the same way in the index and in the reference.
func randomPolygon(rng *rand.Rand, c geo.Point, r, snap float64) geo.Polygon {
	if rng.IntN(5) == 0 {
		w, h := r*(0.5+rng.Float64()), r*(0.5+rng.Float64())
		a, b := snapPoint(geo.Point{Lon: c.Lon - w, Lat: c.Lat - h}, snap), snapPoint(geo.Point{Lon: c.Lon + w, Lat: c.Lat + h}, snap)
		if a.Lon == b.Lon {
			b.Lon += r
		}
		if a.Lat == b.Lat {
			b.Lat += r
		}
		pg := geo.Polygon{{a, {Lon: b.Lon, Lat: a.Lat}, b, {Lon: a.Lon, Lat: b.Lat}, a}}
		if rng.IntN(2) == 0 {
			hw, hh := (b.Lon-a.Lon)/4, (b.Lat-a.Lat)/4
			hc := geo.Point{Lon: (a.Lon + b.Lon) / 2, Lat: (a.Lat + b.Lat) / 2}
			ha, hb := geo.Point{Lon: hc.Lon - hw, Lat: hc.Lat - hh}, geo.Point{Lon: hc.Lon + hw, Lat: hc.Lat + hh}
			pg = append(pg, geo.Ring{ha, {Lon: ha.Lon, Lat: hb.Lat}, hb, {Lon: hb.Lon, Lat: ha.Lat}, ha})
		}
		return pg
	}
	star := func(c geo.Point, r float64, n int, cw bool) geo.Ring {
		ring := make(geo.Ring, 0, n+1)
		for k := 0; k < n; k++ {
			a := (float64(k) + 0.8*rng.Float64()) * 2 * math.Pi / float64(n)
			if cw {
				a = -a
			}
			rr := r * (0.5 + 0.5*rng.Float64())
			p := snapPoint(geo.Point{Lon: c.Lon + rr*math.Cos(a), Lat: c.Lat + rr*math.Sin(a)}, snap)
			if len(ring) > 0 && ring[len(ring)-1] == p {
				continue
			}
			ring = append(ring, p)
		}
		for len(ring) < 3 {
			ring = append(ring, geo.Point{Lon: c.Lon + r*float64(len(ring)), Lat: c.Lat + r*float64(len(ring)%2)})
		}
		return append(ring, ring[0])
	}
	pg := geo.Polygon{star(c, r, 3+rng.IntN(60), false)}
	if rng.IntN(3) == 0 {
		pg = append(pg, star(c, r*0.2, 3+rng.IntN(12), true))
	}
	return pg
}

// probePoints returns uniform points plus points on and near the zones'
// vertices and edges and on the latitudes of vertices.
func probePoints(rng *rand.Rand, zones []safezones.Zone, box geo.Rect, n int) []geo.Point {
	var pts []geo.Point
	for i := 0; i < n; i++ {
		pts = append(pts, geo.Point{
			Lon: box.Min.Lon - 0.1 + rng.Float64()*(box.Max.Lon-box.Min.Lon+0.2),
			Lat: box.Min.Lat - 0.1 + rng.Float64()*(box.Max.Lat-box.Min.Lat+0.2),
		})
	}
	addRing := func(r []geo.Point) {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			t := rng.Float64()
			pts = append(pts, a,
				geo.Point{Lon: (a.Lon + b.Lon) / 2, Lat: (a.Lat + b.Lat) / 2},
				geo.Point{Lon: a.Lon + t*(b.Lon-a.Lon), Lat: a.Lat + t*(b.Lat-a.Lat)},
				geo.Point{Lon: a.Lon + (rng.Float64()-0.5)*0.05, Lat: a.Lat},
				geo.Point{Lon: math.Nextafter(a.Lon, math.Inf(1)), Lat: math.Nextafter(a.Lat, math.Inf(-1))},
			)
		}
	}
	for _, z := range zones {
		switch g := z.Geometry.(type) {
		case geo.Polygon:
			for _, r := range g {
				addRing(r)
			}
		case geo.MultiPolygon:
			for _, pg := range g {
				for _, r := range pg {
					addRing(r)
				}
			}
		case geo.LineString:
			addRing(g)
			for _, p := range g {
				b := rng.Float64() * 360
				pts = append(pts, geo.GeodesicDestination(p, b, z.HalfWidthM), geo.GeodesicDestination(p, b, z.HalfWidthM+0.01),
					geo.GeodesicDestination(p, b, z.HalfWidthM-0.01))
			}
		case geo.Point:
			b := rng.Float64() * 360
			pts = append(pts, g, geo.GeodesicDestination(g, b, z.RadiusM), geo.GeodesicDestination(g, b, z.RadiusM-0.001), geo.GeodesicDestination(g, b, z.RadiusM+0.001))
			// Where the sphere is most wrong: along the meridian (the
			// geodesic is 0.3% shorter than the spherical distance here)
			// and along the parallel (0.2% longer), 1 m either side.
			for _, az := range []float64{0, 90, 180, 270} {
				pts = append(pts, geo.GeodesicDestination(g, az, z.RadiusM-1), geo.GeodesicDestination(g, az, z.RadiusM+1))
			}
		}
	}
	return pts
}

// bruteContaining is the reference: every zone tested on its own with geo,
// sites and corridors by their WGS84 geodesic distance.
func bruteContaining(s *Snapshot, p geo.Point, altM float64, hasAlt bool, t time.Time) []int32 {
	var out []int32
	for i := range s.zones {
		z := &s.zones[i]
		if !z.Valid.Contains(t) || !z.OpenAt(t) {
			continue
		}
		g := &s.geoms[i]
		in := false
		switch z.Kind {
		case safezones.KindSafeArea, safezones.KindNoFly:
			in = geo.MultiPolygon(g.polys).ContainsPoint(p)
			if in && z.Kind == safezones.KindNoFly && hasAlt {
				if (z.FloorM != nil && altM < *z.FloorM) || (z.CeilingM != nil && altM > *z.CeilingM) {
					in = false
				}
			}
		case safezones.KindProtectedSite:
			in = geo.GeodesicDistanceM(p, z.Geometry.(geo.Point)) <= z.RadiusM
		case safezones.KindCorridor:
			in = geo.GeodesicLineDistanceM(p, g.line) <= z.HalfWidthM
		}
		if in {
			out = append(out, int32(i))
		}
	}
	return out
}

func hitIndexes(hs []Hit) []int32 {
	out := make([]int32, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.Index)
	}
	return out
}

// TestContainingMatchesBruteForce compares the cell index with the
// reference on random zones of every kind and on points placed on their
// vertices, edges and vertex latitudes, across densification settings and
// cell sizes, at several times and altitudes.
func TestContainingMatchesBruteForce(t *testing.T) {
	box := geo.Rect{Min: geo.Point{Lon: 36, Lat: 33}, Max: geo.Point{Lon: 37, Lat: 34}}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	times := []time.Time{t0, t0.Add(90 * time.Minute), t0.Add(4 * time.Hour), t0.Add(6 * time.Hour)}
	opts := []Options{{DensifyM: -1}, {}, {DensifyM: -1, LeafEdges: 2, MaxDepth: 20}, {LeafEdges: 64, TopCells: 16},
		{slotBytes: 1}, {DensifyM: -1, LeafEdges: 2, MaxDepth: 20, slotBytes: 1}}
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	for seed := 0; seed < seeds; seed++ {
		for oi, o := range opts {
			rng := rand.New(rand.NewPCG(uint64(seed), uint64(oi)))
			zones := randomZones(rng, 40+rng.IntN(80), box)
			s, err := Build(zones, o)
			if err != nil {
				t.Fatalf("seed %d opts %+v: Build: %v", seed, o, err)
			}
			pts := probePoints(rng, zones, box, 3000)
			var hits []Hit
			bad := 0
			for i, p := range pts {
				tm := times[i%len(times)]
				alt, hasAlt := float64(rng.IntN(8)*1000), i%3 != 0
				hits = s.Containing(p, alt, hasAlt, tm, hits[:0])
				got, want := hitIndexes(hits), bruteContaining(s, p, alt, hasAlt, tm)
				if !slices.Equal(got, want) {
					bad++
					if bad <= 5 {
						t.Errorf("seed %d opts %+v: Containing(%v, %g, %v, %v) = %v, want %v", seed, o, p, alt, hasAlt, tm.Format(time.Kitchen), got, want)
					}
				}
			}
			if bad > 0 {
				t.Errorf("seed %d opts %+v: %d of %d points differ", seed, o, bad, len(pts))
			}
		}
	}
}
