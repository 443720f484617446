package incidents

import (
	"bytes"
	"os"
	"testing"
	"unicode/utf8"
)

// checkRead asserts what every import must hold, whatever the input:
// every row is either a report or a RowError with a line, and every report
// is well formed.
func checkRead(t *testing.T, reports []Report, errs []RowError, err error) {
	if err != nil {
		if len(reports) != 0 || len(errs) != 0 {
			t.Fatalf("error %v with %d reports and %d row errors", err, len(reports), len(errs))
		}
		return
	}
	for _, e := range errs {
		if e.Line < 2 || e.Reason == "" || !utf8.ValidString(e.Reason) {
			t.Errorf("bad RowError %+v", e)
		}
	}
	seen := map[string]bool{}
	for _, r := range reports {
		if seen[r.Key()] {
			t.Errorf("key %s twice", r.Key())
		}
		seen[r.Key()] = true
		if r.Line < 2 || !r.Time.From.Before(r.Time.To) || r.RadiusM <= 0 {
			t.Errorf("report %s: line %d, time %v, radius %v", r.Key(), r.Line, r.Time, r.RadiusM)
		}
		if r.Place.Lat < -90 || r.Place.Lat > 90 || r.Place.Lon < -180 || r.Place.Lon > 180 {
			t.Errorf("report %s: place %v", r.Key(), r.Place)
		}
		for _, f := range r.Casualties {
			if f.Min < 0 || f.Min > f.Best || f.Best > f.Max {
				t.Errorf("report %s: figure %+v not ordered", r.Key(), f)
			}
		}
		for _, tx := range append([]Text{r.Location, r.Admin1, r.Admin2, r.Country, r.AllegedActor, r.Summary, r.Origins}, r.Actors...) {
			checkText(t, r.Key(), tx)
		}
	}
	Link(reports, DefaultLinkRule())
}

// seedFile adds the first n lines of a testdata file to f's corpus.
func seedFile(f *testing.F, path string, n int) {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	f.Add(bytes.Join(lines[:min(n, len(lines))], nil))
}

func FuzzReadUCDP(f *testing.F) {
	seedFile(f, "testdata/fuzz_seed_ucdp.csv", 100)
	f.Fuzz(func(t *testing.T, in []byte) {
		reports, errs, err := ReadUCDP(bytes.NewReader(in), nil)
		checkRead(t, reports, errs, err)
	})
}

func FuzzReadACLED(f *testing.F) {
	seedFile(f, "testdata/acled_layout_handmade.csv", 100)
	f.Fuzz(func(t *testing.T, in []byte) {
		reports, errs, err := ReadACLED(bytes.NewReader(in), nil)
		checkRead(t, reports, errs, err)
	})
}
