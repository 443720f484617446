package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

// arcPoint returns the point a fraction t of the way along the great-circle
// arc from a to b.
func arcPoint(a, b Point, t float64) Point {
	A, B := unitVector(a), unitVector(b)
	om := angle(A, B)
	if om == 0 {
		return a
	}
	s := math.Sin(om)
	ka, kb := math.Sin((1-t)*om)/s, math.Sin(t*om)/s
	return vecPoint(vec3{ka*A[0] + kb*B[0], ka*A[1] + kb*B[1], ka*A[2] + kb*B[2]})
}

// refSegmentDistanceM is the reference for GeodesicSegmentDistanceM: the
// least GeodesicDistanceM from p to the arc ab, found by sampling the arc
// at 400 points and refining the best bracket by golden-section search.
func refSegmentDistanceM(p, a, b Point) float64 {
	f := func(t float64) float64 { return GeodesicDistanceM(p, arcPoint(a, b, t)) }
	const n = 400
	bi, bv := 0, math.Inf(1)
	for i := 0; i <= n; i++ {
		if v := f(float64(i) / n); v < bv {
			bv, bi = v, i
		}
	}
	lo, hi := math.Max(0, float64(bi-1)/n), math.Min(1, float64(bi+1)/n)
	g := (math.Sqrt(5) - 1) / 2
	for range 80 {
		m1, m2 := hi-g*(hi-lo), lo+g*(hi-lo)
		if f(m1) < f(m2) {
			hi = m2
		} else {
			lo = m1
		}
	}
	return math.Min(bv, f((lo+hi)/2))
}

// TestGeodesicSegmentDistance checks the documented bound: never below the
// reference minimisation and at most 1 mm above it, for points and arcs up
// to 500 km anywhere on Earth; and the ratio bounds against the sphere.
func TestGeodesicSegmentDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for range 1500 {
		a := Point{Lon: rng.Float64()*360 - 180, Lat: rng.Float64()*170 - 85}
		b := GeodesicDestination(a, rng.Float64()*360, rng.Float64()*500_000)
		p := GeodesicDestination(a, rng.Float64()*360, rng.Float64()*500_000)
		got := GeodesicSegmentDistanceM(p, a, b)
		ref := refSegmentDistanceM(p, a, b)
		if got < ref-1e-6 || got > ref+1e-3 {
			t.Fatalf("GeodesicSegmentDistanceM(%v, %v, %v) = %.6f, reference %.6f", p, a, b, got, ref)
		}
		worst = math.Max(worst, got-ref)
		s := SegmentDistanceM(p, a, b)
		if got < GeodesicRatioMin*s || got > GeodesicRatioMax*s {
			t.Fatalf("GeodesicSegmentDistanceM %v, spherical %v: ratio outside the bounds", got, s)
		}
	}
	t.Logf("worst overestimate %.2g m", worst)
}

// TestGeodesicSegmentStep checks that the projection step is needed: the
// sphere's nearest point alone is metres off on a 300 km offset from a
// diagonal arc at the equator (4 m measured), the step is not.
func TestGeodesicSegmentStep(t *testing.T) {
	a, b := Point{30, -2}, Point{32, 2}
	p := GeodesicDestination(Point{31, 0}, 120, 300_000)
	ref := refSegmentDistanceM(p, a, b)
	P, A, B := unitVector(p), unitVector(a), unitVector(b)
	naive := GeodesicDistanceM(vecPoint(arcNearest(P, A, B, cross(A, B))), p)
	if naive-ref < 1 {
		t.Errorf("the sphere's nearest point is only %.3f m off: the case no longer tests the step", naive-ref)
	}
	if got := GeodesicSegmentDistanceM(p, a, b); math.Abs(got-ref) > 1e-3 {
		t.Errorf("GeodesicSegmentDistanceM = %.4f, reference %.4f", got, ref)
	}
}

// TestGeodesicCorridorEdges builds points 1 m inside and outside a
// corridor's half-width with GeodesicDestination, perpendicular to a
// meridian edge and to an east-west edge (where the sphere is most off),
// and checks GeodesicSegmentWithinM and GeodesicLineDistanceM.
func TestGeodesicCorridorEdges(t *testing.T) {
	const w = 2000.0
	line := LineString{{36.0, 0.0}, {36.0, 0.05}, {36.05, 0.05}}
	cases := []struct {
		from Point
		az   float64
	}{
		{Point{36.0, 0.02}, 90},  // east of the meridian edge
		{Point{36.0, 0.03}, 270}, // west of it
		{Point{36.03, 0.05}, 0},  // north of the east-west edge
	}
	for _, c := range cases {
		for _, off := range []float64{-1, 1} {
			p := GeodesicDestination(c.from, c.az, w+off)
			d := GeodesicLineDistanceM(p, line)
			if math.Abs(d-(w+off)) > 0.01 {
				t.Errorf("GeodesicLineDistanceM(%v) = %.4f, want %.4f", p, d, w+off)
			}
			hit := false
			for i := 0; i+1 < len(line); i++ {
				hit = hit || GeodesicSegmentWithinM(p, line[i], line[i+1], w)
			}
			if hit != (off < 0) {
				t.Errorf("%+v m from the corridor edge at %v: within = %v", off, c.from, hit)
			}
		}
	}
}

// TestGeodesicLineDistance checks the pruned line and ring distance against
// the minimum of GeodesicSegmentDistanceM over every edge.
func TestGeodesicLineDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		c := Point{Lon: rng.Float64()*20 + 30, Lat: rng.Float64()*160 - 80}
		l := make(LineString, 2+rng.IntN(30))
		for i := range l {
			l[i] = GeodesicDestination(c, rng.Float64()*360, rng.Float64()*50_000)
		}
		p := GeodesicDestination(c, rng.Float64()*360, rng.Float64()*80_000)
		want := math.Inf(1)
		for i := 0; i+1 < len(l); i++ {
			want = math.Min(want, GeodesicSegmentDistanceM(p, l[i], l[i+1]))
		}
		if got := GeodesicLineDistanceM(p, l); got != want {
			t.Fatalf("GeodesicLineDistanceM = %v, brute force %v", got, want)
		}
		r := append(Ring(nil), l...)
		r = append(r, l[0])
		want = math.Min(want, GeodesicSegmentDistanceM(p, l[len(l)-1], l[0]))
		if got := GeodesicRingDistanceM(p, r); got != want {
			t.Fatalf("GeodesicRingDistanceM = %v, brute force %v", got, want)
		}
	}
	if d := GeodesicLineDistanceM(Point{}, nil); !math.IsInf(d, 1) {
		t.Errorf("empty line: %v", d)
	}
	if d, w := GeodesicLineDistanceM(Point{}, LineString{{0, 1}}), GeodesicDistanceM(Point{}, Point{0, 1}); d != w {
		t.Errorf("one-point line: %v, want %v", d, w)
	}
}

// TestGeodesicNoAlloc checks that the distance functions do not allocate.
func TestGeodesicNoAlloc(t *testing.T) {
	a, b, p := Point{36, 35}, Point{36.1, 35.2}, Point{36.3, 35.1}
	l := LineString{a, b, {36.4, 35.4}}
	var sink float64
	n := testing.AllocsPerRun(100, func() {
		sink += GeodesicDistanceM(a, p) + GeodesicSegmentDistanceM(p, a, b) + GeodesicLineDistanceM(p, l) +
			GeodesicRingDistanceM(p, Ring(l)) + GeodesicDestination(a, 30, 1000).Lat
		if GeodesicWithinM(p, a, 1000) || GeodesicSegmentWithinM(p, a, b, 1000) {
			sink++
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per run", n)
	}
	_ = sink
}

var benchSink float64

// BenchmarkGeodesic times the spherical and the geodesic distances, on
// pairs and segments 0–50 km apart in Syria, and the banded decisions.
func BenchmarkGeodesic(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n = 1024
	ps, qs, rs := make([]Point, n), make([]Point, n), make([]Point, n)
	for i := range ps {
		ps[i] = Point{Lon: 35 + rng.Float64()*7, Lat: 32 + rng.Float64()*5}
		qs[i] = GeodesicDestination(ps[i], rng.Float64()*360, rng.Float64()*50_000)
		rs[i] = GeodesicDestination(qs[i], rng.Float64()*360, 5000)
	}
	run := func(name string, f func(i int) float64) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			s := 0.0
			for i := 0; i < b.N; i++ {
				s += f(i & (n - 1))
			}
			benchSink = s
		})
	}
	run("DistanceM", func(i int) float64 { return DistanceM(ps[i], qs[i]) })
	run("GeodesicDistanceM", func(i int) float64 { return GeodesicDistanceM(ps[i], qs[i]) })
	run("GeodesicDestination", func(i int) float64 { return GeodesicDestination(ps[i], float64(i), 20_000).Lat })
	run("SegmentDistanceM", func(i int) float64 { return SegmentDistanceM(ps[i], qs[i], rs[i]) })
	run("GeodesicSegmentDistanceM", func(i int) float64 { return GeodesicSegmentDistanceM(ps[i], qs[i], rs[i]) })
	run("GeodesicWithinM", func(i int) float64 {
		if GeodesicWithinM(ps[i], qs[i], 25_000) {
			return 1
		}
		return 0
	})
	run("GeodesicSegmentWithinM", func(i int) float64 {
		if GeodesicSegmentWithinM(ps[i], qs[i], rs[i], 25_000) {
			return 1
		}
		return 0
	})
}
