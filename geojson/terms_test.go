package geojson

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

var (
	sitePoint    = geo.Point{Lon: 36.16, Lat: 36.2}
	routeLine    = geo.LineString(pts(36.6, 36.2, 36.7, 36.1))
	campsPolygon = geo.Polygon{ring(36.5, 35.8, 36.9, 35.8, 36.9, 36.2, 36.5, 35.8)}
)

// absent in a change set removes the property; nil sets it to null.
type absentValue struct{}

var absent = absentValue{}

// props returns a valid property set for kind with changes applied.
func props(kind safezones.Kind, changes map[string]any) map[string]any {
	p := map[string]any{"name": "zone", "kind": string(kind)}
	switch kind {
	case safezones.KindProtectedSite:
		p["radius_m"] = 300.0
	case safezones.KindCorridor:
		p["half_width_m"] = 1000.0
	}
	for k, v := range changes {
		if v == absent {
			delete(p, k)
			continue
		}
		p[k] = v
	}
	return p
}

func geometryOf(kind safezones.Kind) geo.Geometry {
	switch kind {
	case safezones.KindProtectedSite:
		return sitePoint
	case safezones.KindCorridor:
		return routeLine
	}
	return campsPolygon
}

func TestTermsFromFeatureErrors(t *testing.T) {
	const (
		site     = safezones.KindProtectedSite
		corridor = safezones.KindCorridor
		noFly    = safezones.KindNoFly
		safe     = safezones.KindSafeArea
	)
	window := func(from, to any) map[string]any {
		w := map[string]any{}
		if from != nil {
			w["from"] = from
		}
		if to != nil {
			w["to"] = to
		}
		return w
	}
	tests := []struct {
		name    string
		kind    safezones.Kind
		changes map[string]any
		geom    geo.Geometry // nil: the kind's usual geometry
		field   string
	}{
		{"name missing", safe, map[string]any{"name": absent}, nil, "properties.name"},
		{"name a number", safe, map[string]any{"name": 7.0}, nil, "properties.name"},
		{"name blank", safe, map[string]any{"name": "  "}, nil, "properties.name"},
		{"kind missing", safe, map[string]any{"kind": absent}, nil, "properties.kind"},
		{"kind unknown", safe, map[string]any{"kind": "buffer_zone"}, nil, "properties.kind"},
		{"kind an array", safe, map[string]any{"kind": []any{"safe_area"}}, nil, "properties.kind"},
		{"site given a polygon", site, nil, campsPolygon, "geometry"},
		{"corridor given a point", corridor, nil, sitePoint, "geometry"},
		{"safe area given a line", safe, nil, routeLine, "geometry"},
		{"description a number", safe, map[string]any{"description": 1.0}, nil, "properties.description"},
		{"sponsor a boolean", safe, map[string]any{"sponsor": true}, nil, "properties.sponsor"},
		{"sponsor and sponsor_party_id differ", safe, map[string]any{"sponsor": "a", "sponsor_party_id": "b"}, nil,
			"properties.sponsor_party_id"},
		{"floor on a safe area", safe, map[string]any{"floor_m": 0.0}, nil, "properties.floor_m"},
		{"ceiling on a site", site, map[string]any{"ceiling_m": 100.0}, nil, "properties.ceiling_m"},
		{"floor a string", noFly, map[string]any{"floor_m": "100"}, nil, "properties.floor_m"},
		{"floor not finite", noFly, map[string]any{"floor_m": math.Inf(1)}, nil, "properties.floor_m"},
		{"ceiling below floor", noFly, map[string]any{"floor_m": 3000.0, "ceiling_m": 1000.0}, nil, "properties.ceiling_m"},
		{"ceiling equal to floor", noFly, map[string]any{"floor_m": 1000.0, "ceiling_m": 1000.0}, nil, "properties.ceiling_m"},
		{"radius missing", site, map[string]any{"radius_m": absent}, nil, "properties.radius_m"},
		{"radius null", site, map[string]any{"radius_m": nil}, nil, "properties.radius_m"},
		{"radius zero", site, map[string]any{"radius_m": 0.0}, nil, "properties.radius_m"},
		{"radius negative", site, map[string]any{"radius_m": -5.0}, nil, "properties.radius_m"},
		{"radius over 100 km", site, map[string]any{"radius_m": 100_000.5}, nil, "properties.radius_m"},
		{"radius a string", site, map[string]any{"radius_m": "300"}, nil, "properties.radius_m"},
		{"radius on a corridor", corridor, map[string]any{"radius_m": 300.0}, nil, "properties.radius_m"},
		{"half-width missing", corridor, map[string]any{"half_width_m": absent}, nil, "properties.half_width_m"},
		{"half-width negative", corridor, map[string]any{"half_width_m": -1.0}, nil, "properties.half_width_m"},
		{"half-width over 50 km", corridor, map[string]any{"half_width_m": 50_001.0}, nil, "properties.half_width_m"},
		{"half-width on a no-fly zone", noFly, map[string]any{"half_width_m": 10.0}, nil, "properties.half_width_m"},
		{"valid_from a date only", safe, map[string]any{"valid_from": "2024-05-01"}, nil, "properties.valid_from"},
		{"valid_from a number", safe, map[string]any{"valid_from": 1714521600.0}, nil, "properties.valid_from"},
		{"valid_to before valid_from", safe, map[string]any{"valid_from": "2024-05-02T00:00:00Z", "valid_to": "2024-05-01T00:00:00Z"},
			nil, "properties.valid_to"},
		{"valid_to equal to valid_from", safe, map[string]any{"valid_from": "2024-05-02T00:00:00Z", "valid_to": "2024-05-02T03:00:00+03:00"},
			nil, "properties.valid_to"},
		{"windows on a safe area", safe, map[string]any{"windows": []any{window("2024-05-01T00:00:00Z", nil)}}, nil, "properties.windows"},
		{"windows an object", corridor, map[string]any{"windows": window("2024-05-01T00:00:00Z", nil)}, nil, "properties.windows"},
		{"window a string", corridor, map[string]any{"windows": []any{"2024-05-01T00:00:00Z"}}, nil, "properties.windows[0]"},
		{"window without from", corridor, map[string]any{"windows": []any{window("2024-05-01T00:00:00Z", nil), window(nil, "2024-05-02T00:00:00Z")}},
			nil, "properties.windows[1].from"},
		{"window ending before it starts", corridor, map[string]any{"windows": []any{window("2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z")}},
			nil, "properties.windows[0].to"},
		{"window end not a time", corridor, map[string]any{"windows": []any{window("2024-05-02T00:00:00Z", "tomorrow")}},
			nil, "properties.windows[0].to"},
		{"source a string", safe, map[string]any{"source": "UN"}, nil, "properties.source"},
		{"source kind unknown", safe, map[string]any{"source": map[string]any{"kind": "rumour"}}, nil, "properties.source.kind"},
		{"source description a number", safe, map[string]any{"source": map[string]any{"description": 1.0}}, nil,
			"properties.source.description"},
		{"source url relative", safe, map[string]any{"source": map[string]any{"url": "/notices/7"}}, nil, "properties.source.url"},
		{"source url not http", safe, map[string]any{"source": map[string]any{"url": "ftp://example.org/x"}}, nil, "properties.source.url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.geom
			if g == nil {
				g = geometryOf(tt.kind)
			}
			f := Feature{Geometry: g, Properties: props(tt.kind, tt.changes)}
			terms, err := TermsFromFeature(f)
			call := fmt.Sprintf("TermsFromFeature(%s with %v)", g.Type(), f.Properties)
			if err == nil {
				t.Fatalf("%s = %+v, nil; want error with field %q", call, terms, tt.field)
			}
			e := asError(t, call, err)
			if e.Code != invalidCode || e.Field != tt.field {
				t.Errorf("%s error = %q (code %s, field %q), want code %s, field %q", call, e, e.Code, e.Field, invalidCode, tt.field)
			}
		})
	}
}

func TestTermsFromFeatureNoGeometry(t *testing.T) {
	_, err := TermsFromFeature(Feature{Properties: props(safezones.KindSafeArea, nil)})
	if e := asError(t, "TermsFromFeature(no geometry)", err); e.Field != "geometry" {
		t.Errorf("TermsFromFeature(no geometry) error = %q, want field geometry", e)
	}
}

func TestTermsFromFeature(t *testing.T) {
	may1 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	operator := safezones.Source{Kind: safezones.SourceOperator}
	tests := []struct {
		name string
		f    Feature
		want safezones.Terms
	}{
		{"protected site with defaults", Feature{Geometry: sitePoint, Properties: props(safezones.KindProtectedSite, nil)},
			safezones.Terms{Kind: safezones.KindProtectedSite, Name: "zone", Geometry: sitePoint, RadiusM: 300, Source: operator}},
		{"radius at the 100 km bound", Feature{Geometry: sitePoint, Properties: props(safezones.KindProtectedSite, map[string]any{"radius_m": 100_000.0})},
			safezones.Terms{Kind: safezones.KindProtectedSite, Name: "zone", Geometry: sitePoint, RadiusM: 100_000, Source: operator}},
		{"no-fly zone with every property", Feature{Geometry: campsPolygon, Properties: props(safezones.KindNoFly, map[string]any{
			"name": "Idlib no-fly", "description": "over the camps", "sponsor": "party-un",
			"floor_m": -100.0, "ceiling_m": json.Number("6000"),
			"valid_from": "2024-05-01T03:00:00+03:00", "valid_to": "2024-06-01T00:00:00Z",
			"source":     map[string]any{"kind": "real", "description": "UNSC resolution", "url": "https://example.org/res"},
			"ADM1_PCODE": "SY07",
		})}, safezones.Terms{
			Kind: safezones.KindNoFly, Name: "Idlib no-fly", Description: "over the camps", SponsorPartyID: "party-un",
			Geometry: campsPolygon, FloorM: ptr(-100), CeilingM: ptr(6000),
			Valid:  safezones.TimeWindow{From: may1, To: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)},
			Source: safezones.Source{Kind: safezones.SourceReal, Description: "UNSC resolution", URL: "https://example.org/res"},
		}},
		{"corridor with windows", Feature{Geometry: routeLine, Properties: props(safezones.KindCorridor, map[string]any{
			"half_width_m": 500,
			"windows": []any{
				map[string]any{"from": "2024-05-01T06:00:00Z", "to": "2024-05-01T10:00:00Z"},
				map[string]any{"from": "2024-05-02T06:00:00Z", "to": nil},
			},
		})}, safezones.Terms{
			Kind: safezones.KindCorridor, Name: "zone", Geometry: routeLine, HalfWidthM: 500,
			Windows: []safezones.TimeWindow{
				{From: may1.Add(6 * time.Hour), To: may1.Add(10 * time.Hour)},
				{From: may1.Add(30 * time.Hour)},
			},
			Source: operator,
		}},
		{"nulls as AppendZoneFeature writes them", Feature{Geometry: campsPolygon, Properties: props(safezones.KindSafeArea, map[string]any{
			"sponsor_party_id": "party-host", "radius_m": nil, "floor_m": nil, "valid_to": nil, "windows": []any{},
		})}, safezones.Terms{Kind: safezones.KindSafeArea, Name: "zone", SponsorPartyID: "party-host", Geometry: campsPolygon, Source: operator}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TermsFromFeature(tt.f)
			if err != nil {
				t.Fatalf("TermsFromFeature(%v) error = %v", tt.f.Properties, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("TermsFromFeature(%v) mismatch (-want +got):\n%s", tt.f.Properties, diff)
			}
		})
	}
}

// TestTermsFromDecodedFeature reads a zone file the way the import command
// will: decode, then read terms; errors keep their full path.
func TestTermsFromDecodedFeature(t *testing.T) {
	doc := `{"type":"FeatureCollection","features":[
		{"type":"Feature","geometry":{"type":"Point","coordinates":[36.16,36.2]},"properties":{"name":"Citadel","kind":"protected_site","radius_m":400}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[36.2,36.2]},"properties":{"name":"School","kind":"protected_site","radius_m":"400"}}]}`
	features, errs := DecodeFeatureCollection([]byte(doc), Limits{})
	if len(features) != 2 || errs != nil {
		t.Fatalf("DecodeFeatureCollection = %v, %v", features, errs)
	}
	if _, err := TermsFromFeature(features[0]); err != nil {
		t.Errorf("TermsFromFeature(Citadel) error = %v", err)
	}
	_, err := TermsFromFeature(features[1])
	e := asError(t, "TermsFromFeature(School)", safezones.WithFieldPrefix(err, "features[1]"))
	if e.Field != "features[1].properties.radius_m" {
		t.Errorf("TermsFromFeature(School) error field = %q, want features[1].properties.radius_m", e.Field)
	}
}
