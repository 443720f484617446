package incidents

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/safezones/safezones"
)

// Limits of DecodeSubmission (review shares MaxFigures and
// MaxPublicRadiusM). A body over MaxSubmissionBytes is refused with
// CodeTooLarge; every other limit with CodeInvalid naming the member.
const (
	MaxSubmissionBytes = 1 << 20   // the whole body, or one feature of a file
	MaxSubmissionDepth = 32        // nesting of JSON objects and arrays; the top-level object is 1
	MaxFigures         = 32        // casualty figures in one report, or in a review
	MaxActors          = 32        // actors in one report
	MaxTextBytes       = 10_000    // one text or plain string, before cleaning
	MaxRadiusM         = 1_000_000 // radius_m: uncertainty of the place
	MaxPublicRadiusM   = 100_000   // public_radius_m: how far public reads may coarsen the place
	// maxFigureCount bounds one casualty number, as the CSV importers do.
	maxFigureCount = 10_000_000
)

// Reporter is who gave a report to the submitter (a witness, a staff member); private: only reviewers see it.
type Reporter struct {
	Name         string `json:"name,omitempty"`
	Organisation string `json:"organisation,omitempty"`
	Contact      string `json:"contact,omitempty"`
}

// Submission is one report as posted to POST /v1/incidents or read from a GeoJSON file.
type Submission struct {
	Report        Report
	Reporter      *Reporter // nil when not given
	PublicRadiusM float64   // >0: public reads coarsen the place to at least this radius
}

// MarshalJSON encodes s in the plain form DecodeSubmission reads: the
// report's members (Report as encoding/json writes it, texts as objects),
// then "reporter" and "public_radius_m" when set, so that DecodeSubmission
// of the result returns s again when s.Report.Line is 0. The result holds
// the reporter, whom only reviewers may see: never encode a Submission for
// a public reader. Escaping can make the result longer than the body it
// was decoded from; only a submission near every text limit at once would
// exceed MaxSubmissionBytes.
func (s Submission) MarshalJSON() ([]byte, error) {
	report, err := encodeJSON(s.Report)
	if err != nil {
		return nil, err
	}
	extra, err := encodeJSON(struct {
		Reporter      *Reporter `json:"reporter,omitempty"`
		PublicRadiusM float64   `json:"public_radius_m,omitempty"`
	}{s.Reporter, s.PublicRadiusM})
	if err != nil {
		return nil, err
	}
	if len(extra) <= 2 {
		return report, nil
	}
	out := append(report[:len(report)-1:len(report)-1], ',')
	return append(out, extra[1:]...), nil
}

// encodeJSON returns v as one line of JSON without HTML escaping, which
// only lengthens text that is never put in HTML as it stands.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// DecodeSubmission reads one incident report from a request body in either
// of two forms, told apart by a top-level "type": "Feature":
//
//   - A JSON object with the members of Report (its json names: "source",
//     "event_type", "time", "place" as {"lon", "lat"}, ...) plus an optional
//     "reporter" (Reporter) and "public_radius_m".
//   - A GeoJSON Feature (RFC 7946) whose geometry is a Point, [longitude,
//     latitude] with an optional altitude that is ignored, and whose
//     "properties" hold the same members except "place". Its "id" (a string
//     or a number, as written) is the source event id when the properties
//     give none. "bbox" is checked (4 or 6 numbers) and ignored.
//
// Decoding is strict: a member that is not one of these, a repeated member
// or a value of the wrong JSON type is an error. A member whose value is
// null counts as absent. "line" is accepted, so that a report read back
// from the API can be posted again, and ignored: Report.Line stays 0.
//
// Required: event_type, time (from and to) and the place; a source given
// must have an id. source and source_event_id may be absent (source_event_id
// also empty): the server names the caller's party and assigns an id.
// ReadGeoJSON requires the source of every feature. Texts
// (location, admin1, admin2, country, actors, alleged_actor, summary,
// origins) are JSON strings, trimmed and cleaned by CleanText as the CSV
// importers clean theirs, or Text objects {"value", "original", "repairs"}
// as Report encodes them, accepted only when they are exactly what
// CleanText gives for their original (or for their value when there is
// none). Confidences are given by name; "confirmed" is refused, since only
// a reviewer confirms a claim. Times are RFC 3339 and are kept in UTC.
//
// Every error is a *safezones.Error. A body over MaxSubmissionBytes has
// CodeTooLarge and no Field; any other failure has CodeInvalid and a Field
// that is the JSON path of the offending value ("time.to",
// "properties.casualties[2].bset", "geometry.coordinates[1]"), or "$" when
// it is the body as a whole (empty, not an object, nested deeper than
// MaxSubmissionDepth, data after the object). A JSON syntax error names
// the value it broke and its byte offset.
func DecodeSubmission(data []byte) (Submission, error) {
	st, err := decodeSubmission(data, false)
	if err != nil {
		return Submission{}, err
	}
	return st.sub, nil
}

// decodeSubmission decodes data as DecodeSubmission does, or as a Feature
// whatever its "type" says when feature is true (a member of a
// FeatureCollection), and returns the whole decoding state.
func decodeSubmission(data []byte, feature bool) (*intake, error) {
	if len(data) > MaxSubmissionBytes {
		return nil, safezones.Errorf(safezones.CodeTooLarge, "the report is %d bytes, more than %d", len(data), MaxSubmissionBytes)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalidf("", "is empty; want a JSON object")
	}
	if err := checkDepth(data); err != nil {
		return nil, err
	}
	inFile := feature
	if !feature {
		feature = isFeature(data)
	}
	in := newJSONIn(data)
	tok, err := in.next("")
	if err != nil {
		return nil, err
	}
	st := &intake{feature: feature, inFile: inFile}
	if feature {
		err = readObject(in, "", tok, &featureMembers, st)
	} else {
		err = readObject(in, "", tok, &plainMembers, st)
	}
	if err != nil {
		return nil, err
	}
	if _, err := in.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalidf("", "has more data after the JSON object, at byte %d", in.dec.InputOffset())
	}
	if err := st.finish(); err != nil {
		return nil, err
	}
	return st, nil
}

// intake is the state of one decoding: the submission so far, which
// required members were seen, and where the source event id came from.
type intake struct {
	sub     Submission
	feature bool // a Feature: report members are under "properties"
	// inFile: a feature of a file, which must name its source; a posted
	// report may leave the source to the server (the caller's party).
	inFile bool
	has    present
	// idPath is the path of the source event id, for later errors about
	// it: "source_event_id", "properties.source_event_id" or "id".
	idPath    string
	featureID string
}

// present records which members were given (not null).
type present uint16

const (
	hasSource present = 1 << iota
	hasEventID
	hasEventType
	hasTime
	hasPlace
	hasType
	hasGeometry
	hasProperties
	hasFeatureID
)

// finish checks what can be checked only once the whole object is read:
// required members, and the feature id standing in for a missing
// source_event_id.
func (st *intake) finish() error {
	prefix := ""
	if st.feature {
		switch {
		case st.has&hasType == 0:
			return invalidf("type", `is required: a GeoJSON Feature has "type": "Feature"`)
		case st.has&hasGeometry == 0:
			return invalidf("geometry", "is required: the place of the report, as a Point")
		case st.has&hasProperties == 0:
			return invalidf("properties", "is required: they hold the report")
		}
		prefix = "properties."
		if st.has&hasEventID == 0 && st.has&hasFeatureID != 0 {
			st.sub.Report.SourceEventID = st.featureID
			st.idPath = "id"
		}
	}
	if st.idPath == "" {
		st.idPath = prefix + "source_event_id"
	}
	switch {
	case st.has&hasSource == 0 && st.inFile:
		return invalidf(prefix+"source", "is required: who gives the report, as {\"id\", \"name\", \"kind\", \"grade\"}")
	case st.has&hasEventType == 0:
		return invalidf(prefix+"event_type", "is required: one of %s", eventTypeNames)
	case st.has&hasTime == 0:
		return invalidf(prefix+"time", "is required: {\"from\", \"to\"} in RFC 3339")
	case st.has&hasPlace == 0:
		return invalidf("place", "is required: {\"lon\", \"lat\"} in WGS 84 degrees")
	}
	return nil
}

// memberFunc reads the value of one member, whose first token is tok
// (never null), into dst; path is the member's JSON path.
type memberFunc[T any] func(in *jsonIn, dst *T, path string, tok json.Token) error

// members is the schema of one kind of JSON object: what it is called in
// messages, a reader for each member it may have, and the names to list
// when an unknown member is found.
type members[T any] struct {
	what  string
	funcs map[string]memberFunc[T]
	names string
}

// newMembers returns the schema of funcs; hidden names are accepted but
// not listed (members kept for compatibility or only to explain an error).
func newMembers[T any](what string, funcs map[string]memberFunc[T], hidden ...string) members[T] {
	var names []string
	for n := range funcs {
		if !slices.Contains(hidden, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return members[T]{what: what, funcs: funcs, names: strings.Join(names, ", ")}
}

// readObject reads the object that starts with tok, handing each member to
// its reader in m. It fails on an unknown or repeated member; a member
// whose value is null is skipped as absent.
func readObject[T any](in *jsonIn, path string, tok json.Token, m *members[T], dst *T) error {
	if tok != json.Delim('{') {
		return typeError(path, "an object ("+m.what+")", tok)
	}
	var seen []string
	for {
		k, err := in.next(path)
		if err != nil {
			return err
		}
		if k == json.Delim('}') {
			return nil
		}
		key, ok := k.(string)
		if !ok {
			return invalidf(path, "has %s where a member name belongs", kindOf(k))
		}
		p := memberPath(path, key)
		if slices.Contains(seen, key) {
			return invalidf(p, "appears twice in %s; readers would disagree on which copy counts", m.what)
		}
		fn, ok := m.funcs[key]
		if !ok {
			return invalidf(p, "is not a member of %s; its members are %s", m.what, m.names)
		}
		seen = append(seen, key)
		v, err := in.next(p)
		if err != nil {
			return err
		}
		if v == nil {
			continue
		}
		if err := fn(in, dst, p, v); err != nil {
			return err
		}
	}
}

// readArray reads the array that starts with tok, handing each element to
// elem; more than max elements is an error naming the array.
func readArray(in *jsonIn, path string, tok json.Token, what string, max int, elem func(i int, path string, tok json.Token) error) error {
	if tok != json.Delim('[') {
		return typeError(path, "an array of "+what, tok)
	}
	for i := 0; ; i++ {
		p := indexPath(path, i)
		t, err := in.next(p)
		if err != nil {
			return err
		}
		if t == json.Delim(']') {
			return nil
		}
		if i == max {
			return invalidf(path, "has more than %d %s", max, what)
		}
		if err := elem(i, p, t); err != nil {
			return err
		}
	}
}

// The schemas. A Feature's properties are a report without "place".
var (
	plainMembers    = newMembers("a report", reportMemberFuncs(false), "line", "type", "geometry", "properties")
	propertyMembers = newMembers("a Feature's properties", reportMemberFuncs(true), "line", "place")
	featureMembers  = newMembers("a GeoJSON Feature", map[string]memberFunc[intake]{
		"type":       readFeatureType,
		"id":         readFeatureID,
		"geometry":   readGeometry,
		"properties": readProperties,
		"bbox":       func(in *jsonIn, _ *intake, path string, tok json.Token) error { return readBBox(in, path, tok) },
	})
)

// reportMemberFuncs returns the readers of a report's members, for the
// plain form or for a Feature's properties.
func reportMemberFuncs(feature bool) map[string]memberFunc[intake] {
	m := map[string]memberFunc[intake]{
		"source":            readSource,
		"source_event_id":   readEventID,
		"line":              readLine,
		"event_type":        readEventType,
		"source_event_type": readSourceEventType,
		"time":              readTime,
		"time_precision":    readPrecision(func(r *Report) *Precision { return &r.TimePrecision }, timeSchemes),
		"place":             readPlace,
		"radius_m":          readRadius,
		"place_precision":   readPrecision(func(r *Report) *Precision { return &r.PlacePrecision }, placeSchemes),
		"location":          readTextMember(func(r *Report) *Text { return &r.Location }),
		"admin1":            readTextMember(func(r *Report) *Text { return &r.Admin1 }),
		"admin2":            readTextMember(func(r *Report) *Text { return &r.Admin2 }),
		"country":           readTextMember(func(r *Report) *Text { return &r.Country }),
		"actors":            readActors,
		"alleged_actor":     readTextMember(func(r *Report) *Text { return &r.AllegedActor }),
		"casualties":        readCasualties,
		"happened":          readConfidence(func(r *Report) *Confidence { return &r.Happened }),
		"civilians_harmed":  readConfidence(func(r *Report) *Confidence { return &r.CiviliansHarmed }),
		"responsibility":    readConfidence(func(r *Report) *Confidence { return &r.Responsibility }),
		"summary":           readTextMember(func(r *Report) *Text { return &r.Summary }),
		"origins":           readTextMember(func(r *Report) *Text { return &r.Origins }),
		"source_count":      readSourceCount,
		"reporter":          readReporter,
		"public_radius_m":   readPublicRadius,
	}
	if feature {
		m["place"] = func(_ *jsonIn, _ *intake, path string, _ json.Token) error {
			return invalidf(path, "is not allowed in a Feature: its place is its Point geometry")
		}
	} else {
		m["type"] = readPlainType
		m["geometry"] = notFeature
		m["properties"] = notFeature
	}
	return m
}

// notFeature refuses a Feature's member in a plain report: most likely
// a Feature without its "type".
func notFeature(_ *jsonIn, _ *intake, path string, _ json.Token) error {
	return invalidf(path, `is not a member of a report; a GeoJSON Feature needs "type": "Feature"`)
}

func readPlainType(_ *jsonIn, _ *intake, path string, tok json.Token) error {
	if tok == "FeatureCollection" {
		return invalidf(path, "is FeatureCollection: post one Feature at a time, or import the file with safezones incident import")
	}
	return invalidf(path, `is only for a GeoJSON Feature ("type": "Feature"); a plain report has no type`)
}

func readSource(in *jsonIn, st *intake, path string, tok json.Token) error {
	src := &st.sub.Report.Source
	if err := readObject(in, path, tok, &sourceMembers, src); err != nil {
		return err
	}
	switch {
	case src.ID == "":
		return invalidf(path+".id", "is required: a short slug such as \"sohr\" or \"ucdp-ged\"")
	case !sourceIDPattern.MatchString(src.ID):
		return invalidf(path+".id", "%q is not a slug: 1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit", abbrev(src.ID))
	case src.Kind != "" && !slices.Contains(sourceKinds, src.Kind):
		return invalidf(path+".kind", "%q is not one of %s", abbrev(string(src.Kind)), joinNames(sourceKinds))
	case src.Grade != "" && src.Grade.rank() > GradeF.rank():
		return invalidf(path+".grade", "%q is not a grade A to F", abbrev(string(src.Grade)))
	}
	st.has |= hasSource
	return nil
}

// sourceIDPattern is a source id: a slug that can head a Report.Key.
var sourceIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

var sourceKinds = []SourceKind{SourceDataset, SourceMonitor, SourceMedia, SourceNGO, SourceParty, SourceWitness}

var sourceMembers = newMembers("a source", map[string]memberFunc[Source]{
	"id": func(_ *jsonIn, s *Source, path string, tok json.Token) (err error) {
		s.ID, err = readString(path, tok, 64)
		return err
	},
	"name": func(_ *jsonIn, s *Source, path string, tok json.Token) (err error) {
		s.Name, err = readPlain(path, tok)
		return err
	},
	"kind": func(_ *jsonIn, s *Source, path string, tok json.Token) error {
		k, err := readString(path, tok, 64)
		s.Kind = SourceKind(k)
		return err
	},
	"grade": func(_ *jsonIn, s *Source, path string, tok json.Token) error {
		g, err := readString(path, tok, 64)
		s.Grade = Grade(g)
		return err
	},
})

func readEventID(_ *jsonIn, st *intake, path string, tok json.Token) error {
	id, err := readString(path, tok, maxIDBytes)
	if err != nil || id == "" {
		return err
	}
	if err := checkEventID(path, id); err != nil {
		return err
	}
	st.sub.Report.SourceEventID = id
	st.idPath = path
	st.has |= hasEventID
	return nil
}

// checkEventID checks a source event id: at most maxIDBytes, no control
// characters and no white space at either end (ids are keys, compared
// byte for byte, so " 42" would silently be another report than "42").
func checkEventID(path, id string) error {
	switch {
	case len(id) > maxIDBytes:
		return invalidf(path, "is %d bytes, more than %d", len(id), maxIDBytes)
	case strings.ContainsFunc(id, unicode.IsControl):
		return invalidf(path, "%q has control characters", abbrev(id))
	case strings.TrimSpace(id) != id:
		return invalidf(path, "%q begins or ends with white space", abbrev(id))
	}
	return nil
}

func readLine(_ *jsonIn, _ *intake, path string, tok json.Token) error {
	_, err := readInt(path, tok, 0, math.MaxInt32)
	return err
}

var eventTypes = []EventType{
	EventAirStrike, EventShelling, EventExplosive, EventChemical, EventArmedClash,
	EventAttack, EventStateBased, EventNonState, EventOneSided, EventOther,
}

var eventTypeNames = joinNames(eventTypes)

func readEventType(_ *jsonIn, st *intake, path string, tok json.Token) error {
	s, err := readString(path, tok, 64)
	if err != nil {
		return err
	}
	if !slices.Contains(eventTypes, EventType(s)) {
		return invalidf(path, "%q is not one of %s", abbrev(s), eventTypeNames)
	}
	st.sub.Report.EventType = EventType(s)
	st.has |= hasEventType
	return nil
}

func readSourceEventType(_ *jsonIn, st *intake, path string, tok json.Token) (err error) {
	st.sub.Report.SourceEventType, err = readPlain(path, tok)
	return err
}

// intervalIn is an Interval being read, with which ends were given.
type intervalIn struct {
	iv       Interval
	from, to bool
}

var intervalMembers = newMembers("a time interval", map[string]memberFunc[intervalIn]{
	"from": func(_ *jsonIn, iv *intervalIn, path string, tok json.Token) (err error) {
		iv.iv.From, err = readRFC3339(path, tok)
		iv.from = true
		return err
	},
	"to": func(_ *jsonIn, iv *intervalIn, path string, tok json.Token) (err error) {
		iv.iv.To, err = readRFC3339(path, tok)
		iv.to = true
		return err
	},
})

func readTime(in *jsonIn, st *intake, path string, tok json.Token) error {
	var iv intervalIn
	if err := readObject(in, path, tok, &intervalMembers, &iv); err != nil {
		return err
	}
	switch {
	case !iv.from:
		return invalidf(path+".from", "is required: the start of the interval, RFC 3339")
	case !iv.to:
		return invalidf(path+".to", "is required: the end of the interval (excluded), RFC 3339")
	case !iv.iv.From.Before(iv.iv.To):
		return invalidf(path+".to", "%s is not after from %s: the interval [from, to) would be empty",
			iv.iv.To.Format(time.RFC3339Nano), iv.iv.From.Format(time.RFC3339Nano))
	}
	st.sub.Report.Time = iv.iv
	st.has |= hasTime
	return nil
}

// readRFC3339 reads an RFC 3339 time and returns it in UTC.
func readRFC3339(path string, tok json.Token) (time.Time, error) {
	s, err := readString(path, tok, 64)
	if err != nil {
		return time.Time{}, err
	}
	var t time.Time
	if err := t.UnmarshalText([]byte(s)); err != nil {
		return time.Time{}, invalidf(path, "%q is not an RFC 3339 time such as 2019-05-05T00:00:00Z", s)
	}
	return t.UTC(), nil
}

// schemeRange is the codes a precision scheme has.
type schemeRange struct {
	scheme PrecisionScheme
	lo, hi int
}

var (
	timeSchemes  = []schemeRange{{SchemeUCDPDate, 1, 5}, {SchemeACLEDTime, 1, 3}}
	placeSchemes = []schemeRange{{SchemeUCDPWhere, 1, 7}, {SchemeACLEDGeo, 1, 3}}
)

var precisionMembers = newMembers("a precision code", map[string]memberFunc[Precision]{
	"scheme": func(_ *jsonIn, p *Precision, path string, tok json.Token) error {
		s, err := readString(path, tok, 64)
		p.Scheme = PrecisionScheme(s)
		return err
	},
	"code": func(_ *jsonIn, p *Precision, path string, tok json.Token) (err error) {
		p.Code, err = readInt(path, tok, math.MinInt32, math.MaxInt32)
		return err
	},
})

// readPrecision returns the reader of a precision member: no scheme and
// code 0, or one of schemes with a code it defines.
func readPrecision(field func(*Report) *Precision, schemes []schemeRange) memberFunc[intake] {
	return func(in *jsonIn, st *intake, path string, tok json.Token) error {
		var p Precision
		if err := readObject(in, path, tok, &precisionMembers, &p); err != nil {
			return err
		}
		i := slices.IndexFunc(schemes, func(s schemeRange) bool { return s.scheme == p.Scheme })
		switch {
		case p.Scheme == "" && p.Code != 0:
			return invalidf(path+".scheme", "is required with a code")
		case p.Scheme != "" && i < 0:
			var names []PrecisionScheme
			for _, s := range schemes {
				names = append(names, s.scheme)
			}
			return invalidf(path+".scheme", "%q is not one of %s", abbrev(string(p.Scheme)), joinNames(names))
		case i >= 0 && (p.Code < schemes[i].lo || p.Code > schemes[i].hi):
			return invalidf(path+".code", "%d is not a %s code (%d to %d)", p.Code, p.Scheme, schemes[i].lo, schemes[i].hi)
		}
		*field(&st.sub.Report) = p
		return nil
	}
}

// pointIn is a place being read, with which coordinates were given.
type pointIn struct {
	lon, lat       float64
	hasLon, hasLat bool
}

var pointMembers = newMembers("a place", map[string]memberFunc[pointIn]{
	"lon": func(_ *jsonIn, p *pointIn, path string, tok json.Token) (err error) {
		p.lon, err = readNumber(path, tok, -180, 180)
		p.hasLon = true
		return err
	},
	"lat": func(_ *jsonIn, p *pointIn, path string, tok json.Token) (err error) {
		p.lat, err = readNumber(path, tok, -90, 90)
		p.hasLat = true
		return err
	},
})

func readPlace(in *jsonIn, st *intake, path string, tok json.Token) error {
	var p pointIn
	if err := readObject(in, path, tok, &pointMembers, &p); err != nil {
		return err
	}
	switch {
	case !p.hasLon:
		return invalidf(path+".lon", "is required: longitude in degrees, -180 to 180")
	case !p.hasLat:
		return invalidf(path+".lat", "is required: latitude in degrees, -90 to 90")
	}
	st.sub.Report.Place.Lon, st.sub.Report.Place.Lat = p.lon, p.lat
	st.has |= hasPlace
	return nil
}

func readRadius(_ *jsonIn, st *intake, path string, tok json.Token) (err error) {
	st.sub.Report.RadiusM, err = readNumber(path, tok, 0, MaxRadiusM)
	return err
}

func readPublicRadius(_ *jsonIn, st *intake, path string, tok json.Token) (err error) {
	st.sub.PublicRadiusM, err = readNumber(path, tok, 0, MaxPublicRadiusM)
	return err
}

func readSourceCount(_ *jsonIn, st *intake, path string, tok json.Token) (err error) {
	st.sub.Report.SourceCount, err = readInt(path, tok, 0, math.MaxInt32)
	return err
}

// readTextMember returns the reader of a Text member.
func readTextMember(field func(*Report) *Text) memberFunc[intake] {
	return func(in *jsonIn, st *intake, path string, tok json.Token) (err error) {
		*field(&st.sub.Report), err = readText(in, path, tok)
		return err
	}
}

// readText reads a text: a JSON string, trimmed and cleaned by CleanText,
// or a Text object that must be exactly what CleanText gives for its
// original (for its value when it has none), so that a report read back
// from the API can be posted again but no text claims a repair that was
// not made.
func readText(in *jsonIn, path string, tok json.Token) (Text, error) {
	if s, ok := tok.(string); ok {
		if len(s) > MaxTextBytes {
			return Text{}, invalidf(path, "is %d bytes, more than %d", len(s), MaxTextBytes)
		}
		return CleanText(strings.TrimSpace(s)), nil
	}
	if tok != json.Delim('{') {
		return Text{}, typeError(path, `a string or a text object {"value", "original", "repairs"}`, tok)
	}
	var t textIn
	if err := readObject(in, path, tok, &textMembers, &t); err != nil {
		return Text{}, err
	}
	if !t.hasValue {
		return Text{}, invalidf(path+".value", "is required in a text object")
	}
	raw := t.t.Value
	if t.t.Original != "" {
		raw = t.t.Original
		if t.t.Repairs&RepairedInvalidUTF8 != 0 {
			u, err := strconv.Unquote(raw)
			if err != nil {
				return Text{}, invalidf(path+".original", "must be a Go-quoted string when repairs include invalid UTF-8 (%d)", RepairedInvalidUTF8)
			}
			raw = u
		}
	}
	if len(raw) > MaxTextBytes {
		return Text{}, invalidf(path, "is %d bytes, more than %d", len(raw), MaxTextBytes)
	}
	if want := CleanText(raw); want != t.t {
		return Text{}, invalidf(path, "value, original and repairs disagree: cleaning %q gives value %q with repairs %d; "+
			"send the text as a plain string to have it cleaned", abbrev(raw), abbrev(want.Value), want.Repairs)
	}
	return t.t, nil
}

// textIn is a Text object being read.
type textIn struct {
	t        Text
	hasValue bool
}

// maxRepairs is every Repair bit set.
const maxRepairs = RepairedNFC<<1 - 1

var textMembers = newMembers("a text", map[string]memberFunc[textIn]{
	"value": func(_ *jsonIn, t *textIn, path string, tok json.Token) (err error) {
		// Repairing invalid bytes can triple a text's length.
		t.t.Value, err = readString(path, tok, 3*MaxTextBytes)
		t.hasValue = true
		return err
	},
	"original": func(_ *jsonIn, t *textIn, path string, tok json.Token) (err error) {
		// Quoting can quadruple it.
		t.t.Original, err = readString(path, tok, 4*MaxTextBytes+2)
		return err
	},
	"repairs": func(_ *jsonIn, t *textIn, path string, tok json.Token) error {
		r, err := readInt(path, tok, 0, int(maxRepairs))
		t.t.Repairs = Repair(r)
		return err
	},
})

func readActors(in *jsonIn, st *intake, path string, tok json.Token) error {
	var actors []Text
	err := readArray(in, path, tok, "actors", MaxActors, func(_ int, p string, t json.Token) error {
		a, err := readText(in, p, t)
		if err == nil && a.Value == "" {
			err = invalidf(p, "is empty; leave out an actor that is not named")
		}
		actors = append(actors, a)
		return err
	})
	st.sub.Report.Actors = actors
	return err
}

// figureIn is a casualty figure being read, with which members were given.
type figureIn struct {
	f                            Figure
	hasMin, hasBest, hasMax, cat bool
}

var figureMembers = newMembers("a casualty figure", map[string]memberFunc[figureIn]{
	"category": func(_ *jsonIn, f *figureIn, path string, tok json.Token) error {
		c, err := readString(path, tok, 64)
		if err != nil {
			return err
		}
		if !Category(c).Valid() {
			return invalidf(path, "%q is not one of %s", abbrev(c), joinNames(Categories))
		}
		f.f.Category, f.cat = Category(c), true
		return nil
	},
	"min": func(_ *jsonIn, f *figureIn, path string, tok json.Token) (err error) {
		f.f.Min, err = readInt(path, tok, 0, maxFigureCount)
		f.hasMin = true
		return err
	},
	"best": func(_ *jsonIn, f *figureIn, path string, tok json.Token) (err error) {
		f.f.Best, err = readInt(path, tok, 0, maxFigureCount)
		f.hasBest = true
		return err
	},
	"max": func(_ *jsonIn, f *figureIn, path string, tok json.Token) (err error) {
		f.f.Max, err = readInt(path, tok, 0, maxFigureCount)
		f.hasMax = true
		return err
	},
	"source": func(_ *jsonIn, f *figureIn, path string, tok json.Token) (err error) {
		f.f.Source, err = readPlain(path, tok)
		return err
	},
	"note": func(_ *jsonIn, f *figureIn, path string, tok json.Token) (err error) {
		f.f.Note, err = readPlain(path, tok)
		return err
	},
})

func readCasualties(in *jsonIn, st *intake, path string, tok json.Token) error {
	var figs []Figure
	err := readArray(in, path, tok, "casualty figures", MaxFigures, func(_ int, p string, t json.Token) error {
		var f figureIn
		if err := readObject(in, p, t, &figureMembers, &f); err != nil {
			return err
		}
		switch {
		case !f.cat:
			return invalidf(p+".category", "is required: one of %s", joinNames(Categories))
		case !f.hasMin || !f.hasBest || !f.hasMax:
			missing := "min"
			if f.hasMin {
				missing = "best"
				if f.hasBest {
					missing = "max"
				}
			}
			return invalidf(p+"."+missing, "is required: a figure is a range min <= best <= max (give one number three times when there is no range)")
		case f.f.Min > f.f.Best:
			return invalidf(p+".min", "%d is more than best %d", f.f.Min, f.f.Best)
		case f.f.Best > f.f.Max:
			return invalidf(p+".max", "%d is less than best %d", f.f.Max, f.f.Best)
		case strings.TrimSpace(f.f.Source) == "":
			return invalidf(p+".source", "is required: where the figure comes from")
		}
		figs = append(figs, f.f)
		return nil
	})
	if err != nil {
		return err
	}
	for i, f := range figs {
		if j := slices.IndexFunc(figs[:i], func(g Figure) bool { return g.Category == f.Category }); j >= 0 {
			return invalidf(indexPath(path, i)+".category", "%s repeats %s: give one figure per category", f.Category, indexPath(path, j))
		}
	}
	st.sub.Report.Casualties = figs
	return nil
}

// readConfidence returns the reader of a confidence member: a name as
// Confidence.UnmarshalText reads it, but never "confirmed".
func readConfidence(field func(*Report) *Confidence) memberFunc[intake] {
	return func(_ *jsonIn, st *intake, path string, tok json.Token) error {
		s, err := readString(path, tok, 64)
		if err != nil {
			return err
		}
		var c Confidence
		if err := c.UnmarshalText([]byte(s)); err != nil {
			return invalidf(path, "%q is not one of %s", abbrev(s), strings.Join(confidenceNames[:], ", "))
		}
		if c == ConfidenceConfirmed {
			return invalidf(path, "confirmed is refused on intake: only a reviewer confirms a claim, from evidence held in the record; submit %s at most", ConfidenceHighlyProbable)
		}
		*field(&st.sub.Report) = c
		return nil
	}
}

func readReporter(in *jsonIn, st *intake, path string, tok json.Token) error {
	var r Reporter
	if err := readObject(in, path, tok, &reporterMembers, &r); err != nil {
		return err
	}
	st.sub.Reporter = &r
	return nil
}

var reporterMembers = newMembers("a reporter", map[string]memberFunc[Reporter]{
	"name": func(_ *jsonIn, r *Reporter, path string, tok json.Token) (err error) {
		r.Name, err = readPlain(path, tok)
		return err
	},
	"organisation": func(_ *jsonIn, r *Reporter, path string, tok json.Token) (err error) {
		r.Organisation, err = readPlain(path, tok)
		return err
	},
	"contact": func(_ *jsonIn, r *Reporter, path string, tok json.Token) (err error) {
		r.Contact, err = readPlain(path, tok)
		return err
	},
})

func readFeatureType(_ *jsonIn, st *intake, path string, tok json.Token) error {
	s, err := readString(path, tok, 64)
	if err != nil {
		return err
	}
	if s != "Feature" {
		return invalidf(path, `is %q; want "Feature"`, abbrev(s))
	}
	st.has |= hasType
	return nil
}

// readFeatureID reads a Feature's "id": a string, or a number kept as
// written.
func readFeatureID(_ *jsonIn, st *intake, path string, tok json.Token) error {
	switch v := tok.(type) {
	case string:
		st.featureID = v
	case json.Number:
		st.featureID = string(v)
	default:
		return typeError(path, "a string or a number", tok)
	}
	if st.featureID == "" {
		return nil
	}
	if err := checkEventID(path, st.featureID); err != nil {
		return err
	}
	st.has |= hasFeatureID
	return nil
}

func readProperties(in *jsonIn, st *intake, path string, tok json.Token) error {
	if err := readObject(in, path, tok, &propertyMembers, st); err != nil {
		return err
	}
	st.has |= hasProperties
	return nil
}

// geometryIn is a Feature's geometry being read.
type geometryIn struct {
	typ    string
	coords []float64
}

var geometryMembers = newMembers("a Point geometry", map[string]memberFunc[geometryIn]{
	"type": func(_ *jsonIn, g *geometryIn, path string, tok json.Token) (err error) {
		g.typ, err = readString(path, tok, 64)
		if err == nil && g.typ != "Point" {
			err = invalidf(path, "is %q: a report's place is a Point, with radius_m for how uncertain it is", abbrev(g.typ))
		}
		return err
	},
	"coordinates": func(in *jsonIn, g *geometryIn, path string, tok json.Token) error {
		g.coords = []float64{} // given, even if empty
		return readArray(in, path, tok, "numbers (a position is [longitude, latitude] or [longitude, latitude, altitude])", 3,
			func(i int, p string, t json.Token) error {
				if _, ok := t.(json.Number); !ok {
					return typeError(p, "a number (a Point's coordinates are [longitude, latitude])", t)
				}
				lo, hi := -math.MaxFloat64, math.MaxFloat64
				switch i {
				case 0:
					lo, hi = -180, 180
				case 1:
					lo, hi = -90, 90
				}
				v, err := readNumber(p, t, lo, hi)
				g.coords = append(g.coords, v)
				return err
			})
	},
	"bbox": func(in *jsonIn, _ *geometryIn, path string, tok json.Token) error { return readBBox(in, path, tok) },
})

func readGeometry(in *jsonIn, st *intake, path string, tok json.Token) error {
	var g geometryIn
	if err := readObject(in, path, tok, &geometryMembers, &g); err != nil {
		return err
	}
	switch {
	case g.typ == "":
		return invalidf(path+".type", `is required: "Point"`)
	case g.coords == nil:
		return invalidf(path+".coordinates", "is required: [longitude, latitude]")
	case len(g.coords) < 2:
		return invalidf(path+".coordinates", "has only %d of the 2 numbers of a position [longitude, latitude]", len(g.coords))
	}
	st.sub.Report.Place.Lon, st.sub.Report.Place.Lat = g.coords[0], g.coords[1]
	st.has |= hasGeometry | hasPlace
	return nil
}

// readBBox checks a GeoJSON "bbox": 4 or 6 finite numbers, otherwise
// ignored.
func readBBox(in *jsonIn, path string, tok json.Token) error {
	n := 0
	err := readArray(in, path, tok, "numbers", 6, func(_ int, p string, t json.Token) error {
		n++
		_, err := readNumber(p, t, -math.MaxFloat64, math.MaxFloat64)
		return err
	})
	if err == nil && n != 4 && n != 6 {
		err = invalidf(path, "has %d numbers; a bbox has 4 or 6", n)
	}
	return err
}
