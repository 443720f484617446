package fence

import (
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

var (
	tBase = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

func fptr(f float64) *float64 { return &f }

func box(x0, y0, x1, y1 float64) geo.Ring {
	return geo.Ring{{Lon: x0, Lat: y0}, {Lon: x1, Lat: y0}, {Lon: x1, Lat: y1}, {Lon: x0, Lat: y1}, {Lon: x0, Lat: y0}}
}

// testZones is a small scenario: a safe area with a hole, a no-fly zone
// with a band, a no-fly zone across the antimeridian (two polygons), a
// protected site, a corridor with one window, and a safe area valid for
// one hour.
func testZones() []safezones.Zone {
	active := func(id string, t safezones.Terms) safezones.Zone {
		return safezones.Zone{ID: id, Version: 2, Terms: t, Status: safezones.StatusActive}
	}
	return []safezones.Zone{
		active("area", safezones.Terms{Kind: safezones.KindSafeArea, Name: "area with hole",
			Geometry: geo.Polygon{box(36, 33, 37, 34), box(36.4, 33.4, 36.6, 33.6).Reversed()}}),
		active("nofly", safezones.Terms{Kind: safezones.KindNoFly, Name: "band",
			Geometry: geo.Polygon{box(38, 33, 39, 34)}, FloorM: fptr(1000), CeilingM: fptr(5000)}),
		active("dateline", safezones.Terms{Kind: safezones.KindNoFly, Name: "across 180",
			Geometry: geo.MultiPolygon{{box(179, -18, 180, -16)}, {box(-180, -18, -179, -16)}}}),
		active("site", safezones.Terms{Kind: safezones.KindProtectedSite, Name: "hospital",
			Geometry: geo.Point{Lon: 40, Lat: 35}, RadiusM: 500}),
		active("corridor", safezones.Terms{Kind: safezones.KindCorridor, Name: "convoy",
			Geometry:   geo.LineString{{Lon: 41, Lat: 33}, {Lon: 41.5, Lat: 33.5}},
			HalfWidthM: 1000,
			Windows:    []safezones.TimeWindow{{From: tBase, To: tBase.Add(2 * time.Hour)}}}),
		active("hourly", safezones.Terms{Kind: safezones.KindSafeArea, Name: "one hour",
			Geometry: geo.Polygon{box(42, 33, 43, 34)},
			Valid:    safezones.TimeWindow{From: tBase, To: tBase.Add(time.Hour)}}),
	}
}

func mustBuild(tb testing.TB, zones []safezones.Zone, o Options) *Snapshot {
	tb.Helper()
	s, err := Build(zones, o)
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return s
}

func hitIDs(s *Snapshot, hs []Hit) []string {
	out := []string{}
	for _, h := range hs {
		out = append(out, s.Zone(h.Index).ID)
	}
	return out
}

func TestContaining(t *testing.T) {
	site := geo.Point{Lon: 40, Lat: 35}
	// WGS84 geodesic offsets: at 35°N the sphere puts the -1 m point at
	// 500.14 m, outside the circle, so these fail with spherical radii.
	north := func(m float64) geo.Point { return geo.GeodesicDestination(site, 0, m) }
	tests := []struct {
		name   string
		p      geo.Point
		alt    float64
		hasAlt bool
		at     time.Time
		want   []string
	}{
		{"inside area", geo.Point{Lon: 36.2, Lat: 33.2}, 0, false, tBase, []string{"area"}},
		{"on shell edge (meridian)", geo.Point{Lon: 36, Lat: 33.5}, 0, false, tBase, []string{"area"}},
		{"on shell vertex", geo.Point{Lon: 37, Lat: 34}, 0, false, tBase, []string{"area"}},
		{"just outside shell", geo.Point{Lon: math.Nextafter(37, 38), Lat: 33.5}, 0, false, tBase, []string{}},
		{"in hole", geo.Point{Lon: 36.5, Lat: 33.5}, 0, false, tBase, []string{}},
		{"on hole edge", geo.Point{Lon: 36.4, Lat: 33.5}, 0, false, tBase, []string{"area"}},
		{"on hole vertex", geo.Point{Lon: 36.6, Lat: 33.6}, 0, false, tBase, []string{"area"}},
		{"no-fly below floor", geo.Point{Lon: 38.5, Lat: 33.5}, 999.9, true, tBase, []string{}},
		{"no-fly at floor", geo.Point{Lon: 38.5, Lat: 33.5}, 1000, true, tBase, []string{"nofly"}},
		{"no-fly at ceiling", geo.Point{Lon: 38.5, Lat: 33.5}, 5000, true, tBase, []string{"nofly"}},
		{"no-fly above ceiling", geo.Point{Lon: 38.5, Lat: 33.5}, 5000.1, true, tBase, []string{}},
		{"no-fly altitude unknown", geo.Point{Lon: 38.5, Lat: 33.5}, 0, false, tBase, []string{"nofly"}},
		{"across 180 east part", geo.Point{Lon: 179.5, Lat: -17}, 0, false, tBase, []string{"dateline"}},
		{"across 180 west part", geo.Point{Lon: -179.5, Lat: -17}, 0, false, tBase, []string{"dateline"}},
		{"across 180 on +180", geo.Point{Lon: 180, Lat: -17}, 0, false, tBase, []string{"dateline"}},
		{"across 180 on -180", geo.Point{Lon: -180, Lat: -17}, 0, false, tBase, []string{"dateline"}},
		{"site centre", site, 0, false, tBase, []string{"site"}},
		{"site radius -1 m", north(499), 0, false, tBase, []string{"site"}},
		{"site radius +1 m", north(501), 0, false, tBase, []string{}},
		{"corridor open", geo.Point{Lon: 41.25, Lat: 33.25}, 0, false, tBase.Add(time.Hour), []string{"corridor"}},
		{"corridor closed window", geo.Point{Lon: 41.25, Lat: 33.25}, 0, false, tBase.Add(3 * time.Hour), []string{}},
		{"corridor window end is open", geo.Point{Lon: 41.25, Lat: 33.25}, 0, false, tBase.Add(2 * time.Hour), []string{}},
		{"corridor beyond half-width", geo.GeodesicDestination(geo.Point{Lon: 41.25, Lat: 33.25}, 135, 1100), 0, false, tBase, []string{}},
		{"valid from (closed)", geo.Point{Lon: 42.5, Lat: 33.5}, 0, false, tBase, []string{"hourly"}},
		{"valid before from", geo.Point{Lon: 42.5, Lat: 33.5}, 0, false, tBase.Add(-time.Nanosecond), []string{}},
		{"valid at to (open)", geo.Point{Lon: 42.5, Lat: 33.5}, 0, false, tBase.Add(time.Hour), []string{}},
		{"valid just before to", geo.Point{Lon: 42.5, Lat: 33.5}, 0, false, tBase.Add(time.Hour - time.Nanosecond), []string{"hourly"}},
		{"far away", geo.Point{Lon: 0, Lat: 0}, 0, false, tBase, []string{}},
		{"NaN", geo.Point{Lon: math.NaN(), Lat: 33.5}, 0, false, tBase, []string{}},
	}
	for _, o := range []Options{{}, {DensifyM: -1}, {LeafEdges: 1, MaxDepth: 16}} {
		s := mustBuild(t, testZones(), o)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got := s.Containing(tc.p, tc.alt, tc.hasAlt, tc.at, nil)
				if diff := cmp.Diff(tc.want, hitIDs(s, got)); diff != "" {
					t.Errorf("opts %+v: Containing(%v, %g, %v, %v) ids (-want +got):\n%s", o, tc.p, tc.alt, tc.hasAlt, tc.at, diff)
				}
				for _, h := range got {
					if h.AltitudeKnown != tc.hasAlt || h.Kind != s.Zone(h.Index).Kind {
						t.Errorf("Containing(%v) hit %+v: wrong kind or AltitudeKnown", tc.p, h)
					}
				}
			})
		}
	}
}

func TestContainingAppendsWithoutAllocating(t *testing.T) {
	s := mustBuild(t, testZones(), Options{})
	dst := make([]Hit, 1, 16)
	dst[0] = Hit{Index: 99}
	got := s.Containing(geo.Point{Lon: 36.2, Lat: 33.2}, 0, false, tBase, dst)
	if len(got) != 2 || got[0].Index != 99 {
		t.Fatalf("Containing appended %+v, want the old element kept and one hit", got)
	}
	allocs := testing.AllocsPerRun(100, func() {
		dst = s.Containing(geo.Point{Lon: 38.5, Lat: 33.5}, 2000, true, tBase, dst[:0])
		dst = s.Containing(geo.Point{Lon: 40, Lat: 35}, 0, false, tBase, dst[:0])
	})
	if allocs != 0 {
		t.Errorf("Containing allocates %v times per run, want 0", allocs)
	}
}

func TestWithin(t *testing.T) {
	s := mustBuild(t, testZones(), Options{})
	p := geo.Point{Lon: 36.2, Lat: 33.2} // inside "area"
	got := s.Within(p, 420e3, tBase, nil)
	if len(got) != 3 || s.Zone(got[0].Index).ID != "area" || got[0].DistanceM != 0 {
		t.Fatalf("Within(%v, 420 km) = %+v, want area first at 0 m, then nofly and site", p, got)
	}
	for i := 1; i < len(got); i++ {
		if got[i].DistanceM < got[i-1].DistanceM {
			t.Errorf("Within(%v): not nearest first: %+v", p, got)
		}
	}
	// The site: 1 km north of its centre (geodesic) is 500 m from its
	// circle; the sphere would say 502.3 m.
	q := geo.GeodesicDestination(geo.Point{Lon: 40, Lat: 35}, 0, 1000)
	near := s.Within(q, 600, tBase, nil)
	if len(near) != 1 || s.Zone(near[0].Index).ID != "site" || math.Abs(near[0].DistanceM-500) > 0.001 {
		t.Errorf("Within(%v, 600) = %+v, want site at 500 m", q, near)
	}
	if near := s.Within(q, 499, tBase, nil); len(near) != 0 {
		t.Errorf("Within(%v, 499) = %+v, want nothing", q, near)
	}
	// Distance to a polygon edge on a meridian, 0.01° of longitude west
	// of the area.
	q = geo.Point{Lon: 35.99, Lat: 33.5}
	near = s.Within(q, 2000, tBase, nil)
	want := geo.GeodesicDistanceM(q, geo.Point{Lon: 36, Lat: 33.5})
	if len(near) != 1 || math.Abs(near[0].DistanceM-want) > 0.001 {
		t.Errorf("Within(%v, 2000) = %+v, want area at %.2f m", q, near, want)
	}
	// Across the antimeridian.
	q = geo.Point{Lon: -179.999, Lat: -19}
	near = s.Within(q, 200e3, tBase, nil)
	if len(near) != 1 || s.Zone(near[0].Index).ID != "dateline" {
		t.Errorf("Within(%v, 200 km) = %+v, want dateline", q, near)
	}
	// The closed corridor and the expired area are not found.
	if near := s.Within(geo.Point{Lon: 41.25, Lat: 33.25}, 10, tBase.Add(3*time.Hour), nil); len(near) != 0 {
		t.Errorf("Within(closed corridor) = %+v, want nothing", near)
	}
	dst := make([]Near, 0, 64)
	if a := testing.AllocsPerRun(100, func() { dst = s.Within(p, 300e3, tBase, dst[:0]) }); a != 0 {
		t.Errorf("Within allocates %v times per run, want 0", a)
	}
}

func TestIntersecting(t *testing.T) {
	s := mustBuild(t, testZones(), Options{})
	tests := []struct {
		name string
		g    geo.Geometry
		at   time.Time
		want []string
	}{
		{"route crossing the area", geo.LineString{{Lon: 35.5, Lat: 33.5}, {Lon: 37.5, Lat: 33.5}}, tBase, []string{"area"}},
		{"route inside the hole", geo.LineString{{Lon: 36.45, Lat: 33.5}, {Lon: 36.55, Lat: 33.5}}, tBase, []string{}},
		{"route touching the hole edge", geo.LineString{{Lon: 36.4, Lat: 33.5}, {Lon: 36.55, Lat: 33.5}}, tBase, []string{"area"}},
		{"route passing the site within radius", geo.LineString{{Lon: 39.9, Lat: 35.003}, {Lon: 40.1, Lat: 35.003}}, tBase, []string{"site"}},
		{"route passing the site outside radius", geo.LineString{{Lon: 39.9, Lat: 35.01}, {Lon: 40.1, Lat: 35.01}}, tBase, []string{}},
		{"route across the corridor, open", geo.LineString{{Lon: 41.5, Lat: 33}, {Lon: 41, Lat: 33.5}}, tBase, []string{"corridor"}},
		{"route across the corridor, closed", geo.LineString{{Lon: 41.5, Lat: 33}, {Lon: 41, Lat: 33.5}}, tBase.Add(5 * time.Hour), []string{}},
		{"route near the corridor", geo.LineString{{Lon: 41.0, Lat: 33.006}, {Lon: 40.9, Lat: 33.1}}, tBase, []string{"corridor"}},
		{"area overlapping two zones", geo.Polygon{box(36.9, 33.9, 38.1, 34.1)}, tBase, []string{"area", "nofly"}},
		{"area inside the hole", geo.Polygon{box(36.45, 33.45, 36.55, 33.55)}, tBase, []string{}},
		{"area holding the site", geo.Polygon{box(39.9, 34.9, 40.1, 35.1)}, tBase, []string{"site"}},
		{"area holding a whole zone", geo.Polygon{box(41.9, 32.9, 43.1, 34.1)}, tBase, []string{"hourly"}},
		{"area across 180", geo.MultiPolygon{{box(179.5, -17.5, 180, -17)}}, tBase, []string{"dateline"}},
		{"point", geo.Point{Lon: 38.5, Lat: 33.5}, tBase, []string{"nofly"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Intersecting(tc.g, tc.at, nil)
			if diff := cmp.Diff(tc.want, hitIDs(s, got)); diff != "" {
				t.Errorf("Intersecting(%v) ids (-want +got):\n%s", tc.g, diff)
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	good := testZones()[0]
	tests := []struct {
		name  string
		edit  func(z *safezones.Zone)
		field string
	}{
		{"unknown kind", func(z *safezones.Zone) { z.Kind = "moat" }, "zones[1].kind"},
		{"no id", func(z *safezones.Zone) { z.ID = "" }, "zones[1].id"},
		{"duplicate id", func(z *safezones.Zone) {}, "zones[1].id"},
		{"unclosed ring", func(z *safezones.Zone) {
			z.ID = "x"
			z.Geometry = geo.Polygon{{{Lon: 1, Lat: 1}, {Lon: 2, Lat: 1}, {Lon: 2, Lat: 2}, {Lon: 1, Lat: 2}}}
		}, "zones[1].geometry.coordinates[0]"},
		{"latitude out of range", func(z *safezones.Zone) {
			z.ID = "x"
			z.Geometry = geo.Polygon{box(1, 1, 2, 91)}
		}, "zones[1].geometry.coordinates[0][2]"},
		{"site without radius", func(z *safezones.Zone) {
			z.ID, z.Kind, z.Geometry = "x", safezones.KindProtectedSite, geo.Point{Lon: 1, Lat: 1}
		}, "zones[1].radius_m"},
		{"floor above ceiling", func(z *safezones.Zone) {
			z.ID, z.Kind, z.FloorM, z.CeilingM = "x", safezones.KindNoFly, fptr(10), fptr(5)
		}, "zones[1].ceiling_m"},
		{"corridor as polygon", func(z *safezones.Zone) { z.ID, z.Kind, z.HalfWidthM = "x", safezones.KindCorridor, 10 }, "zones[1].geometry.type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z := good
			tc.edit(&z)
			_, err := Build([]safezones.Zone{good, z}, Options{})
			if safezones.ErrorCode(err) != safezones.CodeInvalid {
				t.Fatalf("Build(%s) error = %v, want code invalid", tc.name, err)
			}
			if e := err.(*safezones.Error); e.Field != tc.field {
				t.Errorf("Build(%s) field = %q, want %q (%v)", tc.name, e.Field, tc.field, err)
			}
		})
	}
}

func TestDensify(t *testing.T) {
	// A 300 km east–west edge at 35°N: the planar edge runs on the
	// parallel, the geodesic bows north by about 1.2 km at its middle.
	ring := geo.Ring{{Lon: 36, Lat: 35}, {Lon: 39.3, Lat: 35}, {Lon: 39.3, Lat: 36}, {Lon: 36, Lat: 36}, {Lon: 36, Lat: 35}}
	zones := []safezones.Zone{{ID: "long", Terms: safezones.Terms{Kind: safezones.KindSafeArea, Geometry: geo.Polygon{ring}}}}
	p := geo.Point{Lon: 37.65, Lat: 35.005} // between the parallel and the great circle
	if got := mustBuild(t, zones, Options{DensifyM: -1}).Containing(p, 0, false, tBase, nil); len(got) != 1 {
		t.Errorf("planar edges: Containing(%v) = %v, want the zone", p, got)
	}
	s := mustBuild(t, zones, Options{})
	if got := s.Containing(p, 0, false, tBase, nil); len(got) != 0 {
		t.Errorf("geodesic edges: Containing(%v) = %v, want nothing (north of the great circle)", p, got)
	}
	for _, r := range s.geoms[0].polys[0] {
		for i := 0; i+1 < len(r); i++ {
			if d := geo.DistanceM(r[i], r[i+1]); d > DefaultDensifyM*1.0001 {
				t.Errorf("edge %d is %.0f m after densifying, want <= %d", i, d, DefaultDensifyM)
			}
			// Every inserted vertex lies on the great circle of its edge.
			if d := geo.SegmentDistanceM(r[i], ring[0], ring[1]); r[i].Lat < 35.5 && r[i].Lon > 36 && r[i].Lon < 39.3 && d > 0.01 {
				t.Errorf("vertex %v is %.3f m off the great circle", r[i], d)
			}
		}
	}
}

func TestEngineSwap(t *testing.T) {
	var e Engine
	if e.Snapshot() == nil || e.Snapshot().Len() != 0 {
		t.Fatalf("zero Engine: Snapshot() = %v, want an empty snapshot", e.Snapshot())
	}
	a := mustBuild(t, testZones()[:1], Options{})
	b := mustBuild(t, testZones(), Options{})
	e.Swap(a)
	p := geo.Point{Lon: 38.5, Lat: 33.5}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []Hit
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := e.Snapshot()
				dst = s.Containing(p, 0, false, tBase, dst[:0])
				if n := len(dst); (s == a && n != 0) || (s == b && n != 1) {
					t.Errorf("snapshot %p answered %d hits", s, n)
					return
				}
			}
		}()
	}
	for i := 0; i < 1000; i++ {
		if i%2 == 0 {
			e.Swap(b)
		} else {
			e.Swap(a)
		}
	}
	close(stop)
	wg.Wait()
	if old := e.Swap(nil); old != a {
		t.Errorf("Swap returned %p, want the last snapshot %p", old, a)
	}
	if got := e.Snapshot().Containing(p, 0, false, tBase, nil); len(got) != 0 {
		t.Errorf("after Swap(nil): %v, want nothing", got)
	}
}

func TestLookup(t *testing.T) {
	s := mustBuild(t, testZones(), Options{})
	i, ok := s.Lookup("site")
	if !ok || s.Zone(i).ID != "site" || s.Zone(i).Version != 2 {
		t.Errorf("Lookup(site) = %d, %v", i, ok)
	}
	if _, ok := s.Lookup("nope"); ok || s.Zone(-1) != nil || s.Zone(int32(s.Len())) != nil {
		t.Error("Lookup or Zone found a zone that is not there")
	}
	if !slices.Equal(hitIDs(s, s.Containing(geo.Point{Lon: 40, Lat: 35}, 0, false, tBase, nil)), []string{"site"}) {
		t.Error("site not found at its centre")
	}
}
