package deconflict

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// Query is what POST /v1/check asks about: an area (Polygon), a route
// (LineString) or a point, widened by BufferM, during [From, To), in an
// altitude band when given (applied to no-fly zones).
type Query struct {
	Geometry geo.Geometry
	BufferM  float64
	Window   safezones.TimeWindow
	FloorM   *float64
	CeilingM *float64
}

// MaxCheckWindow bounds a check's time window.
const MaxCheckWindow = 366 * 24 * time.Hour

// Validate checks q; errors name the request field.
func (q *Query) Validate() error {
	switch {
	case q.Geometry == nil:
		return safezones.FieldErrorf(safezones.CodeInvalid, "geometry", "geometry is required: a Point, LineString or Polygon")
	case !(q.BufferM >= 0) || q.BufferM > safezones.MaxNotificationBufferM:
		return safezones.FieldErrorf(safezones.CodeInvalid, "buffer_m", "buffer_m must be from 0 to %d metres", safezones.MaxNotificationBufferM)
	case q.Window.From.IsZero() || q.Window.To.IsZero() || !q.Window.To.After(q.Window.From):
		return safezones.FieldErrorf(safezones.CodeInvalid, "to", "from and to are required, to after from")
	case q.Window.To.Sub(q.Window.From) > MaxCheckWindow:
		return safezones.FieldErrorf(safezones.CodeInvalid, "to", "the window is longer than %s", MaxCheckWindow)
	case q.FloorM != nil && q.CeilingM != nil && *q.FloorM > *q.CeilingM:
		return safezones.FieldErrorf(safezones.CodeInvalid, "ceiling_m", "ceiling_m is below floor_m")
	}
	switch q.Geometry.(type) {
	case geo.Point, geo.LineString, geo.Polygon:
		return nil
	}
	return safezones.FieldErrorf(safezones.CodeInvalid, "geometry", "a check takes a Point, LineString or Polygon, not a %s", q.Geometry.Type())
}

// Conflict is one zone version or notification version a check meets.
// DistanceM is the WGS84 geodesic distance from the query to the zone (or
// to the notified place with its buffer), 0 when they meet.
type Conflict struct {
	Index     int32
	DistanceM float64
}

// instants are the times at which zones are judged for a window: its
// start, its end, and each zone validity or corridor window boundary
// inside it, so that a zone in force for part of the window is found.
func instants(snap *fence.Snapshot, w safezones.TimeWindow) []time.Time {
	ts := []time.Time{w.From, w.To.Add(-time.Nanosecond)}
	for i := int32(0); i < int32(snap.Len()); i++ {
		z := snap.Zone(i)
		edges := []time.Time{z.Valid.From}
		for _, cw := range z.Windows {
			edges = append(edges, cw.From)
		}
		for _, e := range edges {
			if e.After(w.From) && e.Before(w.To) {
				ts = append(ts, e)
			}
		}
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(ts, func(a, b time.Time) bool { return a.Equal(b) })
}

// samples returns the query's positions for buffered searches: its
// vertices, and points along its edges at most step metres apart (at most
// maxSamples in all).
func samples(g geo.Geometry, step float64) []geo.Point {
	var lines [][]geo.Point
	switch g := g.(type) {
	case geo.Point:
		return []geo.Point{g}
	case geo.LineString:
		lines = [][]geo.Point{g}
	case geo.Polygon:
		for _, r := range g {
			lines = append(lines, r)
		}
	}
	const maxSamples = 20_000
	var total float64
	for _, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			total += geo.DistanceM(l[i], l[i+1])
		}
	}
	if total/step > maxSamples {
		step = total / maxSamples
	}
	var out []geo.Point
	for _, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			a, b := l[i], l[i+1]
			n := int(math.Ceil(geo.DistanceM(a, b) / step))
			for k := 0; k < max(n, 1); k++ {
				f := float64(k) / float64(max(n, 1))
				out = append(out, geo.Point{Lon: a.Lon + f*(b.Lon-a.Lon), Lat: a.Lat + f*(b.Lat-a.Lat)})
			}
		}
		if len(l) > 0 {
			out = append(out, l[len(l)-1])
		}
	}
	return out
}

// Conflicts returns every zone of snap the query meets at some instant
// of its window (keep, when set, filters zones), nearest first, each
// once with its least distance. A point query searches within BufferM; a
// route or area query counts what it meets (distance 0) and, with a
// buffer, what lies within BufferM of it (distance measured from points
// along it, at most 100 m apart).
func Conflicts(q Query, snap *fence.Snapshot, keep func(*safezones.Zone) bool) []Conflict {
	if snap == nil || snap.Len() == 0 {
		return nil
	}
	best := map[int32]float64{}
	add := func(i int32, d float64) {
		if keep != nil && !keep(snap.Zone(i)) {
			return
		}
		if old, ok := best[i]; !ok || d < old {
			best[i] = d
		}
	}
	var near []fence.Near
	var hits []fence.Hit
	for _, at := range instants(snap, q.Window) {
		if _, isPoint := q.Geometry.(geo.Point); !isPoint {
			hits = snap.Intersecting(q.Geometry, at, hits[:0])
			for _, h := range hits {
				add(h.Index, 0)
			}
			if q.BufferM == 0 {
				continue
			}
		}
		for _, p := range samples(q.Geometry, math.Min(100, math.Max(q.BufferM, 1))) {
			near = snap.Within(p, q.BufferM, at, near[:0])
			for _, n := range near {
				add(n.Index, n.DistanceM)
			}
		}
	}
	out := make([]Conflict, 0, len(best))
	for i, d := range best {
		out = append(out, Conflict{Index: i, DistanceM: d})
	}
	slices.SortFunc(out, func(a, b Conflict) int {
		if a.DistanceM != b.DistanceM {
			return int(math.Copysign(1, a.DistanceM-b.DistanceM))
		}
		return int(a.Index - b.Index)
	})
	return out
}

// InBand reports whether zone z's altitude band overlaps the query's
// (always for other kinds, and when the query gives no band).
func (q *Query) InBand(z *safezones.Zone) bool {
	if z.Kind != safezones.KindNoFly {
		return true
	}
	if q.CeilingM != nil && z.FloorM != nil && *q.CeilingM < *z.FloorM {
		return false
	}
	if q.FloorM != nil && z.CeilingM != nil && *q.FloorM > *z.CeilingM {
		return false
	}
	return true
}

// bufferSuffix marks the pseudo-zone that carries a footprint's buffer.
const bufferSuffix = "~buffer"

// NotificationSnapshot builds a fence snapshot of notifications' places
// with their buffers, so that checks find them as the engine finds zones:
// a site's point is a circle of its buffer (at least 1 m), a footprint a
// polygon plus a band of its buffer along its outline, a route a corridor
// of its half-width (at least 1 m). Times are not in the snapshot: use
// Overlaps on the notification. NotificationID maps a zone back.
func NotificationSnapshot(ns []safezones.Notification) (*fence.Snapshot, error) {
	var zones []safezones.Zone
	for i := range ns {
		n := &ns[i]
		z := safezones.Zone{ID: n.ID, Version: n.Version, Status: safezones.StatusActive,
			Terms: safezones.Terms{Name: n.ID, Geometry: n.Geometry, Valid: safezones.TimeWindow{}}}
		width := math.Max(n.BufferM, 1)
		switch g := n.Geometry.(type) {
		case geo.Point:
			z.Kind, z.RadiusM = safezones.KindProtectedSite, width
		case geo.LineString:
			z.Kind, z.HalfWidthM = safezones.KindCorridor, width
		case geo.Polygon:
			z.Kind = safezones.KindSafeArea
			if n.BufferM > 0 && len(g) > 0 {
				zones = append(zones, safezones.Zone{ID: n.ID + bufferSuffix, Version: n.Version, Status: safezones.StatusActive,
					Terms: safezones.Terms{Kind: safezones.KindCorridor, Name: n.ID, Geometry: geo.LineString(g[0]), HalfWidthM: n.BufferM}})
			}
		default:
			continue
		}
		zones = append(zones, z)
	}
	return fence.Build(zones, fence.Options{})
}

// NotificationID returns the notification a zone of NotificationSnapshot
// stands for.
func NotificationID(z *safezones.Zone) string { return strings.TrimSuffix(z.ID, bufferSuffix) }
