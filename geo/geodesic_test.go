package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

// dms converts degrees, minutes, seconds to decimal degrees.
func dms(d, m, s float64) float64 {
	if d < 0 {
		return d - m/60 - s/3600
	}
	return d + m/60 + s/3600
}

// TestGeodesicReference checks Vincenty's own published example, Flinders
// Peak to Buninyong (Geoscience Australia's geodetic calculations page and
// Vincenty 1975): 54,972.271 m.
func TestGeodesicReference(t *testing.T) {
	flinders := Point{Lon: dms(144, 25, 29.52440), Lat: -dms(37, 57, 3.72030)}
	buninyong := Point{Lon: dms(143, 55, 35.38390), Lat: -dms(37, 39, 10.15610)}
	if got := GeodesicDistanceM(flinders, buninyong); math.Abs(got-54972.271) > 0.001 {
		t.Errorf("GeodesicDistanceM(Flinders Peak, Buninyong) = %.4f m, want 54972.271", got)
	}
	if got := GeodesicDistanceM(flinders, flinders); got != 0 {
		t.Errorf("distance to itself = %v", got)
	}
	// A degree of latitude at the equator and at the pole, from the
	// ellipsoid's meridian arc: 110,574.4 m and 111,693.9 m.
	if got := GeodesicDistanceM(Point{0, 0}, Point{0, 1}); math.Abs(got-110574.4) > 0.5 {
		t.Errorf("1° of latitude at the equator = %.1f m, want 110574.4", got)
	}
	if got := GeodesicDistanceM(Point{0, 89}, Point{0, 90}); math.Abs(got-111693.9) > 0.5 {
		t.Errorf("1° of latitude at the pole = %.1f m, want 111693.9", got)
	}
}

// TestGeodesicAgainstSphere bounds the spherical formulas' error in Syria:
// under 0.5% on pairs up to 500 km, and symmetric.
func TestGeodesicAgainstSphere(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 2000 {
		a := Point{Lon: 35 + rng.Float64()*8, Lat: 32 + rng.Float64()*6}
		b := Destination(a, rng.Float64()*360, 1+rng.Float64()*500_000)
		g, s := GeodesicDistanceM(a, b), DistanceM(a, b)
		if math.Abs(g-s) > 0.005*g {
			t.Fatalf("sphere %v vs ellipsoid %v for %v-%v: over 0.5%%", s, g, a, b)
		}
		if back := GeodesicDistanceM(b, a); math.Abs(back-g) > 1e-6 {
			t.Fatalf("not symmetric: %v vs %v", g, back)
		}
	}
}
