package demo

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"time"

	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/incidents"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// ucdpIdlib is the real UCDP GED events of the 2019 Idlib offensive: the
// rows of the shipped UCDP Syria file (incidents/testdata) that start
// between 2019-04-26 and 2019-08-31 in Idlib or Hama governorate
// (data/SOURCES.md).
//
//go:embed data/ucdp_ged_idlib_offensive_2019.csv.gz
var ucdpIdlib []byte

// RealIncidents returns the real UCDP GED reports the demo shows: the 593
// events of the 2019 Idlib offensive in Idlib and Hama governorates.
func RealIncidents() ([]incidents.Report, error) {
	zr, err := gzip.NewReader(bytes.NewReader(ucdpIdlib))
	if err != nil {
		return nil, err
	}
	reports, rowErrs, err := incidents.ReadUCDP(zr, nil)
	if err != nil {
		return nil, err
	}
	if len(rowErrs) > 0 {
		return nil, fmt.Errorf("demo UCDP file: %v", rowErrs[0])
	}
	return reports, nil
}

// The simulated strike the demo's incident tour follows: three sources
// report one strike near the scenario hospital in Kafr Nobol, and a fourth
// report 20 km away is another event.
const (
	// SimulatedStrikeKey is the civil defence's report, the one reviewed.
	SimulatedStrikeKey = "syria-civil-defence:demo-2019-05-05-kafr-nobol"
	// DemoReviewer is the monitoring cell's member who reviews it.
	DemoReviewer = "monitor-cell-demo-reviewer"
)

// SimulatedIncidents returns the demo's simulated submissions, each for
// the party that submits it (its Source.ID): the Kafr Nobol strike as
// reported by the civil defence (with a reporter, coarsened to 5 km for
// public reads), by the monitoring cell and by a simulated media source
// (the operator submits for it), and a separate strike near Ma'arrat An
// Nu'man 20 km away. Every summary and source name says simulated.
func SimulatedIncidents() []incidents.Submission {
	day := time.Date(2019, 5, 5, 0, 0, 0, 0, time.UTC)
	at := func(h, m int, d time.Duration) incidents.Interval {
		from := day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
		return incidents.Interval{From: from, To: from.Add(d)}
	}
	fig := func(c incidents.Category, min, best, max int, src string) incidents.Figure {
		return incidents.Figure{Category: c, Min: min, Best: best, Max: max, Source: src}
	}
	text := incidents.CleanText
	strike := func(src incidents.Source, id string, when incidents.Interval, p geo.Point, radius float64, summary string, figs ...incidents.Figure) incidents.Report {
		return incidents.Report{Source: src, SourceEventID: id, EventType: incidents.EventAirStrike, SourceEventType: "air strike",
			Time: when, Place: p, RadiusM: radius, Location: text("Kafr Nobol (scenario hospital)"), Admin1: text("Idleb"),
			Admin2: text("Ma'arrat An Nu'man"), Country: text("Syria"), Casualties: figs,
			Happened: incidents.ConfidencePlausible, CiviliansHarmed: incidents.ConfidencePlausible,
			Summary: text(summary + " SIMULATED demo report, not a record of a real event.")}
	}
	civilDefence := incidents.Source{ID: "syria-civil-defence", Name: "Syria Civil Defence (simulated report)", Kind: incidents.SourceNGO, Grade: incidents.GradeF}
	monitor := incidents.Source{ID: "monitor-cell", Name: "Scenario Monitoring Cell (simulated)", Kind: incidents.SourceMonitor, Grade: incidents.GradeF}
	media := incidents.Source{ID: "demo-media", Name: "Demo news wire (simulated)", Kind: incidents.SourceMedia, Grade: incidents.GradeC}
	hospital := geo.Point{Lon: 36.561026, Lat: 35.613414}

	first := strike(civilDefence, "demo-2019-05-05-kafr-nobol", at(7, 10, 20*time.Minute), geo.Point{Lon: 36.5618, Lat: 35.6139}, 100,
		"Two strikes hit the hospital's east wing; rescue teams pulled out the wounded.",
		fig(incidents.Killed, 3, 4, 6, "civil defence team on site"), fig(incidents.Injured, 10, 12, 15, "civil defence team on site"))
	second := strike(monitor, "demo-cell-0412", at(7, 0, time.Hour), hospital, 500,
		"Observers report an air strike on the hospital in Kafr Nobol.",
		fig(incidents.Killed, 2, 3, 5, "monitoring cell observers"))
	third := strike(media, "demo-wire-20190505-kn", incidents.Interval{From: day, To: day.Add(24 * time.Hour)}, geo.Point{Lon: 36.5640, Lat: 35.6120}, 1500,
		"Wire report: hospital in Kafr Nobol struck in the morning.",
		fig(incidents.Killed, 4, 5, 5, "local health official quoted by the wire"))
	elsewhere := strike(monitor, "demo-cell-0413", at(8, 30, time.Hour), geo.Point{Lon: 36.676019, Lat: 35.648379}, 500,
		"Observers report an air strike on a market in Ma'arrat An Nu'man.",
		fig(incidents.Killed, 1, 2, 2, "monitoring cell observers"))
	elsewhere.Location = text("Ma'arrat An Nu'man market (scenario)")
	return []incidents.Submission{
		{Report: first, Reporter: &incidents.Reporter{Name: "Simulated witness (demo)", Organisation: "Syria Civil Defence (simulated)", Contact: "demo only"}, PublicRadiusM: 5000},
		{Report: second}, {Report: third}, {Report: elsewhere},
	}
}

// SimulatedEvidencePhoto returns a PNG that stands in for a photo of the
// strike: a drawn placard that says it is simulated, so no real image of
// harm is shown as something it is not.
func SimulatedEvidencePhoto() []byte {
	const w, h = 960, 600
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0x4a, 0x4e, 0x54, 0xff}}, image.Point{}, draw.Src)
	// A rubble-like band of grey blocks, deterministic.
	for i := 0; i < 240; i++ {
		x, y := (i*137)%w, h/2+(i*71)%(h/2)
		c := uint8(0x70 + (i*29)%0x60)
		draw.Draw(img, image.Rect(x, y, x+18+(i%5)*9, y+10+(i%7)*6), &image.Uniform{color.RGBA{c, c - 8, c - 16, 0xff}}, image.Point{}, draw.Src)
	}
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.White), Face: basicfont.Face7x13}
	for i, line := range []string{"SIMULATED EVIDENCE - safezones demo", "Not a photograph of a real event.",
		"Stands in for a photo of the east wing, Kafr Nobol scenario hospital, 2019-05-05."} {
		d.Dot = fixed.P(40, 60+i*24)
		d.DrawString(line)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory RGBA image cannot fail
	}
	return b.Bytes()
}
