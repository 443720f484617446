package boundary

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/safezones/safezones/geo"
)

// Small hand-made files in the layout of the shipped ones.
const (
	testCountry = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"NAME":"Testland","ISO_A2":"TL"},
		"geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}}]}`
	// The governorate's shell winds clockwise and its hole counter-
	// clockwise: load must reverse both.
	testGovernorates = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ADM1_PCODE":"TL01","ADM1_EN":"North","ADM1_AR":"شمال","adm0_pcode":"TL","adm0_name1":"تستلاند"},
		"geometry":{"type":"Polygon","coordinates":[[[0,0],[0,10],[10,10],[10,0],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]}}]}`
	testDistricts = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"PCODE":"TL0100","NAME_EN":"North Centre","NAME_ARA":"","ADMIN1_COD":"TL01"},
		"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[5,0],[5,5],[0,5],[0,0]]],[[[5,5],[10,5],[10,10],[5,10],[5,5]]]]}}]}`
)

var testFiles = [levelCount]string{"adm0.geojson", "adm1.geojson", "adm2.geojson"}

func testFS(adm0, adm1, adm2 string) fstest.MapFS {
	return fstest.MapFS{
		testFiles[0]: {Data: []byte(adm0)},
		testFiles[1]: {Data: []byte(adm1)},
		testFiles[2]: {Data: []byte(adm2)},
	}
}

func TestLoadNormalisesWinding(t *testing.T) {
	s, err := load(testFS(testCountry, testGovernorates, testDistricts), testFiles)
	if err != nil {
		t.Fatalf("load() error: %v", err)
	}
	north, ok := s.ByPCode("TL01")
	if !ok {
		t.Fatal(`ByPCode("TL01") = false`)
	}
	want := geo.MultiPolygon{{
		ring(0, 0, 10, 0, 10, 10, 0, 10, 0, 0),
		ring(4, 4, 4, 6, 6, 6, 6, 4, 4, 4),
	}}
	if diff := cmp.Diff(want, north.Geometry); diff != "" {
		t.Errorf("TL01 geometry (-want +got):\n%s", diff)
	}
	country, _ := s.ByPCode("TL")
	if country.NameAR != "تستلاند" {
		t.Errorf("country NameAR = %q, want the ADM1 file's adm0_name1", country.NameAR)
	}
	tests := []struct {
		name  string
		p     geo.Point
		level int
		want  string
	}{
		{"inside the shell", geo.Point{Lon: 1, Lat: 1}, 1, "TL01"},
		{"in the hole", geo.Point{Lon: 5, Lat: 5}, 1, ""},
		{"on the hole's edge", geo.Point{Lon: 4, Lat: 5}, 1, "TL01"},
		{"on the shell's corner", geo.Point{Lon: 10, Lat: 10}, 1, "TL01"},
		{"just outside", geo.Point{Lon: 10.000001, Lat: 5}, 1, ""},
		{"second polygon of a MultiPolygon", geo.Point{Lon: 7, Lat: 7}, 2, "TL0100"},
		{"between the two polygons", geo.Point{Lon: 7, Lat: 2}, 2, ""},
		{"shared corner of the two polygons", geo.Point{Lon: 5, Lat: 5}, 2, "TL0100"},
	}
	for _, tt := range tests {
		got, ok := s.Locate(tt.p, tt.level)
		if got.PCode != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: Locate(%v, %d) = %q, %v; want %q", tt.name, tt.p, tt.level, got.PCode, ok, tt.want)
		}
	}
}

func TestLoadRejectsBrokenData(t *testing.T) {
	replace := func(s, old, new string) string {
		if !strings.Contains(s, old) {
			panic("test fixture lacks " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		wantErr string
	}{
		{"missing file", fstest.MapFS{testFiles[0]: {Data: []byte(testCountry)}}, "read boundaries"},
		{"not JSON", testFS(testCountry, "{", testDistricts), "decode adm1.geojson"},
		{"not a FeatureCollection", testFS(testCountry, `{"type":"Feature","features":[]}`, testDistricts), `type "Feature", want FeatureCollection`},
		{"a feature of the wrong type", testFS(testCountry, replace(testGovernorates, `{"type":"Feature",`, `{"type":"Polygon",`), testDistricts), `features[0]: type "Polygon", want Feature`},
		{"no geometry", testFS(testCountry, testGovernorates, replace(testDistricts, `"geometry":{"type":"MultiPolygon"`, `"geometri":{"type":"MultiPolygon"`)), "geometry: missing"},
		{"coordinates of the wrong shape", testFS(testCountry, testGovernorates, replace(testDistricts, `"coordinates":[[[[0,0],[5,0],[5,5],[0,5],[0,0]]],[[[5,5],[10,5],[10,10],[5,10],[5,5]]]]`, `"coordinates":[[[0,0],[5,0],[5,5],[0,5],[0,0]]]`)), "geometry.coordinates: json"},
		{"position of one number", testFS(replace(testCountry, "[[[0,0],[10,0]", "[[[0],[10,0]"), testGovernorates, testDistricts), "coordinates[0][0]: position has 1 numbers"},
		{"no features", testFS(testCountry, `{"type":"FeatureCollection","features":[]}`, testDistricts), "no features"},
		{"ring not closed", testFS(testCountry, replace(testGovernorates, "[10,0],[0,0]]", "[10,0],[0,1]]"), testDistricts), "features[0]: TL01 (North): geometry.coordinates[0]: ring not closed"},
		{"short ring", testFS(testCountry, testGovernorates, replace(testDistricts, "[[[[0,0],[5,0],[5,5],[0,5],[0,0]]]", "[[[[0,0],[5,0],[0,0]]]")), "coordinates[0][0]: ring has 3 positions"},
		{"ring without area", testFS(replace(testCountry, "[[[0,0],[10,0],[10,10],[0,10],[0,0]]]", "[[[0,0],[10,0],[5,0],[0,0]]]"), testGovernorates, testDistricts), "ring has no area"},
		{"latitude out of range", testFS(testCountry, testGovernorates, replace(testDistricts, "[10,10],[5,10]", "[10,100],[5,10]")), "coordinates[1][0][2]: position [10, 100] out of range"},
		{"a LineString", testFS(replace(testCountry, `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}`, `{"type":"LineString","coordinates":[[0,0],[1,1]]}`), testGovernorates, testDistricts), `type "LineString", want Polygon or MultiPolygon`},
		{"no PCode", testFS(testCountry, replace(testGovernorates, `"ADM1_PCODE":"TL01"`, `"ADM1_PCODE":""`), testDistricts), "no PCode"},
		{"no English name", testFS(testCountry, testGovernorates, replace(testDistricts, `"NAME_EN":"North Centre"`, `"NAME_EN":" "`)), "TL0100 has no English name"},
		{"unknown parent", testFS(testCountry, testGovernorates, replace(testDistricts, `"ADMIN1_COD":"TL01"`, `"ADMIN1_COD":"TL02"`)), `parent "TL02" is not a level 1 area`},
		{"parent at the wrong level", testFS(testCountry, testGovernorates, replace(testDistricts, `"ADMIN1_COD":"TL01"`, `"ADMIN1_COD":"TL"`)), `parent "TL" is not a level 1 area`},
		{"duplicate PCode", testFS(testCountry, testGovernorates, replace(testDistricts, `"PCODE":"TL0100"`, `"PCODE":"TL01"`)), `duplicate PCode "TL01"`},
		{"duplicate name", testFS(testCountry, replace(testGovernorates, `}]}`, `},{"type":"Feature","properties":{"ADM1_PCODE":"TL02","ADM1_EN":"NORTH","adm0_pcode":"TL"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`), testDistricts), `TL01 and TL02 share the name "NORTH"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := load(tt.fsys, testFiles)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("load() = %v, %v; want an error containing %q", s, err, tt.wantErr)
			}
		})
	}
}

// ring builds a geo.Ring from lon, lat pairs.
func ring(lonLat ...float64) geo.Ring {
	r := make(geo.Ring, 0, len(lonLat)/2)
	for i := 0; i+1 < len(lonLat); i += 2 {
		r = append(r, geo.Point{Lon: lonLat[i], Lat: lonLat[i+1]})
	}
	return r
}
