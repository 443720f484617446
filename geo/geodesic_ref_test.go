package geo

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// refGeodesic is one line of testdata/geodesic_ref.txt: a geodesic solved
// by GeographicLib (Karney's algorithm), an implementation independent of
// ours.
type refGeodesic struct {
	set        string
	p1, p2     Point
	azi1, azi2 float64
	s12        float64
}

// loadRefGeodesics reads testdata/geodesic_ref.txt (see geodesic_ref.js
// there for how it was made).
func loadRefGeodesics(t testing.TB) []refGeodesic {
	t.Helper()
	f, err := os.Open("testdata/geodesic_ref.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []refGeodesic
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fs := strings.Fields(sc.Text())
		if len(fs) != 8 {
			t.Fatalf("geodesic_ref.txt:%d: %d fields, want 8", n, len(fs))
		}
		var v [7]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(fs[i+1], 64); err != nil {
				t.Fatalf("geodesic_ref.txt:%d: field %d: %v", n, i+2, err)
			}
		}
		out = append(out, refGeodesic{set: fs[0], p1: Point{Lon: v[1], Lat: v[0]}, azi1: v[2],
			p2: Point{Lon: v[4], Lat: v[3]}, azi2: v[5], s12: v[6]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 500 {
		t.Fatalf("geodesic_ref.txt: %d lines, want at least 500", len(out))
	}
	return out
}
