package safezones

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/safezones/safezones/geo"
)

// The ledger types of deconfliction records. Notification versions are
// logged with their salted hash, never their coordinates (see
// Notification.Hash); disclosures and checks name who read or asked,
// never what the answer showed.
const (
	LedgerNotification      = "notification"
	LedgerAcknowledgement   = "acknowledgement"
	LedgerDisclosure        = "disclosure"
	LedgerNotificationAlert = "notification_alert"
	LedgerDeconfliction     = "deconfliction_check"
)

// notificationMaxParties bounds the parties one notification addresses.
const notificationMaxParties = 64

// NotificationKind says whether a Notification is about a static site or
// a movement.
type NotificationKind string

// The kinds of Notification.
const (
	// NotificationSite is a static site: a Point or a footprint Polygon,
	// with a buffer.
	NotificationSite NotificationKind = "site"
	// NotificationMovement is a convoy or team on a route (a LineString
	// with a half-width) between a departure and an arrival window.
	NotificationMovement NotificationKind = "movement"
)

// Valid reports whether k is a known NotificationKind.
func (k NotificationKind) Valid() bool { return k == NotificationSite || k == NotificationMovement }

// SiteTypes lists what a notified site may be.
var SiteTypes = []string{"hospital", "clinic", "school", "shelter", "water_station", "warehouse", "office"}

// MovementTypes lists what a notified movement may be.
var MovementTypes = []string{"convoy", "team"}

// Limits on notifications.
const (
	// MaxNotificationBufferM bounds a site's buffer and a route's
	// half-width.
	MaxNotificationBufferM = 10_000
	// MaxMovementDuration bounds a movement from the earliest departure
	// to the latest arrival.
	MaxMovementDuration = 31 * 24 * time.Hour
)

// NotificationTerms are what a humanitarian organisation tells the
// addressed parties: the place, its kind and details, and who is told.
// Changing any of them is a new version, with a new hash, that needs new
// acknowledgements.
type NotificationTerms struct {
	Kind NotificationKind `json:"kind"`
	// Type is one of SiteTypes for a site, one of MovementTypes for a
	// movement.
	Type string `json:"type"`
	Name string `json:"name"`
	// Geometry is a Point or Polygon for a site, a LineString (the route)
	// for a movement; WGS84 [lon, lat].
	Geometry geo.Geometry `json:"-"`
	// BufferM is a site's buffer around its point or footprint, or a
	// route's half-width, in metres (0 to MaxNotificationBufferM).
	BufferM float64 `json:"buffer_m"`
	// Governorate and District are what the notifier declares the site is
	// in: an OCHA PCode ("SY07", "SY0700") or an English name ("Idleb").
	// Pre-sharing checks compare them with the shipped boundaries.
	Governorate string `json:"governorate,omitempty"`
	District    string `json:"district,omitempty"`
	// Departure and Arrival are a movement's windows: it leaves within
	// Departure and arrives within Arrival ([From, To), both required).
	Departure TimeWindow `json:"departure,omitzero"`
	Arrival   TimeWindow `json:"arrival,omitzero"`
	// Vehicles is how many vehicles a movement has.
	Vehicles     int    `json:"vehicles,omitempty"`
	Organisation string `json:"organisation,omitempty"`
	Contact      string `json:"contact,omitempty"`
	Description  string `json:"description,omitempty"`
	// VerifiedAt is when a site's coordinates were last checked on the
	// ground; required for sites (a stale record is flagged).
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	// Addressed are the parties told, sorted, without repeats.
	Addressed []string `json:"addressed"`
	// Cancelled marks a version that withdraws the notification: the
	// place is no longer notified; parties acknowledge that too.
	Cancelled bool   `json:"cancelled,omitempty"`
	Source    Source `json:"source"`
}

// Interval returns the time the notification covers: a movement from its
// earliest departure to its latest arrival; a site always (zero window).
func (t *NotificationTerms) Interval() TimeWindow {
	if t.Kind != NotificationMovement {
		return TimeWindow{}
	}
	return TimeWindow{From: t.Departure.From, To: t.Arrival.To}
}

// Overlaps reports whether the notification covers some time in w (a zero
// w.To is open-ended). A site overlaps every window; a cancelled version
// none.
func (t *NotificationTerms) Overlaps(w TimeWindow) bool {
	if t.Cancelled {
		return false
	}
	if t.Kind != NotificationMovement {
		return true
	}
	iv := t.Interval()
	return (w.To.IsZero() || iv.From.Before(w.To)) && w.From.Before(iv.To)
}

// Validate checks t and returns an *Error with code invalid naming the
// field at fault. It checks the geometry's type for the kind and its
// coordinates' range; the geometry's validity is checked where it is
// parsed (package geojson).
func (t *NotificationTerms) Validate() error {
	switch {
	case !t.Kind.Valid():
		return FieldErrorf(CodeInvalid, "kind", "kind %q is not site or movement", t.Kind)
	case t.Name == "" || len(t.Name) > MaxNameLen:
		return FieldErrorf(CodeInvalid, "name", "name is required, at most %d bytes", MaxNameLen)
	case len(t.Description) > MaxDescriptionLen:
		return FieldErrorf(CodeInvalid, "description", "description is more than %d bytes", MaxDescriptionLen)
	case len(t.Organisation) > MaxNameLen:
		return FieldErrorf(CodeInvalid, "organisation", "organisation is more than %d bytes", MaxNameLen)
	case len(t.Contact) > MaxNameLen:
		return FieldErrorf(CodeInvalid, "contact", "contact is more than %d bytes", MaxNameLen)
	case len(t.Governorate) > MaxNameLen || len(t.District) > MaxNameLen:
		return FieldErrorf(CodeInvalid, "governorate", "governorate and district are at most %d bytes", MaxNameLen)
	case !finite(t.BufferM) || t.BufferM < 0 || t.BufferM > MaxNotificationBufferM:
		return FieldErrorf(CodeInvalid, "buffer_m", "buffer_m %v must be from 0 to %d metres", t.BufferM, MaxNotificationBufferM)
	case t.Vehicles < 0 || t.Vehicles > 10_000:
		return FieldErrorf(CodeInvalid, "vehicles", "vehicles must be from 0 to 10000")
	case t.Geometry == nil:
		return FieldErrorf(CodeInvalid, "geometry", "geometry is required")
	case t.Source.Kind != "" && !t.Source.Kind.Valid():
		return FieldErrorf(CodeInvalid, "source.kind", "source kind %q is not one of real, simulated, operator", t.Source.Kind)
	}
	if err := validCoordinates(t.Geometry); err != nil {
		return err
	}
	gt := t.Geometry.Type()
	switch t.Kind {
	case NotificationSite:
		if !slices.Contains(SiteTypes, t.Type) {
			return FieldErrorf(CodeInvalid, "type", "a site's type %q is not one of %v", t.Type, SiteTypes)
		}
		if gt != "Point" && gt != "Polygon" {
			return FieldErrorf(CodeInvalid, "geometry", "a site needs a Point or a Polygon (its footprint), not a %s", gt)
		}
		if t.VerifiedAt.IsZero() {
			return FieldErrorf(CodeInvalid, "verified_at", "verified_at is required for a site: when its coordinates were last checked on the ground")
		}
		if !t.Departure.From.IsZero() || !t.Arrival.From.IsZero() || t.Vehicles != 0 {
			return FieldErrorf(CodeInvalid, "departure", "departure, arrival and vehicles apply only to movements")
		}
	case NotificationMovement:
		if !slices.Contains(MovementTypes, t.Type) {
			return FieldErrorf(CodeInvalid, "type", "a movement's type %q is not one of %v", t.Type, MovementTypes)
		}
		if gt != "LineString" {
			return FieldErrorf(CodeInvalid, "geometry", "a movement needs its route as a LineString, not a %s", gt)
		}
		for _, w := range []struct {
			name string
			w    TimeWindow
		}{{"departure", t.Departure}, {"arrival", t.Arrival}} {
			if w.w.From.IsZero() || w.w.To.IsZero() || !w.w.To.After(w.w.From) {
				return FieldErrorf(CodeInvalid, w.name, "%s needs from and to, to after from", w.name)
			}
		}
		if t.Arrival.To.Before(t.Departure.From) || t.Arrival.To.Sub(t.Departure.From) > MaxMovementDuration {
			return FieldErrorf(CodeInvalid, "arrival", "arrival must end after departure begins, within %s", MaxMovementDuration)
		}
		if !t.VerifiedAt.IsZero() {
			return FieldErrorf(CodeInvalid, "verified_at", "verified_at applies only to sites")
		}
	}
	if len(t.Addressed) == 0 || len(t.Addressed) > notificationMaxParties {
		return FieldErrorf(CodeInvalid, "addressed", "addressed must name 1 to %d parties", notificationMaxParties)
	}
	for i, p := range t.Addressed {
		if !ValidID(p) {
			return FieldErrorf(CodeInvalid, indexField("addressed", i), "%q is not a valid party id", p)
		}
	}
	return nil
}

// Normalize sorts Addressed, drops repeats, and puts times in UTC.
func (t *NotificationTerms) Normalize() {
	t.Addressed = slices.Compact(slices.Sorted(slices.Values(t.Addressed)))
	utc := func(w TimeWindow) TimeWindow {
		if w.From.IsZero() && w.To.IsZero() {
			return w
		}
		return TimeWindow{From: w.From.UTC(), To: w.To.UTC()}
	}
	t.Departure, t.Arrival = utc(t.Departure), utc(t.Arrival)
	if !t.VerifiedAt.IsZero() {
		t.VerifiedAt = t.VerifiedAt.UTC()
	}
	if t.Source.Kind == "" {
		t.Source.Kind = SourceOperator
	}
}

func validCoordinates(g geo.Geometry) error {
	ok := func(p geo.Point) bool {
		return finite(p.Lon) && finite(p.Lat) && math.Abs(p.Lon) <= 180 && math.Abs(p.Lat) <= 90
	}
	var pts []geo.Point
	switch g := g.(type) {
	case geo.Point:
		pts = []geo.Point{g}
	case geo.LineString:
		pts = g
	case geo.Polygon:
		for _, r := range g {
			pts = append(pts, r...)
		}
	}
	for _, p := range pts {
		if !ok(p) {
			return FieldErrorf(CodeInvalid, "geometry", "[%v, %v] is not a WGS84 [lon, lat]", p.Lon, p.Lat)
		}
	}
	return nil
}

// Notification is one version of a notification. Versions are immutable:
// an update or a cancellation is the next version.
type Notification struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	// Notifier is the party that notifies (a humanitarian organisation).
	Notifier string `json:"notifier"`
	NotificationTerms
	// Salt is 16 random bytes (hex) that make Hash unguessable: without
	// it, anyone holding the public ledger could confirm a guessed place
	// by hashing candidates. It is disclosed with the exact coordinates.
	Salt string `json:"salt"`
	// Hash is the hex SHA-256 of Salt followed by the version's canonical
	// JSON (consent.NotificationHash); acknowledgements sign over it.
	Hash      string    `json:"hash"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// Reason says why a version was made (an update, a cancellation).
	Reason string `json:"reason,omitempty"`
	// Overrides are the pre-sharing problems the notifier overrode, each
	// with its reason.
	Overrides []CheckOverride `json:"overrides"`
	// Latest is the notification's latest version number.
	Latest int `json:"latest"`
	// LedgerIndex is the index of the version's ledger entry.
	LedgerIndex int64 `json:"ledger_index"`
}

// Current reports whether n is the latest version and not a cancellation.
func (n *Notification) Current() bool { return n.Version == n.Latest && !n.Cancelled }

// AcknowledgementResponse is what an addressed party says of a version.
type AcknowledgementResponse string

// The responses of an Acknowledgement. Received is not acknowledged, and
// acknowledged is not approved: an acknowledgement says only that the
// party was told; an objection says the party disputes the notification.
const (
	ResponseAcknowledge AcknowledgementResponse = "acknowledge"
	ResponseObject      AcknowledgementResponse = "object"
)

// Valid reports whether r is acknowledge or object.
func (r AcknowledgementResponse) Valid() bool { return r == ResponseAcknowledge || r == ResponseObject }

// Acknowledgement is an addressed party's signed response to one exact
// notification version.
type Acknowledgement struct {
	ID             string                  `json:"id"`
	NotificationID string                  `json:"notification_id"`
	Version        int                     `json:"version"`
	Hash           string                  `json:"hash"`
	PartyID        string                  `json:"party_id"`
	KeyID          string                  `json:"key_id"`
	Response       AcknowledgementResponse `json:"response"`
	Reason         string                  `json:"reason,omitempty"`
	SignedAt       time.Time               `json:"signed_at"`
	// Payload is the RFC 8785 JSON that was signed; Signature the
	// ed25519 signature over it (base64 in JSON).
	Payload    []byte    `json:"payload"`
	Signature  []byte    `json:"signature"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
	Source     Source    `json:"source"`
}

// SignedAcknowledgement is an acknowledgement as a client posts it.
type SignedAcknowledgement struct {
	Payload   []byte `json:"payload"`
	Signature []byte `json:"signature"`
}

// Receipt is where one addressed party stands on one version. The states
// are kept apart: Delivered (a member of the party read the exact
// version), Acknowledged (its signed receipt), Objected (its signed
// objection, with the reason).
type Receipt struct {
	PartyID        string    `json:"party_id"`
	Version        int       `json:"version"`
	NotifiedAt     time.Time `json:"notified_at"`
	DueAt          time.Time `json:"due_at"`
	DeliveredAt    time.Time `json:"delivered_at,omitzero"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	ObjectedAt     time.Time `json:"objected_at,omitzero"`
	Objection      string    `json:"objection,omitempty"`
	// Acknowledgement and ObjectionID name the signed records.
	AcknowledgementID string `json:"acknowledgement_id,omitempty"`
	ObjectionID       string `json:"objection_id,omitempty"`
}

// Answered reports whether the party acknowledged or objected.
func (r *Receipt) Answered() bool { return !r.AcknowledgedAt.IsZero() || !r.ObjectedAt.IsZero() }

// OverdueAt reports whether the party had not answered by its deadline at t.
func (r *Receipt) OverdueAt(t time.Time) bool { return !r.Answered() && !t.Before(r.DueAt) }

// Disclosure records that exact coordinates of one version were given to
// a party: who, which version, when, and through which route.
type Disclosure struct {
	Seq            int64  `json:"seq"`
	NotificationID string `json:"notification_id"`
	Version        int    `json:"version"`
	PartyID        string `json:"party_id"`
	// By is the member (or "operator") who read it.
	By  string    `json:"by"`
	Via string    `json:"via"`
	At  time.Time `json:"at"`
}

// CheckProblem is one finding of the pre-sharing checks. Code is one of
// the Problem constants; Ref names the other notification or zone.
type CheckProblem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Ref     string `json:"ref,omitempty"`
}

// The codes of CheckProblem.
const (
	ProblemOutsideArea = "outside_declared_area"
	ProblemDuplicate   = "duplicate"
	ProblemStale       = "stale"
	ProblemLeadTime    = "lead_time"
	ProblemActiveZone  = "through_active_zone"
)

// CheckOverride is a notifier's decision to share despite a problem.
type CheckOverride struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// NotificationRules are the deployment's deconfliction settings.
type NotificationRules struct {
	// SiteDeadline and MovementDeadline are how long an addressed party
	// has to acknowledge (or object to) a version.
	SiteDeadline     time.Duration
	MovementDeadline time.Duration
	// MinLeadTime is how long before departure a movement must be
	// notified.
	MinLeadTime time.Duration
	// StaleAfter is how old a site's verified_at may be.
	StaleAfter time.Duration
	// DuplicateWithinM is how near two sites are duplicates.
	DuplicateWithinM float64
	// CoarseDeg is the grid public readers see locations on (0: none).
	CoarseDeg float64
}

// DefaultNotificationRules returns 72 h for sites and 24 h for movements
// to answer, 48 h lead time, 30 days to stale, 100 m for duplicates and a
// 0.1 degree public grid.
func DefaultNotificationRules() NotificationRules {
	return NotificationRules{SiteDeadline: 72 * time.Hour, MovementDeadline: 24 * time.Hour, MinLeadTime: 48 * time.Hour,
		StaleAfter: 30 * 24 * time.Hour, DuplicateWithinM: 100, CoarseDeg: 0.1}
}

// Deadline returns how long parties have to answer a version of kind k.
func (r NotificationRules) Deadline(k NotificationKind) time.Duration {
	if k == NotificationMovement {
		return r.MovementDeadline
	}
	return r.SiteDeadline
}

// NotificationAlertKind is what a deadline sweep concluded.
type NotificationAlertKind string

// The kinds of NotificationAlert.
const (
	// NotificationReminder: half of a party's time to answer has passed.
	NotificationReminder NotificationAlertKind = "reminder"
	// NotificationOverdue: the deadline passed without an answer: an
	// escalation.
	NotificationOverdue NotificationAlertKind = "overdue"
)

// NotificationAlert is a reminder or an escalation about one party's
// missing answer to one version.
type NotificationAlert struct {
	Seq            int64                 `json:"seq"`
	Kind           NotificationAlertKind `json:"kind"`
	NotificationID string                `json:"notification_id"`
	Version        int                   `json:"version"`
	Notifier       string                `json:"notifier"`
	PartyID        string                `json:"party_id"`
	DueAt          time.Time             `json:"due_at"`
	At             time.Time             `json:"at"`
}

// PartyNotificationStats counts one addressed party's standing on the
// current versions of notifications.
type PartyNotificationStats struct {
	PartyID      string `json:"party_id"`
	Notified     int    `json:"notified"`
	Delivered    int    `json:"delivered"`
	Acknowledged int    `json:"acknowledged"`
	Objected     int    `json:"objected"`
	// Unacknowledged counts versions neither acknowledged nor objected
	// to; Overdue those of them past their deadline.
	Unacknowledged int `json:"unacknowledged"`
	Overdue        int `json:"overdue"`
}

// NotificationFilter selects notifications for ListNotifications.
type NotificationFilter struct {
	Kind     NotificationKind
	Notifier string
	// Addressed keeps notifications addressed to this party.
	Addressed string
	// IncludeCancelled keeps notifications whose latest version cancels.
	IncludeCancelled bool
	Limit            int
	Offset           int
}

// DeconflictionCheck is one POST /v1/check as logged: who asked, when,
// and what it found (ids only).
type DeconflictionCheck struct {
	Seq     int64     `json:"seq"`
	PartyID string    `json:"party_id"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	// Query is the canonical JSON of the request (kept in the store; the
	// ledger logs its salted digest).
	Query []byte `json:"-"`
	// Found names the zones ("zone/ID/vN") and notifications
	// ("notification/ID/vN") in conflict.
	Found []string `json:"found"`
}

// NotificationService stores notifications, acknowledgements,
// disclosures, deadline alerts and checks. Every write is logged in the
// ledger in its transaction.
type NotificationService interface {
	// CreateNotification stores version 1 of a new notification by
	// n.Notifier (n.ID filled in when empty; Salt, Hash and times
	// assigned). Codes: invalid (also an addressed party that does not
	// exist), conflict (the id exists).
	CreateNotification(ctx context.Context, n *Notification) (*Notification, error)
	// AddNotificationVersion stores terms as the next version of id;
	// baseVersion must be the latest (else conflict). A cancelled
	// notification takes no more versions. Codes: invalid, not_found,
	// conflict.
	AddNotificationVersion(ctx context.Context, id string, baseVersion int, t NotificationTerms, overrides []CheckOverride, by, reason string) (*Notification, error)
	// Notification returns one version (0: the latest). Codes: not_found.
	Notification(ctx context.Context, id string, version int) (*Notification, error)
	// NotificationHistory returns every version, oldest first. Codes:
	// not_found.
	NotificationHistory(ctx context.Context, id string) ([]Notification, error)
	// ListNotifications returns the latest version of each matching
	// notification, ordered by id.
	ListNotifications(ctx context.Context, f NotificationFilter) ([]Notification, error)
	// Receipts returns each addressed party's standing on version
	// (0: the latest). Codes: not_found.
	Receipts(ctx context.Context, id string, version int) ([]Receipt, error)
	// RecordAcknowledgement verifies and stores a signed acknowledgement
	// or objection. Codes: invalid (payload, signature, time), forbidden
	// (key unknown, another party's or revoked; a party not addressed),
	// not_found (version), conflict (hash not the version's, a replay, an
	// answer already given).
	RecordAcknowledgement(ctx context.Context, sa SignedAcknowledgement, by string) (*Acknowledgement, error)
	// Acknowledgements returns every acknowledgement and objection of a
	// notification, in the order recorded. Codes: not_found.
	Acknowledgements(ctx context.Context, id string) ([]Acknowledgement, error)
	// RecordDisclosures stores and logs disclosures of exact coordinates
	// (Seq and At assigned) before they are answered.
	RecordDisclosures(ctx context.Context, ds []Disclosure) error
	// Disclosures returns a notification's disclosures in order. Codes:
	// not_found.
	Disclosures(ctx context.Context, id string) ([]Disclosure, error)
	// SweepNotifications records a reminder for every unanswered receipt
	// of a latest version past half its time and an escalation for every
	// one past its deadline, each once, and returns those it recorded.
	SweepNotifications(ctx context.Context, now time.Time) ([]NotificationAlert, error)
	// NotificationAlerts returns reminders and escalations after seq.
	NotificationAlerts(ctx context.Context, afterSeq int64, limit int) ([]NotificationAlert, error)
	// NotificationStats returns per-party counts on latest versions at now.
	NotificationStats(ctx context.Context, now time.Time) ([]PartyNotificationStats, error)
	// RecordCheck stores and logs a deconfliction check (Seq and At
	// assigned).
	RecordCheck(ctx context.Context, c *DeconflictionCheck) error
}
