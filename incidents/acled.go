package incidents

import (
	"io"
	"strings"
)

// SourceACLED is the source of reports read by ReadACLED. ACLED codes
// events from media, NGO and local partner reports it reviews, so the
// dataset is graded B.
var SourceACLED = Source{ID: "acled", Name: "Armed Conflict Location & Event Data", Kind: SourceDataset, Grade: GradeB}

// acledRequired are the ACLED columns ReadACLED needs; others are read when
// present (sub_event_type, actor2, assoc_actor_1/2, civilian_targeting,
// location, admin1, admin2, country, source, notes). Header names are
// compared in lower case, so older upper-case exports read too.
var acledRequired = []string{
	"event_id_cnty", "event_date", "time_precision", "event_type", "actor1",
	"latitude", "longitude", "geo_precision", "fatalities",
}

// acledDateLayouts are the event_date forms of ACLED exports: ISO dates
// from the API, "02 January 2006" from older downloads.
var acledDateLayouts = []string{"2006-01-02", "02 January 2006", "2 January 2006", "02-January-2006"}

// acledSubEventTypes maps ACLED sub_event_type to an event type; any other
// sub-event type is EventOther.
var acledSubEventTypes = map[string]EventType{
	"air/drone strike":                  EventAirStrike,
	"shelling/artillery/missile attack": EventShelling,
	"remote explosive/landmine/ied":     EventExplosive,
	"suicide bomb":                      EventExplosive,
	"grenade":                           EventExplosive,
	"chemical weapon":                   EventChemical,
	"armed clash":                       EventArmedClash,
	"attack":                            EventAttack,
}

// acledPerpetratorTypes are the event types in which actor1 is the side
// that acts (ACLED codes the attacker first there); in battles actor1 and
// actor2 carry no direction.
var acledPerpetratorTypes = map[string]bool{
	"violence against civilians": true,
	"explosions/remote violence": true,
}

// ReadACLED reads a CSV file in ACLED's column layout (columns found by
// header name, in any order) and returns one Report per good row, a
// RowError per bad row, and an error when the file cannot be read on: no
// header, required columns missing, an I/O failure, or a limit exceeded
// (ErrTooLarge). progress, if not nil, is called with the number of rows
// read every 1000 rows and at the end.
func ReadACLED(r io.Reader, progress func(n int)) (reports []Report, errs []RowError, err error) {
	return readRows(r, "ACLED", acledRequired, "event_id_cnty", progress, parseACLED)
}

// parseACLED maps one ACLED row to a Report; errors are left in r.err.
func parseACLED(r *row) Report {
	rep := Report{Source: SourceACLED, SourceEventID: r.id("event_id_cnty")}
	eventType, subType := r.text("event_type"), r.text("sub_event_type")
	if eventType.Value == "" {
		r.fail("event_type", "is empty")
	}
	rep.SourceEventType = eventType.Value
	if subType.Value != "" {
		rep.SourceEventType += "; " + subType.Value
	}
	rep.EventType = EventOther
	if t, ok := acledSubEventTypes[strings.ToLower(subType.Value)]; ok {
		rep.EventType = t
	}

	day := r.date("event_date", acledDateLayouts...)
	tp := r.int("time_precision", 1, 3)
	rep.Time, _ = ACLEDTimePrecision(tp).Interval(day)
	rep.TimePrecision = Precision{SchemeACLEDTime, tp}

	rep.Place.Lat = r.float("latitude", -90, 90)
	rep.Place.Lon = r.float("longitude", -180, 180)
	gp := r.int("geo_precision", 1, 3)
	rep.RadiusM, _ = ACLEDGeoPrecision(gp).RadiusM()
	rep.PlacePrecision = Precision{SchemeACLEDGeo, gp}
	rep.Location = r.text("location")
	rep.Admin1 = r.text("admin1")
	rep.Admin2 = r.text("admin2")
	rep.Country = r.text("country")

	actor1 := r.text("actor1")
	if actor1.Value == "" {
		r.fail("actor1", "is empty; ACLED names at least one actor")
	}
	rep.Actors = nonEmpty(actor1, r.text("assoc_actor_1"), r.text("actor2"), r.text("assoc_actor_2"))

	n := r.int("fatalities", 0, 10_000_000)
	rep.Casualties = []Figure{{Category: Killed, Min: n, Best: n, Max: n, Source: "ACLED fatalities",
		Note: "ACLED reports one conservative figure, not a range"}}

	rep.Happened = ConfidenceProbable
	et := strings.ToLower(eventType.Value)
	if et == "violence against civilians" || strings.EqualFold(r.str("civilian_targeting"), "Civilian targeting") {
		rep.CiviliansHarmed = ConfidencePlausible
	}
	if acledPerpetratorTypes[et] {
		rep.AllegedActor = actor1
		rep.Responsibility = ConfidencePlausible
	}
	rep.Summary = r.text("notes")
	rep.Origins = r.text("source")
	return rep
}
