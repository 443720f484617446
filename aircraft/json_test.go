package aircraft

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

func TestDecodeAircraftJSONSample(t *testing.T) {
	data, err := os.ReadFile("testdata/claws_aircraft.json")
	if err != nil {
		t.Fatal(err)
	}
	l, err := DecodeAircraftJSON(data)
	if err != nil {
		t.Fatalf("DecodeAircraftJSON(sample): %v", err)
	}
	now := time.Unix(1633214709, 0).UTC()
	if !l.Now.Equal(now) || l.Entries != 2 || l.NoPosition != 1 || len(l.Errors) != 0 || len(l.Aircraft) != 1 {
		t.Fatalf("DecodeAircraftJSON(sample) = now %v, %d entries, %d without position, errors %v, %d aircraft; want %v, 2, 1, none, 1",
			l.Now, l.Entries, l.NoPosition, l.Errors, len(l.Aircraft), now)
	}
	a := l.Aircraft[0]
	if a.Index != 1 || a.Callsign != "RXA4362" || a.Squawk != "4023" || !a.HasAltGeom || a.AltGeomFt != 7300 {
		t.Errorf("aircraft = %+v", a)
	}
	want := fence.Update{ObjectID: "icao:7C495B", Point: geo.Point{Lon: 138.264509, Lat: -34.909653},
		Time: now.Add(-2400 * time.Millisecond), AltM: 7650 * 0.3048, HasAlt: true,
		SpeedMS: 156 * 1852.0 / 3600, HeadingDeg: 269.6, HasVelocity: true}
	if diff := cmp.Diff(want, a.Update(), cmp.Comparer(func(x, y float64) bool { return math.Abs(x-y) < 1e-9 })); diff != "" {
		t.Errorf("Update() (-want +got):\n%s", diff)
	}
}

func TestDecodeAircraftJSONEntries(t *testing.T) {
	doc := `{"now":1633214709.5,"aircraft":[
	 {"hex":"~7c495b","alt_baro":"ground","alt_geom":150,"gs":3,"track":12,"lat":-34.9,"lon":138.5,"seen_pos":0.5},
	 {"hex":"7c495c","lat":"abc","lon":1},
	 {"hex":"7c495d","lat":10,"lon":200},
	 {"hex":"7c495e","alt_baro":"high","lat":1,"lon":2},
	 {"hex":"zz","lat":1,"lon":2},
	 {"lat":1,"lon":2},
	 {"hex":"7c495f","lat":1},
	 17,
	 {"hex":"7c4960","flight":5,"lat":1,"lon":2},
	 {"hex":"7c4961","lat":1,"lon":2,"seen_pos":-1},
	 {"hex":"7c4962","gs":300,"lat":null,"lon":null},
	 {"hex":"7c4963","alt_baro":35000,"gs":450,"lat":1,"lon":2}
	]}`
	l, err := DecodeAircraftJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, e := range l.Errors {
		errs = append(errs, e.Error())
	}
	wantErrs := []string{
		`aircraft[1].lat: "abc" is not a number`,
		`aircraft[2].lon: 200 is out of range [-180, 180]`,
		`aircraft[3].alt_baro: "high" is neither a number nor "ground"`,
		`aircraft[4].hex: "zz" is not a 6-digit hex address`,
		`aircraft[5].hex: missing`,
		`aircraft[6].lon: missing while lat is set`,
		`aircraft[7]: not an object with the fields of aircraft.json`,
		`aircraft[8].flight: 5 is not a string`,
		`aircraft[9].seen_pos: -1 is out of range [0, 1e+06]`,
	}
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if l.NoPosition != 1 || len(l.Aircraft) != 2 || l.Entries != 12 {
		t.Fatalf("NoPosition %d, %d aircraft, %d entries; want 1, 2, 12", l.NoPosition, len(l.Aircraft), l.Entries)
	}
	ground := l.Aircraft[0].Update()
	if ground.ObjectID != "icao:~7C495B" || ground.HasAlt || !ground.Time.Equal(time.UnixMilli(1633214709000).UTC()) {
		t.Errorf("ground aircraft = %+v, want no altitude and time now - 0.5 s", ground)
	}
	if u := l.Aircraft[1].Update(); u.HasVelocity || !u.HasAlt || u.AltM != 35000*0.3048 || l.Aircraft[1].Index != 11 {
		t.Errorf("aircraft[11] = %+v: gs without track is no velocity; altitude in metres", u)
	}
}

func TestDecodeAircraftJSONDocumentErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not JSON", `{"now":`, "aircraft.json: "},
		{"no now", `{"aircraft":[]}`, "now: missing"},
		{"now a string", `{"now":"x","aircraft":[]}`, `now: "x" is not a number`},
		{"now negative", `{"now":-5,"aircraft":[]}`, "now: -5 is not a Unix time"},
		{"no aircraft", `{"now":1}`, "aircraft: missing"},
		{"aircraft an object", `{"now":1,"aircraft":{}}`, "aircraft: not an array"},
		{"too deep", `{"now":1,"aircraft":[` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `]}`, "nested deeper than 16"},
		{"too large", `{"now":1,"aircraft":[],"pad":"` + strings.Repeat("x", MaxAircraftJSONBytes) + `"}`, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeAircraftJSON([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeAircraftJSON(%.60q) error = %v, want %q", tt.doc, err, tt.want)
			}
		})
	}
}
