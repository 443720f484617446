package geojson

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peterstace/simplefeatures/geom"
)

// These tests use github.com/peterstace/simplefeatures (OGC validity rules)
// as an oracle: on polygons our verdict must equal its verdict, except where
// our rules deliberately differ, which each case below names.

// oracleDifferences lists the fixture polygons on which we and
// simplefeatures disagree, by file and index among the file's polygons,
// and why.
var oracleDifferences = map[string]string{
	"chrieke/problematic_geometries/problematic_4d_coordinates.geojson#0":             "we reject positions of 4 numbers; simplefeatures ignores the extra ones",
	"chrieke/problematic_geometries/problematic_crosses_antimeridian.geojson#0":       "we reject edges over 180° of longitude; simplefeatures works in the plane",
	"chrieke/problematic_geometries/problematic_outside_lat_lon_boundaries.geojson#0": "we check longitude/latitude ranges; simplefeatures works in the plane",
	"chrieke/problematic_structure/problematic_crs_defined.geojson#0":                 "UTM metres are far outside longitude/latitude ranges; simplefeatures works in the plane",
	"geojsonhint/good/issue82.geojson#0":                                              "we check longitude/latitude ranges; simplefeatures works in the plane",
}

// fixturePolygons returns the raw Polygon and MultiPolygon geometry objects
// of a fixture: the document itself, a Feature's geometry or each
// collection member's geometry.
func fixturePolygons(data []byte) []json.RawMessage {
	var doc struct {
		Type     string
		Geometry json.RawMessage
		Features []struct{ Geometry json.RawMessage }
	}
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	var candidates []json.RawMessage
	switch doc.Type {
	case "Polygon", "MultiPolygon":
		candidates = append(candidates, data)
	case "Feature":
		candidates = append(candidates, doc.Geometry)
	case "FeatureCollection":
		for _, f := range doc.Features {
			candidates = append(candidates, f.Geometry)
		}
	}
	var out []json.RawMessage
	for _, c := range candidates {
		var g struct{ Type string }
		if json.Unmarshal(c, &g) == nil && (g.Type == "Polygon" || g.Type == "MultiPolygon") {
			out = append(out, c)
		}
	}
	return out
}

func TestOracleFixtures(t *testing.T) {
	compared := 0
	for _, path := range fixtureFiles(t) {
		data, err := os.ReadFile(filepath.Join("testdata", path))
		if err != nil {
			t.Fatal(err)
		}
		for i, raw := range fixturePolygons(data) {
			key := fmt.Sprintf("%s#%d", path, i)
			_, ours := DecodeGeometry(raw, Limits{})
			_, theirs := geom.UnmarshalGeoJSON(raw)
			compared++
			agree := (ours == nil) == (theirs == nil)
			why, documented := oracleDifferences[key]
			switch {
			case !agree && !documented:
				t.Errorf("%s: DecodeGeometry error = %v; simplefeatures error = %v", key, ours, theirs)
			case agree && documented:
				t.Errorf("%s: documented difference %q, but the verdicts agree", key, why)
			}
		}
	}
	t.Logf("compared %d fixture polygons", compared)
	if compared < 40 {
		t.Errorf("compared %d fixture polygons, want at least 40", compared)
	}
}

// grid maps integer grid coordinates to degrees. Both maps used below are
// exact in float64 (small integers, and multiples of 1/8 near Damascus), so
// simplefeatures, which rounds its cross products, decides exactly too.
type grid func(x, y int) string

func integerGrid(x, y int) string { return fmt.Sprintf("[%d,%d]", x, y) }

func eighthsGrid(x, y int) string {
	return fmt.Sprintf("[%v,%v]", 36+float64(x)/8, 33+float64(y)/8)
}

// randomRing writes a closed ring of n random vertices on the grid
// [x0, x0+size] x [y0, y0+size]. A small grid makes touching vertices,
// collinear edges and repeated points common, which is where validity
// rules are hardest.
func randomRing(rng *rand.Rand, g grid, n, x0, y0, size int) string {
	pts := make([]string, 0, n+1)
	for range n {
		pts = append(pts, g(x0+rng.IntN(size+1), y0+rng.IntN(size+1)))
	}
	pts = append(pts, pts[0])
	return "[" + strings.Join(pts, ",") + "]"
}

// starRing writes a simple ring: vertices at random radii around (cx, cy),
// in angle order, so that holes and touching shells are common too.
func starRing(rng *rand.Rand, g grid, cx, cy, r int) string {
	n := 3 + rng.IntN(6)
	pts := make([]string, 0, n+1)
	for i := range n {
		dx, dy := 0, 0
		rad := 1 + rng.IntN(r)
		switch {
		case 8*i < n:
			dx, dy = rad, rng.IntN(rad+1)
		case 8*i < 3*n:
			dx, dy = rad-rng.IntN(2*rad+1), rad
		case 8*i < 5*n:
			dx, dy = -rad, rad-rng.IntN(2*rad+1)
		case 8*i < 7*n:
			dx, dy = -rad+rng.IntN(2*rad+1), -rad
		default:
			dx, dy = rad, -rng.IntN(rad+1)
		}
		pts = append(pts, g(cx+dx, cy+dy))
	}
	pts = append(pts, pts[0])
	return "[" + strings.Join(pts, ",") + "]"
}

func randomPolygon(rng *rand.Rand, g grid) string {
	var rings []string
	if rng.IntN(2) == 0 {
		rings = append(rings, randomRing(rng, g, 3+rng.IntN(5), 0, 0, 5))
		for range rng.IntN(3) {
			rings = append(rings, randomRing(rng, g, 3+rng.IntN(3), 0, 0, 5))
		}
	} else {
		rings = append(rings, starRing(rng, g, 10, 10, 8))
		for range rng.IntN(4) {
			rings = append(rings, starRing(rng, g, 4+rng.IntN(13), 4+rng.IntN(13), 3))
		}
	}
	return "[" + strings.Join(rings, ",") + "]"
}

// strayHole reports whether a polygon of g has a hole that simplefeatures
// v0.50 accepts although it lies outside its shell or inside another hole:
// it misses those when the hole touches that ring at a point (for example
// shell [[0,0],[2,0],[2,2],[0,2],[0,0]] with hole [[2,0],[4,0],[4,2],[2,0]]).
// OGC and JTS call such a polygon invalid, and so do we.
func strayHole(g geom.Geometry) bool {
	var polys []geom.Polygon
	switch {
	case g.IsPolygon():
		polys = append(polys, g.MustAsPolygon())
	case g.IsMultiPolygon():
		mp := g.MustAsMultiPolygon()
		for i := range mp.NumPolygons() {
			polys = append(polys, mp.PolygonN(i))
		}
	}
	for _, p := range polys {
		shell := geom.NewPolygon([]geom.LineString{p.ExteriorRing()}).AsGeometry()
		for i := range p.NumInteriorRings() {
			hole := geom.NewPolygon([]geom.LineString{p.InteriorRingN(i)}).AsGeometry()
			if covered, err := geom.Covers(shell, hole); err != nil || !covered {
				return true
			}
			for j := range p.NumInteriorRings() {
				other := geom.NewPolygon([]geom.LineString{p.InteriorRingN(j)}).AsGeometry()
				if covered, err := geom.Covers(other, hole); i != j && (err != nil || covered) {
					return true
				}
			}
		}
	}
	return false
}

func TestOracleRandom(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 3_000
	}
	rng := rand.New(rand.NewPCG(7946, 2016))
	var valid, stray int
	for i := range n {
		gr := grid(integerGrid)
		if i%2 == 1 {
			gr = eighthsGrid
		}
		doc := `{"type":"Polygon","coordinates":` + randomPolygon(rng, gr) + `}`
		if rng.IntN(3) == 0 {
			doc = `{"type":"MultiPolygon","coordinates":[` + randomPolygon(rng, gr) + "," + randomPolygon(rng, gr) + `]}`
		}
		_, ours := DecodeGeometry([]byte(doc), Limits{})
		g, theirs := geom.UnmarshalGeoJSON([]byte(doc))
		switch {
		case (ours == nil) == (theirs == nil):
			if ours == nil {
				valid++
			}
		case ours != nil && strayHole(g):
			stray++
		default:
			t.Errorf("DecodeGeometry(%s) error = %v; simplefeatures error = %v", doc, ours, theirs)
		}
	}
	t.Logf("%d random polygons: %d valid, %d rejected by both, %d stray holes that only we reject", n, valid, n-valid-stray, stray)
	if valid < n/20 {
		t.Errorf("only %d of %d random polygons are valid; the generator no longer exercises valid shapes", valid, n)
	}
}
