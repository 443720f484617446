package geo

import (
	"math/rand/v2"
	"testing"
)

// TestOrient compares Orient and its expansion arithmetic with exact
// rational arithmetic on points built to be nearly or exactly collinear,
// where a rounded cross product gets the sign wrong.
func TestOrient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1415))
	coord := func() float64 {
		switch rng.IntN(4) {
		case 0:
			return float64(rng.IntN(21) - 10) // small integers: exact collinearity
		case 1:
			return 36 + float64(rng.IntN(100))*0.1 // decimals: near collinearity
		case 2:
			return (rng.Float64() - 0.5) * 360
		}
		return (rng.Float64() - 0.5) * 1e-12 // tiny differences
	}
	for range 40_000 {
		a := Point{Lon: coord(), Lat: coord()}
		b := Point{Lon: coord(), Lat: coord()}
		c := Point{Lon: coord(), Lat: coord()}
		if rng.IntN(2) == 0 { // c on the rounded line through a and b
			s := rng.Float64()
			c = Point{Lon: a.Lon + s*(b.Lon-a.Lon), Lat: a.Lat + s*(b.Lat-a.Lat)}
		}
		want := orientRational(a, b, c)
		if got := Orient(a, b, c); got != want {
			t.Fatalf("Orient(%v, %v, %v) = %d, want %d", a, b, c, got, want)
		}
		if got := orientExact(a, b, c); got != want {
			t.Fatalf("orientExact(%v, %v, %v) = %d, want %d", a, b, c, got, want)
		}
	}
	tiny := Point{Lon: 5e-324, Lat: 1e-310}
	if got := Orient(Point{}, tiny, Point{Lon: 1e-320, Lat: 2e-310}); got != orientRational(Point{}, tiny, Point{Lon: 1e-320, Lat: 2e-310}) {
		t.Errorf("orient on subnormal coordinates = %d, disagrees with rational arithmetic", got)
	}
	if got := Orient(Point{Lon: 1, Lat: 1}, Point{Lon: 2, Lat: 2}, Point{Lon: 3, Lat: 3}); got != 0 {
		t.Errorf("orient of three points on y=x = %d, want 0", got)
	}
}
