package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestArcBound samples random arcs densely (spherical interpolation) and
// requires every sample inside ArcBound, and the bound's latitudes to be
// reached by some sample (so it is not merely a huge box).
func TestArcBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	bowed := 0
	for i := 0; i < 2000; i++ {
		a := Point{Lon: -170 + 340*rng.Float64(), Lat: -80 + 160*rng.Float64()}
		b := Point{Lon: a.Lon + (rng.Float64()-0.5)*20, Lat: math.Max(-85, math.Min(85, a.Lat+(rng.Float64()-0.5)*2))}
		r := ArcBound(a, b)
		A, B := unitVector(a), unitVector(b)
		om := angle(A, B)
		minLat, maxLat := math.Inf(1), math.Inf(-1)
		for k := 0; k <= 2000; k++ {
			f := float64(k) / 2000
			s0, s1 := math.Sin((1-f)*om)/math.Sin(om), math.Sin(f*om)/math.Sin(om)
			v := vec3{s0*A[0] + s1*B[0], s0*A[1] + s1*B[1], s0*A[2] + s1*B[2]}
			p := Point{Lon: math.Atan2(v[1], v[0]) / degToRad, Lat: math.Atan2(v[2], math.Hypot(v[0], v[1])) / degToRad}
			minLat, maxLat = math.Min(minLat, p.Lat), math.Max(maxLat, p.Lat)
			if p.Lat > r.Max.Lat+1e-9 || p.Lat < r.Min.Lat-1e-9 {
				t.Fatalf("arc %v-%v: sample %v outside bound %v", a, b, p, r)
			}
		}
		if r.Max.Lat-maxLat > 1e-6 || minLat-r.Min.Lat > 1e-6 {
			t.Fatalf("arc %v-%v: bound %v, samples reach only %g..%g", a, b, r, minLat, maxLat)
		}
		if r.Max.Lat > math.Max(a.Lat, b.Lat)+1e-6 || r.Min.Lat < math.Min(a.Lat, b.Lat)-1e-6 {
			bowed++
		}
	}
	if bowed < 100 {
		t.Fatalf("only %d of 2000 arcs bowed beyond their endpoints: the test does not exercise the bound", bowed)
	}
}
