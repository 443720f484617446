package geojson

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLimitsDefaults(t *testing.T) {
	if diff := cmp.Diff(DefaultLimits(), Limits{}.withDefaults()); diff != "" {
		t.Errorf("Limits{}.withDefaults() mismatch with DefaultLimits() (-want +got):\n%s", diff)
	}
	custom := Limits{MaxVertices: 10, MaxBytes: -1}
	want := DefaultLimits()
	want.MaxVertices = 10
	if diff := cmp.Diff(want, custom.withDefaults()); diff != "" {
		t.Errorf("%+v.withDefaults() mismatch (-want +got):\n%s", custom, diff)
	}
}

func TestLimits(t *testing.T) {
	twoSquares := `{"type":"MultiPolygon","coordinates":[[` + square(0, 0, 1, 1) + `],[` + square(2, 2, 3, 3) + `]]}`
	tests := []struct {
		name  string
		in    string
		lim   Limits
		field string
	}{
		{"vertices", polygon(square(0, 0, 1, 1)), Limits{MaxVertices: 4}, "coordinates"},
		{"rings", polygon(square(0, 0, 4, 4), square(1, 1, 2, 2)), Limits{MaxRings: 1}, "coordinates"},
		{"rings across polygons", twoSquares, Limits{MaxRings: 1}, "coordinates"},
		{"polygons", twoSquares, Limits{MaxPolygons: 1}, "coordinates"},
		{"depth", polygon(square(0, 0, 1, 1)), Limits{MaxDepth: 3}, ""},
		{"bytes", point12, Limits{MaxBytes: int64(len(point12)) - 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeGeometry([]byte(tt.in), tt.lim)
			call := fmt.Sprintf("DecodeGeometry(%s, %+v)", short(tt.in), tt.lim)
			if err == nil {
				t.Fatalf("%s error = nil, want a %s error", call, tooLarge)
			}
			e := asError(t, call, err)
			if e.Code != tooLarge || e.Field != tt.field {
				t.Errorf("%s error = %q (code %s, field %q), want code %s, field %q", call, e, e.Code, e.Field, tooLarge, tt.field)
			}
		})
	}
	// The same inputs pass at the limit.
	for _, ok := range []struct {
		in  string
		lim Limits
	}{
		{polygon(square(0, 0, 1, 1)), Limits{MaxVertices: 5}},
		{twoSquares, Limits{MaxRings: 2, MaxPolygons: 2}},
		{polygon(square(0, 0, 1, 1)), Limits{MaxDepth: 4}},
		{point12, Limits{MaxBytes: int64(len(point12))}},
	} {
		if _, err := DecodeGeometry([]byte(ok.in), ok.lim); err != nil {
			t.Errorf("DecodeGeometry(%s, %+v) error = %v, want nil", short(ok.in), ok.lim, err)
		}
	}
}

func TestLimitsPerFeature(t *testing.T) {
	doc := `{"type":"FeatureCollection","features":[` + feature(`"small"`, point12) + `,` +
		feature(`"big"`, polygon(`[[0,0],[1,0],[2,0],[2,1],[1,1],[0,0]]`)) + `]}`
	features, errs := DecodeFeatureCollection([]byte(doc), Limits{MaxVertices: 5})
	if len(features) != 1 || features[0].ID != "small" || len(errs) != 1 {
		t.Fatalf("DecodeFeatureCollection(%s) = %v, %v; want feature small and one error", short(doc), features, errs)
	}
	e := asError(t, "DecodeFeatureCollection", errs[0])
	if e.Code != tooLarge || e.Field != "features[1].geometry.coordinates" {
		t.Errorf("DecodeFeatureCollection error = %q (code %s, field %q), want code %s, field %q",
			e, e.Code, e.Field, tooLarge, "features[1].geometry.coordinates")
	}
}

// ringJSON writes points as a closed GeoJSON ring.
func ringJSON(points [][2]float64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range append(points, points[0]) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("[" + strconv.FormatFloat(p[0], 'f', -1, 64) + "," + strconv.FormatFloat(p[1], 'f', -1, 64) + "]")
	}
	b.WriteByte(']')
	return b.String()
}

func TestLargeRing(t *testing.T) {
	const n = 99_999 // with the closing position: DefaultLimits().MaxVertices
	points := make([][2]float64, n)
	for i := range points {
		a := 2 * math.Pi * float64(i) / n
		points[i] = [2]float64{38 + 2*math.Cos(a), 35 + 1.5*math.Sin(a)}
	}
	in := polygon(ringJSON(points))
	g, err := DecodeGeometry([]byte(in), Limits{})
	if err != nil {
		t.Fatalf("DecodeGeometry(ellipse of %d vertices) error = %v", n, err)
	}
	if bad := checkGeometry(g); len(bad) > 0 {
		t.Errorf("DecodeGeometry(ellipse of %d vertices) = geometry with %v", n, bad)
	}
}

// TestIntricateRing feeds a ring built so that every edge overlaps every
// other in longitude: a zigzag of long parallel edges. Checking it edge
// against edge would take quadratic time; the decoder refuses it instead.
func TestIntricateRing(t *testing.T) {
	const n = 20_000
	points := make([][2]float64, 0, n+3)
	for i := range n {
		points = append(points, [2]float64{float64(i % 2), float64(i) * 0.001})
	}
	points = append(points, [2]float64{2, float64(n) * 0.001}, [2]float64{2, -1}, [2]float64{0, -1})
	in := polygon(ringJSON(points))
	_, err := DecodeGeometry([]byte(in), Limits{})
	call := fmt.Sprintf("DecodeGeometry(zigzag of %d vertices)", n)
	if err == nil {
		t.Fatalf("%s error = nil, want a %s error", call, tooLarge)
	}
	e := asError(t, call, err)
	if e.Code != tooLarge || e.Field != "coordinates" {
		t.Errorf("%s error = %q (code %s, field %q), want code %s, field %q", call, e, e.Code, e.Field, tooLarge, "coordinates")
	}
	// A small zigzag of the same shape is valid: the refusal is about cost.
	small := append([][2]float64{}, points[:200]...)
	small = append(small, [2]float64{2, 0.199}, [2]float64{2, -1}, [2]float64{0, -1})
	if _, err := DecodeGeometry([]byte(polygon(ringJSON(small))), Limits{}); err != nil {
		t.Errorf("DecodeGeometry(zigzag of 200 vertices) error = %v, want nil", err)
	}
}
