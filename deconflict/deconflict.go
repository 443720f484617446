// Package deconflict checks humanitarian notifications before they are
// shared and answers deconfliction checks.
//
// PreShare finds what is wrong with a site or movement before the parties
// are told: coordinates outside the governorate or district the notifier
// declared (from package boundary), another notified site within a set
// distance, a site not re-verified for too long, a movement notified with
// too little lead time, a route through an active no-fly zone. Check
// answers POST /v1/check: every zone in force, notified site and movement
// that an area, route or point meets within a time window, from fence
// snapshots (the engine's, and one built from the notifications).
//
// It does no I/O: callers give it the notifications and snapshots.
package deconflict

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// Checker runs the pre-sharing checks under a deployment's rules.
type Checker struct {
	// Boundaries resolve declared governorates and districts; nil skips
	// the area check.
	Boundaries *boundary.Set
	Rules      safezones.NotificationRules
}

// PreShare returns the problems of terms t, for notification id ("" when
// new), at now. others are the notifications in force (their latest
// versions); zones is the engine's snapshot (nil: no zone check). It
// fails with an *safezones.Error (invalid) when a declared governorate or
// district is not a known one.
func (c *Checker) PreShare(id string, t *safezones.NotificationTerms, others []safezones.Notification, zones *fence.Snapshot, now time.Time) ([]safezones.CheckProblem, error) {
	problems := []safezones.CheckProblem{}
	if t.Cancelled {
		return problems, nil
	}
	area, err := c.areaProblems(t)
	if err != nil {
		return nil, err
	}
	problems = append(problems, area...)
	switch t.Kind {
	case safezones.NotificationSite:
		problems = append(problems, c.duplicates(id, t, others)...)
		if c.Rules.StaleAfter > 0 && now.Sub(t.VerifiedAt) > c.Rules.StaleAfter {
			problems = append(problems, safezones.CheckProblem{Code: safezones.ProblemStale, Field: "verified_at",
				Message: fmt.Sprintf("the coordinates were last verified %s, %d days ago; re-verify them on the ground (at most %d days)",
					t.VerifiedAt.UTC().Format("2006-01-02"), int(now.Sub(t.VerifiedAt).Hours()/24), int(c.Rules.StaleAfter.Hours()/24))})
		}
	case safezones.NotificationMovement:
		if lead := t.Departure.From.Sub(now); lead < c.Rules.MinLeadTime {
			problems = append(problems, safezones.CheckProblem{Code: safezones.ProblemLeadTime, Field: "departure.from",
				Message: fmt.Sprintf("departure is %s after notification, less than the %s the parties need", roundDuration(lead), c.Rules.MinLeadTime)})
		}
		if zones != nil {
			problems = append(problems, routeZones(t, zones)...)
		}
	}
	return problems, nil
}

func roundDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -(-d).Round(time.Minute)
	}
	return d.Round(time.Minute)
}

// points returns the positions a site's place is checked at: its point,
// or its footprint's shell vertices.
func points(g geo.Geometry) []geo.Point {
	switch g := g.(type) {
	case geo.Point:
		return []geo.Point{g}
	case geo.Polygon:
		if len(g) > 0 {
			return g[0]
		}
	case geo.LineString:
		return g
	}
	return nil
}

// resolve finds a declared area by PCode or English name at level.
func (c *Checker) resolve(name string, level int, field string) (boundary.Area, error) {
	if a, ok := c.Boundaries.ByPCode(strings.ToUpper(strings.TrimSpace(name))); ok && a.Level == level {
		return a, nil
	}
	if a, ok := c.Boundaries.ByName(name, level); ok {
		return a, nil
	}
	return boundary.Area{}, safezones.FieldErrorf(safezones.CodeInvalid, field, "%q is not a known %s: give its OCHA PCode or English name",
		name, map[int]string{boundary.LevelGovernorate: "governorate", boundary.LevelDistrict: "district"}[level])
}

func (c *Checker) areaProblems(t *safezones.NotificationTerms) ([]safezones.CheckProblem, error) {
	if c.Boundaries == nil {
		return nil, nil
	}
	var out []safezones.CheckProblem
	for _, d := range []struct {
		name  string
		level int
		field string
	}{{t.Governorate, boundary.LevelGovernorate, "governorate"}, {t.District, boundary.LevelDistrict, "district"}} {
		if d.name == "" {
			continue
		}
		want, err := c.resolve(d.name, d.level, d.field)
		if err != nil {
			return nil, err
		}
		pts := points(t.Geometry)
		if t.Kind == safezones.NotificationMovement && len(pts) > 0 {
			pts = pts[len(pts)-1:] // a route crosses areas; its destination is declared
		}
		for i, p := range pts {
			got, ok := c.Boundaries.Locate(p, d.level)
			if ok && got.PCode == want.PCode {
				continue
			}
			where := "outside every " + d.field
			if ok {
				where = fmt.Sprintf("in %s (%s)", got.NameEN, got.PCode)
			}
			field := "geometry"
			if len(pts) > 1 {
				field = fmt.Sprintf("geometry.coordinates[%d]", i)
			}
			out = append(out, safezones.CheckProblem{Code: safezones.ProblemOutsideArea, Field: field, Ref: want.PCode,
				Message: fmt.Sprintf("[%v, %v] lies %s, not in the declared %s %s (%s): check the coordinates (lon, lat order?) or the %s",
					p.Lon, p.Lat, where, d.field, want.NameEN, want.PCode, d.field)})
			break
		}
	}
	return out, nil
}

// duplicates returns a problem for each other current site within
// Rules.DuplicateWithinM of t's place. It names the other notification
// only, never its place.
func (c *Checker) duplicates(id string, t *safezones.NotificationTerms, others []safezones.Notification) []safezones.CheckProblem {
	var out []safezones.CheckProblem
	if c.Rules.DuplicateWithinM <= 0 {
		return nil
	}
	for i := range others {
		o := &others[i]
		if o.ID == id || o.Kind != safezones.NotificationSite || !o.Current() {
			continue
		}
		if d := siteDistanceM(t.Geometry, o.Geometry); d <= c.Rules.DuplicateWithinM {
			out = append(out, safezones.CheckProblem{Code: safezones.ProblemDuplicate, Field: "geometry", Ref: o.ID,
				Message: fmt.Sprintf("notification %s (a %s by %s) is within %g m: if it is the same site, update that notification instead",
					o.ID, o.Type, o.Notifier, c.Rules.DuplicateWithinM)})
		}
	}
	return out
}

// siteDistanceM returns the geodesic distance in metres between two site
// places (points or footprints): 0 when one holds the other.
func siteDistanceM(a, b geo.Geometry) float64 {
	d := math.Inf(1)
	for _, p := range points(a) {
		d = math.Min(d, pointSiteDistanceM(p, b))
	}
	for _, p := range points(b) {
		d = math.Min(d, pointSiteDistanceM(p, a))
	}
	return d
}

func pointSiteDistanceM(p geo.Point, g geo.Geometry) float64 {
	switch g := g.(type) {
	case geo.Point:
		return geo.GeodesicDistanceM(p, g)
	case geo.Polygon:
		if g.ContainsPoint(p) {
			return 0
		}
		d := math.Inf(1)
		for _, r := range g {
			d = math.Min(d, geo.GeodesicRingDistanceM(p, r))
		}
		return d
	}
	return math.Inf(1)
}

// routeZones returns a problem for each active no-fly zone the route
// meets at its departure, its midpoint or its arrival.
func routeZones(t *safezones.NotificationTerms, zones *fence.Snapshot) []safezones.CheckProblem {
	iv := t.Interval()
	seen := map[int32]bool{}
	var out []safezones.CheckProblem
	for _, at := range []time.Time{iv.From, iv.From.Add(iv.To.Sub(iv.From) / 2), iv.To.Add(-time.Second)} {
		for _, h := range zones.Intersecting(t.Geometry, at, nil) {
			if seen[h.Index] || h.Kind != safezones.KindNoFly {
				continue
			}
			seen[h.Index] = true
			z := zones.Zone(h.Index)
			out = append(out, safezones.CheckProblem{Code: safezones.ProblemActiveZone, Field: "geometry", Ref: z.ID,
				Message: fmt.Sprintf("the route crosses the active no-fly zone %s (%q, version %d) during the movement", z.ID, z.Name, z.Version)})
		}
	}
	return out
}

// Unresolved returns the problems not overridden, and an error naming an
// override of a problem that was not found (a stale override is refused,
// so that an override always answers a problem the notifier saw).
func Unresolved(problems []safezones.CheckProblem, overrides []safezones.CheckOverride) ([]safezones.CheckProblem, error) {
	found := map[string]bool{}
	for _, p := range problems {
		found[p.Code] = true
	}
	over := map[string]bool{}
	for i, o := range overrides {
		if !found[o.Code] {
			return nil, safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("overrides[%d].code", i),
				"no %s problem was found: drop this override", o.Code)
		}
		over[o.Code] = true
	}
	out := []safezones.CheckProblem{}
	for _, p := range problems {
		if !over[p.Code] {
			out = append(out, p)
		}
	}
	return out, nil
}
