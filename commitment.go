package safezones

import (
	"context"
	"slices"
	"time"
)

// CommitmentKind is what a party pledges to a zone.
type CommitmentKind string

// The kinds of Commitment and the unit of their Quantity.
const (
	CommitmentFunding  CommitmentKind = "funding"  // whole units of Currency
	CommitmentTroops   CommitmentKind = "troops"   // persons
	CommitmentAircraft CommitmentKind = "aircraft" // aircraft (air cover)
	CommitmentMonitors CommitmentKind = "monitors" // persons
)

// CommitmentKinds lists every CommitmentKind in a stable order.
var CommitmentKinds = []CommitmentKind{CommitmentFunding, CommitmentTroops, CommitmentAircraft, CommitmentMonitors}

// Valid reports whether k is one of CommitmentKinds.
func (k CommitmentKind) Valid() bool { return slices.Contains(CommitmentKinds, k) }

// MaxQuantity bounds a pledge or delivery quantity.
const MaxQuantity = 1_000_000_000_000_000

// Commitment is a party's pledge to a zone, with what it has delivered.
type Commitment struct {
	ID      string         `json:"id"`
	ZoneID  string         `json:"zone_id"`
	PartyID string         `json:"party_id"`
	Kind    CommitmentKind `json:"kind"`
	// Quantity is positive: whole units of Currency for funding, persons
	// for troops and monitors, aircraft for aircraft.
	Quantity int64 `json:"quantity"`
	// Currency is the ISO 4217 code of a funding pledge ("USD"); empty for
	// other kinds.
	Currency    string `json:"currency,omitempty"`
	Description string `json:"description,omitempty"`
	// PledgedAt is when the pledge was made; the recording time when zero.
	PledgedAt time.Time `json:"pledged_at"`
	Source    Source    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
	// CreatedBy names the member who recorded it, or "operator".
	CreatedBy string `json:"created_by"`
	// Delivered is the sum of the deliveries' quantities; Deliveries the
	// deliveries themselves, oldest first. Both are filled on reads.
	Delivered  int64      `json:"delivered"`
	Deliveries []Delivery `json:"deliveries"`
}

// Delivery is part of a pledge made good.
type Delivery struct {
	ID           string `json:"id"`
	CommitmentID string `json:"commitment_id"`
	ZoneID       string `json:"zone_id"`
	PartyID      string `json:"party_id"`
	// Quantity is in the commitment's unit.
	Quantity    int64     `json:"quantity"`
	DeliveredAt time.Time `json:"delivered_at"`
	Description string    `json:"description,omitempty"`
	Source      Source    `json:"source"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
}

// CommitmentService stores pledges and deliveries, each logged in the
// ledger in the transaction that stores it.
type CommitmentService interface {
	// Pledge stores a commitment; an empty c.ID is filled in. Codes:
	// invalid, not_found (the zone), conflict (the id exists).
	Pledge(ctx context.Context, c *Commitment) (*Commitment, error)
	// RecordDelivery stores a delivery against a commitment; d.ZoneID and
	// d.PartyID are taken from it. Codes: invalid (including a delivery
	// that would exceed the pledge), not_found (the commitment).
	RecordDelivery(ctx context.Context, d *Delivery) (*Delivery, error)
	// Commitment returns one commitment with its deliveries. Codes:
	// not_found.
	Commitment(ctx context.Context, id string) (*Commitment, error)
	// Commitments returns a zone's commitments with their deliveries, in
	// the order recorded. Codes: not_found (the zone).
	Commitments(ctx context.Context, zoneID string) ([]Commitment, error)
}
