package geojson

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// asError returns err as a *safezones.Error, failing the test if it is not.
func asError(t testing.TB, call string, err error) *safezones.Error {
	t.Helper()
	var e *safezones.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s error = %#v (%T), want a *safezones.Error", call, err, err)
	}
	if e.Code == "" || e.Message == "" {
		t.Errorf("%s error = %#v, want a Code and a Message", call, e)
	}
	return e
}

// short trims long inputs in failure messages.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

// checkGeometry reports every broken invariant of a decoded geometry: rings
// closed, shells counter-clockwise, holes clockwise, coordinates finite and
// in range, and nothing empty.
func checkGeometry(g geo.Geometry) []string {
	var bad []string
	point := func(p geo.Point) {
		if math.IsNaN(p.Lon) || math.IsNaN(p.Lat) || p.Lon < -180 || p.Lon > 180 || p.Lat < -90 || p.Lat > 90 {
			bad = append(bad, "position out of range: "+fmtPoint(p))
		}
	}
	polygon := func(pg geo.Polygon) {
		if len(pg) == 0 {
			bad = append(bad, "polygon without rings")
		}
		for i, r := range pg {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				bad = append(bad, "ring not closed or too short")
				continue
			}
			for _, p := range r {
				point(p)
			}
			if a := r.SignedArea(); (i == 0) != (a > 0) {
				bad = append(bad, "ring wound the wrong way")
			}
		}
	}
	switch g := g.(type) {
	case geo.Point:
		point(g)
	case geo.LineString:
		if len(g) < 2 {
			bad = append(bad, "line too short")
		}
		for _, p := range g {
			point(p)
		}
	case geo.Polygon:
		polygon(g)
	case geo.MultiPolygon:
		if len(g) == 0 {
			bad = append(bad, "empty multipolygon")
		}
		for _, pg := range g {
			polygon(pg)
		}
	default:
		bad = append(bad, "unexpected geometry type")
	}
	return bad
}
