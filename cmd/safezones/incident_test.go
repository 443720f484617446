package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// runIncident runs "safezones incident args..." and returns stdout, stderr
// and the error.
func runIncident(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &environment{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	err := e.run(context.Background(), append([]string{"incident"}, args...))
	return stdout.String(), stderr.String(), err
}

// TestIncidentImportUCDPSyria imports the real UCDP GED Syria file: every
// row, and a second import changes nothing.
func TestIncidentImportUCDPSyria(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 16,566 reports")
	}
	db := filepath.Join(t.TempDir(), "incidents.db")
	file := filepath.Join("..", "..", "incidents", "testdata", "ucdp_ged_syria_652.1601.1911.csv.gz")
	runs := []struct {
		name, want string
	}{
		{"first import", ": 16566 created, 0 updated, 0 unchanged, 0 failed\n"},
		{"second import", ": 0 created, 0 updated, 16566 unchanged, 0 failed\n"},
	}
	for _, r := range runs {
		out, stderr, err := runIncident(t, "import", "--db", db, file)
		if err != nil {
			t.Fatalf("%s: incident import %s: %v\n%s", r.name, file, err, stderr)
		}
		if out != file+r.want {
			t.Errorf("%s: incident import %s printed %q, want %q", r.name, file, out, file+r.want)
		}
	}
	out, _, err := runIncident(t, "list", "--db", db, "--source", "ucdp-ged", "--from", "2019-05-05", "--to", "2019-05-06", "--limit", "0")
	if err != nil || !strings.Contains(out, "ucdp-ged:") {
		t.Errorf("incident list = %v, %q; want reports of 5 May 2019", err, out)
	}
}

// TestIncidentImportBadRows imports an ACLED-layout file with bad rows mixed
// in: each bad row is reported with its line and reason, every good row is
// imported, and the command fails.
func TestIncidentImportBadRows(t *testing.T) {
	db := filepath.Join(t.TempDir(), "incidents.db")
	file := filepath.Join("..", "..", "incidents", "testdata", "acled_layout_handmade.csv")
	out, stderr, err := runIncident(t, "import", "--quiet", "--db", db, file)
	if err == nil {
		t.Errorf("incident import %s succeeded; want an error for its bad rows", file)
	}
	if want := file + ": 13 created, 0 updated, 0 unchanged, 7 failed\n"; out != want {
		t.Errorf("incident import %s printed %q, want %q", file, out, want)
	}
	wantErrs := []string{
		`:7: event_date: "2019-13-05" is not a date`,
		`:8: geo_precision: 4 is outside 1..3`,
		`:10: latitude: "abc" is not a number`,
		`:11: event_id_cnty: is empty`,
		`:14: event_id_cnty: event id "TEST-SYR-001" repeats the row on line 2`,
		`:16: fatalities: -2 is outside`,
		`:21: has 6 fields; the header has 31`,
	}
	for _, w := range wantErrs {
		if !strings.Contains(stderr, file+w) {
			t.Errorf("incident import %s: stderr lacks %q:\n%s", file, file+w, stderr)
		}
	}
	out, _, err = runIncident(t, "list", "--db", db, "--source", "acled")
	if err != nil || strings.Count(out, "acled:") != 13 {
		t.Errorf("incident list after import = %v, %d reports; want 13:\n%s", err, strings.Count(out, "acled:"), out)
	}
	// Named explicitly, the format is not guessed; a second run is a no-op.
	out, _, _ = runIncident(t, "import", "--quiet", "--format", "acled", "--db", db, file)
	if want := file + ": 0 created, 0 updated, 13 unchanged, 7 failed\n"; out != want {
		t.Errorf("second import printed %q, want %q", out, want)
	}
}

// TestIncidentImportFormat refuses a file of neither layout and a wrong
// --format.
func TestIncidentImportFormat(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "other.csv")
	writeFile(t, file, []byte("a,b,c\n1,2,3\n"))
	if _, _, err := runIncident(t, "import", "--quiet", "--db", filepath.Join(dir, "x.db"), file); err == nil || !strings.Contains(err.Error(), "--format") {
		t.Errorf("incident import of an unknown layout = %v, want an error asking for --format", err)
	}
	if _, _, err := runIncident(t, "import", "--format", "gdelt", file); err == nil {
		t.Errorf("incident import --format gdelt succeeded")
	}
}

// TestIncidentImportGeoJSON imports the hand-made GeoJSON file: the six
// good features are stored (the one with a reporter keeps it), the two bad
// ones are reported as FILE:N: with their paths, a second import changes
// nothing, and history shows the revision with its ledger entry.
func TestIncidentImportGeoJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "incidents.db")
	file := filepath.Join("..", "..", "incidents", "testdata", "reports.geojson")
	for i, want := range []string{": 6 created, 0 updated, 0 unchanged, 2 failed\n", ": 0 created, 0 updated, 6 unchanged, 2 failed\n"} {
		out, stderr, err := runIncident(t, "import", "--quiet", "--db", db, file)
		if err == nil || out != file+want {
			t.Errorf("import %d: %v, printed %q; want an error and %q", i+1, err, out, file+want)
		}
		for _, bad := range []string{file + ":3: features[2].properties.casualties[2].bset:", file + ":6: features[5].properties.happened:"} {
			if !strings.Contains(stderr, bad) {
				t.Errorf("import %d: stderr lacks %q:\n%s", i+1, bad, stderr)
			}
		}
	}
	out, _, err := runIncident(t, "list", "--db", db, "--status", "new", "--limit", "0")
	if err != nil || strings.Count(out, "\n") != 7 {
		t.Fatalf("incident list --status new = %v:\n%s; want a header and 6 reports", err, out)
	}
	key := strings.Fields(strings.Split(out, "\n")[1])[0]
	out, _, err = runIncident(t, "history", "--db", db, key)
	if err != nil || !strings.Contains(out, "import reports.geojson") || !strings.Contains(out, "LEDGER") {
		t.Errorf("incident history %s = %v:\n%s", key, err, out)
	}
	if _, _, err := runIncident(t, "history", "--db", db, "nobody:1"); err == nil || !strings.Contains(err.Error(), "no incident report") {
		t.Errorf("history of a missing report: %v", err)
	}
}
