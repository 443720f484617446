package incidents

import (
	"compress/gzip"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones/geo"
)

const ucdpSyriaFile = "testdata/ucdp_ged_syria_652.1601.1911.csv.gz"

// readUCDPFile reads the UCDP Syria release from testdata.
func readUCDPFile(tb testing.TB) ([]Report, []RowError) {
	tb.Helper()
	f, err := os.Open(ucdpSyriaFile)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var last int
	reports, errs, err := ReadUCDP(zr, func(n int) { last = n })
	if err != nil {
		tb.Fatalf("ReadUCDP(%s) error: %v", ucdpSyriaFile, err)
	}
	if last != len(reports)+len(errs) {
		tb.Errorf("last progress = %d, want %d", last, len(reports)+len(errs))
	}
	return reports, errs
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReadUCDPSyriaComplete(t *testing.T) {
	reports, errs := readUCDPFile(t)
	if len(errs) != 0 {
		t.Fatalf("ReadUCDP: %d row errors, first %v", len(errs), errs[0])
	}
	// SOURCES.md: 16,566 rows; type_of_violence 1: 11,507, 2: 4,577, 3: 482.
	if len(reports) != 16566 {
		t.Fatalf("ReadUCDP: %d reports, want 16566", len(reports))
	}
	byType := map[EventType]int{}
	byKey := map[string]*Report{}
	for i := range reports {
		byType[reports[i].EventType]++
		byKey[reports[i].Key()] = &reports[i]
	}
	if want := (map[EventType]int{EventStateBased: 11507, EventNonState: 4577, EventOneSided: 482}); !cmp.Equal(byType, want) {
		t.Errorf("event types: %v, want %v", byType, want)
	}
	spot := []Report{
		{
			Source: SourceUCDP, SourceEventID: "214797", Line: 2,
			EventType: EventStateBased, SourceEventType: "type_of_violence 1 (state-based conflict)",
			Time:          Interval{day("2016-01-01"), day("2016-01-02")},
			TimePrecision: Precision{SchemeUCDPDate, 1},
			Place:         geo.Point{Lon: 36.707602, Lat: 34.802462}, RadiusM: 2000,
			PlacePrecision: Precision{SchemeUCDPWhere, 1},
			Location:       Text{Value: "Teir Maaleh village"},
			Admin1:         Text{Value: "Homs Governorate"}, Admin2: Text{Value: "Ar Rastan district"},
			Country: Text{Value: "Syria"},
			Actors:  []Text{{Value: "Government of Syria"}, {Value: "Syrian insurgents"}},
			Casualties: []Figure{
				{Category: Killed, Min: 4, Best: 4, Max: 4, Source: "UCDP GED low/best/high"},
				ucdpPart(KilledCivilians, "deaths_civilians", 0), ucdpPart(KilledSideA, "deaths_a", 2),
				ucdpPart(KilledSideB, "deaths_b", 2), ucdpPart(KilledUnknown, "deaths_unknown", 0),
			},
			Happened: ConfidenceProbable,
			Summary:  Text{Value: "14 shells hit Dahya al-Assad an clashes continue around Ter Ma’la"},
			Origins:  Text{Value: "SOHR"}, SourceCount: 1,
		},
		{
			// best (142) above high (177 is low and high): widened, noted.
			Source: SourceUCDP, SourceEventID: "219459", Line: 349,
			EventType: EventStateBased, SourceEventType: "type_of_violence 1 (state-based conflict)",
			Time:          Interval{day("2016-01-16"), day("2016-01-18")},
			TimePrecision: Precision{SchemeUCDPDate, 2},
			Place:         geo.Point{Lon: 40.086365, Lat: 35.386671}, RadiusM: 25000,
			PlacePrecision: Precision{SchemeUCDPWhere, 2},
			Location:       Text{Value: "Al Bogeleyyah suburb"},
			Admin1:         Text{Value: "Deir ez Zor Governorate"}, Admin2: Text{Value: "Deir ez Zor district"},
			Country: Text{Value: "Syria"},
			Actors:  []Text{{Value: "Government of Syria"}, {Value: "IS"}},
			Casualties: []Figure{
				{Category: Killed, Min: 142, Best: 142, Max: 177, Source: "UCDP GED low/best/high",
					Note: "source range not ordered (low 177, best 142, high 177); widened to hold all three"},
				ucdpPart(KilledCivilians, "deaths_civilians", 0), ucdpPart(KilledSideA, "deaths_a", 100),
				ucdpPart(KilledSideB, "deaths_b", 42), ucdpPart(KilledUnknown, "deaths_unknown", 0),
			},
			Happened: ConfidenceProbable,
			Summary:  Text{Value: "135 person from the regime forces and gunmen loyal to them and Baathists and their families were killed and executed when the &#8220;Islamic State&#8221; controlled Al-Bghiliyyeh neighborhood in \u200b\u200bDeir Ezzor"},
			Origins:  Text{Value: "SOHR"}, SourceCount: 1,
		},
		{
			Source: SourceUCDP, SourceEventID: "315521", Line: 2820,
			EventType: EventOneSided, SourceEventType: "type_of_violence 3 (one-sided violence)",
			Time:          Interval{day("2016-06-22"), day("2016-06-24")},
			TimePrecision: Precision{SchemeUCDPDate, 2},
			Place:         geo.Point{Lon: 37.486389, Lat: 36.515278}, RadiusM: 25000,
			PlacePrecision: Precision{SchemeUCDPWhere, 2},
			Location:       Text{Value: "Tall Cerce/Jerji village"},
			Admin1:         Text{Value: "Aleppo Governorate"}, Admin2: Text{Value: "Al Bab district"},
			Country:      Text{Value: "Syria"},
			Actors:       []Text{{Value: "IS"}, {Value: "Civilians"}},
			AllegedActor: Text{Value: "IS"},
			Casualties: []Figure{
				{Category: Killed, Min: 14, Best: 14, Max: 14, Source: "UCDP GED low/best/high"},
				ucdpPart(KilledCivilians, "deaths_civilians", 14), ucdpPart(KilledSideA, "deaths_a", 0),
				ucdpPart(KilledSideB, "deaths_b", 0), ucdpPart(KilledUnknown, "deaths_unknown", 0),
			},
			Happened: ConfidenceProbable, CiviliansHarmed: ConfidenceProbable, Responsibility: ConfidenceProbable,
			Summary: Text{Value: "More than 900 arrests and killings of Syrian civilians in villages of Al-Bab countryside in Aleppo province"},
			Origins: Text{Value: "SOHR"}, SourceCount: 1,
		},
	}
	for _, want := range spot {
		got, ok := byKey[want.Key()]
		if !ok {
			t.Errorf("report %s missing", want.Key())
			continue
		}
		if d := cmp.Diff(want, *got); d != "" {
			t.Errorf("report %s (-want +got):\n%s", want.Key(), d)
		}
	}
}

func ucdpPart(c Category, col string, n int) Figure {
	return Figure{Category: c, Min: n, Best: n, Max: n, Source: "UCDP GED " + col, Note: "best estimate only; UCDP gives no range for this part"}
}

func TestReadUCDPIdempotent(t *testing.T) {
	a, _ := readUCDPFile(t)
	b, _ := readUCDPFile(t)
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("second read differs (-first +second):\n%s", d)
	}
	keys := map[string]bool{}
	for _, r := range a {
		if keys[r.Key()] {
			t.Fatalf("key %s twice", r.Key())
		}
		keys[r.Key()] = true
	}
}

func TestReadUCDPHeaderErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "the file is empty"},
		{"missing columns", "id,latitude\n1,2\n", "header lacks required columns type_of_violence, side_a"},
		{"duplicate column", "id,ID\n", `column "id" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadUCDP(strings.NewReader(tt.in), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadUCDP(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestReadUCDPLineTooLong(t *testing.T) {
	in := strings.Join(ucdpRequired, ",") + "\n" + strings.Repeat("x", MaxLineBytes+1) + "\n"
	_, _, err := ReadUCDP(strings.NewReader(in), nil)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "line 2 exceeds") {
		t.Errorf("ReadUCDP(long line) error = %v, want ErrTooLarge naming line 2", err)
	}
}
