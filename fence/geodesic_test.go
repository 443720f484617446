package fence

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// Where the sphere of radius geo.EarthRadiusM is most wrong: along the
// meridian at the equator a geodesic metre is 1.0056 spherical metres, and
// along the parallel at 70°N 0.9959. Sites and corridors there tell a
// spherical fence from a geodesic one by hundreds of metres; every case
// below sits 1 m from the edge, built with the geodesic direct solution.

var (
	eqSite    = geo.Point{Lon: 20, Lat: 0}
	northSite = geo.Point{Lon: 20, Lat: 70}
	// northMid is the northernmost point of the great-circle arc from
	// (20, 70) to (22, 70), where it heads due east.
	northMid = geo.Point{Lon: 21, Lat: math.Atan(math.Tan(70*math.Pi/180)/math.Cos(math.Pi/180)) * 180 / math.Pi}
)

func geodesicZones() []safezones.Zone {
	active := func(id string, t safezones.Terms) safezones.Zone {
		return safezones.Zone{ID: id, Version: 1, Terms: t, Status: safezones.StatusActive}
	}
	return []safezones.Zone{
		active("eq-site", safezones.Terms{Kind: safezones.KindProtectedSite, Geometry: eqSite, RadiusM: 20_000}),
		active("north-site", safezones.Terms{Kind: safezones.KindProtectedSite, Geometry: northSite, RadiusM: 50_000}),
		active("eq-corridor", safezones.Terms{Kind: safezones.KindCorridor,
			Geometry: geo.LineString{{Lon: 30, Lat: -1}, {Lon: 30, Lat: 1}}, HalfWidthM: 20_000}),
		active("north-corridor", safezones.Terms{Kind: safezones.KindCorridor,
			Geometry: geo.LineString{{Lon: 20, Lat: 70}, {Lon: 22, Lat: 70}}, HalfWidthM: 5_000}),
	}
}

// geodesicCase is a point dm metres inside (negative) or outside
// (positive) the edge of zone id.
type geodesicCase struct {
	id string
	p  geo.Point
	dm float64
}

func geodesicCases() []geodesicCase {
	var cs []geodesicCase
	for _, off := range []float64{-1, 1} {
		for az := 0.0; az < 360; az += 45 {
			cs = append(cs,
				geodesicCase{"eq-site", geo.GeodesicDestination(eqSite, az, 20_000+off), off},
				geodesicCase{"north-site", geo.GeodesicDestination(northSite, az, 50_000+off), off})
		}
		for _, lat := range []float64{-0.5, 0, 0.7} {
			for _, az := range []float64{90, 270} {
				cs = append(cs, geodesicCase{"eq-corridor", geo.GeodesicDestination(geo.Point{Lon: 30, Lat: lat}, az, 20_000+off), off})
			}
		}
		for _, az := range []float64{0, 180} {
			cs = append(cs, geodesicCase{"north-corridor", geo.GeodesicDestination(northMid, az, 5_000+off), off})
		}
	}
	return cs
}

// TestGeodesicEdges checks Containing, Within and Intersecting 1 m either
// side of geodesic circles and corridor bands, across index settings
// (small cells exercise the covered-cell classification).
func TestGeodesicEdges(t *testing.T) {
	for _, o := range []Options{{}, {DensifyM: -1}, {LeafEdges: 1, MaxDepth: 16}, {LeafEdges: 64, TopCells: 16}} {
		s := mustBuild(t, geodesicZones(), o)
		var hits []Hit
		for _, c := range geodesicCases() {
			want := c.dm < 0
			hits = s.Containing(c.p, 0, false, tBase, hits[:0])
			got := false
			for _, h := range hits {
				got = got || s.Zone(h.Index).ID == c.id
			}
			if got != want {
				t.Errorf("opts %+v: Containing(%v) holds %s = %v, want %v (%+g m from its edge)", o, c.p, c.id, got, want, c.dm)
			}
			// Within reports 0 inside and the geodesic gap outside.
			near := s.Within(c.p, 10, tBase, nil)
			var d = math.Inf(1)
			for _, n := range near {
				if s.Zone(n.Index).ID == c.id {
					d = n.DistanceM
				}
			}
			if wantD := math.Max(0, c.dm); math.Abs(d-wantD) > 0.01 {
				t.Errorf("opts %+v: Within(%v) reports %s at %v m, want %v", o, c.p, c.id, d, wantD)
			}
			// A route whose nearest vertex is the point.
			i, _ := s.Lookup(c.id)
			far := geo.GeodesicDestination(c.p, geo.BearingDeg(s.Geometry(i).Bound().Min, c.p), 50_000)
			route := geo.LineString{c.p, far}
			got = false
			for _, h := range s.Intersecting(route, tBase, nil) {
				got = got || h.Index == i
			}
			if got != want {
				t.Errorf("opts %+v: Intersecting(route from %v) holds %s = %v, want %v", o, c.p, c.id, got, want)
			}
		}
	}
}

// TestWithinGeodesicDistances checks that Within reports the WGS84
// distance (geo.Geodesic*) for every kind, to the millimetre, on points
// 0–30 km from the zones, where the sphere is up to 170 m off.
func TestWithinGeodesicDistances(t *testing.T) {
	zones := append(geodesicZones(), safezones.Zone{ID: "area", Version: 1, Status: safezones.StatusActive,
		Terms: safezones.Terms{Kind: safezones.KindSafeArea, Geometry: geo.Polygon{box(40, -0.2, 40.2, 0.2)}}})
	s := mustBuild(t, zones, Options{})
	want := func(i int32, p geo.Point) float64 {
		z := s.Zone(i)
		switch z.Kind {
		case safezones.KindProtectedSite:
			return math.Max(0, geo.GeodesicDistanceM(p, z.Geometry.(geo.Point))-z.RadiusM)
		case safezones.KindCorridor:
			return math.Max(0, geo.GeodesicLineDistanceM(p, s.Geometry(i).(geo.LineString))-z.HalfWidthM)
		}
		pg := s.Geometry(i).(geo.Polygon)
		if pg.ContainsPoint(p) {
			return 0
		}
		return geo.GeodesicRingDistanceM(p, pg[0])
	}
	checked := 0
	for i := range s.Len() {
		c := s.Geometry(int32(i)).Bound().Min
		for k := range 40 {
			p := geo.GeodesicDestination(c, float64(k)*37, float64(k)*1500)
			for _, n := range s.Within(p, 100_000, tBase, nil) {
				if w := want(n.Index, p); math.Abs(n.DistanceM-w) > 1e-3 {
					t.Fatalf("Within(%v) reports %s at %.4f m, geodesic %.4f m", p, s.Zone(n.Index).ID, n.DistanceM, w)
				}
				checked++
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d distances checked", checked)
	}
}

// TestGeodesicHotPathNoAlloc checks that the band's geodesic branch (a
// point 1 m outside a site and a corridor) allocates nothing.
func TestGeodesicHotPathNoAlloc(t *testing.T) {
	s := mustBuild(t, geodesicZones(), Options{})
	p := geo.GeodesicDestination(northSite, 90, 50_001)
	q := geo.GeodesicDestination(northMid, 0, 5_001)
	hits := make([]Hit, 0, 8)
	near := make([]Near, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		hits = s.Containing(p, 0, false, tBase, hits[:0])
		hits = s.Containing(q, 0, false, tBase, hits[:0])
		near = s.Within(p, 10, tBase, near[:0])
		near = s.Within(q, 10, tBase, near[:0])
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

// BenchmarkContainingGeodesicBand times Containing on points 0–1 m outside
// 1,000 sites' circles, every one in the band where the geodesic is
// computed: the worst case of the hot path.
func BenchmarkContainingGeodesicBand(b *testing.B) {
	var zones []safezones.Zone
	var pts []geo.Point
	for i := range 1000 {
		c := geo.Point{Lon: 35 + float64(i%40)*0.2, Lat: 32 + float64(i/40)*0.2}
		zones = append(zones, safezones.Zone{ID: fmt.Sprintf("s%d", i), Version: 1, Status: safezones.StatusActive,
			Terms: safezones.Terms{Kind: safezones.KindProtectedSite, Geometry: c, RadiusM: 5000}})
		pts = append(pts, geo.GeodesicDestination(c, float64(i*37%360), 5000+float64(i%2)))
	}
	s := mustBuild(b, zones, Options{})
	hits := make([]Hit, 0, 8)
	var t time.Time
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hits = s.Containing(pts[i%len(pts)], 0, false, t, hits[:0])
	}
}

// TestCellClassGeodesic checks circleClass and segClass against the
// geodesic on random cells near the edges of circles and corridors at
// every latitude: a cell called covered (2) has every sampled point within
// the geodesic radius or half-width, a cell called outside (0) none. With
// spherical coverage tests, cells in the band of up to 0.56% inside the
// sphere's edge fail here.
func TestCellClassGeodesic(t *testing.T) {
	covered := 0
	for k := range 4000 {
		lat := -80 + float64(k%161)
		c := geo.Point{Lon: 10, Lat: lat}
		r := 2000 + float64(k%7)*3000
		b := &cellBuilder{geoms: []zoneGeom{
			{center: c, radiusM: r},
			{line: geo.LineString{c, geo.GeodesicDestination(c, 0, 5000)}, halfWidthM: r},
		}}
		// A cell 10–200 m wide, its centre within 1% of the edge.
		az := float64(k*53%360) + 0.5
		m := geo.GeodesicDestination(c, az, r*(0.99+0.02*float64(k%11)/10))
		side := (10 + float64(k%20)*10) / 111_000
		gr := geo.Rect{Min: geo.Point{Lon: m.Lon - side/2, Lat: m.Lat - side/2}, Max: geo.Point{Lon: m.Lon + side/2, Lat: m.Lat + side/2}}
		cc, sc := b.circleClass(0, gr), b.segClass(segRef{zone: 1, seg: 0}, gr)
		for i := range 5 {
			for j := range 5 {
				p := geo.Point{Lon: gr.Min.Lon + (gr.Max.Lon-gr.Min.Lon)*float64(i)/4, Lat: gr.Min.Lat + (gr.Max.Lat-gr.Min.Lat)*float64(j)/4}
				in := geo.GeodesicDistanceM(p, c) <= r
				if (cc == 2 && !in) || (cc == 0 && in) {
					t.Fatalf("circleClass(%v, r %v, cell %v) = %d, but %v is %v m away", c, r, gr, cc, p, geo.GeodesicDistanceM(p, c))
				}
				inSeg := geo.GeodesicLineDistanceM(p, b.geoms[1].line) <= r
				if (sc == 2 && !inSeg) || (sc == 0 && inSeg) {
					t.Fatalf("segClass(half-width %v, cell %v) = %d, but %v is %v m away", r, gr, sc, p, geo.GeodesicLineDistanceM(p, b.geoms[1].line))
				}
			}
		}
		if cc == 2 {
			covered++
		}
	}
	if covered < 100 {
		t.Errorf("only %d covered cells: the test no longer exercises coverage", covered)
	}
}
