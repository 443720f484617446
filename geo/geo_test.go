package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/golang/geo/s2"
)

func pt(lon, lat float64) Point { return Point{Lon: lon, Lat: lat} }

// square with a square hole: shell (0,0)-(4,4), hole (1,1)-(2,2).
var holed = Polygon{
	Ring{pt(0, 0), pt(4, 0), pt(4, 4), pt(0, 4), pt(0, 0)},
	Ring{pt(1, 1), pt(1, 2), pt(2, 2), pt(2, 1), pt(1, 1)},
}

func TestPolygonContainsPoint(t *testing.T) {
	cases := []struct {
		name string
		p    Point
		want bool
	}{
		{"inside", pt(3, 3), true},
		{"outside east", pt(5, 2), false},
		{"on a shell edge", pt(4, 2), true},
		{"on a shell vertex", pt(0, 0), true},
		{"on the top edge", pt(2.5, 4), true},
		{"in the hole", pt(1.5, 1.5), false},
		{"on a hole edge", pt(1.5, 1), true},
		{"on a hole vertex", pt(2, 2), true},
		{"just inside the hole edge", pt(1.5, 1+1e-12), false},
		{"just outside the shell", pt(4+1e-12, 2), false},
		{"level with a vertex, outside", pt(-1, 4), false},
		{"level with the hole's vertices", pt(3, 1), true},
	}
	for _, tc := range cases {
		if got := holed.ContainsPoint(tc.p); got != tc.want {
			t.Errorf("%s: ContainsPoint(%v) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
	mp := MultiPolygon{holed, Polygon{Ring{pt(10, 10), pt(11, 10), pt(11, 11), pt(10, 10)}}}
	if !mp.ContainsPoint(pt(10.8, 10.2)) || mp.ContainsPoint(pt(10.2, 10.8)) {
		t.Error("MultiPolygon.ContainsPoint disagrees with its triangle")
	}
}

// TestBoundaryDecimal checks the boundary rule on decimal coordinates,
// where a rounded cross product misplaces points lying on an edge.
func TestBoundaryDecimal(t *testing.T) {
	r := Ring{pt(36.1, 35.3), pt(36.7, 35.3), pt(36.7, 35.9), pt(36.1, 35.3)}
	for i := 0; i <= 10; i++ {
		// Points on the diagonal edge computed exactly on its line: both
		// ends are on it, and midpoints that are representable.
		p := r[0]
		if i == 10 {
			p = r[2]
		}
		if !r.ContainsPoint(p) || !r.OnBoundary(p) {
			t.Errorf("vertex %v not on the boundary", p)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		p := pt(36.1+rng.Float64()*0.6, 35.3+rng.Float64()*0.6)
		in, on := r.Locate(p)
		if on && in {
			t.Fatalf("Locate(%v) = inside and on the boundary", p)
		}
		// Cross-check: strictly inside iff on the left of all three edges.
		want := Orient(r[0], r[1], p) > 0 && Orient(r[1], r[2], p) > 0 && Orient(r[2], r[0], p) > 0
		if in != want {
			t.Fatalf("Locate(%v) inside = %v, orientation test says %v", p, in, want)
		}
	}
}

func TestDistanceAgainstS2(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		a := pt(35+rng.Float64()*8, 32+rng.Float64()*6)
		b := pt(a.Lon+(rng.Float64()-0.5)*6, a.Lat+(rng.Float64()-0.5)*6)
		want := s2.LatLngFromDegrees(a.Lat, a.Lon).Distance(s2.LatLngFromDegrees(b.Lat, b.Lon)).Radians() * EarthRadiusM
		if got := DistanceM(a, b); math.Abs(got-want) > 1e-6*want+1e-6 {
			t.Fatalf("DistanceM(%v, %v) = %.6f, s2 says %.6f", a, b, got, want)
		}
	}
}

// TestSegmentDistance compares SegmentDistanceM with s2's spherical
// distance to an edge, on edges of up to 30 km near Syria.
func TestSegmentDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	worst := 0.0
	for range 5000 {
		a := pt(35+rng.Float64()*8, 32+rng.Float64()*6)
		b := Destination(a, rng.Float64()*360, rng.Float64()*30_000)
		p := Destination(a, rng.Float64()*360, rng.Float64()*30_000)
		got := SegmentDistanceM(p, a, b)
		x := s2.PointFromLatLng(s2.LatLngFromDegrees(p.Lat, p.Lon))
		ea := s2.PointFromLatLng(s2.LatLngFromDegrees(a.Lat, a.Lon))
		eb := s2.PointFromLatLng(s2.LatLngFromDegrees(b.Lat, b.Lon))
		want := s2.DistanceFromSegment(x, ea, eb).Radians() * EarthRadiusM
		worst = math.Max(worst, math.Abs(got-want))
	}
	if worst > 1e-3 {
		t.Errorf("SegmentDistanceM differs from s2 by up to %.6f m on 30 km edges, want under 1 mm", worst)
	}
	t.Logf("worst difference from s2 on edges up to 30 km: %.4f m", worst)
}

func TestDestinationAndBearing(t *testing.T) {
	start := pt(36.2, 36.2) // Aleppo
	for _, brg := range []float64{0, 45, 90, 180, 270, 359} {
		for _, d := range []float64{10, 1000, 60_000} {
			end := Destination(start, brg, d)
			if got := DistanceM(start, end); math.Abs(got-d) > 1e-6*d+1e-6 {
				t.Errorf("Destination(%v, %v°, %v m) is %.6f m away", start, brg, d, got)
			}
			back := BearingDeg(start, end)
			diff := math.Abs(math.Mod(back-brg+540, 360) - 180)
			if diff > 1e-6 {
				t.Errorf("BearingDeg to Destination(%v°, %v m) = %.9f", brg, d, back)
			}
		}
	}
}

func TestIntersectsRect(t *testing.T) {
	r := Rect{Min: pt(1.2, 1.2), Max: pt(1.8, 1.8)} // inside holed's hole
	cases := []struct {
		name string
		g    Geometry
		r    Rect
		want bool
	}{
		{"rect in the hole", holed, r, false},
		{"rect across the hole edge", holed, Rect{Min: pt(0.5, 0.5), Max: pt(1.5, 1.5)}, true},
		{"rect inside the solid part", holed, Rect{Min: pt(3, 3), Max: pt(3.5, 3.5)}, true},
		{"rect around everything", holed, Rect{Min: pt(-1, -1), Max: pt(5, 5)}, true},
		{"rect apart", holed, Rect{Min: pt(5, 5), Max: pt(6, 6)}, false},
		{"rect touching a corner", holed, Rect{Min: pt(4, 4), Max: pt(5, 5)}, true},
		{"line crossing without a vertex inside", LineString{pt(0, 1.5), pt(3, 1.5)}, r, true},
		{"line passing by", LineString{pt(0, 3), pt(3, 3)}, r, false},
		{"point on the edge", pt(1.8, 1.5), r, true},
	}
	for _, tc := range cases {
		if got := IntersectsRect(tc.g, tc.r); got != tc.want {
			t.Errorf("%s: IntersectsRect = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRectBuffer(t *testing.T) {
	r := Rect{Min: pt(36, 35), Max: pt(37, 36)}
	b := r.Buffer(1000)
	for _, p := range []Point{pt(36, 35), pt(37, 36)} {
		for _, brg := range []float64{0, 90, 180, 270, 45, 135} {
			q := Destination(p, brg, 999)
			if !b.Contains(q) {
				t.Errorf("Buffer(1000) misses %v, 999 m from a corner", q)
			}
		}
	}
}
