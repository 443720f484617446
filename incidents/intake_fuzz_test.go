package incidents

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones"
)

// checkIntakeError asserts what every intake error must be: a
// *safezones.Error that is too_large, or invalid with the path at fault.
func checkIntakeError(t *testing.T, err error) {
	t.Helper()
	var e *safezones.Error
	switch {
	case !errors.As(err, &e):
		t.Fatalf("error %v (%T) is not a *safezones.Error", err, err)
	case e.Code == safezones.CodeTooLarge:
	case e.Code != safezones.CodeInvalid || e.Field == "":
		t.Fatalf("error %q %q %q: want code invalid with a field, or too_large", e.Code, e.Field, e.Message)
	}
	if e.Message == "" || !utf8.ValidString(e.Message) || !utf8.ValidString(e.Field) {
		t.Fatalf("error %+v: empty or not UTF-8", e)
	}
}

// checkSubmission asserts the rules every accepted submission keeps, and
// that it encodes to a body that decodes to it again.
func checkSubmission(t *testing.T, s Submission) {
	t.Helper()
	r := &s.Report
	switch {
	case r.Line != 0:
		t.Fatalf("Line %d", r.Line)
	case !sourceIDPattern.MatchString(r.Source.ID):
		t.Fatalf("source id %q", r.Source.ID)
	case !r.Time.From.Before(r.Time.To) || r.Time.From.Location() != time.UTC || r.Time.To.Location() != time.UTC:
		t.Fatalf("time %v", r.Time)
	case r.Place.Lon < -180 || r.Place.Lon > 180 || r.Place.Lat < -90 || r.Place.Lat > 90:
		t.Fatalf("place %v", r.Place)
	case r.RadiusM < 0 || r.RadiusM > MaxRadiusM || s.PublicRadiusM < 0 || s.PublicRadiusM > MaxPublicRadiusM:
		t.Fatalf("radius %v, public radius %v", r.RadiusM, s.PublicRadiusM)
	case r.Happened >= ConfidenceConfirmed || r.CiviliansHarmed >= ConfidenceConfirmed || r.Responsibility >= ConfidenceConfirmed:
		t.Fatalf("confidences %v %v %v", r.Happened, r.CiviliansHarmed, r.Responsibility)
	case len(r.Casualties) > MaxFigures || len(r.Actors) > MaxActors:
		t.Fatalf("%d figures, %d actors", len(r.Casualties), len(r.Actors))
	}
	for _, f := range r.Casualties {
		if f.Min < 0 || f.Min > f.Best || f.Best > f.Max || !f.Category.Valid() || f.Source == "" {
			t.Fatalf("figure %+v", f)
		}
	}
	for _, tx := range append([]Text{r.Location, r.Admin1, r.Admin2, r.Country, r.AllegedActor, r.Summary, r.Origins}, r.Actors...) {
		checkText(t, r.Key(), tx)
	}
	body, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	if len(body) > MaxSubmissionBytes {
		return // escaping lengthened it past the limit (see MarshalJSON)
	}
	again, err := DecodeSubmission(body)
	if err != nil {
		t.Fatalf("DecodeSubmission(json.Marshal(s)) error: %v\nbody %s", err, body)
	}
	if diff := cmp.Diff(s, again); diff != "" {
		t.Fatalf("DecodeSubmission(json.Marshal(s)) (-s +again):\n%s", diff)
	}
}

func FuzzDecodeSubmission(f *testing.F) {
	f.Add(readTestdata(f, "submission_report.json"))
	f.Add(readTestdata(f, "submission_feature.json"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := DecodeSubmission(in)
		if err != nil {
			checkIntakeError(t, err)
			return
		}
		checkSubmission(t, s)
		// Accepted, so valid JSON without repeated members: the byte scan
		// that tells the forms apart must agree with a full decoding.
		var top map[string]json.RawMessage
		body := bytes.TrimPrefix(in, utf8BOM)
		if err := json.Unmarshal(body, &top); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", in, err)
		}
		var typ string
		json.Unmarshal(top["type"], &typ)
		if isFeature(body) != (typ == "Feature") {
			t.Fatalf("isFeature(%q) = %v, but its type is %q", in, isFeature(body), typ)
		}
	})
}

func FuzzReadGeoJSON(f *testing.F) {
	f.Add(readTestdata(f, "reports.geojson"))
	f.Fuzz(func(t *testing.T, in []byte) {
		last := -1
		subs, errs, err := ReadGeoJSON(bytes.NewReader(in), func(n int) { last = n })
		if err != nil {
			if subs != nil || errs != nil {
				t.Fatalf("error %v with %d submissions and %d row errors", err, len(subs), len(errs))
			}
			var e *safezones.Error
			if !errors.As(err, &e) || (e.Code != safezones.CodeInvalid && e.Code != safezones.CodeTooLarge) {
				t.Fatalf("error %v (%T): want a *safezones.Error, invalid or too_large", err, err)
			}
			return
		}
		if last != len(subs)+len(errs) {
			t.Fatalf("last progress %d, want %d submissions + %d row errors", last, len(subs), len(errs))
		}
		prev := 0
		for _, e := range errs {
			if e.Line <= prev || !strings.HasPrefix(e.Column, indexPath("features", e.Line-1)) || e.Reason == "" || !utf8.ValidString(e.Reason) {
				t.Fatalf("bad RowError %+v after line %d", e, prev)
			}
			prev = e.Line
		}
		seen := map[string]bool{}
		for _, s := range subs {
			if s.Report.SourceEventID == "" || seen[s.Report.Key()] {
				t.Fatalf("key %q empty or repeated", s.Report.Key())
			}
			seen[s.Report.Key()] = true
			checkSubmission(t, s)
		}
	})
}
