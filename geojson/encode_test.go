package geojson

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

var tenth = 0.1 // a variable, so that 0.1+0.2 is computed in float64

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestAppendGeometry(t *testing.T) {
	tests := []struct {
		name string
		g    geo.Geometry
		want string
	}{
		{"point", geo.Point{Lon: 36.2765, Lat: 33.5138}, `{"type":"Point","coordinates":[36.2765,33.5138]}`},
		{"shortest round-trip form, no exponent", geo.Point{Lon: tenth + 2*tenth, Lat: 1e-7},
			`{"type":"Point","coordinates":[0.30000000000000004,0.0000001]}`},
		{"negative zero and bounds", geo.Point{Lon: -180, Lat: math.Copysign(0, -1)}, `{"type":"Point","coordinates":[-180,-0]}`},
		{"line", geo.LineString(pts(1, 2, 3, 4)), `{"type":"LineString","coordinates":[[1,2],[3,4]]}`},
		{"polygon with hole", geo.Polygon{ring(0, 0, 4, 0, 4, 4, 0, 0), ring(1, 0.5, 3, 2.5, 3, 0.5, 1, 0.5)},
			`{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,0]],[[1,0.5],[3,2.5],[3,0.5],[1,0.5]]]}`},
		{"multipolygon", geo.MultiPolygon{{ring(0, 0, 1, 0, 1, 1, 0, 0)}, {ring(2, 2, 3, 2, 3, 3, 2, 2)}},
			`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}`},
		{"nil", nil, `null`},
		{"NaN written as null", geo.Point{Lon: math.NaN(), Lat: 1}, `{"type":"Point","coordinates":[null,1]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendGeometry([]byte("x"), tt.g))
			if got != "x"+tt.want {
				t.Errorf("AppendGeometry(%q, %v) = %s, want x%s", "x", tt.g, got, tt.want)
			}
		})
	}
}

// TestRoundTrip decodes every accepted geometry of the fixtures, encodes it
// with AppendGeometry and decodes that again: the geometry must not change.
func TestRoundTrip(t *testing.T) {
	var geoms []geo.Geometry
	for _, path := range append(fixtureFiles(t), "../../boundary/data/syr_admin1_ocha_cod_v02.geojson") {
		data, err := os.ReadFile(filepath.Join("testdata", path))
		if err != nil {
			t.Fatal(err)
		}
		if g, err := DecodeGeometry(data, Limits{}); err == nil {
			geoms = append(geoms, g)
		}
		if f, err := DecodeFeature(data, Limits{}); err == nil {
			geoms = append(geoms, f.Geometry)
		}
		features, _ := DecodeFeatureCollection(data, Limits{})
		for _, f := range features {
			geoms = append(geoms, f.Geometry)
		}
	}
	if len(geoms) < 80 {
		t.Fatalf("only %d geometries decoded from the fixtures", len(geoms))
	}
	for i, g := range geoms {
		enc := AppendGeometry(nil, g)
		back, err := DecodeGeometry(enc, Limits{})
		if err != nil {
			t.Errorf("geometry %d: DecodeGeometry(AppendGeometry(g)) error = %v for %s", i, err, short(string(enc)))
			continue
		}
		if diff := cmp.Diff(g, back); diff != "" {
			t.Errorf("geometry %d: DecodeGeometry(AppendGeometry(g)) changed it (-before +after):\n%s", i, diff)
		}
	}
}

func ptr(v float64) *float64 { return &v }

// testZone is a zone with every field set.
func testZone() *safezones.Zone {
	at := time.Date(2024, 5, 1, 8, 30, 0, 0, time.UTC)
	return &safezones.Zone{
		ID:      "zone-idlib-1",
		Version: 3,
		Terms: safezones.Terms{
			Kind:           safezones.KindNoFly,
			Name:           "Idlib no-fly \"north\"",
			Description:    "Airspace over the northern camps",
			SponsorPartyID: "party-un",
			Geometry:       geo.Polygon{ring(36.5, 35.8, 36.9, 35.8, 36.9, 36.2, 36.5, 36.2, 36.5, 35.8)},
			FloorM:         ptr(-30.5),
			CeilingM:       ptr(6000),
			Valid:          safezones.TimeWindow{From: at},
			Source:         safezones.Source{Kind: safezones.SourceSimulated, Description: "demo scenario"},
		},
		Hash:            "9f2c",
		Status:          safezones.StatusActive,
		CreatedAt:       at.Add(-time.Hour),
		CreatedBy:       "operator",
		StatusChangedAt: at.In(time.FixedZone("EEST", 3*3600)),
	}
}

func TestAppendZoneFeatureGolden(t *testing.T) {
	corridor := testZone()
	corridor.ID = "corridor-7"
	corridor.Terms = safezones.Terms{
		Kind:       safezones.KindCorridor,
		Name:       "Bab al-Hawa convoy route",
		Geometry:   geo.LineString(pts(36.6, 36.2, 36.7, 36.1)),
		HalfWidthM: 500,
		Windows: []safezones.TimeWindow{
			{From: time.Date(2024, 5, 2, 6, 0, 0, 0, time.UTC), To: time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC)},
			{From: time.Date(2024, 5, 3, 6, 0, 0, 0, time.UTC)},
		},
		Valid:  safezones.TimeWindow{From: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)},
		Source: safezones.Source{Kind: safezones.SourceOperator},
	}
	var got []byte
	for _, z := range []*safezones.Zone{testZone(), corridor} {
		got = AppendZoneFeature(got, z)
		got = append(got, '\n')
	}
	golden := filepath.Join("testdata", "zone_features.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("AppendZoneFeature mismatch with %s (-want +got):\n%s", golden, diff)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(got), []byte("\n")) {
		if !json.Valid(line) {
			t.Errorf("AppendZoneFeature wrote invalid JSON: %s", line)
		}
	}
}

func TestAppendZoneFeatureProperties(t *testing.T) {
	var doc struct {
		Type       string
		ID         string
		Properties map[string]any
	}
	if err := json.Unmarshal(AppendZoneFeature(nil, testZone()), &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range doc.Properties {
		keys = append(keys, k)
	}
	want := []string{"ceiling_m", "created_at", "created_by", "description", "floor_m", "half_width_m", "hash", "id",
		"kind", "name", "radius_m", "source", "sponsor_party_id", "status", "status_changed_at", "valid_from", "valid_to",
		"version", "windows"}
	if diff := cmp.Diff(want, keys, cmpSorted); diff != "" {
		t.Errorf("AppendZoneFeature properties keys mismatch (-want +got):\n%s", diff)
	}
	if doc.Type != "Feature" || doc.ID != "zone-idlib-1" || doc.Properties["valid_to"] != nil ||
		doc.Properties["status_changed_at"] != "2024-05-01T08:30:00Z" {
		t.Errorf("AppendZoneFeature(testZone()) = type %q id %q valid_to %v status_changed_at %v; want Feature, zone-idlib-1, null, UTC time",
			doc.Type, doc.ID, doc.Properties["valid_to"], doc.Properties["status_changed_at"])
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// TestZoneRoundTrip writes zones with AppendZoneFeature and reads them back
// with DecodeFeature and TermsFromFeature: the terms must not change.
func TestZoneRoundTrip(t *testing.T) {
	site := testZone()
	site.Terms = safezones.Terms{
		Kind: safezones.KindProtectedSite, Name: "Al-Razi hospital", SponsorPartyID: "party-msf",
		Geometry: geo.Point{Lon: 36.71, Lat: 35.93}, RadiusM: 250,
		Source: safezones.Source{Kind: safezones.SourceReal, Description: "notified by MSF", URL: "https://example.org/notice/7"},
	}
	corridor := testZone()
	corridor.Terms = safezones.Terms{
		Kind: safezones.KindCorridor, Name: "route", Geometry: geo.LineString(pts(36.6, 36.2, 36.7, 36.1)), HalfWidthM: 500,
		Windows: []safezones.TimeWindow{{From: time.Date(2024, 5, 2, 6, 0, 0, 0, time.UTC)}},
		Valid:   safezones.TimeWindow{To: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)},
		Source:  safezones.Source{Kind: safezones.SourceOperator},
	}
	safeArea := testZone()
	safeArea.Terms = safezones.Terms{
		Kind: safezones.KindSafeArea, Name: "camps",
		Geometry: geo.MultiPolygon{{ring(0, 0, 1, 0, 1, 1, 0, 0)}, {ring(2, 2, 3, 2, 3, 3, 2, 2)}},
		Source:   safezones.Source{Kind: safezones.SourceOperator},
	}
	for _, z := range []*safezones.Zone{testZone(), site, corridor, safeArea} {
		enc := AppendZoneFeature(nil, z)
		f, err := DecodeFeature(enc, Limits{})
		if err != nil {
			t.Errorf("DecodeFeature(AppendZoneFeature(%s)) error = %v", z.Name, err)
			continue
		}
		terms, err := TermsFromFeature(f)
		if err != nil {
			t.Errorf("TermsFromFeature(AppendZoneFeature(%s)) error = %v", z.Name, err)
			continue
		}
		want := z.Terms
		want.Valid = safezones.TimeWindow{From: want.Valid.From.UTC(), To: want.Valid.To.UTC()}
		if diff := cmp.Diff(want, terms); diff != "" {
			t.Errorf("TermsFromFeature(AppendZoneFeature(%s)) mismatch (-want +got):\n%s", z.Name, diff)
		}
		if f.ID != z.ID {
			t.Errorf("DecodeFeature(AppendZoneFeature(%s)).ID = %q, want %q", z.Name, f.ID, z.ID)
		}
	}
}
