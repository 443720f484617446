package incidents

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones/geo"
)

// strike returns a day-precise, town-precise air strike report.
func strike(src Source, id string, from time.Time, p geo.Point, killed [3]int, civ int) Report {
	return Report{
		Source: src, SourceEventID: id, EventType: EventAirStrike,
		Time: Interval{from, from.Add(time.Hour)}, Place: p, RadiusM: 1000,
		Happened: ConfidencePlausible,
		Casualties: []Figure{
			{Category: Killed, Min: killed[0], Best: killed[1], Max: killed[2], Source: src.ID},
			{Category: KilledCivilians, Min: civ, Best: civ, Max: civ, Source: src.ID},
		},
	}
}

func TestLinkThreeSourcesOneStrike(t *testing.T) {
	monitor := Source{ID: "monitor", Kind: SourceMonitor, Grade: GradeA}
	media := Source{ID: "media", Kind: SourceMedia, Grade: GradeC}
	ngo := Source{ID: "ngo", Kind: SourceNGO, Grade: GradeB}
	t0 := time.Date(2019, 5, 5, 10, 0, 0, 0, time.UTC)
	kafrNabl := geo.Point{Lon: 36.5611, Lat: 35.6139}
	reports := []Report{
		strike(media, "m-1", t0.Add(2*time.Hour), geo.Destination(kafrNabl, 90, 1500), [3]int{8, 10, 12}, 9),
		strike(monitor, "a-1", t0, kafrNabl, [3]int{6, 7, 7}, 5),
		strike(ngo, "n-1", t0.Add(-30*time.Minute), geo.Destination(kafrNabl, 0, 800), [3]int{5, 6, 9}, 6),
		// The same day, 20 km north: another strike.
		strike(media, "m-2", t0.Add(time.Hour), geo.Destination(kafrNabl, 0, 20_000), [3]int{2, 2, 2}, 2),
	}
	got := Link(reports, DefaultLinkRule())
	if len(got) != 2 {
		t.Fatalf("Link = %d incidents, want 2: %+v", len(got), got)
	}
	one, far := got[0], got[1]
	var keys []string
	for _, r := range one.Reports {
		keys = append(keys, r.Key())
	}
	if d := cmp.Diff([]string{"ngo:n-1", "monitor:a-1", "media:m-1"}, keys); d != "" {
		t.Errorf("incident reports (-want +got):\n%s", d)
	}
	if one.ID != "inc:ngo:n-1" || far.ID != "inc:media:m-2" || len(far.Reports) != 1 {
		t.Errorf("incident ids %s, %s (far has %d reports)", one.ID, far.ID, len(far.Reports))
	}
	wantFigs := []Figure{
		{Category: Killed, Min: 5, Best: 7, Max: 12, Source: "best from monitor:a-1 (monitor)",
			Note: "range is the envelope of 3 reports (monitor:a-1, ngo:n-1, media:m-1); never summed"},
		{Category: KilledCivilians, Min: 5, Best: 5, Max: 9, Source: "best from monitor:a-1 (monitor)",
			Note: "range is the envelope of 3 reports (monitor:a-1, ngo:n-1, media:m-1); never summed"},
	}
	if d := cmp.Diff(wantFigs, one.Casualties); d != "" {
		t.Errorf("combined casualties (-want +got):\n%s", d)
	}
	if one.Place != kafrNabl || one.RadiusM != 1000 {
		t.Errorf("place %v radius %v", one.Place, one.RadiusM)
	}
	if want := (Interval{t0.Add(-30 * time.Minute), t0.Add(3 * time.Hour)}); one.Time != want {
		t.Errorf("time %v, want %v", one.Time, want)
	}
	if len(one.Links) != 2 {
		t.Errorf("links %+v, want 2", one.Links)
	}
}

func TestLinkRules(t *testing.T) {
	t0 := time.Date(2019, 5, 5, 10, 0, 0, 0, time.UTC)
	p := geo.Point{Lon: 36.5, Lat: 35.5}
	a := strike(Source{ID: "a"}, "1", t0, p, [3]int{1, 1, 1}, 0)
	tests := []struct {
		name string
		b    func(Report) Report
		want int // incidents
	}{
		{"same source never linked", func(b Report) Report { b.Source.ID = "a"; b.SourceEventID = "2"; return b }, 2},
		{"other type", func(b Report) Report { b.EventType = EventShelling; return b }, 2},
		{"7 hours later", func(b Report) Report { b.Time = Interval{t0.Add(8 * time.Hour), t0.Add(9 * time.Hour)}; return b }, 2},
		{"5 hours later", func(b Report) Report { b.Time = Interval{t0.Add(6 * time.Hour), t0.Add(7 * time.Hour)}; return b }, 1},
		{"3.9 km apart, radii 1 km", func(b Report) Report { b.Place = geo.Destination(p, 45, 3900); return b }, 1},
		{"4.1 km apart, radii 1 km", func(b Report) Report { b.Place = geo.Destination(p, 45, 4100); return b }, 2},
		{"too vague a place", func(b Report) Report { b.RadiusM = 25_000; return b }, 2},
		{"too vague a time", func(b Report) Report { b.Time.To = b.Time.From.Add(7 * 24 * time.Hour); return b }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := strike(Source{ID: "b"}, "1", t0, p, [3]int{1, 1, 1}, 0)
			if got := Link([]Report{a, tt.b(b)}, DefaultLinkRule()); len(got) != tt.want {
				t.Errorf("Link = %d incidents, want %d", len(got), tt.want)
			}
		})
	}
}

func TestLinkDeterministic(t *testing.T) {
	reports, _ := readUCDPFile(t)
	reports = reports[:3000]
	a := Link(reports, DefaultLinkRule())
	rev := make([]Report, len(reports))
	for i := range reports {
		rev[len(reports)-1-i] = reports[i]
	}
	b := Link(rev, DefaultLinkRule())
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("Link depends on input order:\n%s", d[:min(len(d), 2000)])
	}
	if n := countReports(a); n != len(reports) {
		t.Errorf("incidents hold %d reports, want %d", n, len(reports))
	}
}
