package incidents

import (
	"fmt"
	"io"
	"math"
	"time"
)

// SourceUCDP is the source of reports read by ReadUCDP. UCDP codes each
// event from news and NGO reports it vets, so the dataset is graded B.
var SourceUCDP = Source{ID: "ucdp-ged", Name: "UCDP Georeferenced Event Dataset", Kind: SourceDataset, Grade: GradeB}

// ucdpRequired are the UCDP GED columns ReadUCDP needs; others are read
// when present (where_coordinates, adm_1, adm_2, country, source_headline,
// source_office, number_of_sources, event_clarity).
var ucdpRequired = []string{
	"id", "type_of_violence", "side_a", "side_b",
	"where_prec", "latitude", "longitude",
	"date_prec", "date_start", "date_end",
	"deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "low", "best", "high",
}

// ucdpDateLayouts are the date forms UCDP's releases use.
var ucdpDateLayouts = []string{"2006-01-02", "2006-01-02 15:04:05.000", "2006-01-02 15:04:05", time.RFC3339}

// ucdpViolence maps type_of_violence to an event type and its name.
var ucdpViolence = map[int]struct {
	t    EventType
	name string
}{
	1: {EventStateBased, "state-based conflict"},
	2: {EventNonState, "non-state conflict"},
	3: {EventOneSided, "one-sided violence"},
}

// ReadUCDP reads a UCDP GED CSV file (columns found by header name, in any
// order) and returns one Report per good row, a RowError per bad row, and
// an error when the file cannot be read on: no header, required columns
// missing, an I/O failure, or a limit exceeded (ErrTooLarge). progress, if
// not nil, is called with the number of rows read every 1000 rows and at
// the end.
func ReadUCDP(r io.Reader, progress func(n int)) (reports []Report, errs []RowError, err error) {
	return readRows(r, "UCDP GED", ucdpRequired, "id", progress, parseUCDP)
}

// parseUCDP maps one UCDP row to a Report; errors are left in r.err.
func parseUCDP(r *row) Report {
	rep := Report{Source: SourceUCDP, SourceEventID: r.id("id")}
	violence := r.int("type_of_violence", 1, 3)
	v := ucdpViolence[violence]
	rep.EventType = v.t
	rep.SourceEventType = fmt.Sprintf("type_of_violence %d (%s)", violence, v.name)

	start := r.date("date_start", ucdpDateLayouts...)
	end := r.date("date_end", ucdpDateLayouts...)
	if r.err == nil && end.Before(start) {
		r.fail("date_end", "%s is before date_start %s", end.Format(time.DateOnly), start.Format(time.DateOnly))
	}
	rep.Time = Interval{From: start, To: end.Add(24 * time.Hour)}
	rep.TimePrecision = Precision{SchemeUCDPDate, r.int("date_prec", 1, 5)}

	rep.Place.Lat = r.float("latitude", -90, 90)
	rep.Place.Lon = r.float("longitude", -180, 180)
	where := r.int("where_prec", 1, 7)
	rep.RadiusM, _ = UCDPWherePrec(where).RadiusM()
	rep.PlacePrecision = Precision{SchemeUCDPWhere, where}
	rep.Location = r.text("where_coordinates")
	rep.Admin1 = r.text("adm_1")
	rep.Admin2 = r.text("adm_2")
	rep.Country = r.text("country")

	sideA, sideB := r.text("side_a"), r.text("side_b")
	rep.Actors = nonEmpty(sideA, sideB)
	rep.Casualties = ucdpCasualties(r)
	ucdpConfidence(r, &rep, sideA)

	rep.Summary = r.text("source_headline")
	rep.Origins = r.text("source_office")
	if r.str("number_of_sources") != "" {
		rep.SourceCount = r.int("number_of_sources", 0, math.MaxInt32)
	}
	return rep
}

// ucdpCasualties returns the killed range (low, best, high) and the best
// estimate of each part of it. UCDP publishes no range for the parts, so
// their range collapses to the best estimate, and says so. A range that is
// not ordered (it happens in the data: best above high) is widened to hold
// all three numbers, with the original numbers in the note.
func ucdpCasualties(r *row) []Figure {
	const maxDeaths = 10_000_000
	low, best, high := r.int("low", 0, maxDeaths), r.int("best", 0, maxDeaths), r.int("high", 0, maxDeaths)
	killed := Figure{Category: Killed, Min: min(low, best, high), Best: best, Max: max(low, best, high), Source: "UCDP GED low/best/high"}
	if low > best || best > high {
		killed.Note = fmt.Sprintf("source range not ordered (low %d, best %d, high %d); widened to hold all three", low, best, high)
	}
	figs := []Figure{killed}
	for _, p := range []struct {
		col string
		cat Category
	}{{"deaths_civilians", KilledCivilians}, {"deaths_a", KilledSideA}, {"deaths_b", KilledSideB}, {"deaths_unknown", KilledUnknown}} {
		n := r.int(p.col, 0, maxDeaths)
		figs = append(figs, Figure{Category: p.cat, Min: n, Best: n, Max: n, Source: "UCDP GED " + p.col, Note: "best estimate only; UCDP gives no range for this part"})
	}
	return figs
}

// ucdpConfidence grades the three claims of a UCDP report. UCDP includes
// only events it found clear enough to code: event_clarity 1 (high) makes
// the event probable, 2 (lower: a summary of several events) plausible.
// Civilian harm is claimed at that level when deaths_civilians > 0 or the
// violence is one-sided (its victims are civilians by definition). UCDP
// names a perpetrator only for one-sided violence (side_a acts on
// civilians); in fighting between two sides it does not say who caused the
// deaths, so the responsible actor is left empty and unverified.
func ucdpConfidence(r *row, rep *Report, sideA Text) {
	level := ConfidenceProbable
	if r.str("event_clarity") != "" && r.int("event_clarity", 1, 2) == 2 {
		level = ConfidencePlausible
	}
	rep.Happened = level
	if f, _ := rep.Figure(KilledCivilians); f.Best > 0 || rep.EventType == EventOneSided {
		rep.CiviliansHarmed = level
	}
	if rep.EventType == EventOneSided {
		rep.AllegedActor = sideA
		rep.Responsibility = level
	}
}
