package demo

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/geo"
)

// This file is the scenario definition: TestZonesFileIsGenerated builds
// data/zones.geojson from it and fails when the shipped file differs;
// -update rewrites the file.

var update = flag.Bool("update", false, "rewrite data/zones.geojson from the scenario definition")

// zoneProperties is the properties schema of data/zones.geojson.
type zoneProperties struct {
	Name        string                 `json:"name"`
	Kind        safezones.Kind         `json:"kind"`
	Description string                 `json:"description"`
	Sponsor     string                 `json:"sponsor,omitempty"`
	FloorM      *float64               `json:"floor_m,omitempty"`
	CeilingM    *float64               `json:"ceiling_m,omitempty"`
	RadiusM     float64                `json:"radius_m,omitempty"`
	HalfWidthM  float64                `json:"half_width_m,omitempty"`
	ValidFrom   time.Time              `json:"valid_from"`
	ValidTo     time.Time              `json:"valid_to,omitzero"`
	Windows     []safezones.TimeWindow `json:"windows,omitempty"`
	Status      safezones.Status       `json:"status"`
	Source      safezones.Source       `json:"source"`
}

// scenarioZone is one feature of the file.
type scenarioZone struct {
	ID       string
	Props    zoneProperties
	Geometry geo.Geometry
}

const (
	// scenarioNote ends the description of every simulated zone.
	scenarioNote = "Scenario approximation inspired by the Astana memorandum on de-escalation areas (4 May 2017) and the Trump administration's 2017 talk of \"safe zones\"; not an agreed or official line, and not a claim about what any party did."

	// idlibToleranceDeg is the Douglas-Peucker tolerance for the Idlib
	// outline: 0.005 degrees, about 450 m east-west and 550 m north-south
	// at 36° N.
	idlibToleranceDeg = 0.005

	hospitalRadiusM = 300
	heritageRadiusM = 1000
	corridorHalfM   = 500
)

// memorandumInForce is when the Astana memorandum's areas were to come into
// effect (6 May 2017): the scenario's valid_from for every zone.
var memorandumInForce = time.Date(2017, 5, 6, 0, 0, 0, 0, time.UTC)

// scenarioHospitals are the protected sites placed at OCHA populated-place
// points (testdata/syr_admin4_places.geojson) inside a safe area.
var scenarioHospitals = []struct {
	ID, PCode, SafeArea string
}{
	{"hospital-idleb", "C3871", "idlib-safe-area"},
	{"hospital-kafr-nobol", "C4068", "idlib-safe-area"},
	{"hospital-saraqab", "C3916", "idlib-safe-area"},
	{"hospital-maarrat-an-numan", "C3985", "idlib-safe-area"},
	{"hospital-ariha", "C4278", "idlib-safe-area"},
	{"hospital-duma", "C2338", "eastern-ghouta-safe-area"},
	{"hospital-harasta", "C2342", "eastern-ghouta-safe-area"},
	{"hospital-arbin", "C2321", "eastern-ghouta-safe-area"},
	{"hospital-kafr-batna", "C2319", "eastern-ghouta-safe-area"},
}

// corridorStops are the OCHA populated-place points the corridor's line
// joins, in order: Damascus, Dahiet al-Assad, al-Wafideen (Btihet
// Elwafedine) and Douma.
var corridorStops = []string{"C1001", "C2341", "C2330", "C2338"}

// heritageIDs names the zone of each UNESCO World Heritage property by its
// UNESCO id.
var heritageIDs = map[int]string{
	20:   "whs-ancient-city-of-damascus",
	22:   "whs-ancient-city-of-bosra",
	23:   "whs-site-of-palmyra",
	21:   "whs-ancient-city-of-aleppo",
	1229: "whs-crac-des-chevaliers",
	1348: "whs-ancient-villages-of-northern-syria",
}

// Hand-drawn outlines, [lon, lat], counter-clockwise and closed.
var (
	// easternGhouta encloses Douma, Harasta, Misraba, Arbin, Zamalka, Ein
	// Terma, Hammura, Kafr Batna, Saqba, Jisrein and Eftreis (OCHA
	// populated places) and leaves out Dahiet al-Assad and al-Wafideen. Its
	// northern edge keeps about a kilometre south of the corridor's
	// Dahiet al-Assad - al-Wafideen leg, so the corridor enters it only on
	// the leg from al-Wafideen to Douma.
	easternGhouta = [][2]float64{
		{36.3450, 33.5080}, {36.3900, 33.5000}, {36.4300, 33.5050}, {36.4700, 33.5200},
		{36.4800, 33.5500}, {36.4500, 33.5800}, {36.4100, 33.5850}, {36.3800, 33.5780},
		{36.3550, 33.5650}, {36.3450, 33.5400}, {36.3450, 33.5080},
	}
	// easternAleppo follows, roughly, the eastern half of Aleppo city
	// (from Salah al-Din and Bustan al-Qasr in the west to Masakin Hanano
	// in the east, Sheikh Saeed in the south to Haydariyeh in the north).
	easternAleppo = [][2]float64{
		{37.1330, 36.1830}, {37.1450, 36.1650}, {37.1650, 36.1560}, {37.1850, 36.1720},
		{37.2000, 36.1950}, {37.2050, 36.2200}, {37.1950, 36.2380}, {37.1750, 36.2330},
		{37.1620, 36.2100}, {37.1480, 36.1950}, {37.1330, 36.1830},
	}
)

func TestZonesFileIsGenerated(t *testing.T) {
	zones := buildScenario(t)
	got, err := encodeZones(zones)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("data/zones.geojson", got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote data/zones.geojson: %d zones, %d bytes", len(zones), len(got))
		return
	}
	if !bytes.Equal(got, ZonesGeoJSON()) {
		t.Errorf("data/zones.geojson differs from the scenario definition; run\n\tgo test ./demo -run TestZonesFileIsGenerated -update\nand review the diff")
	}
}

// buildScenario returns every zone of the scenario in file order.
func buildScenario(tb testing.TB) []scenarioZone {
	tb.Helper()
	places := loadPlaces(tb)
	idlib, idlibFrom := idlibRing(tb)
	var zs []scenarioZone
	add := func(id string, g geo.Geometry, p zoneProperties) {
		if p.ValidFrom.IsZero() {
			p.ValidFrom = memorandumInForce
		}
		zs = append(zs, scenarioZone{ID: id, Props: p, Geometry: g})
	}
	simulated := func(how string) safezones.Source {
		return safezones.Source{Kind: safezones.SourceSimulated, Description: how + " " + scenarioNote}
	}

	idlibHow := fmt.Sprintf("Derived from the OCHA ADM1 polygon of Idleb governorate (SY07, COD v02, CC BY-IGO 3.0, \"OCHA / UN Cartographic Section\"), simplified with Douglas-Peucker at %g degrees (about 500 m) from %d to %d vertices.",
		idlibToleranceDeg, idlibFrom, len(idlib))
	add("idlib-safe-area", geo.Polygon{idlib}, zoneProperties{
		Name:        "Idlib safe area (scenario)",
		Kind:        safezones.KindSafeArea,
		Description: "Scenario safe area over Idlib governorate, modelled on the northern de-escalation area of the Astana memorandum, which in reality also took in parts of Latakia, Hama and Aleppo. " + idlibHow,
		Sponsor:     "turkey",
		Status:      safezones.StatusActive,
		Source:      simulated(idlibHow),
	})
	add("eastern-aleppo-safe-area", ringPolygon(easternAleppo), zoneProperties{
		Name:        "Eastern Aleppo safe area (scenario proposal)",
		Kind:        safezones.KindSafeArea,
		Description: "Scenario proposal for a safe area over the eastern districts of Aleppo city. The Astana memorandum of May 2017 drew no area in Aleppo city; this one stands for the safe-zone proposals of the time and stays proposed.",
		Sponsor:     "usa",
		ValidTo:     time.Date(2027, 5, 6, 0, 0, 0, 0, time.UTC),
		Status:      safezones.StatusProposed,
		Source:      simulated("A plausible outline of eastern Aleppo city drawn by hand for the demo, not traced from any map of front lines or agreement."),
	})
	add("eastern-ghouta-safe-area", ringPolygon(easternGhouta), zoneProperties{
		Name:        "Eastern Ghouta safe area (scenario)",
		Kind:        safezones.KindSafeArea,
		Description: "Scenario safe area over eastern Ghouta, after the de-escalation area of the Astana memorandum: Douma, Harasta, Arbin, Zamalka, Kafr Batna, Saqba and the towns between them.",
		Sponsor:     "russia",
		Status:      safezones.StatusActive,
		Source:      simulated("A plausible outline drawn by hand for the demo around the OCHA populated-place points of Douma, Harasta, Arbin, Zamalka, Kafr Batna and Saqba, not traced from any map of front lines or agreement."),
	})
	floor, ceiling := 0.0, 10000.0
	add("idlib-no-fly", geo.Polygon{idlib}, zoneProperties{
		Name:        "Idlib no-fly zone (scenario)",
		Kind:        safezones.KindNoFly,
		Description: "Scenario no-fly zone over the Idlib safe area, from the ground (0 m) to 10,000 m above mean sea level, with the same outline as the Idlib safe area. No such zone was agreed in 2017. " + idlibHow,
		Sponsor:     "russia",
		FloorM:      &floor,
		CeilingM:    &ceiling,
		Status:      safezones.StatusActive,
		Source:      simulated(idlibHow),
	})

	var line geo.LineString
	var stopNames []string
	for _, code := range corridorStops {
		p := places.mustGet(tb, code)
		line = append(line, p.Point)
		stopNames = append(stopNames, fmt.Sprintf("%s (%s)", p.Name, p.PCode))
	}
	add("damascus-ghouta-corridor", line, zoneProperties{
		Name:        "Damascus - eastern Ghouta humanitarian corridor via al-Wafideen (scenario)",
		Kind:        safezones.KindCorridor,
		Description: "Scenario humanitarian corridor from Damascus to Douma through the al-Wafideen checkpoint, open for daily convoy windows from 08:00 to 16:00 Damascus time (05:00-13:00 UTC) during the first two weeks of the de-escalation area.",
		Sponsor:     "un-ocha",
		HalfWidthM:  corridorHalfM,
		Windows:     dailyWindows(memorandumInForce, 14, 5*time.Hour, 13*time.Hour),
		Status:      safezones.StatusActive,
		Source:      simulated("A straight-segment line joining the OCHA populated-place points " + strings.Join(stopNames, ", ") + " (coordinates rounded to 6 decimals); the half-width and the windows are scenario choices."),
	})

	nameOf := map[string]string{}
	for _, z := range zs {
		nameOf[z.ID] = strings.TrimSuffix(z.Props.Name, " (scenario)")
	}
	for _, h := range scenarioHospitals {
		p := places.mustGet(tb, h.PCode)
		add(h.ID, p.Point, zoneProperties{
			Name:        fmt.Sprintf("Hospital in %s (scenario site)", p.Name),
			Kind:        safezones.KindProtectedSite,
			Description: fmt.Sprintf("Scenario hospital in %s, inside the %s (%s). It is placed at the town's populated-place point, not at any real hospital.", p.Name, nameOf[h.SafeArea], h.SafeArea),
			Sponsor:     "un-ocha",
			RadiusM:     hospitalRadiusM,
			Status:      safezones.StatusActive,
			Source: simulated(fmt.Sprintf("Placed at the OCHA populated-place point of %s (PCODE %s, OCHA COD 2015, CC BY-IGO, coordinates rounded to 6 decimals); the hospital, its %d m radius and its status are scenario choices.",
				p.Name, p.PCode, hospitalRadiusM)),
		})
	}

	for _, s := range loadHeritage(tb) {
		id, ok := heritageIDs[s.UnescoID]
		if !ok {
			tb.Fatalf("UNESCO property %d (%s) has no zone id", s.UnescoID, s.Name)
		}
		add(id, s.Point, zoneProperties{
			Name: s.Name + " (UNESCO World Heritage)",
			Kind: safezones.KindProtectedSite,
			Description: fmt.Sprintf("UNESCO World Heritage property %d, inscribed %d, on the List of World Heritage in Danger since %s; cultural property under the 1954 Hague Convention. The point is the property's reference point, not its boundary. The %d m protective radius and the active status are scenario choices, not a UNESCO or treaty boundary.",
				s.UnescoID, s.Inscribed, s.InDangerSince, heritageRadiusM),
			RadiusM: heritageRadiusM,
			Status:  safezones.StatusActive,
			Source: safezones.Source{
				Kind:        safezones.SourceReal,
				Description: "UNESCO World Heritage List (whc.unesco.org); reference point from the French Wikipedia list \"Liste du patrimoine mondial en Syrie\", DMS converted to decimal degrees. The radius is a scenario choice.",
				URL:         s.URL,
			},
		})
	}
	return zs
}

// idlibRing returns the simplified outer ring of Idleb governorate and the
// vertex count it was simplified from.
func idlibRing(tb testing.TB) (geo.Ring, int) {
	tb.Helper()
	s, err := boundary.Syria()
	if err != nil {
		tb.Fatal(err)
	}
	a, ok := s.ByPCode("SY07")
	if !ok || len(a.Geometry) != 1 || len(a.Geometry[0]) != 1 {
		tb.Fatalf("SY07: want one polygon without holes, got %d polygons", len(a.Geometry))
	}
	shell := a.Geometry[0][0]
	r := make(orb.Ring, len(shell))
	for i, p := range shell {
		r[i] = orb.Point{p.Lon, p.Lat}
	}
	r = simplify.DouglasPeucker(idlibToleranceDeg).Ring(r)
	out := make(geo.Ring, len(r))
	for i, p := range r {
		out[i] = geo.Point{Lon: p[0], Lat: p[1]}
	}
	if out[0] != out[len(out)-1] || out.SignedArea() <= 0 {
		tb.Fatalf("simplified Idlib ring is not closed and counter-clockwise")
	}
	if i, j, bad := selfIntersection(out); bad {
		tb.Fatalf("simplified Idlib ring crosses itself: edges %d and %d", i, j)
	}
	return out, len(shell)
}

// ringPolygon makes a one-ring polygon from [lon, lat] pairs.
func ringPolygon(pts [][2]float64) geo.Polygon {
	r := make(geo.Ring, len(pts))
	for i, p := range pts {
		r[i] = geo.Point{Lon: p[0], Lat: p[1]}
	}
	return geo.Polygon{r}
}

// dailyWindows returns n daily windows from day+from to day+to.
func dailyWindows(day time.Time, n int, from, to time.Duration) []safezones.TimeWindow {
	ws := make([]safezones.TimeWindow, n)
	for i := range ws {
		d := day.AddDate(0, 0, i)
		ws[i] = safezones.TimeWindow{From: d.Add(from), To: d.Add(to)}
	}
	return ws
}

// selfIntersection reports two non-adjacent edges of a closed ring that
// share a point.
func selfIntersection(r geo.Ring) (int, int, bool) {
	n := len(r) - 1 // edges
	for i := range n {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // the first and last edges meet at the closing vertex
			}
			if geo.SegmentsIntersect(r[i], r[i+1], r[j], r[j+1]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// encodeZones writes the FeatureCollection: properties indented, each
// geometry on one line.
func encodeZones(zs []scenarioZone) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n  \"type\": \"FeatureCollection\",\n  \"features\": [\n")
	for i, z := range zs {
		id, err := json.Marshal(z.ID)
		if err != nil {
			return nil, err
		}
		props, err := json.MarshalIndent(z.Props, "      ", "  ")
		if err != nil {
			return nil, fmt.Errorf("zone %s: %w", z.ID, err)
		}
		geom, err := json.Marshal(struct {
			Type        string `json:"type"`
			Coordinates any    `json:"coordinates"`
		}{z.Geometry.Type(), safezones.Coordinates(z.Geometry)})
		if err != nil {
			return nil, fmt.Errorf("zone %s: %w", z.ID, err)
		}
		fmt.Fprintf(&b, "    {\n      \"type\": \"Feature\",\n      \"id\": %s,\n      \"properties\": %s,\n      \"geometry\": %s\n    }", id, props, geom)
		if i < len(zs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes(), nil
}

// place is an OCHA populated place from testdata/syr_admin4_places.geojson.
type place struct {
	PCode, Name, Admin1 string
	Point               geo.Point // rounded to 6 decimals
}

type places map[string]place

func (ps places) mustGet(tb testing.TB, code string) place {
	tb.Helper()
	p, ok := ps[code]
	if !ok {
		tb.Fatalf("testdata/syr_admin4_places.geojson has no place %s", code)
	}
	return p
}

func loadPlaces(tb testing.TB) places {
	tb.Helper()
	var fc struct {
		Features []struct {
			Properties struct {
				PCode  string `json:"PCODE"`
				Name   string `json:"NAME_EN"`
				Admin1 string `json:"ADMIN1_COD"`
			} `json:"properties"`
			Geometry struct {
				Type        string       `json:"type"`
				Coordinates [][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	readJSON(tb, "testdata/syr_admin4_places.geojson", &fc)
	out := make(places, len(fc.Features))
	for i, f := range fc.Features {
		if f.Geometry.Type != "MultiPoint" || len(f.Geometry.Coordinates) != 1 || f.Properties.PCode == "" {
			tb.Fatalf("places: features[%d]: want a PCODE and a one-point MultiPoint", i)
		}
		c := f.Geometry.Coordinates[0]
		p := place{
			PCode:  f.Properties.PCode,
			Name:   f.Properties.Name,
			Admin1: f.Properties.Admin1,
			Point:  geo.Point{Lon: round6(c[0]), Lat: round6(c[1])},
		}
		out[p.PCode] = p
	}
	return out
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// heritageSite is one record of the UNESCO World Heritage file.
type heritageSite struct {
	Name, URL, InDangerSince, Governorate string
	UnescoID, Inscribed                   int
	Point                                 geo.Point
}

func loadHeritage(tb testing.TB) []heritageSite {
	tb.Helper()
	var fc struct {
		Features []struct {
			Properties struct {
				Name          string `json:"name"`
				URL           string `json:"unesco_url"`
				InDangerSince string `json:"in_danger_since"`
				Governorate   string `json:"governorate"`
				UnescoID      int    `json:"unesco_id"`
				Inscribed     int    `json:"inscribed"`
			} `json:"properties"`
			Geometry struct {
				Type        string     `json:"type"`
				Coordinates [2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	readJSON(tb, "testdata/syria_unesco_world_heritage.geojson", &fc)
	out := make([]heritageSite, 0, len(fc.Features))
	for i, f := range fc.Features {
		p := f.Properties
		if f.Geometry.Type != "Point" || p.Name == "" || p.URL == "" || p.UnescoID == 0 {
			tb.Fatalf("heritage: features[%d]: want a Point with name, unesco_url and unesco_id", i)
		}
		out = append(out, heritageSite{
			Name: p.Name, URL: p.URL, InDangerSince: p.InDangerSince, Governorate: p.Governorate,
			UnescoID: p.UnescoID, Inscribed: p.Inscribed,
			Point: geo.Point{Lon: f.Geometry.Coordinates[0], Lat: f.Geometry.Coordinates[1]},
		})
	}
	return out
}

// readJSON decodes the file at path into v.
func readJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("decode %s: %v", path, err)
	}
}
