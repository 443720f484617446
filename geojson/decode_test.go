package geojson

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

const (
	invalidCode = safezones.CodeInvalid
	tooLarge    = safezones.CodeTooLarge
)

// square is a counter-clockwise ring from (x0, y0) to (x1, y1).
func square(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf("[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]", x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

func polygon(rings ...string) string {
	return `{"type":"Polygon","coordinates":[` + strings.Join(rings, ",") + `]}`
}

func TestDecodeGeometryInvalid(t *testing.T) {
	shell := square(0, 0, 10, 10)
	tests := []struct {
		name  string
		in    string
		code  safezones.Code
		field string
	}{
		{"not JSON", `{"type":"Point",`, invalidCode, ""},
		{"trailing garbage", `{"type":"Point","coordinates":[1,2]} x`, invalidCode, ""},
		{"array at top level", `[1,2]`, invalidCode, ""},
		{"null at top level", `null`, invalidCode, ""},
		{"missing type", `{"coordinates":[1,2]}`, invalidCode, "type"},
		{"type not a string", `{"type":{},"coordinates":[1,2]}`, invalidCode, "type"},
		{"unknown type", `{"type":"Pointy","coordinates":[1,2]}`, invalidCode, "type"},
		{"type in lower case", `{"type":"point","coordinates":[1,2]}`, invalidCode, "type"},
		{"MultiPoint unsupported", `{"type":"MultiPoint","coordinates":[[1,2]]}`, invalidCode, "type"},
		{"MultiLineString unsupported", `{"type":"MultiLineString","coordinates":[[[1,2],[3,4]]]}`, invalidCode, "type"},
		{"GeometryCollection unsupported", `{"type":"GeometryCollection","geometries":[]}`, invalidCode, "type"},
		{"Feature where a geometry belongs", `{"type":"Feature","geometry":null,"properties":null}`, invalidCode, "type"},
		{"duplicate coordinates member", `{"type":"Point","coordinates":[1,2],"coordinates":[3,4]}`, invalidCode, "coordinates"},
		{"properties member on a geometry", `{"type":"Point","coordinates":[1,2],"properties":{}}`, invalidCode, "properties"},
		{"missing coordinates", `{"type":"Polygon"}`, invalidCode, "coordinates"},
		{"null coordinates", `{"type":"Point","coordinates":null}`, invalidCode, "coordinates"},
		{"empty position", `{"type":"Point","coordinates":[]}`, invalidCode, "coordinates"},
		{"one number", `{"type":"Point","coordinates":[1]}`, invalidCode, "coordinates"},
		{"four numbers", `{"type":"Point","coordinates":[1,2,3,4]}`, invalidCode, "coordinates"},
		{"string in position", `{"type":"Point","coordinates":["1",2]}`, invalidCode, "coordinates"},
		{"null in position", `{"type":"Point","coordinates":[1,null]}`, invalidCode, "coordinates"},
		{"Point nested too deep", `{"type":"Point","coordinates":[[1,2]]}`, invalidCode, "coordinates"},
		{"longitude 181", `{"type":"Point","coordinates":[181,0]}`, invalidCode, "coordinates"},
		{"longitude -180.000001", `{"type":"Point","coordinates":[-180.000001,0]}`, invalidCode, "coordinates"},
		{"latitude 90.5", `{"type":"Point","coordinates":[0,90.5]}`, invalidCode, "coordinates"},
		{"latitude overflows float64", `{"type":"Point","coordinates":[0,1e400]}`, invalidCode, "coordinates"},
		{"altitude overflows float64", `{"type":"Point","coordinates":[0,0,-1e999]}`, invalidCode, "coordinates"},
		{"line of one position", `{"type":"LineString","coordinates":[[1,2]]}`, invalidCode, "coordinates"},
		{"line of one point repeated", `{"type":"LineString","coordinates":[[1,2],[1,2],[1,2]]}`, invalidCode, "coordinates"},
		{"line nested too shallow", `{"type":"LineString","coordinates":[1,2]}`, invalidCode, "coordinates[0]"},
		{"line position out of range", `{"type":"LineString","coordinates":[[1,2],[3,4],[5,-91]]}`, invalidCode, "coordinates[2]"},
		{"line across the antimeridian", `{"type":"LineString","coordinates":[[0,0],[179,0],[-179,1]]}`, invalidCode, "coordinates[1]"},
		{"polygon without rings", `{"type":"Polygon","coordinates":[]}`, invalidCode, "coordinates"},
		{"polygon nested too shallow", `{"type":"Polygon","coordinates":[[0,0],[1,0],[1,1],[0,0]]}`, invalidCode, "coordinates[0][0]"},
		{"ring of 3 positions", polygon(`[[0,0],[1,0],[0,0]]`), invalidCode, "coordinates[0]"},
		{"ring not closed", polygon(`[[0,0],[1,0],[1,1],[0,1]]`), invalidCode, "coordinates[0]"},
		{"ring not closed though altitudes match", polygon(`[[0,0,5],[1,0],[1,1],[0,0.5,5]]`), invalidCode, "coordinates[0]"},
		{"ring of 2 distinct points", polygon(`[[0,0],[1,1],[0,0],[1,1],[0,0]]`), invalidCode, "coordinates[0]"},
		{"ring on one line", polygon(`[[0,0],[1,1],[3,3],[2,2],[0,0]]`), invalidCode, "coordinates[0]"},
		{"empty position in a ring", polygon(`[[0,0],[1,0],[],[0,1],[0,0]]`), invalidCode, "coordinates[0][2]"},
		{"ring position 7 out of range", polygon(`[[0,0],[1,0],[2,0],[3,0],[3,1],[3,2],[3,3],[0,93],[0,0]]`), invalidCode, "coordinates[0][7]"},
		{"ring across the antimeridian", polygon(`[[179,0],[-179,0],[-179,1],[179,1],[179,0]]`), invalidCode, "coordinates[0][0]"},
		{"bow-tie", polygon(`[[0,0],[2,2],[2,0],[0,2],[0,0]]`), invalidCode, "coordinates[0][2]"},
		{"figure 8 through one vertex", polygon(`[[0,0],[2,0],[1,1],[2,2],[0,2],[1,1],[0,0]]`), invalidCode, "coordinates[0][4]"},
		{"spike", polygon(`[[0,0],[4,0],[4,4],[6,4],[5,4],[0,4],[0,0]]`), invalidCode, "coordinates[0][4]"},
		{"vertex touching an edge of the same ring", polygon(`[[0,0],[4,0],[4,4],[2,0],[0,4],[0,0]]`), invalidCode, "coordinates[0][3]"},
		{"hole outside its shell", polygon(shell, square(20, 20, 21, 21)), invalidCode, "coordinates[1]"},
		{"hole outside its shell touching it", polygon(shell, `[[10,0],[12,0],[12,2],[10,0]]`), invalidCode, "coordinates[1]"},
		{"hole crossing its shell", polygon(shell, square(5, 5, 15, 6)), invalidCode, "coordinates[1][0]"},
		{"hole sharing an edge with its shell", polygon(shell, square(0, 2, 3, 4)), invalidCode, "coordinates[1][3]"},
		{"hole touching its shell twice", polygon(shell, `[[0,5],[5,0],[5,5],[0,5]]`), invalidCode, "coordinates[1]"},
		{"holes crossing", polygon(shell, square(1, 1, 5, 5), square(4, 4, 8, 8)), invalidCode, "coordinates[2][3]"},
		{"hole inside a hole", polygon(shell, square(1, 1, 8, 8), square(2, 2, 3, 3)), invalidCode, "coordinates[2]"},
		{"holes cutting the interior in two", polygon(square(0, 0, 4, 4),
			`[[0,2],[1,1],[2,2],[1,3],[0,2]]`, `[[2,2],[3,1],[4,2],[3,3],[2,2]]`), invalidCode, "coordinates[2]"},
		{"multipolygon without polygons", `{"type":"MultiPolygon","coordinates":[]}`, invalidCode, "coordinates"},
		{"multipolygon polygon without rings", `{"type":"MultiPolygon","coordinates":[[]]}`, invalidCode, "coordinates[0]"},
		{"multipolygon nested too shallow", `{"type":"MultiPolygon","coordinates":[` + shell + `]}`, invalidCode, "coordinates[0][0][0]"},
		{"multipolygon deep position", `{"type":"MultiPolygon","coordinates":[[` + shell + `],[[[20,20],[21,20],[21,-95],[20,20]]]]}`,
			invalidCode, "coordinates[1][0][2]"},
		{"multipolygon polygons crossing", `{"type":"MultiPolygon","coordinates":[[` + shell + `],[` + square(5, 5, 15, 15) + `]]}`,
			invalidCode, "coordinates[1][0][3]"},
		{"multipolygon polygon inside another", `{"type":"MultiPolygon","coordinates":[[` + shell + `],[` + square(2, 2, 3, 3) + `]]}`,
			invalidCode, "coordinates[1]"},
		{"multipolygon polygons sharing an edge", `{"type":"MultiPolygon","coordinates":[[` + shell + `],[` + square(10, 0, 20, 10) + `]]}`,
			invalidCode, "coordinates[1][0][3]"},
		{"multipolygon polygon passing inside another between touches", `{"type":"MultiPolygon","coordinates":[[[[4,3],[3,0],[3,5],[4,3]]],` +
			`[[[3,3],[4,3],[6,0],[4,5],[0,6],[3,3]]]]}`, invalidCode, "coordinates[1]"},
		{"crs in UTM", `{"type":"Point","coordinates":[1,2],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32632"}}}`,
			invalidCode, "crs"},
		{"crs null", `{"type":"Point","coordinates":[1,2],"crs":null}`, invalidCode, "crs"},
		{"bbox of 3 numbers", `{"type":"Point","coordinates":[1,2],"bbox":[1,2,3]}`, invalidCode, "bbox"},
		{"bbox of strings", `{"type":"Point","coordinates":[1,2],"bbox":["1","2","3","4"]}`, invalidCode, "bbox"},
		{"nested too deep", `{"type":"Point","coordinates":[1,2],"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`,
			tooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := DecodeGeometry([]byte(tt.in), Limits{})
			call := fmt.Sprintf("DecodeGeometry(%s)", short(tt.in))
			if err == nil {
				t.Fatalf("%s = %v, nil; want error with field %q", call, g, tt.field)
			}
			e := asError(t, call, err)
			if e.Code != tt.code || e.Field != tt.field {
				t.Errorf("%s error = %q (code %s, field %q), want code %s, field %q", call, e, e.Code, e.Field, tt.code, tt.field)
			}
		})
	}
}

// pts returns the points of alternating longitudes and latitudes.
func pts(lonLat ...float64) []geo.Point {
	out := make([]geo.Point, len(lonLat)/2)
	for i := range out {
		out[i] = geo.Point{Lon: lonLat[2*i], Lat: lonLat[2*i+1]}
	}
	return out
}

func ring(lonLat ...float64) geo.Ring { return geo.Ring(pts(lonLat...)) }

func TestDecodeGeometryValid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want geo.Geometry
	}{
		{"point", `{"type":"Point","coordinates":[36.3,33.5]}`, geo.Point{Lon: 36.3, Lat: 33.5}},
		{"point with altitude ignored", `{"type":"Point","coordinates":[36.3,33.5,700.5]}`, geo.Point{Lon: 36.3, Lat: 33.5}},
		{"point on the range bounds", `{"type":"Point","coordinates":[-180,90]}`, geo.Point{Lon: -180, Lat: 90}},
		{"tiny number underflows to zero", `{"type":"Point","coordinates":[1e-400,0]}`, geo.Point{}},
		{"line crossing itself", `{"type":"LineString","coordinates":[[0,0],[2,2],[2,0],[0,2]]}`,
			geo.LineString(pts(0, 0, 2, 2, 2, 0, 0, 2))},
		{"line with a repeated point", `{"type":"LineString","coordinates":[[0,0],[0,0],[1,1]]}`,
			geo.LineString(pts(0, 0, 0, 0, 1, 1))},
		{"counter-clockwise shell kept", polygon(square(0, 0, 1, 1)),
			geo.Polygon{ring(0, 0, 1, 0, 1, 1, 0, 1, 0, 0)}},
		{"clockwise shell reversed", polygon(`[[0,0],[0,1],[1,1],[1,0],[0,0]]`),
			geo.Polygon{ring(0, 0, 1, 0, 1, 1, 0, 1, 0, 0)}},
		{"counter-clockwise hole reversed", polygon(square(0, 0, 4, 4), square(1, 1, 2, 2)),
			geo.Polygon{ring(0, 0, 4, 0, 4, 4, 0, 4, 0, 0), ring(1, 1, 1, 2, 2, 2, 2, 1, 1, 1)}},
		{"clockwise hole kept", polygon(square(0, 0, 4, 4), `[[1,1],[1,2],[2,2],[2,1],[1,1]]`),
			geo.Polygon{ring(0, 0, 4, 0, 4, 4, 0, 4, 0, 0), ring(1, 1, 1, 2, 2, 2, 2, 1, 1, 1)}},
		{"consecutive duplicates kept", polygon(`[[0,0],[1,0],[1,0],[1,1],[0,0],[0,0]]`),
			geo.Polygon{ring(0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0)}},
		{"triangle of four positions", polygon(`[[-10,-10],[10,-10],[10,10],[-10,-10]]`),
			geo.Polygon{ring(-10, -10, 10, -10, 10, 10, -10, -10)}},
		{"hole touching its shell at one point", polygon(square(0, 0, 4, 4), `[[0,2],[2,1],[2,3],[0,2]]`),
			geo.Polygon{ring(0, 0, 4, 0, 4, 4, 0, 4, 0, 0), ring(0, 2, 2, 3, 2, 1, 0, 2)}},
		{"holes touching each other at one point", polygon(square(0, 0, 4, 4), `[[1,1],[2,1],[2,2],[1,1]]`, `[[2,2],[3,2],[3,3],[2,2]]`),
			geo.Polygon{ring(0, 0, 4, 0, 4, 4, 0, 4, 0, 0), ring(1, 1, 2, 2, 2, 1, 1, 1), ring(2, 2, 3, 3, 3, 2, 2, 2)}},
		{"multipolygon touching at a point", `{"type":"MultiPolygon","coordinates":[[` + square(0, 0, 1, 1) + `],[` + square(1, 1, 2, 2) + `]]}`,
			geo.MultiPolygon{
				{ring(0, 0, 1, 0, 1, 1, 0, 1, 0, 0)},
				{ring(1, 1, 2, 1, 2, 2, 1, 2, 1, 1)},
			}},
		{"island in a lake", `{"type":"MultiPolygon","coordinates":[[` + square(0, 0, 10, 10) + `,` + square(2, 2, 8, 8) + `],[` + square(4, 4, 6, 6) + `]]}`,
			geo.MultiPolygon{
				{ring(0, 0, 10, 0, 10, 10, 0, 10, 0, 0), ring(2, 2, 2, 8, 8, 8, 8, 2, 2, 2)},
				{ring(4, 4, 6, 4, 6, 6, 4, 6, 4, 4)},
			}},
		{"antimeridian split as RFC 7946 §3.1.9 asks", `{"type":"MultiPolygon","coordinates":[[[[180,40],[180,50],[170,50],[170,40],[180,40]]],` +
			`[[[-170,40],[-170,50],[-180,50],[-180,40],[-170,40]]]]}`,
			geo.MultiPolygon{
				{ring(180, 40, 180, 50, 170, 50, 170, 40, 180, 40)},
				{ring(-170, 40, -170, 50, -180, 50, -180, 40, -170, 40)},
			}},
		{"foreign members, bbox and CRS84 accepted", `{"type":"Point","coordinates":[1,2],"bbox":[1,2,1,2],"title":"x",` +
			`"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}}}`, geo.Point{Lon: 1, Lat: 2}},
		{"members in any order", `{"coordinates":[1,2],"type":"Point"}`, geo.Point{Lon: 1, Lat: 2}},
		{"surrounding whitespace", "\n\t " + point12 + " \r\n", geo.Point{Lon: 1, Lat: 2}},
		{"byte order mark skipped", "\uFEFF" + `{"type":"Point","coordinates":[1,2]}`, geo.Point{Lon: 1, Lat: 2}},
		{"escaped member names", `{"typ\u0065":"Point","coordinates":[1,2]}`, geo.Point{Lon: 1, Lat: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeGeometry([]byte(tt.in), Limits{})
			if err != nil {
				t.Fatalf("DecodeGeometry(%s) error = %v", short(tt.in), err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeGeometry(%s) mismatch (-want +got):\n%s", short(tt.in), diff)
			}
		})
	}
}

func TestDecodeGeometryMessages(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{polygon(`[[1,2],[5,2],[5,5],[1,3]]`), "ring is not closed: first position [1, 2] differs from last [1, 3]"},
		{`{"type":"Point","coordinates":[181,0]}`, "longitude 181 out of range [-180, 180]"},
		{polygon(`[[0,0],[2,2],[2,0],[0,2],[0,0]]`), "ring self-intersects: edge 0 crosses edge 2 at about [1, 1]"},
		{polygon(square(0, 0, 10, 10), square(1, 1, 2, 2), square(20, 20, 21, 21)), "hole 2 lies outside its shell"},
		{`{"type":"Point","coordinates":[0,1e400]}`, "latitude 1e400 is too large to be a finite number"},
		{`{"type":"MultiPoint","coordinates":[[1,2]]}`, `unsupported geometry type "MultiPoint"`},
		{`{"type":"Feature","geometry":null,"properties":null}`, "expected a geometry object, got a Feature"},
		{`{"type":"polygon","coordinates":[]}`, `GeoJSON type names are case-sensitive: "Polygon"`},
		{"{\n\"type\": \"Point\"\n\"coordinates\": [1, 2]}", "at line 3, column 1"},
	}
	for _, tt := range tests {
		_, err := DecodeGeometry([]byte(tt.in), Limits{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeGeometry(%s) error = %v, want it to say %q", short(tt.in), err, tt.want)
		}
	}
}

const point12 = `{"type":"Point","coordinates":[1,2]}`

func TestDecodeFeatureInvalid(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		field string
	}{
		{"not an object", `[]`, ""},
		{"missing type", `{"geometry":` + point12 + `,"properties":{}}`, "type"},
		{"a FeatureCollection", `{"type":"FeatureCollection","features":[]}`, "type"},
		{"a bare geometry", point12, "type"},
		{"misspelt type", `{"type":"Featre","geometry":` + point12 + `,"properties":{}}`, "type"},
		{"missing geometry", `{"type":"Feature","properties":{}}`, "geometry"},
		{"null geometry", `{"type":"Feature","geometry":null,"properties":{}}`, "geometry"},
		{"geometry a string", `{"type":"Feature","geometry":"Point","properties":{}}`, "geometry"},
		{"unsupported geometry", `{"type":"Feature","geometry":{"type":"MultiPoint","coordinates":[]},"properties":{}}`, "geometry.type"},
		{"bad second position", `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[1,"2"]]},"properties":{}}`,
			"geometry.coordinates[1]"},
		{"bad ring", `{"type":"Feature","geometry":` + polygon(square(0, 0, 1, 1), square(5, 5, 6, 6)) + `,"properties":{}}`,
			"geometry.coordinates[1]"},
		{"missing properties", `{"type":"Feature","geometry":` + point12 + `}`, "properties"},
		{"properties an array", `{"type":"Feature","geometry":` + point12 + `,"properties":[]}`, "properties"},
		{"properties a number", `{"type":"Feature","geometry":` + point12 + `,"properties":2}`, "properties"},
		{"property overflowing float64", `{"type":"Feature","geometry":` + point12 + `,"properties":{"radius_m":1e999}}`, "properties.radius_m"},
		{"duplicate property", `{"type":"Feature","geometry":` + point12 + `,"properties":{"name":"a","name":"b"}}`, "properties.name"},
		{"duplicate property with a dotted name", `{"type":"Feature","geometry":` + point12 + `,"properties":{"a.b":1,"a.b":2}}`,
			`properties["a.b"]`},
		{"id an object", `{"type":"Feature","id":{},"geometry":` + point12 + `,"properties":{}}`, "id"},
		{"id a boolean", `{"type":"Feature","id":true,"geometry":` + point12 + `,"properties":{}}`, "id"},
		{"id null", `{"type":"Feature","id":null,"geometry":` + point12 + `,"properties":{}}`, "id"},
		{"coordinates on a feature", `{"type":"Feature","coordinates":[1,2],"geometry":` + point12 + `,"properties":{}}`, "coordinates"},
		{"features on a feature", `{"type":"Feature","features":[],"geometry":` + point12 + `,"properties":{}}`, "features"},
		{"crs not WGS 84", `{"type":"Feature","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"geometry":` + point12 + `,"properties":{}}`,
			"crs"},
		{"crs on the geometry", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2],"crs":{"type":"link"}},"properties":{}}`,
			"geometry.crs"},
		{"duplicate geometry", `{"type":"Feature","geometry":` + point12 + `,"geometry":` + point12 + `,"properties":{}}`, "geometry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeFeature([]byte(tt.in), Limits{})
			call := fmt.Sprintf("DecodeFeature(%s)", short(tt.in))
			if err == nil {
				t.Fatalf("%s = %+v, nil; want error with field %q", call, f, tt.field)
			}
			e := asError(t, call, err)
			if e.Code != invalidCode || e.Field != tt.field {
				t.Errorf("%s error = %q (code %s, field %q), want code %s, field %q", call, e, e.Code, e.Field, invalidCode, tt.field)
			}
		})
	}
}

func TestDecodeFeature(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Feature
	}{
		{"string id", `{"type":"Feature","id":"site-7","geometry":` + point12 + `,"properties":{"name":"Aleppo Citadel"}}`,
			Feature{ID: "site-7", Geometry: geo.Point{Lon: 1, Lat: 2}, Properties: map[string]any{"name": "Aleppo Citadel"}}},
		{"integer id keeps its digits", `{"type":"Feature","id":12345678901234567890,"geometry":` + point12 + `,"properties":{}}`,
			Feature{ID: "12345678901234567890", Geometry: geo.Point{Lon: 1, Lat: 2}, Properties: map[string]any{}}},
		{"fractional id", `{"type":"Feature","id":2.50,"geometry":` + point12 + `,"properties":{}}`,
			Feature{ID: "2.5", Geometry: geo.Point{Lon: 1, Lat: 2}, Properties: map[string]any{}}},
		{"exponent id", `{"type":"Feature","id":1e2,"geometry":` + point12 + `,"properties":{}}`,
			Feature{ID: "100", Geometry: geo.Point{Lon: 1, Lat: 2}, Properties: map[string]any{}}},
		{"null properties", `{"type":"Feature","geometry":` + point12 + `,"properties":null}`,
			Feature{Geometry: geo.Point{Lon: 1, Lat: 2}}},
		{"nested properties and foreign members", `{"type":"Feature","geometry":` + point12 +
			`,"properties":{"a":[1,"x",null],"b":{"c":true}},"centerline":{"type":"LineString","coordinates":[[-170,10],[170,11]]}}`,
			Feature{Geometry: geo.Point{Lon: 1, Lat: 2}, Properties: map[string]any{"a": []any{1.0, "x", nil}, "b": map[string]any{"c": true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeFeature([]byte(tt.in), Limits{})
			if err != nil {
				t.Fatalf("DecodeFeature(%s) error = %v", short(tt.in), err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeFeature(%s) mismatch (-want +got):\n%s", short(tt.in), diff)
			}
		})
	}
}

func feature(id, geometry string) string {
	return `{"type":"Feature","id":` + id + `,"geometry":` + geometry + `,"properties":{}}`
}

func TestDecodeFeatureCollection(t *testing.T) {
	bad7 := polygon(`[[0,0],[1,0],[2,0],[3,0],[3,1],[3,2],[3,3],[181,3],[0,0]]`)
	doc := `{"type":"FeatureCollection","name":"mixed","features":[` + strings.Join([]string{
		feature(`"a"`, point12),
		feature(`{}`, point12),
		feature(`"c"`, polygon(square(0, 0, 1, 1))),
		feature(`"d"`, bad7),
		`null`,
		feature(`"f"`, `{"type":"LineString","coordinates":[[0,0],[1,1]]}`),
	}, ",") + `]}`
	features, errs := DecodeFeatureCollection([]byte(doc), Limits{})

	var ids []string
	var indices []int
	for _, f := range features {
		ids = append(ids, f.ID)
		indices = append(indices, f.Index)
	}
	if diff := cmp.Diff([]string{"a", "c", "f"}, ids); diff != "" {
		t.Errorf("DecodeFeatureCollection(mixed) ids mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 2, 5}, indices); diff != "" {
		t.Errorf("DecodeFeatureCollection(mixed) indices mismatch (-want +got):\n%s", diff)
	}
	var fields []string
	for _, err := range errs {
		e := asError(t, "DecodeFeatureCollection(mixed)", err)
		if e.Code != invalidCode {
			t.Errorf("DecodeFeatureCollection(mixed) error %q has code %s, want %s", e, e.Code, invalidCode)
		}
		fields = append(fields, e.Field)
	}
	want := []string{"features[1].id", "features[3].geometry.coordinates[0][7]", "features[4]"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("DecodeFeatureCollection(mixed) error fields mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeFeatureCollectionStructure(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		lim   Limits
		code  safezones.Code
		field string
	}{
		{"not JSON", `{"type":"FeatureCollection","features":[}`, Limits{}, invalidCode, ""},
		{"a string", `"FeatureCollection"`, Limits{}, invalidCode, ""},
		{"a Feature", feature(`"a"`, point12), Limits{}, invalidCode, "type"},
		{"a geometry", point12, Limits{}, invalidCode, "type"},
		{"type in lower case", `{"type":"featurecollection","features":[]}`, Limits{}, invalidCode, "type"},
		{"type null", `{"type":null,"features":[]}`, Limits{}, invalidCode, "type"},
		{"duplicate type", `{"type":"FeatureCollection","type":"Feature","features":[]}`, Limits{}, invalidCode, "type"},
		{"missing features", `{"type":"FeatureCollection"}`, Limits{}, invalidCode, "features"},
		{"features an object", `{"type":"FeatureCollection","features":{}}`, Limits{}, invalidCode, "features"},
		{"properties on a collection", `{"type":"FeatureCollection","properties":{},"features":[]}`, Limits{}, invalidCode, "properties"},
		{"crs in UTM", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32632"}},"features":[]}`,
			Limits{}, invalidCode, "crs"},
		{"bbox a string", `{"type":"FeatureCollection","bbox":"x","features":[]}`, Limits{}, invalidCode, "bbox"},
		{"too many features", `{"type":"FeatureCollection","features":[` + feature("1", point12) + "," + feature("2", point12) + `]}`,
			Limits{MaxFeatures: 1}, tooLarge, "features"},
		{"too big", `{"type":"FeatureCollection","features":[]}`, Limits{MaxBytes: 10}, tooLarge, ""},
		{"too deep", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":[[[[[]]]]]}}]}`,
			Limits{MaxDepth: 6}, tooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			features, errs := DecodeFeatureCollection([]byte(tt.in), tt.lim)
			call := fmt.Sprintf("DecodeFeatureCollection(%s, %+v)", short(tt.in), tt.lim)
			if len(features) != 0 || len(errs) != 1 {
				t.Fatalf("%s = %d features, %v; want no features and one error", call, len(features), errs)
			}
			e := asError(t, call, errs[0])
			if e.Code != tt.code || e.Field != tt.field {
				t.Errorf("%s error = %q (code %s, field %q), want code %s, field %q", call, e, e.Code, e.Field, tt.code, tt.field)
			}
		})
	}
}

func TestDecodeFeatureCollectionEmpty(t *testing.T) {
	features, errs := DecodeFeatureCollection([]byte(`{"type":"FeatureCollection","features":[]}`), Limits{})
	if len(features) != 0 || errs != nil {
		t.Errorf("DecodeFeatureCollection(empty) = %v, %v; want no features and no errors", features, errs)
	}
}
