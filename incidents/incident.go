package incidents

import (
	"fmt"
	"time"

	"github.com/safezones/safezones/geo"
)

// Confidence is how sure the record is of one claim, on one scale for all
// three claims a Report makes (that the event happened, that civilians were
// harmed, who is responsible). The zero value is ConfidenceUnverified, so a
// claim nobody graded is never mistaken for a checked one. Values are
// ordered: a greater Confidence is a stronger one.
type Confidence uint8

// The confidence scale, weakest first.
const (
	// ConfidenceUnverified: reported, or not stated at all, and not checked.
	ConfidenceUnverified Confidence = iota
	// ConfidencePlausible: consistent with what is known, one unchecked source.
	ConfidencePlausible
	// ConfidenceProbable: a source with a vetting process (a curated dataset)
	// reports it, or two independent unvetted sources agree.
	ConfidenceProbable
	// ConfidenceHighlyProbable: several independent sources agree, or one
	// source with direct evidence (imagery, remnants, witnesses on record).
	ConfidenceHighlyProbable
	// ConfidenceConfirmed: established by a reviewer from evidence held in
	// the record; importers never assign it.
	ConfidenceConfirmed
)

var confidenceNames = [...]string{"unverified", "plausible", "probable", "highly_probable", "confirmed"}

// String returns the snake_case name of c ("highly_probable"), or
// "confidence(N)" for a value outside the scale.
func (c Confidence) String() string {
	if int(c) < len(confidenceNames) {
		return confidenceNames[c]
	}
	return fmt.Sprintf("confidence(%d)", uint8(c))
}

// MarshalText encodes c by name; it fails for a value outside the scale.
func (c Confidence) MarshalText() ([]byte, error) {
	if int(c) >= len(confidenceNames) {
		return nil, fmt.Errorf("confidence %d is outside the scale", uint8(c))
	}
	return []byte(confidenceNames[c]), nil
}

// UnmarshalText decodes a name written by MarshalText.
func (c *Confidence) UnmarshalText(b []byte) error {
	v, err := ParseConfidence(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseConfidence returns the Confidence named s ("probable"), or an error
// naming the accepted values.
func ParseConfidence(s string) (Confidence, error) {
	for i, n := range confidenceNames {
		if n == s {
			return Confidence(i), nil
		}
	}
	return 0, fmt.Errorf("confidence %q: want one of %v", s, confidenceNames)
}

// Grade is the reliability of a source on the Admiralty (NATO STANAG 2511)
// scale, "A" (completely reliable) to "F" (cannot be judged). It grades the
// source, not one report: a report's own credibility is in its confidences.
type Grade string

// The reliability grades.
const (
	GradeA Grade = "A" // completely reliable: a history of complete reliability
	GradeB Grade = "B" // usually reliable: minor doubts
	GradeC Grade = "C" // fairly reliable: doubts, but valid reports before
	GradeD Grade = "D" // not usually reliable: significant doubts
	GradeE Grade = "E" // unreliable: lacks authenticity, invalid reports before
	GradeF Grade = "F" // reliability cannot be judged
)

// rank orders grades for choosing among sources: 0 is GradeA, 5 GradeF,
// and anything else ranks below GradeF.
func (g Grade) rank() int {
	if len(g) == 1 && g[0] >= 'A' && g[0] <= 'F' {
		return int(g[0] - 'A')
	}
	return 6
}

// SourceKind says what sort of source a report comes from.
type SourceKind string

// The kinds of source.
const (
	SourceDataset SourceKind = "dataset" // a curated event dataset (UCDP GED, ACLED)
	SourceMonitor SourceKind = "monitor" // a monitoring organisation's own report
	SourceMedia   SourceKind = "media"   // a news outlet
	SourceNGO     SourceKind = "ngo"     // a humanitarian organisation on the ground
	SourceParty   SourceKind = "party"   // a party to the conflict (may be self-serving)
	SourceWitness SourceKind = "witness" // a person who saw it
)

// Source is who gives a report: ID is a short stable slug used in report
// keys ("ucdp-ged", "acled"), Name a human name.
type Source struct {
	ID    string     `json:"id"`
	Name  string     `json:"name"`
	Kind  SourceKind `json:"kind"`
	Grade Grade      `json:"grade"`
}

// EventType is what happened, on the project's own coarse vocabulary; the
// source's own words stay in Report.SourceEventType. Linking only joins
// reports of the same EventType.
type EventType string

// The event types. UCDP GED does not say how people were killed, only the
// kind of violence, so its reports keep UCDP's three categories.
const (
	EventAirStrike  EventType = "air_strike"  // aircraft or drone strike
	EventShelling   EventType = "shelling"    // artillery, rockets, missiles
	EventExplosive  EventType = "explosive"   // IED, landmine, suicide bomb, grenade
	EventChemical   EventType = "chemical"    // chemical weapon
	EventArmedClash EventType = "armed_clash" // armed groups fighting each other
	EventAttack     EventType = "attack"      // ground attack on people
	EventStateBased EventType = "state_based" // UCDP type_of_violence 1
	EventNonState   EventType = "non_state"   // UCDP type_of_violence 2
	EventOneSided   EventType = "one_sided"   // UCDP type_of_violence 3: violence against civilians
	EventOther      EventType = "other"       // anything else; see SourceEventType
)

// Interval is a half-open span of time [From, To) in UTC: an event known
// only to the day d is [d 00:00, d+1 00:00).
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Gap returns how far apart i and o are: zero when they overlap or touch.
func (i Interval) Gap(o Interval) time.Duration {
	switch {
	case o.From.After(i.To):
		return o.From.Sub(i.To)
	case i.From.After(o.To):
		return i.From.Sub(o.To)
	}
	return 0
}

// PrecisionScheme names whose precision codes a Precision carries.
type PrecisionScheme string

// The precision schemes the importers read.
const (
	SchemeUCDPWhere PrecisionScheme = "ucdp_where_prec"      // UCDPWherePrec
	SchemeUCDPDate  PrecisionScheme = "ucdp_date_prec"       // UCDPDatePrec
	SchemeACLEDGeo  PrecisionScheme = "acled_geo_precision"  // ACLEDGeoPrecision
	SchemeACLEDTime PrecisionScheme = "acled_time_precision" // ACLEDTimePrecision
)

// Precision is a source's own precision code, kept as given so that a
// reviewer can see it beside the radius or interval derived from it.
type Precision struct {
	Scheme PrecisionScheme `json:"scheme"`
	Code   int             `json:"code"`
}

// Category is what a casualty figure counts.
type Category string

// The casualty categories. Killed and Injured count everyone; the others
// are parts of them, present only where the source gives them.
const (
	Killed           Category = "killed"
	KilledCivilians  Category = "killed_civilians"
	KilledChildren   Category = "killed_children"
	KilledSideA      Category = "killed_side_a"  // UCDP deaths_a
	KilledSideB      Category = "killed_side_b"  // UCDP deaths_b
	KilledUnknown    Category = "killed_unknown" // UCDP deaths_unknown: status not known
	Injured          Category = "injured"
	InjuredCivilians Category = "injured_civilians"
	InjuredChildren  Category = "injured_children"
)

// Figure is one casualty count as a range Min <= Best <= Max, with where it
// comes from (Source: the source and its field) and a Note when the figure
// was adjusted or is narrower than it looks.
type Figure struct {
	Category Category `json:"category"`
	Min      int      `json:"min"`
	Best     int      `json:"best"`
	Max      int      `json:"max"`
	Source   string   `json:"source"`
	Note     string   `json:"note,omitempty"`
}

// Report is one source's account of one event.
type Report struct {
	Source        Source `json:"source"`
	SourceEventID string `json:"source_event_id"`
	// Line is the line of the source file the report was read from.
	Line int `json:"line,omitempty"`

	EventType       EventType `json:"event_type"`
	SourceEventType string    `json:"source_event_type"`

	Time          Interval  `json:"time"`
	TimePrecision Precision `json:"time_precision"`

	Place          geo.Point `json:"place"`
	RadiusM        float64   `json:"radius_m"`
	PlacePrecision Precision `json:"place_precision"`
	Location       Text      `json:"location"`
	Admin1         Text      `json:"admin1"`
	Admin2         Text      `json:"admin2"`
	Country        Text      `json:"country"`

	// Actors are the parties the source names, in its order; AllegedActor
	// is the one it holds responsible for the harm, when it says so.
	Actors       []Text `json:"actors,omitempty"`
	AllegedActor Text   `json:"alleged_actor"`

	Casualties []Figure `json:"casualties,omitempty"`

	Happened        Confidence `json:"happened"`
	CiviliansHarmed Confidence `json:"civilians_harmed"`
	Responsibility  Confidence `json:"responsibility"`

	// Summary is the source's description (ACLED notes, UCDP headline);
	// Origins the outlets the source itself cites; SourceCount how many.
	Summary     Text `json:"summary"`
	Origins     Text `json:"origins"`
	SourceCount int  `json:"source_count,omitempty"`
}

// Key returns the idempotency key "source-id:event-id": two reports with
// the same Key are versions of one source's record of one event, and a
// newer one replaces the older.
func (r *Report) Key() string { return r.Source.ID + ":" + r.SourceEventID }

// Figure returns r's figure for c and whether it has one.
func (r *Report) Figure(c Category) (Figure, bool) {
	for _, f := range r.Casualties {
		if f.Category == c {
			return f, true
		}
	}
	return Figure{}, false
}

// Match records why two reports were joined: report To matched report From
// at time Gap and at DistanceM metres after subtracting both radii.
type Match struct {
	From      string        `json:"from"`
	To        string        `json:"to"`
	Gap       time.Duration `json:"gap"`
	DistanceM float64       `json:"distance_m"`
}

// Incident is one event as established from one or more linked reports,
// each from a different source. Its casualties combine the reports' figures
// without adding them up (see Link); its confidences are the strongest any
// report gives, until a reviewer changes them.
type Incident struct {
	// ID is "inc:" plus the Key of its earliest report.
	ID        string    `json:"id"`
	EventType EventType `json:"event_type"`
	// Time is the smallest interval covering every report's interval.
	Time Interval `json:"time"`
	// Place and RadiusM are those of the most precise report.
	Place   geo.Point `json:"place"`
	RadiusM float64   `json:"radius_m"`

	Reports []Report `json:"reports"`
	Links   []Match  `json:"links,omitempty"`

	Casualties      []Figure   `json:"casualties,omitempty"`
	AllegedActor    Text       `json:"alleged_actor"`
	Happened        Confidence `json:"happened"`
	CiviliansHarmed Confidence `json:"civilians_harmed"`
	Responsibility  Confidence `json:"responsibility"`
}
