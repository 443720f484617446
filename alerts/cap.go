package alerts

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// CAPNamespace is the XML namespace of CAP 1.2 messages.
const CAPNamespace = "urn:oasis:names:tc:emergency:cap:1.2"

// CAPAlert is a CAP 1.2 <alert> message (OASIS Common Alerting Protocol
// 1.2): the elements in schema order, so that encoding it gives a message
// valid against the CAP 1.2 XSD. Times are kept as CAP writes them
// ("2026-11-25T12:00:00-00:00"); see CAPTime. Decoding refuses other
// namespaces (CAP 1.1), and ignores XML signatures.
type CAPAlert struct {
	XMLName     xml.Name  `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier  string    `xml:"identifier"`
	Sender      string    `xml:"sender"`
	Sent        string    `xml:"sent"`
	Status      string    `xml:"status"`
	MsgType     string    `xml:"msgType"`
	Source      string    `xml:"source,omitempty"`
	Scope       string    `xml:"scope"`
	Restriction string    `xml:"restriction,omitempty"`
	Addresses   string    `xml:"addresses,omitempty"`
	Codes       []string  `xml:"code"`
	Note        string    `xml:"note,omitempty"`
	References  string    `xml:"references,omitempty"`
	Incidents   string    `xml:"incidents,omitempty"`
	Infos       []CAPInfo `xml:"info"`
}

// CAPInfo is one <info> block of a CAP message.
type CAPInfo struct {
	Language      string        `xml:"language,omitempty"`
	Categories    []string      `xml:"category"`
	Event         string        `xml:"event"`
	ResponseTypes []string      `xml:"responseType"`
	Urgency       string        `xml:"urgency"`
	Severity      string        `xml:"severity"`
	Certainty     string        `xml:"certainty"`
	Audience      string        `xml:"audience,omitempty"`
	EventCodes    []CAPValue    `xml:"eventCode"`
	Effective     string        `xml:"effective,omitempty"`
	Onset         string        `xml:"onset,omitempty"`
	Expires       string        `xml:"expires,omitempty"`
	SenderName    string        `xml:"senderName,omitempty"`
	Headline      string        `xml:"headline,omitempty"`
	Description   string        `xml:"description,omitempty"`
	Instruction   string        `xml:"instruction,omitempty"`
	Web           string        `xml:"web,omitempty"`
	Contact       string        `xml:"contact,omitempty"`
	Parameters    []CAPValue    `xml:"parameter"`
	Resources     []CAPResource `xml:"resource"`
	Areas         []CAPArea     `xml:"area"`
}

// CAPValue is a valueName/value pair (eventCode, parameter, geocode).
type CAPValue struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// CAPResource is a <resource>: a file that supplements the message.
type CAPResource struct {
	ResourceDesc string `xml:"resourceDesc"`
	MimeType     string `xml:"mimeType"`
	Size         string `xml:"size,omitempty"`
	URI          string `xml:"uri,omitempty"`
	DerefURI     string `xml:"derefUri,omitempty"`
	Digest       string `xml:"digest,omitempty"`
}

// CAPArea is an <area>. Polygons are "lat,lon lat,lon ..." with the first
// pair repeated last; circles "lat,lon radius_km"; altitude and ceiling
// in feet above mean sea level (CAP's units).
type CAPArea struct {
	AreaDesc string     `xml:"areaDesc"`
	Polygons []string   `xml:"polygon"`
	Circles  []string   `xml:"circle"`
	Geocodes []CAPValue `xml:"geocode"`
	Altitude string     `xml:"altitude,omitempty"`
	Ceiling  string     `xml:"ceiling,omitempty"`
}

// CAPOptions say what CAPMessage needs beyond the alert.
type CAPOptions struct {
	// HostID names this deployment in identifiers:
	// "safezones-<HostID>-al-<seq>" (letters, digits, '.', '-', '_').
	HostID string
	// SenderName is the human name of the sender ("Idlib coordination
	// cell"); optional.
	SenderName string
	// Zone is the zone version the alert concerns, for the area's polygon
	// or circle and altitude band; without it the area is its description.
	Zone *safezones.Zone
	// Previous is the earlier alert this one updates or cancels (see
	// Previous): a re-issued warning's last warning, a cancellation's
	// warning, a violation end's violation. It goes into <references>.
	Previous *safezones.Alert
	// Web is a link to more information about the alert; optional.
	Web string
}

// UrgentETA is the ETA below which a warning is Immediate rather than
// Expected.
const UrgentETA = 5 * time.Minute

// CAPMessage returns alert a as a CAP 1.2 message sent by sender (an
// identifier of the sending system without spaces, commas, '<' or '&',
// such as "safezones@cell.example.org"). Status is Exercise for simulated
// alerts and Actual otherwise; msgType is Alert, Update (a re-issued
// warning, a violation's end) or Cancel (a cancelled warning), referring
// to opts.Previous. It fails when sender or opts.HostID holds a character
// CAP forbids there, or a has no Seq (it was not stored).
func CAPMessage(a safezones.Alert, sender string, opts CAPOptions) (*CAPAlert, error) {
	if err := checkCAPToken("sender", sender); err != nil {
		return nil, err
	}
	if err := checkCAPToken("host id", opts.HostID); err != nil {
		return nil, err
	}
	if a.Seq <= 0 {
		return nil, fmt.Errorf("cap message for alert %q: it has no seq (not stored)", a.ID)
	}
	m := &CAPAlert{
		Identifier: CAPIdentifier(opts.HostID, &a),
		Sender:     sender,
		Sent:       CAPTime(sentAt(&a)),
		Status:     "Actual",
		MsgType:    "Alert",
		Source:     sourceText(a.Source),
		Scope:      "Public",
	}
	if a.Source.Kind == safezones.SourceSimulated {
		m.Status = "Exercise"
		m.Note = "Simulated scenario data (exercise): not a real-world claim about any party."
	}
	if p := opts.Previous; p != nil && p.Seq > 0 {
		m.References = sender + "," + CAPIdentifier(opts.HostID, p) + "," + CAPTime(sentAt(p))
	}
	switch a.Kind {
	case safezones.AlertViolationEnd:
		m.MsgType = "Update"
	case safezones.AlertWarning:
		if m.References != "" {
			m.MsgType = "Update"
		}
	case safezones.AlertWarningCancelled:
		m.MsgType = "Cancel"
	}
	m.Infos = []CAPInfo{capInfo(&a, opts)}
	return m, nil
}

// CAPIdentifier returns the CAP identifier of a stored alert:
// "safezones-<hostID>-<a.ID>", or "safezones-<a.ID>" without a host id.
func CAPIdentifier(hostID string, a *safezones.Alert) string {
	id := a.ID
	if id == "" {
		id = "al-" + strconv.FormatInt(a.Seq, 10)
	}
	if hostID == "" {
		return "safezones-" + id
	}
	return "safezones-" + hostID + "-" + id
}

// CAPTime formats t as CAP's dateTime: whole seconds, in UTC, with the
// offset written "-00:00" as CAP 1.2 (3.3.2) requires for UTC.
func CAPTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05") + "-00:00"
}

// sentAt is when the alert was issued: when the store recorded it, or
// when it happened for an alert without that.
func sentAt(a *safezones.Alert) time.Time {
	if !a.Created.IsZero() {
		return a.Created
	}
	return a.At
}

func checkCAPToken(what, v string) error {
	if strings.ContainsAny(v, " ,<&\t\n\r") {
		return fmt.Errorf("cap %s %q: CAP forbids spaces, commas, '<' and '&' in it", what, v)
	}
	return nil
}

func sourceText(s safezones.Source) string {
	out := string(s.Kind)
	if s.Description != "" {
		out += ": " + s.Description
	}
	return out
}

// capInfo fills the one <info> block of a.
func capInfo(a *safezones.Alert, opts CAPOptions) CAPInfo {
	in := CAPInfo{
		Language:   "en-US",
		Categories: []string{"Security", "Safety"},
		Event:      capEvent(a),
		SenderName: opts.SenderName,
		Web:        opts.Web,
		Parameters: capParameters(a),
		Areas:      []CAPArea{capArea(a, opts.Zone)},
	}
	what, where := objectNoun(a), zoneLabel(a)
	lower := strings.ToLower(what)
	at := a.At.UTC().Format(time.RFC3339)
	pos := fmt.Sprintf("%.5f, %.5f (lat, lon)", a.Point.Lat, a.Point.Lon)
	switch a.Kind {
	case safezones.AlertViolation:
		in.Urgency, in.Severity, in.Certainty = "Immediate", "Severe", "Observed"
		in.ResponseTypes = []string{"Shelter"}
		in.Headline = fmt.Sprintf("%s %s inside %s", what, a.ObjectID, where)
		in.Description = fmt.Sprintf("%s %s was inside %s at %s, at %s.", what, a.ObjectID, where, at, pos)
		if !a.AltitudeKnown {
			// Matched on the area alone: it may be outside the band.
			in.Certainty = "Likely"
			in.Description += " Its altitude was not reported: it is inside the zone's area and may be outside its altitude band."
		}
	case safezones.AlertViolationEnd:
		in.Urgency, in.Severity, in.Certainty = "Past", "Minor", "Observed"
		in.ResponseTypes = []string{"AllClear"}
		in.Headline = fmt.Sprintf("%s %s no longer inside %s (%s)", what, a.ObjectID, where, reasonText(a.Reason))
		in.Description = fmt.Sprintf("The violation of %s by %s %s ended at %s: %s.", where, lower, a.ObjectID, at, reasonText(a.Reason))
		if a.DwellSeconds != nil {
			in.Description += fmt.Sprintf(" It was inside for %s.", durationText(*a.DwellSeconds))
		}
	case safezones.AlertWarning:
		eta := value(a.ETASeconds)
		in.Urgency, in.Severity, in.Certainty = "Expected", "Severe", warningCertainty(a)
		in.ResponseTypes = []string{"Prepare"}
		if eta < UrgentETA.Seconds() {
			in.Urgency, in.ResponseTypes = "Immediate", []string{"Shelter"}
		}
		in.Onset = CAPTime(a.At.Add(time.Duration(value(a.ETAMinSeconds) * float64(time.Second))))
		in.Headline = fmt.Sprintf("%s %s expected at %s in about %s", what, a.ObjectID, where, durationText(eta))
		in.Description = fmt.Sprintf("At %s %s %s, at %s, was predicted to reach %s in %s (between %s and %s).",
			at, lower, a.ObjectID, pos, where, durationText(eta), durationText(value(a.ETAMinSeconds)), durationText(value(a.ETAMaxSeconds)))
		if a.Entry != nil {
			in.Description += fmt.Sprintf(" Predicted entry at %.5f, %.5f (lat, lon).", a.Entry.Lat, a.Entry.Lon)
		}
	case safezones.AlertWarningCancelled:
		in.Urgency, in.Severity, in.Certainty = "Past", "Minor", "Unlikely"
		in.ResponseTypes = []string{"AllClear"}
		in.Headline = fmt.Sprintf("Cancelled: %s %s no longer expected at %s (%s)", lower, a.ObjectID, where, reasonText(a.Reason))
		in.Description = fmt.Sprintf("The warning that %s %s would reach %s was cancelled at %s: %s.", lower, a.ObjectID, where, at, reasonText(a.Reason))
	}
	if a.Source.Kind == safezones.SourceSimulated {
		in.Description += " Simulated scenario data: not a real-world claim about any party."
	}
	return in
}

// warningCertainty is Likely when the ETA interval over the prediction's
// speed and turn scenarios is narrow (at most half the ETA, or a minute),
// Possible when the scenarios disagree more.
func warningCertainty(a *safezones.Alert) string {
	spread := value(a.ETAMaxSeconds) - value(a.ETAMinSeconds)
	if spread <= max(60, value(a.ETASeconds)/2) {
		return "Likely"
	}
	return "Possible"
}

func capEvent(a *safezones.Alert) string {
	switch {
	case a.Kind == safezones.AlertViolation:
		return "No-fly zone violation"
	case a.Kind == safezones.AlertViolationEnd:
		return "No-fly zone violation ended"
	case a.ZoneKind == safezones.KindProtectedSite:
		return "Approach to a protected site"
	}
	return "Aircraft approaching a no-fly zone"
}

// objectNoun names the object: an aircraft in airspace, a tracked object
// near a protected site (it may be a vehicle).
func objectNoun(a *safezones.Alert) string {
	if a.ZoneKind == safezones.KindNoFly {
		return "Aircraft"
	}
	return "Tracked object"
}

func zoneLabel(a *safezones.Alert) string {
	kind := strings.ReplaceAll(string(a.ZoneKind), "_", "-")
	if a.ZoneKind == safezones.KindProtectedSite {
		kind = "protected site"
	} else if a.ZoneKind == safezones.KindNoFly {
		kind = "no-fly zone"
	}
	if a.ZoneName != "" {
		return fmt.Sprintf("%s %q", kind, a.ZoneName)
	}
	return fmt.Sprintf("%s %s", kind, a.ZoneID)
}

func reasonText(r string) string {
	switch r {
	case "exited":
		return "it left the zone or its altitude band"
	case "stale":
		return "its position reports stopped"
	case "zone_ended":
		return "the zone is no longer in force"
	case "path_changed":
		return "its predicted path no longer reaches the zone"
	case "":
		return "no reason given"
	}
	return r
}

func durationText(s float64) string {
	d := time.Duration(math.Round(s)) * time.Second
	if d < time.Minute {
		return d.String()
	}
	return fmt.Sprintf("%.0f min", math.Round(d.Minutes()))
}

func value(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// capParameters carries the alert's machine-readable fields.
func capParameters(a *safezones.Alert) []CAPValue {
	ps := []CAPValue{
		{"safezones:seq", strconv.FormatInt(a.Seq, 10)},
		{"safezones:kind", string(a.Kind)},
		{"safezones:object_id", a.ObjectID},
		{"safezones:zone_id", a.ZoneID},
		{"safezones:zone_version", strconv.Itoa(a.ZoneVersion)},
		{"safezones:zone_kind", string(a.ZoneKind)},
		{"safezones:at", a.At.UTC().Format(time.RFC3339Nano)},
		{"safezones:position", latLon(a.Point)},
		{"safezones:altitude_known", strconv.FormatBool(a.AltitudeKnown)},
		{"safezones:source", string(a.Source.Kind)},
	}
	add := func(name string, v *float64) {
		if v != nil {
			ps = append(ps, CAPValue{name, strconv.FormatFloat(*v, 'f', 1, 64)})
		}
	}
	add("safezones:eta_s", a.ETASeconds)
	add("safezones:eta_min_s", a.ETAMinSeconds)
	add("safezones:eta_max_s", a.ETAMaxSeconds)
	add("safezones:dwell_s", a.DwellSeconds)
	add("safezones:alt_m", a.AltM)
	if a.Entry != nil {
		ps = append(ps, CAPValue{"safezones:entry", latLon(*a.Entry)})
	}
	if a.Reason != "" {
		ps = append(ps, CAPValue{"safezones:reason", a.Reason})
	}
	return ps
}

// capArea describes the zone: its outer rings as CAP polygons (CAP has no
// holes, so the area may be larger than the zone), a protected site as a
// circle, a no-fly zone's band as altitude and ceiling in feet.
func capArea(a *safezones.Alert, z *safezones.Zone) CAPArea {
	area := CAPArea{AreaDesc: zoneLabel(a)}
	if z == nil {
		return area
	}
	if z.Name != "" {
		area.AreaDesc = zoneLabel(&safezones.Alert{ZoneKind: z.Kind, ZoneName: z.Name, ZoneID: z.ID})
	}
	switch g := z.Geometry.(type) {
	case geo.Polygon:
		area.Polygons = append(area.Polygons, CAPPolygon(g[0]))
	case geo.MultiPolygon:
		for _, p := range g {
			area.Polygons = append(area.Polygons, CAPPolygon(p[0]))
		}
	case geo.Point:
		if z.Kind == safezones.KindProtectedSite {
			area.Circles = []string{CAPCircle(g, z.RadiusM)}
		}
	}
	if z.Kind == safezones.KindNoFly && z.FloorM != nil {
		area.Altitude = feet(*z.FloorM)
		if z.CeilingM != nil {
			area.Ceiling = feet(*z.CeilingM)
		}
	}
	return area
}

// CAPPolygon writes a ring as a CAP polygon: "lat,lon" pairs (latitude
// first, unlike GeoJSON) separated by spaces, the first repeated last.
func CAPPolygon(r geo.Ring) string {
	var b strings.Builder
	for i, p := range r {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(latLon(p))
	}
	if len(r) > 0 && r[0] != r[len(r)-1] {
		b.WriteByte(' ')
		b.WriteString(latLon(r[0]))
	}
	return b.String()
}

// CAPCircle writes a circle as CAP does: "lat,lon radius_km".
func CAPCircle(c geo.Point, radiusM float64) string {
	return latLon(c) + " " + strconv.FormatFloat(radiusM/1000, 'f', -1, 64)
}

func latLon(p geo.Point) string {
	return strconv.FormatFloat(p.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(p.Lon, 'f', -1, 64)
}

// feet converts metres to whole feet, as an xs:decimal.
func feet(m float64) string {
	return strconv.FormatFloat(math.Round(m/0.3048), 'f', 0, 64)
}

// AlertLister lists stored alerts (safezones.AlertService has it).
type AlertLister interface {
	ListAlerts(ctx context.Context, f safezones.AlertFilter) ([]safezones.Alert, error)
}

// Previous returns the earlier alert that a updates or cancels, or nil:
// for a warning, the last alert of the same object and zone when it is a
// warning still standing; for a cancelled warning, the warning it cancels;
// for a violation end, the violation. It reads the object's alerts for the
// zone from the store, oldest first.
func Previous(ctx context.Context, store AlertLister, a *safezones.Alert) (*safezones.Alert, error) {
	var kinds []safezones.AlertKind
	var want safezones.AlertKind
	switch a.Kind {
	case safezones.AlertWarning, safezones.AlertWarningCancelled:
		kinds, want = []safezones.AlertKind{safezones.AlertWarning, safezones.AlertWarningCancelled}, safezones.AlertWarning
	case safezones.AlertViolationEnd:
		kinds, want = []safezones.AlertKind{safezones.AlertViolation, safezones.AlertViolationEnd}, safezones.AlertViolation
	default:
		return nil, nil
	}
	var last *safezones.Alert
	f := safezones.AlertFilter{Kinds: kinds, ZoneIDs: []string{a.ZoneID}, ObjectID: a.ObjectID, Limit: DefaultPageSize}
	for {
		page, err := store.ListAlerts(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("previous alert of %s: %w", a.ID, err)
		}
		for i := range page {
			if page[i].Seq >= a.Seq {
				return keepIf(last, want), nil
			}
			last = &page[i]
		}
		if len(page) == 0 {
			return keepIf(last, want), nil
		}
		f.AfterSeq = page[len(page)-1].Seq
	}
}

func keepIf(a *safezones.Alert, kind safezones.AlertKind) *safezones.Alert {
	if a == nil || a.Kind != kind {
		return nil
	}
	return a
}

// EncodeXML writes the XML declaration and v, indented, to w.
func EncodeXML(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode xml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// DecodeCAP reads one CAP 1.2 message. It refuses other namespaces and
// never resolves external entities (encoding/xml does not).
func DecodeCAP(r io.Reader) (*CAPAlert, error) {
	var m CAPAlert
	if err := xml.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("decode cap message: %w", err)
	}
	return &m, nil
}
