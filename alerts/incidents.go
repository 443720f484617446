package alerts

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/incidents"
)

// ZoneLister is the part of the zone store that incident checks need:
// the zone versions in force at a time within a box.
type ZoneLister interface {
	ListZones(ctx context.Context, f safezones.ZoneFilter) (safezones.ZonePage, error)
}

// IncidentViolation is a report that lies in an active zone, or within its
// precision of one: the zone's area (a polygon, a corridor's line grown by
// its half-width, a protected site's point grown by its radius) comes
// within the report's radius of its place. DistanceM is from the place to
// the area (0 inside); Inside says the place itself is in the area, so
// the violation does not rest on the report's imprecision.
type IncidentViolation struct {
	ReportKey   string           `json:"report_key"`
	ZoneID      string           `json:"zone_id"`
	ZoneVersion int              `json:"zone_version"`
	ZoneKind    safezones.Kind   `json:"zone_kind"`
	ZoneName    string           `json:"zone_name"`
	At          time.Time        `json:"at"`
	Place       geo.Point        `json:"place"`
	RadiusM     float64          `json:"radius_m"`
	DistanceM   float64          `json:"distance_m"`
	Inside      bool             `json:"inside"`
	Source      safezones.Source `json:"source"`
}

// IncidentViolations returns the zones that rep (stored under key) lies
// in or within its precision of, among the versions in force when the
// event began (the zones' as_of), nearest first. Every zone kind counts: a
// strike in a safe area, on a corridor, at a protected site or under a
// no-fly zone breaks what the zone promised. The violation is simulated
// when the zone is (the demo's scenario zones), real otherwise. Pass the
// report as the reader may see it: a coarsened place matches coarsely, so
// the answer reveals no more than the place does.
func IncidentViolations(ctx context.Context, zones ZoneLister, key string, rep incidents.Report) ([]IncidentViolation, error) {
	at := rep.Time.From
	box := geo.CircleBound(rep.Place, rep.RadiusM)
	page, err := zones.ListZones(ctx, safezones.ZoneFilter{AsOf: &at, BBox: &box})
	if err != nil {
		return nil, fmt.Errorf("zones in force at %s: %w", at.Format(time.RFC3339), err)
	}
	var out []IncidentViolation
	for i := range page.Zones {
		z := &page.Zones[i]
		d := AreaDistanceM(&z.Terms, rep.Place)
		if d > rep.RadiusM {
			continue
		}
		src := safezones.Source{Kind: safezones.SourceReal}
		if z.Source.Kind == safezones.SourceSimulated {
			src = safezones.Source{Kind: safezones.SourceSimulated, Description: "a scenario zone"}
		}
		out = append(out, IncidentViolation{ReportKey: key, ZoneID: z.ID, ZoneVersion: z.Version, ZoneKind: z.Kind, ZoneName: z.Name,
			At: at, Place: rep.Place, RadiusM: rep.RadiusM, DistanceM: d, Inside: d == 0, Source: src})
	}
	slices.SortFunc(out, func(a, b IncidentViolation) int {
		return cmp.Or(cmp.Compare(a.DistanceM, b.DistanceM), strings.Compare(a.ZoneID, b.ZoneID))
	})
	return out, nil
}

// AreaDistanceM returns how far p is from the zone's area on the sphere:
// 0 inside a polygon, else the distance to its nearest edge; for a
// corridor the distance to its line less its half-width; for a protected
// site the distance to its point less its radius (never below 0).
func AreaDistanceM(t *safezones.Terms, p geo.Point) float64 {
	switch g := t.Geometry.(type) {
	case geo.Polygon:
		return polygonDistanceM(g, p)
	case geo.MultiPolygon:
		d := math.Inf(1)
		for _, pg := range g {
			d = min(d, polygonDistanceM(pg, p))
		}
		return d
	case geo.LineString:
		return max(0, geo.LineDistanceM(p, g)-t.HalfWidthM)
	case geo.Point:
		return max(0, geo.DistanceM(p, g)-t.RadiusM)
	}
	return math.Inf(1)
}

func polygonDistanceM(pg geo.Polygon, p geo.Point) float64 {
	if pg.ContainsPoint(p) {
		return 0
	}
	d := math.Inf(1)
	for _, r := range pg {
		d = min(d, geo.RingDistanceM(p, r))
	}
	return d
}

// Alert returns v as a violation alert about object "incident:<key>",
// with Reason "inside" or "within_precision".
func (v IncidentViolation) Alert() safezones.Alert {
	reason := "within_precision"
	if v.Inside {
		reason = "inside"
	}
	return safezones.Alert{Kind: safezones.AlertViolation, ObjectID: "incident:" + v.ReportKey,
		ZoneID: v.ZoneID, ZoneVersion: v.ZoneVersion, ZoneKind: v.ZoneKind, ZoneName: v.ZoneName,
		At: v.At, Point: v.Place, Reason: reason, Source: v.Source}
}

// Raise stores alerts built elsewhere (incident violations) and publishes
// them like Handle's, under the same lock and with the same pending
// rule, so the Hub still sees every alert in Seq order.
func (p *Producer) Raise(ctx context.Context, alerts []safezones.Alert) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	batch := append(p.pending, alerts...)
	p.pending = nil
	if len(batch) == 0 {
		return nil
	}
	return p.storeLocked(ctx, batch)
}
