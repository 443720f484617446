package geojson

import (
	"os"
	"slices"
	"testing"
)

// syriaADM1 is the copy the boundary package embeds (one copy in the repo).
const syriaADM1 = "../boundary/data/syr_admin1_ocha_cod_v02.geojson"

// TestDecodeSyriaADM1 decodes the OCHA Syria governorates: a real boundary
// file with thousands of positions per ring, a hole (Damascus inside Rural
// Damascus), a MultiPolygon (Tartous and its island) and a CRS84 "crs".
func TestDecodeSyriaADM1(t *testing.T) {
	data, err := os.ReadFile(syriaADM1)
	if err != nil {
		t.Fatal(err)
	}
	features, errs := DecodeFeatureCollection(data, Limits{})
	if len(errs) > 0 || len(features) != 14 {
		t.Fatalf("DecodeFeatureCollection(%s) = %d features, errors %v; want 14 features, no errors", syriaADM1, len(features), errs)
	}
	var pcodes []string
	types := map[string]int{}
	for _, f := range features {
		pcodes = append(pcodes, f.Properties["ADM1_PCODE"].(string))
		types[f.Geometry.Type()]++
		if bad := checkGeometry(f.Geometry); len(bad) > 0 {
			t.Errorf("feature %v: %v", f.Properties["ADM1_EN"], bad)
		}
	}
	slices.Sort(pcodes)
	want := []string{"SY01", "SY02", "SY03", "SY04", "SY05", "SY06", "SY07", "SY08", "SY09", "SY10", "SY11", "SY12", "SY13", "SY14"}
	if !slices.Equal(pcodes, want) {
		t.Errorf("DecodeFeatureCollection(%s) pcodes = %v, want %v", syriaADM1, pcodes, want)
	}
	if types["Polygon"] != 13 || types["MultiPolygon"] != 1 {
		t.Errorf("DecodeFeatureCollection(%s) geometry types = %v, want 13 Polygon and 1 MultiPolygon", syriaADM1, types)
	}
}

func BenchmarkDecodeSyriaADM1(b *testing.B) {
	data, err := os.ReadFile(syriaADM1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		features, errs := DecodeFeatureCollection(data, Limits{})
		if len(features) != 14 || errs != nil {
			b.Fatalf("DecodeFeatureCollection = %d features, %v", len(features), errs)
		}
	}
}
