package demo

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/geo"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// decodedZone is one feature of data/zones.geojson as shipped.
type decodedZone struct {
	ID       string
	Props    zoneProperties
	Geometry geo.Geometry
}

// decodeZones reads the embedded FeatureCollection strictly: unknown
// members anywhere outside the geometry fail the test.
func decodeZones(tb testing.TB) []decodedZone {
	tb.Helper()
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string          `json:"type"`
			ID         string          `json:"id"`
			Properties zoneProperties  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	strictJSON(tb, ZonesGeoJSON(), &fc)
	if fc.Type != "FeatureCollection" {
		tb.Fatalf("data/zones.geojson type = %q, want FeatureCollection", fc.Type)
	}
	out := make([]decodedZone, len(fc.Features))
	for i, f := range fc.Features {
		if f.Type != "Feature" {
			tb.Fatalf("features[%d].type = %q, want Feature", i, f.Type)
		}
		out[i] = decodedZone{ID: f.ID, Props: f.Properties, Geometry: decodeGeometry(tb, f.ID, f.Geometry)}
	}
	return out
}

// decodeGeometry decodes a zone's geometry strictly and as is, without
// fixing winding.
func decodeGeometry(tb testing.TB, id string, raw json.RawMessage) geo.Geometry {
	tb.Helper()
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	strictJSON(tb, raw, &g)
	pt := func(c []float64) geo.Point {
		if len(c) != 2 {
			tb.Fatalf("%s: position %v, want [lon, lat]", id, c)
		}
		return geo.Point{Lon: c[0], Lat: c[1]}
	}
	pts := func(cs [][]float64) []geo.Point {
		out := make([]geo.Point, len(cs))
		for i, c := range cs {
			out[i] = pt(c)
		}
		return out
	}
	poly := func(rs [][][]float64) geo.Polygon {
		out := make(geo.Polygon, len(rs))
		for i, r := range rs {
			out[i] = pts(r)
		}
		return out
	}
	switch g.Type {
	case "Point":
		var c []float64
		strictJSON(tb, g.Coordinates, &c)
		return pt(c)
	case "LineString":
		var c [][]float64
		strictJSON(tb, g.Coordinates, &c)
		return geo.LineString(pts(c))
	case "Polygon":
		var c [][][]float64
		strictJSON(tb, g.Coordinates, &c)
		return poly(c)
	case "MultiPolygon":
		var c [][][][]float64
		strictJSON(tb, g.Coordinates, &c)
		out := make(geo.MultiPolygon, len(c))
		for i, p := range c {
			out[i] = poly(p)
		}
		return out
	}
	tb.Fatalf("%s: geometry type %q is not used by zones", id, g.Type)
	return nil
}

// strictJSON decodes b into v, failing the test on unknown members.
func strictJSON(tb testing.TB, b []byte, v any) {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		tb.Fatalf("decode %.60s...: %v", b, err)
	}
}

func zonesByID(tb testing.TB) map[string]decodedZone {
	tb.Helper()
	m := make(map[string]decodedZone)
	for _, z := range decodeZones(tb) {
		m[z.ID] = z
	}
	return m
}

func mustSyria(tb testing.TB) *boundary.Set {
	tb.Helper()
	s, err := boundary.Syria()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// polygonsOf returns the polygons of an areal zone.
func polygonsOf(g geo.Geometry) []geo.Polygon {
	switch g := g.(type) {
	case geo.Polygon:
		return []geo.Polygon{g}
	case geo.MultiPolygon:
		return g
	}
	return nil
}

func TestZonesSchema(t *testing.T) {
	parties, err := Parties()
	if err != nil {
		t.Fatal(err)
	}
	partyIDs := map[string]bool{}
	for _, p := range parties {
		partyIDs[p.ID] = true
	}
	zones := decodeZones(t)
	if len(zones) < 20 {
		t.Errorf("data/zones.geojson has %d zones, want at least 20", len(zones))
	}
	seen := map[string]bool{}
	wantGeometry := map[safezones.Kind][]string{
		safezones.KindSafeArea:      {"Polygon", "MultiPolygon"},
		safezones.KindNoFly:         {"Polygon", "MultiPolygon"},
		safezones.KindCorridor:      {"LineString"},
		safezones.KindProtectedSite: {"Point"},
	}
	for i, z := range zones {
		p := z.Props
		if !slugPattern.MatchString(z.ID) || !safezones.ValidID(z.ID) {
			t.Errorf("features[%d].id = %q, want a lowercase slug", i, z.ID)
		}
		if seen[z.ID] {
			t.Errorf("features[%d].id = %q is not unique", i, z.ID)
		}
		seen[z.ID] = true
		if !slices.Contains(wantGeometry[p.Kind], z.Geometry.Type()) {
			t.Errorf("%s: kind %q with a %s geometry", z.ID, p.Kind, z.Geometry.Type())
		}
		if p.Status != safezones.StatusProposed && p.Status != safezones.StatusActive {
			t.Errorf("%s: status %q, want proposed or active", z.ID, p.Status)
		}
		if p.ValidFrom.Year() != 2017 || p.ValidFrom.Location() != time.UTC {
			t.Errorf("%s: valid_from %v, want a UTC time in 2017", z.ID, p.ValidFrom)
		}
		// valid_to is open or far enough ahead that the demo shows the
		// zone as valid for years after it was written (no clock read here).
		if !p.ValidTo.IsZero() && p.ValidTo.Before(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: valid_to %v, want open or from 2027 on", z.ID, p.ValidTo)
		}
		if p.Description == "" {
			t.Errorf("%s: no description", z.ID)
		}
		switch p.Source.Kind {
		case safezones.SourceSimulated:
			for _, want := range []string{"Astana memorandum", "safe zones", "not an agreed or official line"} {
				if !strings.Contains(p.Source.Description, want) {
					t.Errorf("%s: simulated source description lacks %q: %q", z.ID, want, p.Source.Description)
				}
			}
			if !strings.Contains(p.Name, "scenario") {
				t.Errorf("%s: name %q of a simulated zone does not say \"scenario\"", z.ID, p.Name)
			}
			if !partyIDs[p.Sponsor] {
				t.Errorf("%s: sponsor %q is not a party", z.ID, p.Sponsor)
			}
		case safezones.SourceReal:
			if !strings.HasPrefix(z.ID, "whs-") || !strings.HasPrefix(p.Source.URL, "https://whc.unesco.org/en/list/") {
				t.Errorf("%s: only UNESCO sites have a real source, got %+v", z.ID, p.Source)
			}
			if !strings.Contains(p.Description, "scenario choice") {
				t.Errorf("%s: description does not say the radius is a scenario choice", z.ID)
			}
			if p.Sponsor != "" {
				t.Errorf("%s: a real site has sponsor %q; no party sponsored it", z.ID, p.Sponsor)
			}
		default:
			t.Errorf("%s: source kind %q, want real or simulated", z.ID, p.Source.Kind)
		}
		terms := safezones.Terms{
			Kind: p.Kind, Name: p.Name, Description: p.Description, SponsorPartyID: p.Sponsor,
			Geometry: z.Geometry, FloorM: p.FloorM, CeilingM: p.CeilingM, RadiusM: p.RadiusM,
			HalfWidthM: p.HalfWidthM, Windows: p.Windows,
			Valid:  safezones.TimeWindow{From: p.ValidFrom, To: p.ValidTo},
			Source: p.Source,
		}
		if err := terms.Validate(); err != nil {
			t.Errorf("%s: Terms.Validate() = %v", z.ID, err)
		}
	}
}

func TestZoneKindRules(t *testing.T) {
	zones := zonesByID(t)
	f := func(v float64) *float64 { return &v }
	noFly := zones["idlib-no-fly"].Props
	if diff := cmp.Diff([]*float64{f(0), f(10000)}, []*float64{noFly.FloorM, noFly.CeilingM}); diff != "" {
		t.Errorf("idlib-no-fly floor_m, ceiling_m (-want +got):\n%s", diff)
	}
	for id, z := range zones {
		switch z.Props.Kind {
		case safezones.KindProtectedSite:
			want := 300.0
			if strings.HasPrefix(id, "whs-") {
				want = 1000
			}
			if z.Props.RadiusM != want {
				t.Errorf("%s: radius_m = %v, want %v", id, z.Props.RadiusM, want)
			}
		case safezones.KindCorridor:
			ws := z.Props.Windows
			if z.Props.HalfWidthM <= 0 || len(ws) < 7 {
				t.Errorf("%s: half_width_m %v and %d windows, want a width and daily windows", id, z.Props.HalfWidthM, len(ws))
			}
			for i, w := range ws {
				if !w.To.After(w.From) || (i > 0 && w.From.Before(ws[i-1].To)) {
					t.Errorf("%s: windows[%d] = %v..%v is empty or overlaps the one before", id, i, w.From, w.To)
				}
			}
		}
	}
}

func TestZoneGeometryValid(t *testing.T) {
	for _, z := range decodeZones(t) {
		switch g := z.Geometry.(type) {
		case geo.LineString:
			if len(g) < 2 {
				t.Errorf("%s: line of %d points", z.ID, len(g))
			}
			for i := 1; i < len(g); i++ {
				if g[i] == g[i-1] {
					t.Errorf("%s: line repeats point %d", z.ID, i)
				}
			}
		case geo.Point:
		default:
			for pi, pg := range polygonsOf(g) {
				for ri, r := range pg {
					if len(r) < 4 || r[0] != r[len(r)-1] {
						t.Errorf("%s: polygon %d ring %d is not closed or too short (%d points)", z.ID, pi, ri, len(r))
						continue
					}
					if a := r.SignedArea(); (ri == 0) != (a > 0) {
						t.Errorf("%s: polygon %d ring %d has signed area %g; shells must wind CCW, holes CW", z.ID, pi, ri, a)
					}
					if i, j, bad := selfIntersection(r); bad {
						t.Errorf("%s: polygon %d ring %d: edges %d and %d intersect", z.ID, pi, ri, i, j)
					}
				}
			}
		}
	}
}

// TestZonesInsideSyria checks every zone against both outlines of package
// boundary. The fine one is the union of the OCHA governorates: every
// vertex, site centre and point of a site's circle must lie in a
// governorate (edges included), and every point along an edge in one or
// within edgeToleranceM of one (a simplified edge may cut a corner of the
// border by up to the Douglas-Peucker tolerance). The coarse one is Natural
// Earth's 1:50m outline, which is off by up to a few kilometres: every
// vertex must lie in it or within neToleranceM of it.
func TestZonesInsideSyria(t *testing.T) {
	const (
		edgeToleranceM = 600
		neToleranceM   = 5000
		stepM          = 200
	)
	s := mustSyria(t)
	country, _ := s.ByPCode("SY")
	govs := s.Areas(boundary.LevelGovernorate)
	distanceToSyria := func(p geo.Point) float64 {
		d := math.Inf(1)
		for _, a := range govs {
			for _, pg := range a.Geometry {
				for _, r := range pg {
					d = math.Min(d, geo.RingDistanceM(p, r))
				}
			}
		}
		return d
	}
	checkVertex := func(id string, p geo.Point) {
		if _, ok := s.Locate(p, boundary.LevelGovernorate); !ok {
			t.Errorf("%s: Locate(%v, 1) = false; vertex outside every governorate", id, p)
		}
		if !country.Geometry.ContainsPoint(p) {
			if d := geo.RingDistanceM(p, country.Geometry[0][0]); d > neToleranceM {
				t.Errorf("%s: vertex %v is %.0f m outside the Natural Earth outline", id, p, d)
			}
		}
	}
	checkEdges := func(id string, pts []geo.Point) {
		for i := 0; i+1 < len(pts); i++ {
			a, b := pts[i], pts[i+1]
			n := int(geo.DistanceM(a, b)/stepM) + 1
			for k := 1; k < n; k++ {
				f := float64(k) / float64(n)
				p := geo.Point{Lon: a.Lon + f*(b.Lon-a.Lon), Lat: a.Lat + f*(b.Lat-a.Lat)}
				if _, ok := s.Locate(p, boundary.LevelGovernorate); !ok {
					if d := distanceToSyria(p); d > edgeToleranceM {
						t.Errorf("%s: edge %d at %v is %.0f m outside every governorate", id, i, p, d)
					}
				}
			}
		}
	}
	for _, z := range decodeZones(t) {
		switch g := z.Geometry.(type) {
		case geo.Point:
			checkVertex(z.ID, g)
			for bearing := 0.0; bearing < 360; bearing += 22.5 {
				q := geo.Destination(g, bearing, z.Props.RadiusM)
				if _, ok := s.Locate(q, boundary.LevelGovernorate); !ok {
					t.Errorf("%s: circle point %v (bearing %v) outside every governorate", z.ID, q, bearing)
				}
			}
		case geo.LineString:
			for _, p := range g {
				checkVertex(z.ID, p)
			}
			checkEdges(z.ID, g)
		default:
			for _, pg := range polygonsOf(g) {
				for _, r := range pg {
					for _, p := range r {
						checkVertex(z.ID, p)
					}
					checkEdges(z.ID, r)
				}
			}
		}
	}
}

// centroid returns the area-weighted planar centroid of a polygon's shell.
func centroid(r geo.Ring) geo.Point {
	var a, cx, cy float64
	for i := 0; i+1 < len(r); i++ {
		c := r[i].Lon*r[i+1].Lat - r[i+1].Lon*r[i].Lat
		a += c
		cx += (r[i].Lon + r[i+1].Lon) * c
		cy += (r[i].Lat + r[i+1].Lat) * c
	}
	return geo.Point{Lon: cx / (3 * a), Lat: cy / (3 * a)}
}

// TestSafeAreaCentroids checks that each areal zone's centroid lies in the
// zone and in the governorate it is named after. (Eastern Ghouta spans the
// Duma and Rural Damascus districts, so only its governorate is checked.)
func TestSafeAreaCentroids(t *testing.T) {
	s := mustSyria(t)
	zones := zonesByID(t)
	tests := []struct {
		zone  string
		level int
		want  string
	}{
		{"idlib-safe-area", 1, "SY07"},
		{"idlib-no-fly", 1, "SY07"},
		{"eastern-ghouta-safe-area", 1, "SY03"},
		{"eastern-aleppo-safe-area", 1, "SY02"},
		{"eastern-aleppo-safe-area", 2, "SY0200"},
	}
	for _, tt := range tests {
		z, ok := zones[tt.zone]
		if !ok {
			t.Errorf("no zone %s", tt.zone)
			continue
		}
		pg := polygonsOf(z.Geometry)[0]
		c := centroid(pg[0])
		if !pg.ContainsPoint(c) {
			t.Errorf("%s: centroid %v lies outside the zone", tt.zone, c)
		}
		if got, ok := s.Locate(c, tt.level); got.PCode != tt.want {
			t.Errorf("%s: Locate(centroid %v, %d) = %s (%s), %v; want %s", tt.zone, c, tt.level, got.PCode, got.NameEN, ok, tt.want)
		}
	}
}

func TestHospitalsInsideSafeAreas(t *testing.T) {
	zones := zonesByID(t)
	places := loadPlaces(t)
	if len(scenarioHospitals) < 6 {
		t.Errorf("%d hospitals, want at least 6", len(scenarioHospitals))
	}
	for _, h := range scenarioHospitals {
		z, ok := zones[h.ID]
		if !ok {
			t.Errorf("no zone %s", h.ID)
			continue
		}
		p, ok := z.Geometry.(geo.Point)
		if !ok || z.Props.Kind != safezones.KindProtectedSite {
			t.Errorf("%s: kind %s with %T, want a protected_site Point", h.ID, z.Props.Kind, z.Geometry)
			continue
		}
		if want := places.mustGet(t, h.PCode).Point; p != want {
			t.Errorf("%s: at %v, want the OCHA point of %s, %v", h.ID, p, h.PCode, want)
		}
		if !strings.HasSuffix(z.Props.Name, "(scenario site)") {
			t.Errorf("%s: name %q does not end in \"(scenario site)\"", h.ID, z.Props.Name)
		}
		area := polygonsOf(zones[h.SafeArea].Geometry)
		if len(area) != 1 {
			t.Fatalf("%s: want one polygon", h.SafeArea)
		}
		if !area[0].ContainsPoint(p) {
			t.Errorf("%s: %s.ContainsPoint(%v) = false", h.ID, h.SafeArea, p)
		}
		if d := geo.RingDistanceM(p, area[0][0]); d < z.Props.RadiusM {
			t.Errorf("%s: %.0f m from the edge of %s, less than its radius %v m", h.ID, d, h.SafeArea, z.Props.RadiusM)
		}
	}
}

func TestGhoutaTowns(t *testing.T) {
	places := loadPlaces(t)
	ghouta := polygonsOf(zonesByID(t)["eastern-ghouta-safe-area"].Geometry)[0]
	tests := []struct {
		pcode, name string
		inside      bool
	}{
		{"C2338", "Duma", true},
		{"C2342", "Harasta", true},
		{"C2320", "Zamalka", true},
		{"C2319", "Kafr Batna", true},
		{"C2314", "Saqba", true},
		{"C2321", "Arbin", true},
		{"C2341", "Dahiet Elasad", false},
		{"C2330", "Btihet Elwafedine", false},
		{"C1001", "Damascus", false},
	}
	for _, tt := range tests {
		p := places.mustGet(t, tt.pcode)
		if p.Name != tt.name {
			t.Fatalf("place %s is %q, want %q", tt.pcode, p.Name, tt.name)
		}
		if got := ghouta.ContainsPoint(p.Point); got != tt.inside {
			t.Errorf("eastern-ghouta-safe-area.ContainsPoint(%s %v) = %v, want %v", tt.name, p.Point, got, tt.inside)
		}
	}
}

func TestCorridor(t *testing.T) {
	s := mustSyria(t)
	zones := zonesByID(t)
	places := loadPlaces(t)
	line, ok := zones["damascus-ghouta-corridor"].Geometry.(geo.LineString)
	if !ok {
		t.Fatalf("damascus-ghouta-corridor is a %T, want a LineString", zones["damascus-ghouta-corridor"].Geometry)
	}
	if got, _ := s.Locate(line[0], boundary.LevelGovernorate); got.PCode != "SY01" {
		t.Errorf("corridor starts at %v in %q, want Damascus (SY01)", line[0], got.PCode)
	}
	ghouta := polygonsOf(zones["eastern-ghouta-safe-area"].Geometry)[0]
	if end := line[len(line)-1]; !ghouta.ContainsPoint(end) {
		t.Errorf("corridor ends at %v, outside eastern-ghouta-safe-area", end)
	}
	for i := 0; i+2 < len(line); i++ {
		for k := 0; k <= 50; k++ {
			f := float64(k) / 50
			p := geo.Point{Lon: line[i].Lon + f*(line[i+1].Lon-line[i].Lon), Lat: line[i].Lat + f*(line[i+1].Lat-line[i].Lat)}
			if ghouta.ContainsPoint(p) {
				t.Errorf("corridor leg %d enters eastern-ghouta-safe-area at %v; only the last leg (al-Wafideen - Douma) should", i, p)
				break
			}
		}
	}
	wafideen := places.mustGet(t, "C2330").Point
	if d := geo.LineDistanceM(wafideen, line); d > 1 {
		t.Errorf("corridor passes %.0f m from al-Wafideen %v, want through it", d, wafideen)
	}
}

func TestHeritageSites(t *testing.T) {
	s := mustSyria(t)
	zones := zonesByID(t)
	sites := loadHeritage(t)
	if len(sites) != 6 {
		t.Fatalf("UNESCO file has %d sites, want 6", len(sites))
	}
	n := 0
	for id := range zones {
		if strings.HasPrefix(id, "whs-") {
			n++
		}
	}
	if n != 6 {
		t.Errorf("%d whs- zones, want 6", n)
	}
	for _, site := range sites {
		id := heritageIDs[site.UnescoID]
		z, ok := zones[id]
		if !ok {
			t.Errorf("no zone for UNESCO property %d (%s)", site.UnescoID, site.Name)
			continue
		}
		if z.Geometry != site.Point || z.Props.Source.URL != site.URL || z.Props.Source.Kind != safezones.SourceReal {
			t.Errorf("%s = %v, %+v; want the UNESCO record's point %v and url %s, source real", id, z.Geometry, z.Props.Source, site.Point, site.URL)
		}
		got, _ := s.Locate(site.Point, boundary.LevelGovernorate)
		var names []string
		for _, name := range strings.Split(site.Governorate, " / ") {
			names = append(names, name)
			if a, ok := s.ByName(name, boundary.LevelGovernorate); ok && a.PCode == got.PCode {
				names = nil
				break
			}
		}
		if names != nil {
			t.Errorf("%s: Locate(%v, 1) = %s (%s), want one of %q", id, site.Point, got.PCode, got.NameEN, names)
		}
	}
}

func TestStatuses(t *testing.T) {
	count := map[safezones.Status]int{}
	for _, z := range decodeZones(t) {
		count[z.Props.Status]++
		if got := InitialStatus(z.ID); got != z.Props.Status {
			t.Errorf("InitialStatus(%q) = %q, want %q", z.ID, got, z.Props.Status)
		}
	}
	if count[safezones.StatusActive] == 0 || count[safezones.StatusProposed] == 0 {
		t.Errorf("statuses %v, want both active and proposed zones", count)
	}
	want := map[string]safezones.Status{
		"idlib-safe-area":          safezones.StatusActive,
		"eastern-ghouta-safe-area": safezones.StatusActive,
		"eastern-aleppo-safe-area": safezones.StatusProposed,
		"whs-site-of-palmyra":      safezones.StatusActive,
		"no-such-zone":             "",
		"":                         "",
	}
	for id, st := range want {
		if got := InitialStatus(id); got != st {
			t.Errorf("InitialStatus(%q) = %q, want %q", id, got, st)
		}
	}
}

func TestParties(t *testing.T) {
	var strict []safezones.Party
	strictJSON(t, partiesJSON, &strict)
	ps, err := Parties()
	if err != nil {
		t.Fatalf("Parties() error: %v", err)
	}
	if diff := cmp.Diff(strict, ps); diff != "" {
		t.Errorf("Parties() differs from the file (-file +Parties):\n%s", diff)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
		if !slugPattern.MatchString(p.ID) || !safezones.ValidID(p.ID) {
			t.Errorf("party id %q is not a lowercase slug", p.ID)
		}
		if p.Name == "" || !p.Kind.Valid() || p.Kind == safezones.PartyArmedGroup {
			t.Errorf("party %s: name %q kind %q; want a name and a kind other than armed_group", p.ID, p.Name, p.Kind)
		}
		if p.Kind == safezones.PartyState && !regexp.MustCompile(`^[A-Z]{3}$`).MatchString(p.Country) {
			t.Errorf("party %s: state with country %q, want ISO 3166-1 alpha-3", p.ID, p.Country)
		}
		wantSource := safezones.SourceReal
		if p.ID == "monitor-cell" {
			wantSource = safezones.SourceSimulated
		}
		if p.Source.Kind != wantSource || !strings.Contains(p.Source.Description, "simulated") && wantSource == safezones.SourceReal {
			t.Errorf("party %s: source %+v, want kind %s and a description saying its actions are simulated", p.ID, p.Source, wantSource)
		}
		if !p.CreatedAt.IsZero() {
			t.Errorf("party %s: created_at %v, want it left to the store", p.ID, p.CreatedAt)
		}
	}
	wantIDs := []string{"syria", "russia", "usa", "turkey", "iran", "saudi-arabia", "qatar", "uae", "un-ocha", "syria-civil-defence", "monitor-cell"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("party ids (-want +got):\n%s", diff)
	}
}

func TestZonesGeoJSONIsACopy(t *testing.T) {
	a := ZonesGeoJSON()
	a[0] = 'X'
	if b := ZonesGeoJSON(); b[0] != '{' {
		t.Errorf("ZonesGeoJSON() changed after the caller wrote to an earlier result")
	}
}
