package geojson

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// validateGeometry checks the shape rules of the package documentation on a
// geometry just read by readCoordinates, and normalises ring winding in
// place (shells counter-clockwise, holes clockwise). Nothing else is
// changed. Errors name the offending position or ring by its path.
func validateGeometry(g geo.Geometry) error {
	switch g := g.(type) {
	case geo.Point:
		return nil // readCoordinates has checked the numbers and ranges
	case geo.LineString:
		return validateLine(g)
	case geo.Polygon:
		return validatePolygons([]geo.Polygon{g}, false)
	case geo.MultiPolygon:
		if len(g) == 0 {
			return invalid("coordinates", "MultiPolygon has no polygons")
		}
		return validatePolygons(g, true)
	}
	return invalid("type", "unsupported geometry type %T", g)
}

func invalid(field, format string, args ...any) error {
	return safezones.FieldErrorf(safezones.CodeInvalid, field, format, args...)
}

// paths names the parts of a Polygon or MultiPolygon's coordinates.
type paths struct{ multi bool }

func (ps paths) polygon(p int) string {
	if !ps.multi {
		return "coordinates"
	}
	return "coordinates[" + strconv.Itoa(p) + "]"
}

func (ps paths) ring(p, r int) string { return ps.polygon(p) + "[" + strconv.Itoa(r) + "]" }

func (ps paths) position(p, r, i int) string { return ps.ring(p, r) + "[" + strconv.Itoa(i) + "]" }

// ringName names ring r of a polygon in messages.
func ringName(r int32) string {
	if r == 0 {
		return "the shell"
	}
	return "hole " + strconv.Itoa(int(r))
}

// fmtPoint writes p as a GeoJSON position for messages.
func fmtPoint(p geo.Point) string {
	return "[" + strconv.FormatFloat(p.Lon, 'f', -1, 64) + ", " + strconv.FormatFloat(p.Lat, 'f', -1, 64) + "]"
}

// fmtAbout writes a computed point, rounded, for messages.
func fmtAbout(p geo.Point) string {
	return "[" + strconv.FormatFloat(p.Lon, 'g', 10, 64) + ", " + strconv.FormatFloat(p.Lat, 'g', 10, 64) + "]"
}

// validateLine checks a LineString: two or more positions, two or more
// distinct points, no edge spanning more than 180° of longitude. A line may
// cross itself (a route can loop back).
func validateLine(l geo.LineString) error {
	if len(l) < 2 {
		return invalid("coordinates", "LineString has %d position; it needs at least 2", len(l))
	}
	distinct := false
	for i := 1; i < len(l); i++ {
		if l[i] != l[0] {
			distinct = true
		}
		if wide(l[i-1], l[i]) {
			return spanError(l[i-1], l[i], i-1, "coordinates["+strconv.Itoa(i-1)+"]")
		}
	}
	if !distinct {
		return invalid("coordinates", "LineString has only one distinct point %s; it needs at least 2", fmtPoint(l[0]))
	}
	return nil
}

// wide reports whether the edge ab spans more than 180° of longitude.
// GeoJSON edges are straight in longitude/latitude, so such an edge goes the
// long way round, which in practice means a shape that crosses the
// antimeridian and was not split as RFC 7946 §3.1.9 requires.
func wide(a, b geo.Point) bool { return math.Abs(b.Lon-a.Lon) > 180 }

func spanError(a, b geo.Point, i int, field string) error {
	return invalid(field, "edge %d from %s to %s spans more than 180° of longitude; "+
		"a shape crossing the antimeridian must be split at it into a MultiPolygon or MultiLineString (RFC 7946 §3.1.9)",
		i, fmtPoint(a), fmtPoint(b))
}

// ringInfo is what validatePolygons learns about one ring.
type ringInfo struct {
	verts []int32            // indices of the ring's distinct consecutive vertices, without the closing one
	bound geo.Rect           // the ring's bounding box
	touch map[geo.Point]bool // where the ring touches other rings
}

// validatePolygons checks the polygons of a Polygon (one, multi false) or a
// MultiPolygon, then normalises their winding.
func validatePolygons(polys []geo.Polygon, multi bool) error {
	ps := paths{multi}
	info := make([][]ringInfo, len(polys))
	nEdges := 0
	for p, pg := range polys {
		if len(pg) == 0 {
			return invalid(ps.polygon(p), "polygon has no rings; it needs a shell")
		}
		info[p] = make([]ringInfo, len(pg))
		for r, ring := range pg {
			ri, err := checkRing(ring, ps, p, r)
			if err != nil {
				return err
			}
			info[p][r] = ri
			nEdges += len(ri.verts)
		}
	}
	edges := make([]edge, 0, nEdges)
	for p, pg := range polys {
		for r, ring := range pg {
			edges = appendEdges(edges, ring, info[p][r].verts, p, r)
		}
	}
	var touches []touch
	err := sweep(edges, func(e, f *edge) error {
		t, err := meet(e, f, ps)
		if t != nil {
			touches = append(touches, *t)
		}
		return err
	})
	var tooIntricate errTooIntricate
	if errors.As(err, &tooIntricate) {
		return safezones.FieldErrorf(safezones.CodeTooLarge, "coordinates",
			"geometry is too intricate to validate in reasonable time: its %d edges overlap each other in longitude "+
				"more than %d times; simplify it or split it into smaller polygons", len(edges), sweepPairBudget(len(edges)))
	}
	if err != nil {
		return err
	}
	if err := checkTouches(touches, info, ps); err != nil {
		return err
	}
	if err := checkContainment(polys, info, ps); err != nil {
		return err
	}
	if err := checkTouchingPolygons(polys, info, touches, ps); err != nil {
		return err
	}
	for p, pg := range polys {
		for r, ring := range pg {
			if (r == 0) != ringIsCCW(ring, info[p][r].verts) {
				slices.Reverse(ring)
			}
		}
	}
	return nil
}

// checkRing checks one linear ring on its own: four or more positions,
// closed, three or more distinct points not all on one line, no edge over
// 180° of longitude. Consecutive duplicate positions are allowed and
// skipped.
func checkRing(ring geo.Ring, ps paths, p, r int) (ringInfo, error) {
	field := ps.ring(p, r)
	if len(ring) < 4 {
		return ringInfo{}, invalid(field, "ring has %d positions; a linear ring needs at least 4 (3 corners and the closing position)", len(ring))
	}
	first, last := ring[0], ring[len(ring)-1]
	if first != last {
		return ringInfo{}, invalid(field, "ring is not closed: first position %s differs from last %s", fmtPoint(first), fmtPoint(last))
	}
	verts := make([]int32, 0, len(ring)-1)
	for i := 0; i < len(ring)-1; i++ {
		if len(verts) == 0 || ring[i] != ring[verts[len(verts)-1]] {
			verts = append(verts, int32(i))
		}
	}
	for len(verts) > 1 && ring[verts[len(verts)-1]] == ring[0] {
		verts = verts[:len(verts)-1]
	}
	if n := countDistinct(ring, verts); n < 3 {
		return ringInfo{}, invalid(field, "ring has only %d distinct points; it needs at least 3", n)
	}
	a, b := ring[verts[0]], ring[verts[1]]
	flat := true
	for _, v := range verts[2:] {
		if geo.Orient(a, b, ring[v]) != 0 {
			flat = false
			break
		}
	}
	if flat {
		return ringInfo{}, invalid(field, "ring has zero area: all its points lie on one line")
	}
	for i := 0; i+1 < len(ring); i++ {
		if wide(ring[i], ring[i+1]) {
			return ringInfo{}, spanError(ring[i], ring[i+1], i, ps.position(p, r, i))
		}
	}
	return ringInfo{verts: verts, bound: geo.RectFromPoints(ring...)}, nil
}

// countDistinct counts the distinct points among ring[verts], up to 3.
func countDistinct(ring geo.Ring, verts []int32) int {
	var seen []geo.Point
	for _, v := range verts {
		if !slices.Contains(seen, ring[v]) {
			seen = append(seen, ring[v])
			if len(seen) == 3 {
				break
			}
		}
	}
	return len(seen)
}
