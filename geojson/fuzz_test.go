package geojson

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/peterstace/simplefeatures/geom"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// addSeeds adds every fixture under testdata as a fuzz seed, and the
// geometries of the table tests.
func addSeeds(f *testing.F) {
	for _, path := range fixtureFiles(f) {
		data, err := os.ReadFile(filepath.Join("testdata", path))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		polygon(square(0, 0, 10, 10), square(1, 1, 2, 2), `[[0,5],[1,4],[1,6],[0,5]]`),
		polygon(`[[0,0],[2,0],[1,1],[2,2],[0,2],[1,1],[0,0]]`),
		`{"type":"MultiPolygon","coordinates":[[[[4,3],[3,0],[3,5],[4,3]]],[[[3,3],[4,3],[6,0],[4,5],[0,6],[3,3]]]]}`,
		`{"type":"LineString","coordinates":[[0,0],[179,0],[-179,1]],"bbox":[1,2,3,4]}`,
		`{"type":"Point","coordinates":[1e400,0,1]}`,
	} {
		f.Add([]byte(s))
	}
}

// checkError fails unless err is a *safezones.Error with a Code.
func checkError(t *testing.T, call string, err error) *safezones.Error {
	t.Helper()
	var e *safezones.Error
	if !errors.As(err, &e) || e.Code == "" || e.Message == "" {
		t.Fatalf("%s error = %#v, want a *safezones.Error with a Code and a Message", call, err)
	}
	return e
}

// checkDecoded fails when g breaks an invariant of decoded geometries, or
// changes when encoded and decoded again.
func checkDecoded(t *testing.T, call string, g geo.Geometry) {
	t.Helper()
	if bad := checkGeometry(g); len(bad) > 0 {
		t.Fatalf("%s = %v, which breaks %v", call, g, bad)
	}
	enc := AppendGeometry(nil, g)
	back, err := DecodeGeometry(enc, Limits{})
	if err != nil {
		t.Fatalf("%s: DecodeGeometry(AppendGeometry(g)) error = %v for %s", call, err, short(string(enc)))
	}
	if diff := cmp.Diff(g, back); diff != "" {
		t.Fatalf("%s: DecodeGeometry(AppendGeometry(g)) changed g (-before +after):\n%s", call, diff)
	}
}

func FuzzDecodeGeometry(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := DecodeGeometry(data, Limits{})
		if err != nil {
			checkError(t, "DecodeGeometry", err)
			return
		}
		checkDecoded(t, "DecodeGeometry", g)
	})
}

func FuzzDecodeFeatureCollection(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		features, errs := DecodeFeatureCollection(data, Limits{})
		for _, err := range errs {
			e := checkError(t, "DecodeFeatureCollection", err)
			if (len(features) > 0 || len(errs) > 1) && !strings.HasPrefix(e.Field, "features[") {
				t.Fatalf("DecodeFeatureCollection error %q: a per-feature error must name its feature", e)
			}
		}
		for _, ft := range features {
			checkDecoded(t, "DecodeFeatureCollection", ft.Geometry)
			if _, err := TermsFromFeature(ft); err != nil {
				checkError(t, "TermsFromFeature", err)
			}
		}
	})
}

// FuzzOracle builds polygons on a small grid from the fuzzer's bytes and
// compares our verdict with simplefeatures', as TestOracleRandom does.
func FuzzOracle(f *testing.F) {
	f.Add([]byte{0, 4, 0, 0, 6, 0, 6, 6, 0, 6})
	f.Add([]byte{1, 4, 0, 0, 6, 0, 6, 6, 0, 6, 3, 6, 0, 7, 1, 7, 0})
	f.Add([]byte{0x82, 3, 0, 0, 2, 0, 2, 2, 3, 2, 2, 4, 2, 4, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, ok := polygonFromBytes(data)
		if !ok {
			return
		}
		_, ours := DecodeGeometry([]byte(doc), Limits{})
		g, theirs := geom.UnmarshalGeoJSON([]byte(doc))
		if (ours == nil) != (theirs == nil) && !(ours != nil && strayHole(g)) {
			t.Fatalf("DecodeGeometry(%s) error = %v; simplefeatures error = %v", doc, ours, theirs)
		}
	})
}

// polygonFromBytes reads a Polygon, or a MultiPolygon of two when the first
// byte's high bit is set: per polygon a ring count, then per ring a vertex
// count and the vertices' x and y on an 8 by 8 grid.
func polygonFromBytes(data []byte) (string, bool) {
	next := func() (int, bool) {
		if len(data) == 0 {
			return 0, false
		}
		b := data[0]
		data = data[1:]
		return int(b), true
	}
	head, ok := next()
	if !ok {
		return "", false
	}
	polygonCount := 1 + head>>7
	var polys []string
	for range polygonCount {
		rc, ok := next()
		if !ok {
			return "", false
		}
		var rings []string
		for range 1 + rc%3 {
			vc, ok := next()
			if !ok {
				return "", false
			}
			var pts []string
			for range 3 + vc%6 {
				x, okx := next()
				y, oky := next()
				if !okx || !oky {
					return "", false
				}
				pts = append(pts, fmt.Sprintf("[%d,%d]", x%8, y%8))
			}
			pts = append(pts, pts[0])
			rings = append(rings, "["+strings.Join(pts, ",")+"]")
		}
		polys = append(polys, "["+strings.Join(rings, ",")+"]")
	}
	if polygonCount == 1 {
		return `{"type":"Polygon","coordinates":` + polys[0] + `}`, true
	}
	return `{"type":"MultiPolygon","coordinates":[` + strings.Join(polys, ",") + `]}`, true
}
