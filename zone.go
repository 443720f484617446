package safezones

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/safezones/safezones/geo"
)

// Kind is what sort of protection a Zone gives.
type Kind string

// The zone kinds of the glossary.
const (
	KindSafeArea      Kind = "safe_area"      // a polygon
	KindNoFly         Kind = "no_fly"         // a polygon plus an altitude band
	KindCorridor      Kind = "corridor"       // a line plus half-width, in time windows
	KindProtectedSite Kind = "protected_site" // a point plus radius
)

// Kinds lists every Kind in a stable order.
var Kinds = []Kind{KindSafeArea, KindNoFly, KindCorridor, KindProtectedSite}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Status is where a zone version stands in its lifecycle.
type Status string

// The lifecycle states of a zone version.
const (
	StatusProposed  Status = "proposed"  // put forward, not yet in force
	StatusActive    Status = "active"    // in force
	StatusSuspended Status = "suspended" // agreed but not currently in force
	StatusRevoked   Status = "revoked"   // withdrawn for good
	StatusExpired   Status = "expired"   // its validity window has ended
)

// Statuses lists every Status in a stable order.
var Statuses = []Status{StatusProposed, StatusActive, StatusSuspended, StatusRevoked, StatusExpired}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Source says where a record comes from. Simulated records say so
// everywhere they are shown (DESIGN: honest demo data).
type Source struct {
	Kind        SourceKind `json:"kind"`
	Description string     `json:"description,omitempty"`
	URL         string     `json:"url,omitempty"`
}

// SourceKind separates real-world records from simulated and operator ones.
type SourceKind string

// The kinds of Source.
const (
	SourceReal      SourceKind = "real"      // a real-world record, with its origin
	SourceSimulated SourceKind = "simulated" // scenario data, not a claim about any party
	SourceOperator  SourceKind = "operator"  // entered by this deployment's operator
)

// Valid reports whether k is a known SourceKind.
func (k SourceKind) Valid() bool {
	return k == SourceReal || k == SourceSimulated || k == SourceOperator
}

// TimeWindow is a half-open interval [From, To) of UTC times. A zero To
// means open-ended.
type TimeWindow struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// Contains reports whether t lies in [From, To).
func (w TimeWindow) Contains(t time.Time) bool {
	return !t.Before(w.From) && (w.To.IsZero() || t.Before(w.To))
}

// Terms are what a party agrees to when it consents to a zone version: the
// geometry and every rule attached to it. Changing any of them makes a new
// version, with a new Hash.
type Terms struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
	// Description is free text shown with the zone.
	Description string `json:"description,omitempty"`
	// SponsorPartyID is the party that proposed the zone.
	SponsorPartyID string `json:"sponsor_party_id,omitempty"`
	// Geometry is a Polygon or MultiPolygon (safe_area, no_fly), a
	// LineString (corridor) or a Point (protected_site).
	Geometry geo.Geometry `json:"-"`
	// FloorM and CeilingM bound a no_fly zone's airspace in metres above
	// mean sea level, both inclusive; nil means unbounded on that side.
	FloorM   *float64 `json:"floor_m,omitempty"`
	CeilingM *float64 `json:"ceiling_m,omitempty"`
	// RadiusM is a protected site's radius in metres.
	RadiusM float64 `json:"radius_m,omitempty"`
	// HalfWidthM is a corridor's half-width in metres either side of its line.
	HalfWidthM float64 `json:"half_width_m,omitempty"`
	// Windows are the times a corridor is open; empty means always.
	Windows []TimeWindow `json:"windows,omitempty"`
	// Valid is when the zone may be in force: [From, To).
	Valid TimeWindow `json:"valid"`
	// Source says where the zone comes from.
	Source Source `json:"source"`
}

// Zone is one version of a zone, with its lifecycle status. Versions are
// immutable apart from Status; every version stays readable.
type Zone struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Terms
	// Hash is the hex SHA-256 of the version's canonical encoding
	// (Terms.Hash): decisions sign over it.
	Hash      string    `json:"hash"`
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	// CreatedBy names who recorded the version (a party or "operator").
	CreatedBy string `json:"created_by"`
	// StatusChangedAt is when Status last changed.
	StatusChangedAt time.Time `json:"status_changed_at"`
}

// StatusChange is one entry of a version's lifecycle history.
type StatusChange struct {
	ZoneID  string    `json:"zone_id"`
	Version int       `json:"version"`
	Status  Status    `json:"status"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Reason  string    `json:"reason,omitempty"`
}

// InForceAt reports whether the version is active and inside its validity
// window at t, judged by its current status. Stores answer the historical
// question (what was in force at t) from status history.
func (z *Zone) InForceAt(t time.Time) bool {
	return z.Status == StatusActive && z.Valid.Contains(t)
}

// OpenAt reports whether a corridor's time windows allow passage at t; it is
// true for other kinds and for corridors with no windows.
func (t *Terms) OpenAt(at time.Time) bool {
	if t.Kind != KindCorridor || len(t.Windows) == 0 {
		return true
	}
	for _, w := range t.Windows {
		if w.Contains(at) {
			return true
		}
	}
	return false
}

// Bound returns the rectangle holding every point the zone protects,
// including a site's radius and a corridor's half-width.
func (t *Terms) Bound() geo.Rect {
	if t.Geometry == nil {
		return geo.EmptyRect
	}
	b := t.Geometry.Bound()
	switch t.Kind {
	case KindProtectedSite:
		return b.Buffer(t.RadiusM)
	case KindCorridor:
		return b.Buffer(t.HalfWidthM)
	}
	return b
}

// canonicalTerms is the hashed form of Terms: every field always present, in
// a fixed order, times in UTC. encoding/json writes struct fields in order
// and floats in their shortest exact form, so the bytes are deterministic.
type canonicalTerms struct {
	Kind           Kind         `json:"kind"`
	Name           string       `json:"name"`
	Description    string       `json:"description"`
	SponsorPartyID string       `json:"sponsor_party_id"`
	GeometryType   string       `json:"geometry_type"`
	Coordinates    any          `json:"coordinates"`
	FloorM         *float64     `json:"floor_m"`
	CeilingM       *float64     `json:"ceiling_m"`
	RadiusM        float64      `json:"radius_m"`
	HalfWidthM     float64      `json:"half_width_m"`
	Windows        []TimeWindow `json:"windows"`
	Valid          TimeWindow   `json:"valid"`
	Source         Source       `json:"source"`
}

// CanonicalJSON returns the deterministic encoding of t that Hash digests.
func (t *Terms) CanonicalJSON() ([]byte, error) {
	if t.Geometry == nil {
		return nil, fmt.Errorf("canonical terms: no geometry")
	}
	c := canonicalTerms{
		Kind: t.Kind, Name: t.Name, Description: t.Description, SponsorPartyID: t.SponsorPartyID,
		GeometryType: t.Geometry.Type(), Coordinates: Coordinates(t.Geometry),
		FloorM: t.FloorM, CeilingM: t.CeilingM, RadiusM: t.RadiusM, HalfWidthM: t.HalfWidthM,
		Windows: utcWindows(t.Windows), Valid: utcWindow(t.Valid), Source: t.Source,
	}
	return json.Marshal(c)
}

// Hash returns the hex SHA-256 of CanonicalJSON.
func (t *Terms) Hash() (string, error) {
	b, err := t.CanonicalJSON()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func utcWindow(w TimeWindow) TimeWindow {
	return TimeWindow{From: w.From.UTC(), To: w.To.UTC()}
}

func utcWindows(ws []TimeWindow) []TimeWindow {
	out := make([]TimeWindow, len(ws))
	for i, w := range ws {
		out[i] = utcWindow(w)
	}
	return out
}

// Coordinates returns g's GeoJSON "coordinates" member as nested float64
// slices ([lon, lat] pairs), ready for encoding/json.
func Coordinates(g geo.Geometry) any {
	switch g := g.(type) {
	case geo.Point:
		return []float64{g.Lon, g.Lat}
	case geo.LineString:
		return pointsCoords(g)
	case geo.Polygon:
		return polygonCoords(g)
	case geo.MultiPolygon:
		out := make([][][][]float64, len(g))
		for i, p := range g {
			out[i] = polygonCoords(p)
		}
		return out
	}
	return nil
}

func pointsCoords(ps []geo.Point) [][]float64 {
	out := make([][]float64, len(ps))
	for i, p := range ps {
		out[i] = []float64{p.Lon, p.Lat}
	}
	return out
}

func polygonCoords(p geo.Polygon) [][][]float64 {
	out := make([][][]float64, len(p))
	for i, r := range p {
		out[i] = pointsCoords(r)
	}
	return out
}

// CanTransition reports whether a version may move from one status to
// another: proposed → active | revoked; active → suspended | revoked |
// expired; suspended → active | revoked | expired. Revoked and expired are
// final.
func CanTransition(from, to Status) bool {
	switch from {
	case StatusProposed:
		return to == StatusActive || to == StatusRevoked
	case StatusActive:
		return to == StatusSuspended || to == StatusRevoked || to == StatusExpired
	case StatusSuspended:
		return to == StatusActive || to == StatusRevoked || to == StatusExpired
	}
	return false
}
