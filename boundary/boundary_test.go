package boundary

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/safezones/safezones/geo"
)

// mustSyria returns the embedded set or stops the test.
func mustSyria(tb testing.TB) *Set {
	tb.Helper()
	s, err := Syria()
	if err != nil {
		tb.Fatalf("Syria() error: %v", err)
	}
	return s
}

// place is one ADM4 populated place of a testdata file.
type place struct {
	PCode, Name, Admin1, Admin2 string
	Point                       geo.Point
}

// loadPlaces reads an ADM4 subset from testdata, keyed by PCODE.
func loadPlaces(tb testing.TB, name string) (map[string]place, []place) {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				PCode  string `json:"PCODE"`
				Name   string `json:"NAME_EN"`
				Admin1 string `json:"ADMIN1_COD"`
				Admin2 string `json:"ADMIN2_COD"`
			} `json:"properties"`
			Geometry struct {
				Type        string       `json:"type"`
				Coordinates [][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
	byCode := make(map[string]place, len(fc.Features))
	list := make([]place, 0, len(fc.Features))
	for i, f := range fc.Features {
		if f.Geometry.Type != "MultiPoint" || len(f.Geometry.Coordinates) != 1 || f.Properties.PCode == "" {
			tb.Fatalf("%s: features[%d]: want a PCODE and a one-point MultiPoint", name, i)
		}
		c := f.Geometry.Coordinates[0]
		p := place{
			PCode:  f.Properties.PCode,
			Name:   f.Properties.Name,
			Admin1: f.Properties.Admin1,
			Admin2: f.Properties.Admin2,
			Point:  geo.Point{Lon: c[0], Lat: c[1]},
		}
		byCode[p.PCode] = p
		list = append(list, p)
	}
	return byCode, list
}

func TestGovernorates(t *testing.T) {
	s := mustSyria(t)
	govs := s.Areas(LevelGovernorate)
	if len(govs) != 14 {
		t.Fatalf("Areas(1) has %d governorates, want 14", len(govs))
	}
	for i, a := range govs {
		if want := fmt.Sprintf("SY%02d", i+1); a.PCode != want {
			t.Errorf("Areas(1)[%d].PCode = %q, want %q (distinct SY01..SY14 in order)", i, a.PCode, want)
		}
		if a.Level != LevelGovernorate || a.ParentPCode != "SY" || a.NameEN == "" || a.NameAR == "" {
			t.Errorf("Areas(1)[%d] = {PCode %s, NameEN %q, NameAR %q, Level %d, Parent %q}, want level 1, parent SY, both names",
				i, a.PCode, a.NameEN, a.NameAR, a.Level, a.ParentPCode)
		}
	}
}

func TestDistrictParents(t *testing.T) {
	s := mustSyria(t)
	districts := s.Areas(LevelDistrict)
	if len(districts) != 61 {
		t.Errorf("Areas(2) has %d districts, want 61", len(districts))
	}
	perGov := map[string]int{}
	for _, d := range districts {
		p, ok := s.ByPCode(d.ParentPCode)
		if !ok || p.Level != LevelGovernorate {
			t.Errorf("district %s (%s): ByPCode(%q) = level %d, %v; want an existing governorate", d.PCode, d.NameEN, d.ParentPCode, p.Level, ok)
		}
		if !strings.HasPrefix(d.PCode, d.ParentPCode) {
			t.Errorf("district %s (%s): PCode does not extend its parent %s", d.PCode, d.NameEN, d.ParentPCode)
		}
		perGov[d.ParentPCode]++
	}
	for _, g := range s.Areas(LevelGovernorate) {
		if perGov[g.PCode] == 0 {
			t.Errorf("governorate %s (%s) has no districts", g.PCode, g.NameEN)
		}
	}
}

func TestCountry(t *testing.T) {
	s := mustSyria(t)
	cs := s.Areas(LevelCountry)
	if len(cs) != 1 {
		t.Fatalf("Areas(0) has %d areas, want 1", len(cs))
	}
	c := cs[0]
	if c.PCode != "SY" || c.NameEN != "Syria" || c.NameAR == "" || c.ParentPCode != "" {
		t.Errorf("country = {PCode %q, NameEN %q, NameAR %q, Parent %q}, want SY, Syria, an Arabic name, no parent", c.PCode, c.NameEN, c.NameAR, c.ParentPCode)
	}
}

func TestRingsNormalised(t *testing.T) {
	s := mustSyria(t)
	for level := range levelCount {
		for _, a := range s.Areas(level) {
			if len(a.Geometry) == 0 {
				t.Errorf("%s: empty geometry", a.PCode)
			}
			if a.Bound != a.Geometry.Bound() {
				t.Errorf("%s: Bound = %v, want %v", a.PCode, a.Bound, a.Geometry.Bound())
			}
			for i, pg := range a.Geometry {
				for j, r := range pg {
					if len(r) < 4 || r[0] != r[len(r)-1] {
						t.Errorf("%s polygon %d ring %d: %d points, first %v last %v: not closed", a.PCode, i, j, len(r), r[0], r[len(r)-1])
					}
					if area := r.SignedArea(); (j == 0) != (area > 0) {
						t.Errorf("%s polygon %d ring %d: signed area %g: shells must wind CCW, holes CW", a.PCode, i, j, area)
					}
				}
			}
		}
	}
}

func TestLocateNamedPlaces(t *testing.T) {
	s := mustSyria(t)
	// Coordinates from testdata/syr_admin4_named.geojson (OCHA populated
	// places, 2015), unless the case gives its own.
	named, _ := loadPlaces(t, "syr_admin4_named.geojson")
	beirut := geo.Point{Lon: 35.5018, Lat: 33.8938} // approximate city centres
	amman := geo.Point{Lon: 35.9284, Lat: 31.9454}
	tests := []struct {
		name  string
		adm4  string    // PCODE in the named file, or
		point geo.Point // an explicit point
		level int
		want  string // PCode, "" for no area
	}{
		{name: "Aleppo city", adm4: "C1007", level: 1, want: "SY02"},
		{name: "Aleppo city, issue 2 coordinates", point: geo.Point{Lon: 37.1343, Lat: 36.2021}, level: 1, want: "SY02"},
		{name: "Damascus", adm4: "C1001", level: 1, want: "SY01"},
		{name: "Damascus, issue 2 coordinates", point: geo.Point{Lon: 36.2765, Lat: 33.5138}, level: 1, want: "SY01"},
		{name: "Idleb city", adm4: "C3871", level: 1, want: "SY07"},
		{name: "Ma'arrat An Nu'man", adm4: "C3985", level: 1, want: "SY07"},
		{name: "Homs", adm4: "C2528", level: 1, want: "SY04"},
		{name: "Hama", adm4: "C2987", level: 1, want: "SY05"},
		{name: "Douma", adm4: "C2338", level: 1, want: "SY03"},
		{name: "Harasta", adm4: "C2342", level: 1, want: "SY03"},
		{name: "Ar-Raqqa", adm4: "C5710", level: 1, want: "SY11"},
		{name: "Deir-ez-Zor", adm4: "C5086", level: 1, want: "SY09"},
		{name: "Lattakia", adm4: "C3480", level: 1, want: "SY06"},
		{name: "Safita, Tartous inland", adm4: "C5472", level: 1, want: "SY10"},
		{name: "Arwad island, Tartous's second polygon", adm4: "C5257", level: 1, want: "SY10"},
		{name: "Dar'a", adm4: "C5993", level: 1, want: "SY12"},
		// The ADM4 point of Tartous city lies 274 m seaward of the ADM1 v02
		// coastline, which is generalised: a real limit of the data.
		{name: "Tartous city, seaward of the coastline", adm4: "C5221", level: 1, want: ""},
		{name: "Beirut, outside Syria", point: beirut, level: 1, want: ""},
		{name: "Amman, outside Syria", point: amman, level: 1, want: ""},
		{name: "Mediterranean off Latakia", point: geo.Point{Lon: 35.5, Lat: 35.5}, level: 1, want: ""},
		{name: "Aleppo city in Jebel Saman district", adm4: "C1007", level: 2, want: "SY0200"},
		{name: "Douma in Duma district", adm4: "C2338", level: 2, want: "SY0302"},
		{name: "Idleb city in Idleb district", adm4: "C3871", level: 2, want: "SY0700"},
		{name: "Ma'arrat An Nu'man in Al Ma'ra district", adm4: "C3985", level: 2, want: "SY0702"},
		{name: "Arwad island in Tartous district", adm4: "C5257", level: 2, want: "SY1000"},
		{name: "Damascus in Damascus district", adm4: "C1001", level: 2, want: "SY0100"},
		{name: "Damascus in the country", adm4: "C1001", level: 0, want: "SY"},
		{name: "Beirut not in the country", point: beirut, level: 0, want: ""},
		{name: "unknown level", adm4: "C1001", level: 3, want: ""},
		{name: "negative level", adm4: "C1001", level: -1, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.point
			if tt.adm4 != "" {
				pl, ok := named[tt.adm4]
				if !ok {
					t.Fatalf("testdata has no place %s", tt.adm4)
				}
				p = pl.Point
				// The test's expectation agrees with OCHA's own record.
				if tt.want != "" && tt.level == 1 && pl.Admin1 != tt.want {
					t.Fatalf("place %s %s: record says ADMIN1 %s, test wants %s", pl.PCode, pl.Name, pl.Admin1, tt.want)
				}
			}
			got, ok := s.Locate(p, tt.level)
			if got.PCode != tt.want || ok != (tt.want != "") {
				t.Errorf("Locate(%v, %d) = %s (%s), %v; want %q", p, tt.level, got.PCode, got.NameEN, ok, tt.want)
			}
		})
	}
}

func TestLocateBoundaryAndOverlap(t *testing.T) {
	s := mustSyria(t)
	dam, _ := s.ByPCode("SY01")
	rural, _ := s.ByPCode("SY03")
	idleb, _ := s.ByPCode("SY07")
	aleppo, _ := s.ByPCode("SY02")

	t.Run("vertex of a shell is inside", func(t *testing.T) {
		p := dam.Geometry[0][0][7]
		if got, ok := s.Locate(p, 1); !ok || got.PCode != "SY01" {
			t.Errorf("Locate(%v, 1) = %s, %v; want SY01 (boundary counts as inside)", p, got.PCode, ok)
		}
	})
	t.Run("edge midpoint of a shell is inside", func(t *testing.T) {
		a, b := idleb.Geometry[0][0][100], idleb.Geometry[0][0][101]
		p := geo.Point{Lon: (a.Lon + b.Lon) / 2, Lat: (a.Lat + b.Lat) / 2}
		if !idleb.Geometry.ContainsPoint(p) {
			t.Skipf("midpoint %v rounds off the edge", p)
		}
		if got, ok := s.Locate(p, 1); !ok {
			t.Errorf("Locate(%v, 1) = %s, %v; want a governorate", p, got.PCode, ok)
		}
	})
	t.Run("Damascus is a hole of Rural Damascus", func(t *testing.T) {
		p := geo.Point{Lon: 36.29128, Lat: 33.5102}
		if rural.Geometry.ContainsPoint(p) {
			t.Errorf("SY03.Geometry.ContainsPoint(%v) = true, want false (in its hole)", p)
		}
	})
	t.Run("shared border point goes to the lowest PCode", func(t *testing.T) {
		found := false
		for _, p := range idleb.Geometry[0][0] {
			if aleppo.Geometry.ContainsPoint(p) {
				found = true
				if got, ok := s.Locate(p, 1); !ok || got.PCode != "SY02" {
					t.Errorf("Locate(%v, 1) = %s, %v; want SY02 (lowest PCode of SY02, SY07)", p, got.PCode, ok)
				}
			}
		}
		if !found {
			t.Fatal("no Idleb vertex lies in Aleppo: expected shared border points")
		}
	})
	t.Run("point on Damascus border with Rural Damascus", func(t *testing.T) {
		for _, p := range dam.Geometry[0][0] {
			if rural.Geometry.ContainsPoint(p) {
				if got, ok := s.Locate(p, 1); !ok || got.PCode != "SY01" {
					t.Errorf("Locate(%v, 1) = %s, %v; want SY01", p, got.PCode, ok)
				}
				return
			}
		}
		t.Fatal("no Damascus vertex lies on Rural Damascus: expected the hole to share its edge")
	})
}

// TestADM4Agreement checks a random sample of OCHA populated places against
// the governorate their own record names. The two datasets are different
// releases (2015 points, 2020 boundaries): some points near the borders and
// the coast lie just outside every governorate polygon. A point agrees when
// Locate finds the governorate its record names, or when it lies in no
// governorate and within borderToleranceM of the one named; at least 99%
// must agree. The strict rate (Locate alone) is logged and must stay at or
// above 98.5%: it was 98.80% on this sample (99.09% on all 5,251 places)
// when the test was written.
func TestADM4Agreement(t *testing.T) {
	const borderToleranceM = 1000
	s := mustSyria(t)
	_, places := loadPlaces(t, "syr_admin4_sample.geojson")
	if len(places) != 1000 {
		t.Fatalf("sample has %d places, want 1000", len(places))
	}
	var strict, tolerant, wrong, district int
	var disagreements []string
	for _, p := range places {
		got, ok := s.Locate(p.Point, LevelGovernorate)
		if d, ok := s.Locate(p.Point, LevelDistrict); ok && d.PCode == p.Admin2 {
			district++
		}
		switch {
		case ok && got.PCode == p.Admin1:
			strict++
			tolerant++
			continue
		case ok:
			wrong++
		}
		named, found := s.ByPCode(p.Admin1)
		if !found {
			t.Fatalf("place %s names governorate %q, which does not exist", p.PCode, p.Admin1)
		}
		dist := distanceToAreaM(p.Point, named)
		if !ok && dist <= borderToleranceM {
			tolerant++
		}
		disagreements = append(disagreements, fmt.Sprintf("%s %q at %v: record %s, Locate(p, 1) = %q, %v; %.0f m from %s",
			p.PCode, p.Name, p.Point, p.Admin1, got.PCode, ok, dist, p.Admin1))
	}
	n := float64(len(places))
	t.Logf("strict agreement %d/%d (%.2f%%); within %d m %d/%d (%.2f%%); in another governorate %d; district agreement %.2f%%",
		strict, len(places), 100*float64(strict)/n, borderToleranceM, tolerant, len(places), 100*float64(tolerant)/n, wrong, 100*float64(district)/n)
	list := strings.Join(disagreements, "\n")
	if float64(tolerant)/n < 0.99 || float64(strict)/n < 0.985 {
		t.Errorf("agreement below 99%% (within %d m) or 98.5%% (strict); disagreements:\n%s", borderToleranceM, list)
	} else {
		t.Logf("disagreements:\n%s", list)
	}
}

// distanceToAreaM returns the distance in metres from p to a's edges.
func distanceToAreaM(p geo.Point, a Area) float64 {
	d := math.Inf(1)
	for _, pg := range a.Geometry {
		for _, r := range pg {
			d = math.Min(d, geo.RingDistanceM(p, r))
		}
	}
	return d
}

func TestByName(t *testing.T) {
	s := mustSyria(t)
	tests := []struct {
		name  string
		level int
		want  string
	}{
		{"Idleb", 1, "SY07"},
		{"IDLEB", 1, "SY07"},
		{"Idlib", 1, "SY07"},
		{"Idlib Governorate", 1, "SY07"},
		{"Aleppo", 1, "SY02"},
		{"aleppo", 1, "SY02"},
		{"Deir-ez-Zor", 1, "SY09"},
		{"Deir ez Zor Governorate", 1, "SY09"},
		{"Dar'a", 1, "SY12"},
		{"Daraa Governorate", 1, "SY12"},
		{"Rural Damascus", 1, "SY03"},
		{"Rif Dimashq Governorate", 1, "SY03"},
		{"Ar Raqqah Governorate", 1, "SY11"},
		{"Hamah Governorate", 1, "SY05"},
		{"Al Hasakah Governorate", 1, "SY08"},
		{"Latakia Governorate", 1, "SY06"},
		{"As Suwayda Governorate", 1, "SY13"},
		{"Tartus Governorate", 1, "SY10"},
		{"Quneitra Governorate", 1, "SY14"},
		{"Homs Governorate", 1, "SY04"},
		{"Damascus Governorate", 1, "SY01"},
		{"Jebel Saman", 2, "SY0200"},
		{"jebel saman district", 2, "SY0200"},
		{"Duma", 2, "SY0302"},
		{"Idleb", 2, "SY0700"},
		{"Al Ma'ra", 2, "SY0702"},
		{"Syria", 0, "SY"},
		{"Syrian Arab Republic", 0, "SY"},
		{"Jebel Saman", 1, ""},
		{"Atlantis", 1, ""},
		{"", 1, ""},
		{"Governorate", 1, ""},
		{"Idleb", 3, ""},
	}
	for _, tt := range tests {
		got, ok := s.ByName(tt.name, tt.level)
		if got.PCode != tt.want || ok != (tt.want != "") {
			t.Errorf("ByName(%q, %d) = %s, %v; want %q", tt.name, tt.level, got.PCode, ok, tt.want)
		}
	}
}

func TestByPCode(t *testing.T) {
	s := mustSyria(t)
	tests := []struct {
		code      string
		wantName  string
		wantLevel int
	}{
		{"SY", "Syria", 0},
		{"SY01", "Damascus", 1},
		{"SY10", "Tartous", 1},
		{"SY0200", "Jebel Saman", 2},
		{"SY0302", "Duma", 2},
		{"sy01", "", 0},
		{"SY99", "", 0},
		{"", "", 0},
	}
	for _, tt := range tests {
		got, ok := s.ByPCode(tt.code)
		if got.NameEN != tt.wantName || got.Level != tt.wantLevel || ok != (tt.wantName != "") {
			t.Errorf("ByPCode(%q) = %q level %d, %v; want %q level %d", tt.code, got.NameEN, got.Level, ok, tt.wantName, tt.wantLevel)
		}
	}
	tartous, _ := s.ByPCode("SY10")
	if len(tartous.Geometry) != 2 {
		t.Errorf("ByPCode(SY10) has %d polygons, want 2 (mainland and Arwad)", len(tartous.Geometry))
	}
}

func TestAreasIsACopy(t *testing.T) {
	s := mustSyria(t)
	a := s.Areas(LevelGovernorate)
	a[0].PCode = "changed"
	if b := s.Areas(LevelGovernorate); b[0].PCode != "SY01" {
		t.Errorf("Areas(1)[0].PCode = %q after the caller changed its copy, want SY01", b[0].PCode)
	}
	if got := s.Areas(3); got != nil {
		t.Errorf("Areas(3) = %d areas, want nil", len(got))
	}
}

func TestGeoJSON(t *testing.T) {
	s := mustSyria(t)
	for level, name := range syriaFiles {
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got := s.GeoJSON(level)
		if !bytes.Equal(got, want) {
			t.Errorf("GeoJSON(%d) = %d bytes, want the %d bytes of %s", level, len(got), len(want), name)
		}
		got[0] = 'X'
		if again := s.GeoJSON(level); again[0] != '{' {
			t.Errorf("GeoJSON(%d) changed after the caller wrote to an earlier result", level)
		}
	}
	for _, level := range []int{-1, 3} {
		if got := s.GeoJSON(level); got != nil {
			t.Errorf("GeoJSON(%d) = %d bytes, want nil", level, len(got))
		}
	}
}

func TestSyriaIsCached(t *testing.T) {
	a, b := mustSyria(t), mustSyria(t)
	if a != b {
		t.Errorf("Syria() returned two different sets")
	}
}

func BenchmarkLocate(b *testing.B) {
	s := mustSyria(b)
	named, _ := loadPlaces(b, "syr_admin4_named.geojson")
	_, sample := loadPlaces(b, "syr_admin4_sample.geojson")
	pts := make([]geo.Point, len(sample))
	for i, p := range sample {
		pts[i] = p.Point
	}
	for _, bc := range []struct {
		name  string
		pts   []geo.Point
		level int
	}{
		{"governorate/aleppo", []geo.Point{named["C1007"].Point}, 1},
		{"governorate/sample", pts, 1},
		{"district/sample", pts, 2},
		{"country/sample", pts, 0},
		{"governorate/outside", []geo.Point{{Lon: 35.5018, Lat: 33.8938}}, 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.Locate(bc.pts[i%len(bc.pts)], bc.level)
				i++
			}
		})
	}
}

// TestIndexMatchesGeo checks that the banded index gives exactly
// geo.MultiPolygon.ContainsPoint's answer: at every vertex, at edge
// midpoints and at random points in each area's bounding box.
func TestIndexMatchesGeo(t *testing.T) {
	s := mustSyria(t)
	rng := rand.New(rand.NewPCG(2017, 5))
	for level := range levelCount {
		for i, a := range s.levels[level] {
			idx := &s.index[level][i]
			var pts []geo.Point
			for _, pg := range a.Geometry {
				for _, r := range pg {
					for j := 0; j+1 < len(r); j += 9 {
						pts = append(pts, r[j], geo.Point{Lon: (r[j].Lon + r[j+1].Lon) / 2, Lat: (r[j].Lat + r[j+1].Lat) / 2})
					}
				}
			}
			for range 500 {
				pts = append(pts, geo.Point{
					Lon: a.Bound.Min.Lon + rng.Float64()*(a.Bound.Max.Lon-a.Bound.Min.Lon),
					Lat: a.Bound.Min.Lat + rng.Float64()*(a.Bound.Max.Lat-a.Bound.Min.Lat),
				})
			}
			pts = append(pts, a.Bound.Min, a.Bound.Max, geo.Point{Lon: a.Bound.Min.Lon - 1, Lat: a.Bound.Min.Lat})
			for _, p := range pts {
				if got, want := idx.containsPoint(p), a.Geometry.ContainsPoint(p); got != want {
					t.Errorf("%s: index.containsPoint(%v) = %v, geo.MultiPolygon.ContainsPoint = %v", a.PCode, p, got, want)
				}
			}
		}
	}
}
