package incidents

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

func TestReadGeoJSON(t *testing.T) {
	f, err := os.Open("testdata/reports.geojson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []int
	subs, errs, err := ReadGeoJSON(f, func(n int) { calls = append(calls, n) })
	if err != nil {
		t.Fatalf("ReadGeoJSON(reports.geojson) error: %v", err)
	}
	if !cmp.Equal(calls, []int{8}) {
		t.Errorf("progress calls %v, want [8]", calls)
	}

	wantErrs := []struct {
		line   int
		column string
		reason string
	}{
		{3, "features[2].properties.casualties[2].bset", "not a member of a casualty figure"},
		{6, "features[5].properties.happened", "only a reviewer confirms"},
	}
	if len(errs) != len(wantErrs) {
		t.Errorf("ReadGeoJSON(reports.geojson): %d row errors %v, want %d", len(errs), errs, len(wantErrs))
	}
	for i, w := range wantErrs {
		if i >= len(errs) {
			break
		}
		if e := errs[i]; e.Line != w.line || e.Column != w.column || !strings.Contains(e.Reason, w.reason) {
			t.Errorf("row error %d = %v, want line %d, column %s, reason with %q", i, e, w.line, w.column, w.reason)
		}
	}

	// Every good feature, in file order, by key and what sets it apart.
	wantKeys := []string{
		"test-monitor:TM-2019-0201", // id as a string
		"test-monitor:202",          // id as a number, altitude
		"test-ngo:NGO/0417",         // source_event_id property, reporter, precision codes
		"test-monitor:TM-2019-0205", // bbox, mojibake
		"test-monitor:TM-2019-0207", // decomposed accent
		"test-monitor:TM-2019-0208", // month and 25 km precision
	}
	var keys []string
	for _, s := range subs {
		keys = append(keys, s.Report.Key())
		if s.Report.Line != 0 {
			t.Errorf("%s: Line %d, want 0", s.Report.Key(), s.Report.Line)
		}
		if !strings.HasPrefix(s.Report.Summary.Value, "HAND-MADE TEST FEATURE") {
			t.Errorf("%s: summary %q lacks the hand-made note", s.Report.Key(), s.Report.Summary.Value)
		}
	}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Fatalf("ReadGeoJSON(reports.geojson) keys (-want +got):\n%s", diff)
	}

	from := time.Date(2019, 5, 12, 15, 30, 0, 0, time.UTC)
	want := Submission{
		Report: Report{
			Source:         Source{ID: "test-ngo", Name: "Hand-made test NGO (fictional)", Kind: SourceNGO, Grade: GradeC},
			SourceEventID:  "NGO/0417",
			EventType:      EventShelling,
			Time:           Interval{From: from, To: from.Add(time.Hour)},
			TimePrecision:  Precision{Scheme: SchemeUCDPDate, Code: 1},
			Place:          geo.Point{Lon: 36.1021, Lat: 32.6189},
			RadiusM:        1500,
			PlacePrecision: Precision{Scheme: SchemeUCDPWhere, Code: 1},
			Location:       Text{Value: "Daraa al-Balad"},
			Admin1:         Text{Value: "Dar'a"},
			Country:        Text{Value: "Syria"},
			Casualties:     []Figure{{Category: InjuredCivilians, Min: 1, Best: 1, Max: 1, Source: "field team"}},

			Happened:        ConfidenceHighlyProbable,
			CiviliansHarmed: ConfidenceProbable,
			Summary:         Text{Value: "HAND-MADE TEST FEATURE, not a real report. Shells fell near a school after dark."},
			Origins:         Text{Value: "field team; photographs of remnants"},
			SourceCount:     2,
		},
		Reporter: &Reporter{Name: "Field officer (fictional)", Organisation: "Hand-made test NGO"},
	}
	if diff := cmp.Diff(want, subs[2]); diff != "" {
		t.Errorf("ReadGeoJSON(reports.geojson)[2] (-want +got):\n%s", diff)
	}
	if p := subs[1].Report.Place; p != (geo.Point{Lon: 36.8006, Lat: 35.8647}) || subs[1].PublicRadiusM != 5000 {
		t.Errorf("feature 202: place %v, public radius %v", p, subs[1].PublicRadiusM)
	}
	if loc := subs[3].Report.Location; loc.Value != "Al-Bab, Ma’arrat street" || loc.Repairs != RepairedMojibake {
		t.Errorf("feature TM-2019-0205: location %+v, want the mojibake repaired", loc)
	}
	if loc := subs[4].Report.Location; loc.Value != "Idlib city, Café street" || loc.Repairs != RepairedNFC {
		t.Errorf("feature TM-2019-0207: location %+v, want NFC", loc)
	}
}

// collection returns a FeatureCollection of the given features.
func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func TestReadGeoJSONRowErrors(t *testing.T) {
	good := func(id string) string { return featureWith([]string{"id", `"` + id + `"`}, "source_event_id", "") }
	otherSource := featureWith([]string{"id", `"A"`}, "source_event_id", "", "source", `{"id":"other-monitor"}`)
	tests := []struct {
		name  string
		in    string
		keys  []string
		errs  []RowError
		inMsg string
	}{
		{"id repeats", collection(good("A"), good("B"), good("A")),
			[]string{"test-monitor:A", "test-monitor:B"},
			[]RowError{{Line: 3, Column: "features[2].id"}}, "repeats features[0]"},
		{"property id repeats a feature id", collection(good("TM-1"), featureWith(nil)),
			[]string{"test-monitor:TM-1"},
			[]RowError{{Line: 2, Column: "features[1].properties.source_event_id"}}, "repeats features[0]"},
		{"same id, other source", collection(good("A"), otherSource),
			[]string{"test-monitor:A", "other-monitor:A"}, nil, ""},
		{"no event id", collection(good("A"), featureWith(nil, "source_event_id", "")),
			[]string{"test-monitor:A"},
			[]RowError{{Line: 2, Column: "features[1].properties.source_event_id"}}, "required in a file"},
		{"no source in a file", collection(good("A"), featureWith([]string{"id", `"C"`}, "source", "")),
			[]string{"test-monitor:A"},
			[]RowError{{Line: 2, Column: "features[1].properties.source"}}, "is required"},
		{"a plain report", collection(plainWith(), good("B")),
			[]string{"test-monitor:B"},
			[]RowError{{Line: 1, Column: "features[0].source"}}, "not a member of a GeoJSON Feature"},
		{"a number", collection(`7`, good("B")),
			[]string{"test-monitor:B"},
			[]RowError{{Line: 1, Column: "features[0]"}}, "must be an object"},
		{"type missing", collection(featureWith([]string{"type", ""})),
			nil, []RowError{{Line: 1, Column: "features[0].type"}}, "required"},
		{"feature too large", collection(featureWith(nil, "summary", `"`+strings.Repeat(" ", MaxSubmissionBytes)+`"`), good("B")),
			[]string{"test-monitor:B"},
			[]RowError{{Line: 1, Column: "features[0]"}}, "more than"},
		{"deep in a feature", collection(featureWith([]string{"bbox", strings.Repeat("[", 40) + strings.Repeat("]", 40)})),
			nil, []RowError{{Line: 1, Column: "features[0]"}}, "deeper than 32"},
		{"empty", collection(), nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subs, errs, err := ReadGeoJSON(strings.NewReader(tt.in), nil)
			if err != nil {
				t.Fatalf("ReadGeoJSON(%.200s) error: %v", tt.in, err)
			}
			var keys []string
			for _, s := range subs {
				keys = append(keys, s.Report.Key())
			}
			if diff := cmp.Diff(tt.keys, keys); diff != "" {
				t.Errorf("ReadGeoJSON(%.200s) keys (-want +got):\n%s", tt.in, diff)
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("ReadGeoJSON(%.200s) row errors %v, want %v", tt.in, errs, tt.errs)
			}
			for i, e := range errs {
				if e.Line != tt.errs[i].Line || e.Column != tt.errs[i].Column || !strings.Contains(e.Reason, tt.inMsg) {
					t.Errorf("ReadGeoJSON(%.200s) row error %v, want line %d column %s reason with %q", tt.in, e, tt.errs[i].Line, tt.errs[i].Column, tt.inMsg)
				}
			}
		})
	}
}

func TestReadGeoJSONFileErrors(t *testing.T) {
	good := featureWith(nil)
	tests := []struct {
		name  string
		in    string
		code  safezones.Code
		field string
	}{
		{"empty", ``, safezones.CodeInvalid, "$"},
		{"not JSON", `type,features`, safezones.CodeInvalid, "$"},
		{"an array", `[` + good + `]`, safezones.CodeInvalid, "$"},
		{"a Feature", good, safezones.CodeInvalid, "type"},
		{"a Feature's type", `{"type":"Feature"}`, safezones.CodeInvalid, "type"},
		{"no type", `{"features":[]}`, safezones.CodeInvalid, "type"},
		{"no features", `{"type":"FeatureCollection"}`, safezones.CodeInvalid, "features"},
		{"features an object", `{"type":"FeatureCollection","features":{}}`, safezones.CodeInvalid, "features"},
		{"type a number", `{"type":1,"features":[]}`, safezones.CodeInvalid, "type"},
		{"features twice", `{"type":"FeatureCollection","features":[],"features":[]}`, safezones.CodeInvalid, "features"},
		{"foreign member", `{"type":"FeatureCollection","features":[],"metadata":{}}`, safezones.CodeInvalid, "metadata"},
		{"web mercator", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[]}`, safezones.CodeInvalid, "crs"},
		{"crs null", `{"type":"FeatureCollection","crs":null,"features":[]}`, safezones.CodeInvalid, "crs"},
		{"bbox of 3", `{"type":"FeatureCollection","bbox":[1,2,3],"features":[]}`, safezones.CodeInvalid, "bbox"},
		{"cut short in a feature", `{"type":"FeatureCollection","features":[` + good + `,{"type":`, safezones.CodeInvalid, "features[1]"},
		{"cut short after features", `{"type":"FeatureCollection","features":[` + good + `]`, safezones.CodeInvalid, "$"},
		{"syntax error in a feature", `{"type":"FeatureCollection","features":[{"type":"Feature",,}]}`, safezones.CodeInvalid, "features[0]"},
		{"data after", collection(good) + `{}`, safezones.CodeInvalid, "$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subs, errs, err := ReadGeoJSON(strings.NewReader(tt.in), nil)
			var e *safezones.Error
			if !errors.As(err, &e) {
				t.Fatalf("ReadGeoJSON(%.200s) = %d, %d, %v; want a *safezones.Error", tt.in, len(subs), len(errs), err)
			}
			if e.Code != tt.code || e.Field != tt.field || subs != nil || errs != nil {
				t.Errorf("ReadGeoJSON(%.200s) = %q %q (%s), want %q %q", tt.in, e.Code, e.Field, e.Message, tt.code, tt.field)
			}
		})
	}
}

func TestReadGeoJSONTooLarge(t *testing.T) {
	in := collection(featureWith(nil))
	_, _, err := readGeoJSON(strings.NewReader(in), nil, len(in)-1)
	if safezones.ErrorCode(err) != safezones.CodeTooLarge || !errors.Is(err, ErrTooLarge) {
		t.Errorf("readGeoJSON(%d bytes, limit %d) error = %v, want too_large wrapping ErrTooLarge", len(in), len(in)-1, err)
	}
	subs, _, err := readGeoJSON(strings.NewReader(in), nil, len(in))
	if err != nil || len(subs) != 1 {
		t.Errorf("readGeoJSON(%d bytes, limit %d) = %d, %v; want 1 submission", len(in), len(in), len(subs), err)
	}
	// Past the limit half way through, after some features were read.
	var features []string
	for i := range 100 {
		features = append(features, featureWith([]string{"id", fmt.Sprint(i)}, "source_event_id", ""))
	}
	in = collection(features...)
	subs, errs, err := readGeoJSON(strings.NewReader(in), nil, len(in)/2)
	if !errors.Is(err, ErrTooLarge) || subs != nil || errs != nil {
		t.Errorf("readGeoJSON(%d bytes, limit %d) = %d, %d, %v; want only ErrTooLarge", len(in), len(in)/2, len(subs), len(errs), err)
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadGeoJSONIOError(t *testing.T) {
	broken := errors.New("disk on fire")
	_, _, err := ReadGeoJSON(&failingReader{data: []byte(`{"type":"FeatureCollection","features":[`), err: broken}, nil)
	if !errors.Is(err, broken) || safezones.ErrorCode(err) != safezones.CodeInternal {
		t.Errorf("ReadGeoJSON(failing reader) error = %v, want it to wrap %v", err, broken)
	}
}

func TestReadGeoJSONProgressAndBOM(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	const n = 2500
	var features []string
	for i := range n {
		features = append(features, featureWith([]string{"id", fmt.Sprint(i)}, "source_event_id", ""))
	}
	b.WriteString(collection(features...))
	var calls []int
	subs, errs, err := ReadGeoJSON(io.MultiReader(&b), func(n int) { calls = append(calls, n) })
	if err != nil || len(errs) != 0 || len(subs) != n {
		t.Fatalf("ReadGeoJSON(%d features) = %d, %v, %v", n, len(subs), errs, err)
	}
	if !cmp.Equal(calls, []int{1000, 2000, 2500}) {
		t.Errorf("progress calls %v, want [1000 2000 2500]", calls)
	}
}
