package incidents

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// testSource is the fictional source of the hand-made test reports.
var testSource = Source{ID: "test-monitor", Name: "Hand-made test monitor (fictional)", Kind: SourceMonitor, Grade: GradeF}

// baseReport is a valid plain report body as ordered members, for tests
// that change one member at a time.
var baseReport = [][2]string{
	{"source", `{"id":"test-monitor","name":"Hand-made test monitor (fictional)","kind":"monitor","grade":"F"}`},
	{"source_event_id", `"TM-1"`},
	{"event_type", `"air_strike"`},
	{"time", `{"from":"2019-05-05T06:00:00Z","to":"2019-05-05T07:00:00Z"}`},
	{"place", `{"lon":36.5611,"lat":35.6139}`},
	{"radius_m", `500`},
	{"casualties", `[{"category":"killed","min":1,"best":2,"max":3,"source":"witness"},` +
		`{"category":"injured","min":1,"best":1,"max":1,"source":"witness"},` +
		`{"category":"killed_children","min":0,"best":0,"max":0,"source":"witness"}]`},
	{"happened", `"plausible"`},
	{"summary", `"HAND-MADE TEST REPORT, not a real event."`},
}

// plainWith returns baseReport with members set: key, raw JSON value
// pairs; an empty value removes the member, a new key is added last.
func plainWith(set ...string) string { return objectWith(baseReport, set...) }

// baseProperties is baseReport without its place, for a Feature.
var baseProperties = slices.DeleteFunc(slices.Clone(baseReport), func(m [2]string) bool { return m[0] == "place" })

// featureWith returns a valid Feature with its members set as plainWith
// does, and then its properties' members set by props.
func featureWith(set []string, props ...string) string {
	base := [][2]string{
		{"type", `"Feature"`},
		{"geometry", `{"type":"Point","coordinates":[36.5611,35.6139]}`},
		{"properties", objectWith(baseProperties, props...)},
	}
	return objectWith(base, set...)
}

func objectWith(base [][2]string, set ...string) string {
	members := slices.Clone(base)
	for i := 0; i+1 < len(set); i += 2 {
		j := slices.IndexFunc(members, func(m [2]string) bool { return m[0] == set[i] })
		switch {
		case j < 0:
			members = append(members, [2]string{set[i], set[i+1]})
		case set[i+1] == "":
			members = slices.Delete(members, j, j+1)
		default:
			members[j][1] = set[i+1]
		}
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(m[0]) + ":" + m[1])
	}
	b.WriteByte('}')
	return b.String()
}

// figures returns a JSON array of n figures; categories repeat past nine,
// which is checked only once the count is known to be within limits.
func figures(n int) string {
	var fs []string
	for i := range n {
		fs = append(fs, `{"category":"`+string(Categories[i%len(Categories)])+`","min":0,"best":0,"max":0,"source":"s"}`)
	}
	return "[" + strings.Join(fs, ",") + "]"
}

func TestDecodeSubmissionInvalid(t *testing.T) {
	long := func(n int) string { return strconv.Quote(strings.Repeat("x", n)) }
	actors := func(n int) string { return "[" + strings.Repeat(`"a",`, n-1) + `"a"]` }
	deep := `{"summary":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`
	tests := []struct {
		name  string
		in    string
		code  safezones.Code
		field string
	}{
		// The body as a whole.
		{"empty", ``, safezones.CodeInvalid, "$"},
		{"white space", " \n\t", safezones.CodeInvalid, "$"},
		{"not JSON", `source: x`, safezones.CodeInvalid, "$"},
		{"an array", `[{}]`, safezones.CodeInvalid, "$"},
		{"a string", `"report"`, safezones.CodeInvalid, "$"},
		{"data after the object", plainWith() + ` {}`, safezones.CodeInvalid, "$"},
		{"cut short inside source", `{"source":{"id":"test-monitor",`, safezones.CodeInvalid, "source"},
		{"syntax error in a figure", plainWith("casualties", `[{"category":"killed",}]`), safezones.CodeInvalid, "casualties[0]"},
		{"too large", plainWith("summary", long(MaxSubmissionBytes)), safezones.CodeTooLarge, ""},
		{"too deep", deep, safezones.CodeInvalid, "$"},
		// Members.
		{"unknown member", plainWith("sourse", `{}`), safezones.CodeInvalid, "sourse"},
		{"unknown member with a dot", plainWith("a.b", `1`), safezones.CodeInvalid, `["a.b"]`},
		{"member twice", plainWith()[:len(plainWith())-1] + `,"event_type":"shelling"}`, safezones.CodeInvalid, "event_type"},
		{"member in the wrong case", plainWith("Source", `{}`), safezones.CodeInvalid, "Source"},
		{"type on a plain report", plainWith("type", `"FeatureCollection"`), safezones.CodeInvalid, "type"},
		{"line as a string", plainWith("line", `"3"`), safezones.CodeInvalid, "line"},
		// source
		{"source as a string", plainWith("source", `"test-monitor"`), safezones.CodeInvalid, "source"},
		{"no source id", plainWith("source", `{"name":"x"}`), safezones.CodeInvalid, "source.id"},
		{"source id not a slug", plainWith("source", `{"id":"Test Monitor"}`), safezones.CodeInvalid, "source.id"},
		{"source id too long", plainWith("source", `{"id":`+long(65)+`}`), safezones.CodeInvalid, "source.id"},
		{"source kind", plainWith("source", `{"id":"x","kind":"blog"}`), safezones.CodeInvalid, "source.kind"},
		{"source grade", plainWith("source", `{"id":"x","grade":"G"}`), safezones.CodeInvalid, "source.grade"},
		{"source unknown member", plainWith("source", `{"id":"x","url":"u"}`), safezones.CodeInvalid, "source.url"},
		{"source name with NUL", plainWith("source", `{"id":"x","name":"a\u0000b"}`), safezones.CodeInvalid, "source.name"},
		// source_event_id
		{"event id control", plainWith("source_event_id", `"TM\u0007"`), safezones.CodeInvalid, "source_event_id"},
		{"event id too long", plainWith("source_event_id", long(129)), safezones.CodeInvalid, "source_event_id"},
		{"event id spaces", plainWith("source_event_id", `" 42"`), safezones.CodeInvalid, "source_event_id"},
		{"event id number", plainWith("source_event_id", `42`), safezones.CodeInvalid, "source_event_id"},
		// event_type
		{"no event type", plainWith("event_type", ""), safezones.CodeInvalid, "event_type"},
		{"unknown event type", plainWith("event_type", `"bombing"`), safezones.CodeInvalid, "event_type"},
		// time
		{"no time", plainWith("time", ""), safezones.CodeInvalid, "time"},
		{"no from", plainWith("time", `{"to":"2019-05-05T07:00:00Z"}`), safezones.CodeInvalid, "time.from"},
		{"no to", plainWith("time", `{"from":"2019-05-05T07:00:00Z"}`), safezones.CodeInvalid, "time.to"},
		{"date only", plainWith("time", `{"from":"2019-05-05","to":"2019-05-06T00:00:00Z"}`), safezones.CodeInvalid, "time.from"},
		{"to before from", plainWith("time", `{"from":"2019-05-05T07:00:00Z","to":"2019-05-05T06:00:00Z"}`), safezones.CodeInvalid, "time.to"},
		{"empty interval", plainWith("time", `{"from":"2019-05-05T10:00:00+03:00","to":"2019-05-05T07:00:00Z"}`), safezones.CodeInvalid, "time.to"},
		{"time unknown member", plainWith("time", `{"from":"2019-05-05T06:00:00Z","to":"2019-05-05T07:00:00Z","zone":"EEST"}`), safezones.CodeInvalid, "time.zone"},
		{"time precision scheme", plainWith("time_precision", `{"scheme":"ucdp_where_prec","code":1}`), safezones.CodeInvalid, "time_precision.scheme"},
		{"precision code without scheme", plainWith("time_precision", `{"code":1}`), safezones.CodeInvalid, "time_precision.scheme"},
		// place
		{"no place", plainWith("place", ""), safezones.CodeInvalid, "place"},
		{"place as an array", plainWith("place", `[36.5,35.6]`), safezones.CodeInvalid, "place"},
		{"no lat", plainWith("place", `{"lon":36.5}`), safezones.CodeInvalid, "place.lat"},
		{"lon beyond 180", plainWith("place", `{"lon":180.5,"lat":35}`), safezones.CodeInvalid, "place.lon"},
		{"lat below -90", plainWith("place", `{"lon":36,"lat":-90.01}`), safezones.CodeInvalid, "place.lat"},
		{"lat not finite", plainWith("place", `{"lon":36,"lat":1e400}`), safezones.CodeInvalid, "place.lat"},
		{"lon as a string", plainWith("place", `{"lon":"36.5","lat":35}`), safezones.CodeInvalid, "place.lon"},
		{"negative radius", plainWith("radius_m", `-1`), safezones.CodeInvalid, "radius_m"},
		{"radius too large", plainWith("radius_m", `1000001`), safezones.CodeInvalid, "radius_m"},
		{"place precision code", plainWith("place_precision", `{"scheme":"ucdp_where_prec","code":8}`), safezones.CodeInvalid, "place_precision.code"},
		// casualties
		{"misspelt figure member", plainWith("casualties", `[{"category":"killed","min":1,"best":1,"max":1,"source":"s"},`+
			`{"category":"injured","min":1,"best":1,"max":1,"source":"s"},{"category":"killed_children","min":0,"bset":1,"max":1,"source":"s"}]`),
			safezones.CodeInvalid, "casualties[2].bset"},
		{"figure category", plainWith("casualties", `[{"category":"killed","min":1,"best":1,"max":1,"source":"s"},{"category":"wounded","min":1,"best":1,"max":1,"source":"s"}]`), safezones.CodeInvalid, "casualties[1].category"},
		{"figure without category", plainWith("casualties", `[{"min":1,"best":1,"max":1,"source":"s"}]`), safezones.CodeInvalid, "casualties[0].category"},
		{"figure without max", plainWith("casualties", `[{"category":"killed","min":1,"best":1,"source":"s"}]`), safezones.CodeInvalid, "casualties[0].max"},
		{"min above best", plainWith("casualties", `[{"category":"killed","min":3,"best":2,"max":4,"source":"s"}]`), safezones.CodeInvalid, "casualties[0].min"},
		{"max below best", plainWith("casualties", `[{"category":"killed","min":1,"best":5,"max":4,"source":"s"}]`), safezones.CodeInvalid, "casualties[0].max"},
		{"negative min", plainWith("casualties", `[{"category":"killed","min":-1,"best":2,"max":4,"source":"s"}]`), safezones.CodeInvalid, "casualties[0].min"},
		{"fractional best", plainWith("casualties", `[{"category":"killed","min":1,"best":2.5,"max":4,"source":"s"}]`), safezones.CodeInvalid, "casualties[0].best"},
		{"figure without source", plainWith("casualties", `[{"category":"killed","min":1,"best":2,"max":4,"source":" "}]`), safezones.CodeInvalid, "casualties[0].source"},
		{"figure category twice", plainWith("casualties", `[{"category":"killed","min":1,"best":1,"max":1,"source":"s"},{"category":"killed","min":2,"best":2,"max":2,"source":"t"}]`), safezones.CodeInvalid, "casualties[1].category"},
		{"figure as a number", plainWith("casualties", `[7]`), safezones.CodeInvalid, "casualties[0]"},
		{"too many figures", plainWith("casualties", figures(MaxFigures+1)), safezones.CodeInvalid, "casualties"},
		{"casualties as an object", plainWith("casualties", `{"killed":3}`), safezones.CodeInvalid, "casualties"},
		// texts
		{"too many actors", plainWith("actors", actors(MaxActors+1)), safezones.CodeInvalid, "actors"},
		{"actor as a number", plainWith("actors", `["a",3]`), safezones.CodeInvalid, "actors[1]"},
		{"empty actor", plainWith("actors", `["a","  "]`), safezones.CodeInvalid, "actors[1]"},
		{"summary too long", plainWith("summary", long(MaxTextBytes+1)), safezones.CodeInvalid, "summary"},
		{"location as a number", plainWith("location", `12`), safezones.CodeInvalid, "location"},
		{"text object without value", plainWith("location", `{"original":"x"}`), safezones.CodeInvalid, "location.value"},
		{"text object unknown member", plainWith("location", `{"value":"x","lang":"en"}`), safezones.CodeInvalid, "location.lang"},
		{"text object claims a repair", plainWith("location", `{"value":"Idlib","original":"Idleb","repairs":4}`), safezones.CodeInvalid, "location"},
		{"text object not clean", plainWith("admin1", `{"value":"Cafe\u0301"}`), safezones.CodeInvalid, "admin1"},
		{"text object bad quoting", plainWith("origins", `{"value":"Café","original":"Caf\\xe9","repairs":1}`), safezones.CodeInvalid, "origins.original"},
		{"text object repairs out of range", plainWith("country", `{"value":"Syria","repairs":16}`), safezones.CodeInvalid, "country.repairs"},
		// confidences
		{"confirmed", plainWith("happened", `"confirmed"`), safezones.CodeInvalid, "happened"},
		{"unknown confidence", plainWith("civilians_harmed", `"likely"`), safezones.CodeInvalid, "civilians_harmed"},
		{"confidence as a number", plainWith("responsibility", `2`), safezones.CodeInvalid, "responsibility"},
		// the rest
		{"negative source count", plainWith("source_count", `-1`), safezones.CodeInvalid, "source_count"},
		{"public radius too large", plainWith("public_radius_m", `100001`), safezones.CodeInvalid, "public_radius_m"},
		{"reporter unknown member", plainWith("reporter", `{"name":"x","phone":"1"}`), safezones.CodeInvalid, "reporter.phone"},
		{"reporter as a string", plainWith("reporter", `"x"`), safezones.CodeInvalid, "reporter"},
		// Features.
		{"feature: misspelt figure member", featureWith(nil, "casualties", `[{"category":"killed","min":1,"best":1,"max":1,"source":"s"},`+
			`{"category":"injured","min":1,"best":1,"max":1,"source":"s"},{"category":"killed_children","min":0,"bset":1,"max":1,"source":"s"}]`),
			safezones.CodeInvalid, "properties.casualties[2].bset"},
		{"feature: place in properties", featureWith(nil, "place", `{"lon":36,"lat":35}`), safezones.CodeInvalid, "properties.place"},
		{"feature: polygon", featureWith([]string{"geometry", `{"type":"Polygon","coordinates":[[[36,35],[37,35],[37,36],[36,35]]]}`}), safezones.CodeInvalid, "geometry.type"},
		{"feature: polygon coordinates first", featureWith([]string{"geometry", `{"coordinates":[[[36,35],[37,35],[37,36],[36,35]]],"type":"Polygon"}`}), safezones.CodeInvalid, "geometry.coordinates[0]"},
		{"feature: one number", featureWith([]string{"geometry", `{"type":"Point","coordinates":[36.5]}`}), safezones.CodeInvalid, "geometry.coordinates"},
		{"feature: four numbers", featureWith([]string{"geometry", `{"type":"Point","coordinates":[36.5,35.6,0,1]}`}), safezones.CodeInvalid, "geometry.coordinates"},
		{"feature: lat 91", featureWith([]string{"geometry", `{"type":"Point","coordinates":[36.5,91]}`}), safezones.CodeInvalid, "geometry.coordinates[1]"},
		{"feature: altitude a string", featureWith([]string{"geometry", `{"type":"Point","coordinates":[36.5,35,"high"]}`}), safezones.CodeInvalid, "geometry.coordinates[2]"},
		{"feature: no coordinates", featureWith([]string{"geometry", `{"type":"Point"}`}), safezones.CodeInvalid, "geometry.coordinates"},
		{"feature: geometry crs", featureWith([]string{"geometry", `{"type":"Point","coordinates":[36.5,35],"crs":null}`}), safezones.CodeInvalid, "geometry.crs"},
		{"feature: null geometry", featureWith([]string{"geometry", `null`}), safezones.CodeInvalid, "geometry"},
		{"feature: no properties", featureWith([]string{"properties", ""}), safezones.CodeInvalid, "properties"},
		{"feature: properties an array", featureWith([]string{"properties", "[]"}), safezones.CodeInvalid, "properties"},
		{"feature: id an object", featureWith([]string{"id", `{"n":1}`}), safezones.CodeInvalid, "id"},
		{"feature: id control", featureWith([]string{"id", `"a\nb"`}, "source_event_id", ""), safezones.CodeInvalid, "id"},
		{"feature: foreign member", featureWith([]string{"title", `"Strike"`}), safezones.CodeInvalid, "title"},
		{"feature: bbox of 5", featureWith([]string{"bbox", `[1,2,3,4,5]`}), safezones.CodeInvalid, "bbox"},
		{"feature: no event type", featureWith(nil, "event_type", ""), safezones.CodeInvalid, "properties.event_type"},
		{"feature: confirmed", featureWith(nil, "responsibility", `"confirmed"`), safezones.CodeInvalid, "properties.responsibility"},
		{"feature: type twice", `{"type":"Feature","type":"Feature"}`, safezones.CodeInvalid, "type"},
		{"feature: lower-case type", featureWith([]string{"type", `"feature"`}), safezones.CodeInvalid, "type"},
		{"feature: no type, so plain", featureWith([]string{"type", ""}), safezones.CodeInvalid, "geometry"},
	}
	if len(tests) < 30 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeSubmission([]byte(tt.in))
			var e *safezones.Error
			if !errors.As(err, &e) {
				t.Fatalf("DecodeSubmission(%.200s) error = %v, want a *safezones.Error", tt.in, err)
			}
			if e.Code != tt.code || e.Field != tt.field {
				t.Errorf("DecodeSubmission(%.200s) = %q %q (%s), want %q %q", tt.in, e.Code, e.Field, e.Message, tt.code, tt.field)
			}
			if e.Message == "" || len(e.Message) > 1000 {
				t.Errorf("message %q", e.Message)
			}
		})
	}
}

func TestIsFeature(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{"type":"Feature"}`, true},
		{` { "type" : "Feature" } `, true},
		{`{"a":1,"b":-1.5e3,"c":null,"d":true,"type":"Feature"}`, true},
		{`{"a":"x\"}","b":[1,{"c":"]"}],"typ\u0065":"Feat\u0075re"}`, true},
		{`{"type":"FeatureCollection"}`, false},
		{`{"type":["Feature"]}`, false},
		{`{"a":{"type":"Feature"}}`, false},
		{`{"a":1 "type":"Feature"}`, false},
		{`{"a":"unterminated,"type":"Feature"}`, false},
		{`["type","Feature"]`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := isFeature([]byte(tt.in)); got != tt.want {
			t.Errorf("isFeature(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// readTestdata returns the bytes of a file in testdata.
func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestDecodeSubmissionPlain(t *testing.T) {
	got, err := DecodeSubmission(readTestdata(t, "submission_report.json"))
	if err != nil {
		t.Fatalf("DecodeSubmission(submission_report.json) error: %v", err)
	}
	from := time.Date(2019, 5, 5, 6, 0, 0, 0, time.UTC)
	want := Submission{
		Report: Report{
			Source:          testSource,
			SourceEventID:   "TM-2019-0142",
			EventType:       EventAirStrike,
			SourceEventType: "strike on a market",
			Time:            Interval{From: from, To: from.Add(time.Hour)},
			Place:           geo.Point{Lon: 36.5611, Lat: 35.6139},
			RadiusM:         500,
			Location:        Text{Value: "Kafr Nabl, market"},
			Admin1:          Text{Value: "Idleb"},
			Admin2:          Text{Value: "Maarrat An Nu'man"},
			Country:         Text{Value: "Syria"},
			Actors:          []Text{{Value: "Unidentified aircraft"}},
			AllegedActor:    Text{Value: "Unidentified aircraft"},
			Casualties: []Figure{
				{Category: Killed, Min: 5, Best: 7, Max: 9, Source: "witness count at the hospital"},
				{Category: Injured, Min: 12, Best: 15, Max: 20, Source: "hospital staff", Note: "may include people hurt in the crowd afterwards"},
			},
			Happened:        ConfidencePlausible,
			CiviliansHarmed: ConfidencePlausible,
			Responsibility:  ConfidenceUnverified,
			Summary:         Text{Value: "HAND-MADE TEST REPORT, not a real event. Two strikes hit the market in the middle of the morning."},
			Origins:         Text{Value: "witness; hospital staff"},
			SourceCount:     2,
		},
		Reporter:      &Reporter{Name: "A. Witness (fictional)", Contact: "+000 0000 0000"},
		PublicRadiusM: 2000,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeSubmission(submission_report.json) (-want +got):\n%s", diff)
	}
	if got.Report.Time.From.Location() != time.UTC {
		t.Errorf("time.from in %v, want UTC", got.Report.Time.From.Location())
	}
}

func TestDecodeSubmissionFeature(t *testing.T) {
	got, err := DecodeSubmission(readTestdata(t, "submission_feature.json"))
	if err != nil {
		t.Fatalf("DecodeSubmission(submission_feature.json) error: %v", err)
	}
	from := time.Date(2019, 5, 6, 0, 0, 0, 0, time.UTC)
	want := Submission{Report: Report{
		Source:          testSource,
		SourceEventID:   "TM-2019-0157", // the feature's id
		EventType:       EventShelling,
		Time:            Interval{From: from, To: from.Add(24 * time.Hour)},
		Place:           geo.Point{Lon: 36.6094, Lat: 35.8130}, // altitude ignored
		RadiusM:         2000,
		Location:        Text{Value: "Ariha"},
		Admin1:          Text{Value: "Idleb"},
		Admin2:          Text{Value: "Ariha"},
		Country:         Text{Value: "Syria"},
		Casualties:      []Figure{{Category: KilledCivilians, Min: 2, Best: 2, Max: 2, Source: "local council statement"}},
		Happened:        ConfidenceProbable,
		CiviliansHarmed: ConfidencePlausible,
		Summary:         Text{Value: "HAND-MADE TEST REPORT, not a real event. Shelling of the town's south side overnight."},
		Origins:         Text{Value: "local council"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeSubmission(submission_feature.json) (-want +got):\n%s", diff)
	}
}

// TestDecodeSubmissionWithoutSource: a posted report may leave its source
// to the server, which names the caller's party.
func TestDecodeSubmissionWithoutSource(t *testing.T) {
	for _, in := range []string{plainWith("source", ""), featureWith(nil, "source", "")} {
		s, err := DecodeSubmission([]byte(in))
		if err != nil || s.Report.Source != (Source{}) {
			t.Errorf("DecodeSubmission(%s) = source %+v, %v; want no source and no error", in, s.Report.Source, err)
		}
	}
}

func TestDecodeSubmissionEventID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain, given", plainWith(), "TM-1"},
		{"plain, absent: the server assigns one", plainWith("source_event_id", ""), ""},
		{"plain, empty", plainWith("source_event_id", `""`), ""},
		{"plain, null", plainWith("source_event_id", `null`), ""},
		{"feature, property", featureWith([]string{"id", `"F-9"`}), "TM-1"},
		{"feature, string id", featureWith([]string{"id", `"F-9"`}, "source_event_id", ""), "F-9"},
		{"feature, number id as written", featureWith([]string{"id", `9.50`}, "source_event_id", ""), "9.50"},
		{"feature, empty property, id", featureWith([]string{"id", `17`}, "source_event_id", `""`), "17"},
		{"feature, neither", featureWith(nil, "source_event_id", ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DecodeSubmission([]byte(tt.in))
			if err != nil {
				t.Fatalf("DecodeSubmission(%s) error: %v", tt.in, err)
			}
			if s.Report.SourceEventID != tt.want {
				t.Errorf("DecodeSubmission(%s).Report.SourceEventID = %q, want %q", tt.in, s.Report.SourceEventID, tt.want)
			}
		})
	}
}

func TestDecodeSubmissionTexts(t *testing.T) {
	tests := []struct {
		name string
		in   string // a JSON value for "location"
		want Text
	}{
		{"plain", `"Idlib"`, Text{Value: "Idlib"}},
		{"trimmed", `"  Idlib\n"`, Text{Value: "Idlib"}},
		{"mojibake", `"Maâ€™arrat Misrin"`, Text{Value: "Ma’arrat Misrin", Original: "Maâ€™arrat Misrin", Repairs: RepairedMojibake}},
		{"decomposed", `"Cafe\u0301"`, Text{Value: "Café", Original: "Cafe\u0301", Repairs: RepairedNFC}},
		{"control", `"a\u0000b"`, Text{Value: "ab", Original: "a\x00b", Repairs: RepairedControl}},
		{"arabic", `"إدلب"`, Text{Value: "إدلب"}},
		{"brackets, not nesting", `"` + strings.Repeat("[{", 40) + `\"]"`, Text{Value: strings.Repeat("[{", 40) + `"]`}},
		{"empty", `""`, Text{}},
		{"object, clean", `{"value":"Idlib"}`, Text{Value: "Idlib"}},
		{"object, repaired", `{"value":"Café","original":"Cafe\u0301","repairs":8}`, Text{Value: "Café", Original: "Cafe\u0301", Repairs: RepairedNFC}},
		{"object, latin-1 bytes quoted", `{"value":"Café","original":"\"Caf\\xe9\"","repairs":1}`, Text{Value: "Café", Original: `"Caf\xe9"`, Repairs: RepairedInvalidUTF8}},
		{"object, empty", `{"value":""}`, Text{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := plainWith("location", tt.in)
			s, err := DecodeSubmission([]byte(in))
			if err != nil {
				t.Fatalf("DecodeSubmission(location %s) error: %v", tt.in, err)
			}
			if s.Report.Location != tt.want {
				t.Errorf("DecodeSubmission(location %s) location = %+v, want %+v", tt.in, s.Report.Location, tt.want)
			}
		})
	}
}

func TestDecodeSubmissionNullIsAbsent(t *testing.T) {
	s, err := DecodeSubmission([]byte(plainWith("reporter", "null", "summary", "null", "casualties", "null", "radius_m", "null")))
	if err != nil {
		t.Fatal(err)
	}
	if s.Reporter != nil || s.Report.Summary != (Text{}) || s.Report.Casualties != nil || s.Report.RadiusM != 0 {
		t.Errorf("DecodeSubmission with null members = %+v, want them absent", s)
	}
	s, err = DecodeSubmission([]byte(plainWith("reporter", "{}", "actors", "[]", "casualties", "[]")))
	if err != nil {
		t.Fatal(err)
	}
	if s.Reporter == nil || *s.Reporter != (Reporter{}) || s.Report.Actors != nil || s.Report.Casualties != nil {
		t.Errorf("DecodeSubmission with empty members = %+v, want an empty reporter and nil lists", s)
	}
}

// fullReport returns a valid report with every field but Line set, and
// texts with and without repairs.
func fullReport() Report {
	from := time.Date(2019, 5, 7, 0, 0, 0, 0, time.UTC)
	return Report{
		Source:          Source{ID: "test.monitor_2", Name: "Hand-made test monitor (fictional)", Kind: SourceWitness, Grade: GradeC},
		SourceEventID:   "TM:2019/0177",
		EventType:       EventOneSided,
		SourceEventType: "type_of_violence 3 (one-sided violence)",
		Time:            Interval{From: from, To: from.AddDate(0, 0, 3)},
		TimePrecision:   Precision{Scheme: SchemeUCDPDate, Code: 2},
		Place:           geo.Point{Lon: 36.680599, Lat: -0.0000001},
		RadiusM:         25_000.5,
		PlacePrecision:  Precision{Scheme: SchemeUCDPWhere, Code: 2},
		Location:        CleanText("Maâ€™arrat Misrin"),
		Admin1:          CleanText("Idleb"),
		Admin2:          CleanText("Cafe\u0301 <district> & \"quarter\""),
		Country:         CleanText("Syria\x01"),
		Actors:          []Text{CleanText("Armed group (fictional)"), CleanText("Caf\xe9 owners")},
		AllegedActor:    CleanText("Armed group (fictional)"),
		Casualties: []Figure{
			{Category: Killed, Min: 0, Best: 3, Max: 10_000_000, Source: "UCDP GED low/best/high", Note: "widened"},
			{Category: InjuredChildren, Min: 1, Best: 1, Max: 1, Source: "clinic"},
		},
		Happened:        ConfidenceHighlyProbable,
		CiviliansHarmed: ConfidenceProbable,
		Responsibility:  ConfidencePlausible,
		Summary:         CleanText("HAND-MADE TEST REPORT, not a real event.\nSecond line\twith a tab."),
		Origins:         CleanText("CafÃƒÂ© press"),
		SourceCount:     3,
	}
}

func TestFullReportSetsEveryField(t *testing.T) {
	v := reflect.ValueOf(fullReport())
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.Name != "Line" && v.Field(i).IsZero() {
			t.Errorf("fullReport().%s is zero: set it, so that the round trips cover it", f.Name)
		}
	}
}

// TestDecodeSubmissionKnowsEveryMember checks that every member Report
// encodes is a member DecodeSubmission reads, so that a field added to
// Report cannot make reports read back from the API unpostable.
func TestDecodeSubmissionKnowsEveryMember(t *testing.T) {
	rt := reflect.TypeFor[Report]()
	var names []string
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
		if _, ok := plainMembers.funcs[name]; !ok {
			t.Errorf("Report.%s (json %q) is not a member DecodeSubmission reads", rt.Field(i).Name, name)
		}
		if _, ok := propertyMembers.funcs[name]; !ok && name != "place" {
			t.Errorf("Report.%s (json %q) is not a Feature property DecodeSubmission reads", rt.Field(i).Name, name)
		}
	}
	for name := range plainMembers.funcs {
		if !slices.Contains(names, name) && !slices.Contains([]string{"reporter", "public_radius_m", "type", "geometry", "properties"}, name) {
			t.Errorf("DecodeSubmission reads %q, which Report does not have", name)
		}
	}
}

// toFeature returns the plain body b as a Feature: its place becomes the
// geometry and everything else the properties, in sorted order.
func toFeature(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	var p geo.Point
	if err := json.Unmarshal(m["place"], &p); err != nil {
		tb.Fatal(err)
	}
	delete(m, "place")
	out, err := json.Marshal(map[string]any{
		"type":       "Feature",
		"geometry":   map[string]any{"type": "Point", "coordinates": []float64{p.Lon, p.Lat}},
		"properties": m,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestDecodeSubmissionRoundTrip(t *testing.T) {
	rep := fullReport()
	for _, s := range []Submission{
		{Report: rep},
		{Report: rep, Reporter: &Reporter{Name: "Witness (fictional)", Organisation: "Hand-made test NGO", Contact: "+000"}, PublicRadiusM: 100_000},
		{Report: rep, Reporter: &Reporter{}, PublicRadiusM: 0.5},
	} {
		body, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeSubmission(body)
		if err != nil {
			t.Fatalf("DecodeSubmission(%s) error: %v", body, err)
		}
		if diff := cmp.Diff(s, got); diff != "" {
			t.Errorf("DecodeSubmission(json.Marshal(%+v)) (-want +got):\n%s", s, diff)
		}
		feature := toFeature(t, body)
		got, err = DecodeSubmission(feature)
		if err != nil {
			t.Fatalf("DecodeSubmission(%s) error: %v", feature, err)
		}
		if diff := cmp.Diff(s, got); diff != "" {
			t.Errorf("DecodeSubmission(%s) (-want +got):\n%s", feature, diff)
		}
	}
	// A report as encoding/json writes it (a report read back from the
	// API), with its line, posts back to itself with Line 0.
	rep.Line = 17
	body, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSubmission(body)
	if err != nil {
		t.Fatalf("DecodeSubmission(%s) error: %v", body, err)
	}
	rep.Line = 0
	if diff := cmp.Diff(Submission{Report: rep}, got); diff != "" {
		t.Errorf("DecodeSubmission(json.Marshal(report)) (-want +got):\n%s", diff)
	}
}

// TestDecodeSubmissionImported posts back every report the CSV importers
// read from testdata: what they produce must pass intake unchanged.
func TestDecodeSubmissionImported(t *testing.T) {
	reports, _ := readUCDPFile(t)
	f, err := os.Open("testdata/acled_layout_handmade.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	acled, _, err := ReadACLED(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	reports = append(reports, acled...)
	failed := 0
	for i := range reports {
		r := reports[i]
		r.Line = 0
		body, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeSubmission(body)
		if err == nil && !reflect.DeepEqual(got, Submission{Report: r}) {
			err = errors.New(cmp.Diff(Submission{Report: r}, got))
		}
		if err != nil {
			if failed++; failed <= 5 {
				t.Errorf("report %s posted back: %v", r.Key(), err)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d imported reports do not post back", failed, len(reports))
	}
}

func TestSubmissionMarshalJSON(t *testing.T) {
	s := Submission{Report: fullReport(), Reporter: &Reporter{Name: "N"}, PublicRadiusM: 250}
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("MarshalJSON() = %s: %v", b, err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, want := range []string{"reporter", "public_radius_m", "source", "place", "casualties"} {
		if _, ok := m[want]; !ok {
			t.Errorf("MarshalJSON() members %v lack %q", keys, want)
		}
	}
	if string(m["reporter"]) != `{"name":"N"}` || string(m["public_radius_m"]) != "250" {
		t.Errorf("MarshalJSON() reporter %s, public_radius_m %s", m["reporter"], m["public_radius_m"])
	}
	if strings.Contains(string(b), `\u003c`) {
		t.Errorf("MarshalJSON() escapes HTML: %s", b)
	}
	b, err = Submission{Report: fullReport()}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "reporter") || strings.Contains(string(b), "public_radius_m") {
		t.Errorf("MarshalJSON() of a submission without reporter = %s", b)
	}
}
