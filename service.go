package safezones

import (
	"context"
	"time"

	"github.com/safezones/safezones/geo"
)

// ZoneFilter selects zones for ListZones. Zero fields do not filter.
type ZoneFilter struct {
	Kinds    []Kind
	Statuses []Status
	// BBox keeps zones whose area (including radius or half-width)
	// intersects it.
	BBox *geo.Rect
	// AsOf answers with the version of each zone that was in force at that
	// time, and leaves out zones with none. Statuses then applies to the
	// version's status at AsOf (always active).
	AsOf *time.Time
	// Interval keeps zones whose validity window overlaps [From, To).
	Interval *TimeWindow
	// Limit caps the page size; Offset skips that many matches.
	Limit  int
	Offset int
}

// ZonePage is one page of ListZones.
type ZonePage struct {
	Zones []Zone
	// Matched is the number of zones matching the filter, across pages.
	Matched int
}

// ZoneService stores zones and their versions. Implementations are safe for
// concurrent use; a call that returned nil has made its change durable.
type ZoneService interface {
	// CreateZone stores version 1 of a new zone with StatusProposed, or with
	// initial when it is StatusActive (recorded by the operator). An empty
	// z.ID is filled in. Codes: invalid, conflict (the id exists).
	CreateZone(ctx context.Context, z *Zone, initial Status) (*Zone, error)
	// AddVersion stores new Terms for zone id as the next version, in
	// StatusProposed; baseVersion must be the current latest version (else
	// conflict). Codes: invalid, not_found, conflict.
	AddVersion(ctx context.Context, id string, baseVersion int, t Terms, by string) (*Zone, error)
	// SetStatus moves one version to ch.Status, recording who and why (see
	// CanTransition). Activating a version revokes the zone's previously
	// active or suspended version and its older proposals, with reason
	// "superseded by version N", so at most one version of a zone is in
	// force; newer proposals stay open. Codes: invalid, not_found,
	// conflict (a transition the lifecycle forbids).
	SetStatus(ctx context.Context, ch StatusChange) (*Zone, error)
	// Zone returns one version of a zone; version 0 means the latest.
	// Codes: not_found.
	Zone(ctx context.Context, id string, version int) (*Zone, error)
	// ZoneAsOf returns the version of zone id in force at t.
	// Codes: not_found (unknown zone, or none in force then).
	ZoneAsOf(ctx context.Context, id string, t time.Time) (*Zone, error)
	// ZoneHistory returns every version of a zone, oldest first, and the
	// status changes of all of them in time order. Codes: not_found.
	ZoneHistory(ctx context.Context, id string) ([]Zone, []StatusChange, error)
	// ListZones returns the latest version of each matching zone (or the
	// version in force at f.AsOf), ordered by id.
	ListZones(ctx context.Context, f ZoneFilter) (ZonePage, error)
	// ActiveZones returns every version in force at t: the fence engine's
	// input.
	ActiveZones(ctx context.Context, t time.Time) ([]Zone, error)
	// ExpireZones moves every active or suspended version whose validity
	// ended at or before now to StatusExpired, effective at its valid_to,
	// and returns the changes made.
	ExpireZones(ctx context.Context, now time.Time) ([]StatusChange, error)
}

// PartyService stores parties. Codes as named per method.
type PartyService interface {
	// CreateParty stores p. Codes: invalid, conflict (the id exists).
	CreateParty(ctx context.Context, p *Party) (*Party, error)
	// Party returns one party. Codes: not_found.
	Party(ctx context.Context, id string) (*Party, error)
	// ListParties returns every party ordered by id.
	ListParties(ctx context.Context) ([]Party, error)
}
