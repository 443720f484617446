package incidents

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones/geo"
)

func readACLEDFile(tb testing.TB) ([]Report, []RowError) {
	tb.Helper()
	f, err := os.Open("testdata/acled_layout_handmade.csv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	reports, errs, err := ReadACLED(f, nil)
	if err != nil {
		tb.Fatalf("ReadACLED error: %v", err)
	}
	return reports, errs
}

func TestReadACLEDHandmade(t *testing.T) {
	reports, errs := readACLEDFile(t)
	wantErrs := []RowError{
		{Line: 7, Column: "event_date", Reason: `"2019-13-05" is not a date (want 2006-01-02)`},
		{Line: 8, Column: "geo_precision", Reason: "4 is outside 1..3"},
		{Line: 10, Column: "latitude", Reason: `"abc" is not a number`},
		{Line: 11, Column: "event_id_cnty", Reason: "is empty; every event needs its source id"},
		{Line: 14, Column: "event_id_cnty", Reason: `event id "TEST-SYR-001" repeats the row on line 2`},
		{Line: 16, Column: "fatalities", Reason: "-2 is outside 0..10000000"},
		{Line: 21, Reason: "has 6 fields; the header has 31"},
	}
	if d := cmp.Diff(wantErrs, errs); d != "" {
		t.Errorf("row errors (-want +got):\n%s", d)
	}
	var ids []string
	for _, r := range reports {
		ids = append(ids, r.SourceEventID)
	}
	wantIDs := []string{"TEST-SYR-001", "TEST-SYR-002", "TEST-SYR-003", "TEST-SYR-004", "TEST-SYR-005",
		"TEST-SYR-008", "TEST-SYR-011", "TEST-SYR-012", "TEST-SYR-014", "TEST-SYR-016",
		"TEST-SYR-017", "TEST-SYR-018", "TEST-SYR-019"}
	if d := cmp.Diff(wantIDs, ids); d != "" {
		t.Fatalf("imported ids (-want +got):\n%s", d)
	}
	get := func(id string) Report {
		for _, r := range reports {
			if r.SourceEventID == id {
				return r
			}
		}
		t.Fatalf("%s not imported", id)
		return Report{}
	}

	r1 := get("TEST-SYR-001")
	want1 := Report{
		Source: SourceACLED, SourceEventID: "TEST-SYR-001", Line: 2,
		EventType: EventAirStrike, SourceEventType: "Explosions/Remote violence; Air/drone strike",
		Time: Interval{day("2019-05-05"), day("2019-05-06")}, TimePrecision: Precision{SchemeACLEDTime, 1},
		Place: geo.Point{Lon: 36.5611, Lat: 35.6139}, RadiusM: 2000, PlacePrecision: Precision{SchemeACLEDGeo, 1},
		Location: Text{Value: "Kafr Nabl"}, Admin1: Text{Value: "Idleb"}, Admin2: Text{Value: "Maarrat An Nu'man"},
		Country:      Text{Value: "Syria"},
		Actors:       []Text{{Value: "Military Forces of Syria (2000-)"}, {Value: "Civilians (Syria)"}},
		AllegedActor: Text{Value: "Military Forces of Syria (2000-)"},
		Casualties: []Figure{{Category: Killed, Min: 7, Best: 7, Max: 7, Source: "ACLED fatalities",
			Note: "ACLED reports one conservative figure, not a range"}},
		Happened: ConfidenceProbable, CiviliansHarmed: ConfidencePlausible, Responsibility: ConfidencePlausible,
		Summary: Text{Value: "HAND-MADE TEST ROW, not ACLED data. Strike on a market."},
		Origins: Text{Value: "Test monitor A"},
	}
	if d := cmp.Diff(want1, r1); d != "" {
		t.Errorf("TEST-SYR-001 (-want +got):\n%s", d)
	}
	if r := get("TEST-SYR-002"); !r.Time.From.Equal(day("2019-05-06")) || r.EventType != EventShelling {
		t.Errorf("TEST-SYR-002: time %v type %s, want 2019-05-06 shelling", r.Time, r.EventType)
	}
	r3 := get("TEST-SYR-003")
	if want := (Text{Value: "Ma’arrat Misrin", Original: "Maâ€™arrat Misrin", Repairs: RepairedMojibake}); r3.Location != want {
		t.Errorf("TEST-SYR-003 location = %+v, want %+v", r3.Location, want)
	}
	if want := (Interval{day("2019-05-04"), day("2019-05-11")}); r3.Time != want || r3.RadiusM != 25000 {
		t.Errorf("TEST-SYR-003 time %v radius %v, want %v and 25000", r3.Time, r3.RadiusM, want)
	}
	if r := get("TEST-SYR-004"); r.AllegedActor.Value != "" || r.Responsibility != ConfidenceUnverified {
		t.Errorf("battle TEST-SYR-004 alleged actor %q (%s), want none", r.AllegedActor.Value, r.Responsibility)
	}
	if r := get("TEST-SYR-005"); r.Time != (Interval{day("2019-05-01"), day("2019-06-01")}) || r.RadiusM != 120000 {
		t.Errorf("TEST-SYR-005 time %v radius %v, want May 2019 and 120000", r.Time, r.RadiusM)
	}
	if r := get("TEST-SYR-019"); !strings.HasPrefix(r.Summary.Value, "HAND-MADE TEST ROW, not ACLED data. Caf\u00e9 ") || r.Summary.Repairs != RepairedNFC {
		t.Errorf("TEST-SYR-019 summary %+v, want NFC é", r.Summary)
	}
}

func TestReadACLEDColumnOrder(t *testing.T) {
	in := "FATALITIES,geo_precision,longitude,latitude,actor1,event_type,time_precision,event_date,event_id_cnty\n" +
		"3,1,36.5,35.5,Someone,Explosions/Remote violence,1,2019-05-05,X-1\n"
	reports, errs, err := ReadACLED(strings.NewReader(in), nil)
	if err != nil || len(errs) != 0 || len(reports) != 1 {
		t.Fatalf("ReadACLED = %d reports, %v, %v; want 1 report", len(reports), errs, err)
	}
	r := reports[0]
	if r.SourceEventID != "X-1" || r.Place != (geo.Point{Lon: 36.5, Lat: 35.5}) || r.Casualties[0].Best != 3 || r.EventType != EventOther {
		t.Errorf("ReadACLED(reordered) = %+v", r)
	}
}

func TestReadACLEDMissingColumns(t *testing.T) {
	_, _, err := ReadACLED(strings.NewReader("event_id_cnty,event_date\nA,2019-01-01\n"), nil)
	want := "ACLED: header lacks required columns time_precision, event_type, actor1, latitude, longitude, geo_precision, fatalities"
	if err == nil || err.Error() != want {
		t.Errorf("ReadACLED error = %v, want %q", err, want)
	}
}

func TestReadACLEDIdempotent(t *testing.T) {
	a, _ := readACLEDFile(t)
	b, _ := readACLEDFile(t)
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("second read differs:\n%s", d)
	}
	if got := Link(append(a, b...), DefaultLinkRule()); countReports(got) != len(a) {
		t.Errorf("linking two imports: %d reports, want %d (re-import must not duplicate)", countReports(got), len(a))
	}
}

func countReports(incs []Incident) int {
	n := 0
	for _, inc := range incs {
		n += len(inc.Reports)
	}
	return n
}
