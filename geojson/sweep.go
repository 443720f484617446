package geojson

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/safezones/safezones/geo"
)

// edge is one segment of a ring, between two consecutive distinct vertices.
type edge struct {
	a, b       geo.Point
	minX, maxX float64
	minY, maxY float64
	poly, ring int32
	seq, n     int32 // the edge's place among its ring's n edges
	pos        int32 // index in the ring of the position the edge starts at
}

// hit says how two segments meet.
type hit int

const (
	hitNone    hit = iota
	hitTouch       // they share exactly one point, an endpoint of at least one
	hitCross       // they cross at a point inside both
	hitOverlap     // they share a stretch of positive length
)

// intersect reports how the closed segments ab and cd meet, and where: the
// shared point for hitTouch, the crossing for hitCross, one end of the
// shared stretch for hitOverlap. ab and cd must have positive length.
func intersect(a, b, c, d geo.Point) (hit, geo.Point) {
	o1, o2 := geo.Orient(a, b, c), geo.Orient(a, b, d)
	o3, o4 := geo.Orient(c, d, a), geo.Orient(c, d, b)
	if (o1 == 0 && o2 == 0) || (o3 == 0 && o4 == 0) {
		return collinear(a, b, c, d)
	}
	if o1*o2 < 0 && o3*o4 < 0 {
		return hitCross, crossing(a, b, c, d)
	}
	switch {
	case o1 == 0 && inBox(a, b, c):
		return hitTouch, c
	case o2 == 0 && inBox(a, b, d):
		return hitTouch, d
	case o3 == 0 && inBox(c, d, a):
		return hitTouch, a
	case o4 == 0 && inBox(c, d, b):
		return hitTouch, b
	}
	return hitNone, geo.Point{}
}

// collinear compares two segments on one line by their extent along the
// line's dominant axis.
func collinear(a, b, c, d geo.Point) (hit, geo.Point) {
	coord := func(p geo.Point) float64 { return p.Lon }
	if math.Abs(b.Lat-a.Lat) > math.Abs(b.Lon-a.Lon) {
		coord = func(p geo.Point) float64 { return p.Lat }
	}
	lo1, hi1 := a, b
	if coord(lo1) > coord(hi1) {
		lo1, hi1 = hi1, lo1
	}
	lo2, hi2 := c, d
	if coord(lo2) > coord(hi2) {
		lo2, hi2 = hi2, lo2
	}
	lo := lo1
	if coord(lo2) > coord(lo) {
		lo = lo2
	}
	hi := hi1
	if coord(hi2) < coord(hi) {
		hi = hi2
	}
	switch {
	case coord(lo) < coord(hi):
		return hitOverlap, lo
	case coord(lo) == coord(hi) && lo == hi:
		return hitTouch, lo
	}
	return hitNone, geo.Point{}
}

// inBox reports whether p, known to be on the line ab, lies on the segment.
func inBox(a, b, p geo.Point) bool {
	return p.Lon >= math.Min(a.Lon, b.Lon) && p.Lon <= math.Max(a.Lon, b.Lon) &&
		p.Lat >= math.Min(a.Lat, b.Lat) && p.Lat <= math.Max(a.Lat, b.Lat)
}

// crossing returns where the lines ab and cd cross (for messages only).
func crossing(a, b, c, d geo.Point) geo.Point {
	rx, ry := b.Lon-a.Lon, b.Lat-a.Lat
	sx, sy := d.Lon-c.Lon, d.Lat-c.Lat
	den := rx*sy - ry*sx
	if den == 0 {
		return c
	}
	t := ((c.Lon-a.Lon)*sy - (c.Lat-a.Lat)*sx) / den
	return geo.Point{Lon: a.Lon + t*rx, Lat: a.Lat + t*ry}
}

// errTooIntricate is returned by sweep when the edges overlap so much in
// longitude that checking them would take quadratic time.
type errTooIntricate struct{ pairs int }

// sweepPairBudget returns how many candidate edge pairs sweep may examine
// for n edges. Real boundaries need a few per edge (the rings that cross a
// meridian near any edge); the budget allows hundreds, so only inputs built
// to make the sweep quadratic reach it.
func sweepPairBudget(n int) int { return 256*n + 1<<20 }

// sweep calls visit for every pair of edges whose bounding boxes meet, and
// stops at the first error visit returns. It sorts the edges by their west
// end and keeps the set of edges that still reach the current longitude, so
// its cost is O(n log n) plus the number of pairs that overlap in
// longitude. That number is capped by sweepPairBudget.
func sweep(edges []edge, visit func(e, f *edge) error) error {
	type key struct {
		x float64
		i int32
	}
	order := make([]key, len(edges))
	for i := range edges {
		order[i] = key{edges[i].minX, int32(i)}
	}
	slices.SortFunc(order, func(p, q key) int {
		if c := cmp.Compare(p.x, q.x); c != 0 {
			return c
		}
		return cmp.Compare(p.i, q.i)
	})
	budget := sweepPairBudget(len(edges))
	pairs := 0
	active := make([]int32, 0, 64)
	for _, k := range order {
		e := &edges[k.i]
		kept := active[:0]
		for _, j := range active {
			f := &edges[j]
			if f.maxX < e.minX {
				continue // f ends west of every edge still to come
			}
			kept = append(kept, j)
			pairs++
			if f.maxY < e.minY || f.minY > e.maxY {
				continue
			}
			if err := visit(e, f); err != nil {
				return err
			}
		}
		if pairs > budget {
			return errTooIntricate{pairs}
		}
		active = append(kept, k.i)
	}
	return nil
}

func (errTooIntricate) Error() string { return "too intricate" }

func appendEdges(edges []edge, ring geo.Ring, verts []int32, p, r int) []edge {
	n := int32(len(verts))
	for j := range n {
		a, b := ring[verts[j]], ring[verts[(j+1)%n]]
		edges = append(edges, edge{
			a: a, b: b,
			minX: math.Min(a.Lon, b.Lon), maxX: math.Max(a.Lon, b.Lon),
			minY: math.Min(a.Lat, b.Lat), maxY: math.Max(a.Lat, b.Lat),
			poly: int32(p), ring: int32(r), seq: j, n: n, pos: verts[j],
		})
	}
	return edges
}

// touch is a point where an edge of one ring meets an edge of another
// without crossing it.
type touch struct {
	p                  geo.Point
	polyA, ringA, seqA int32 // the first ring in document order, and its edge
	polyB, ringB, seqB int32
}

// meet judges how edges e and f meet. Edges of one ring may meet only where
// consecutive edges share their vertex; rings of one polygon, and polygons
// of a MultiPolygon, may touch at points (returned) but not cross or share
// a stretch of edge.
func meet(e, f *edge, ps paths) (*touch, error) {
	h, at := intersect(e.a, e.b, f.a, f.b)
	if h == hitNone {
		return nil, nil
	}
	if later(e, f) {
		e, f = f, e
	}
	adjacent := e.poly == f.poly && e.ring == f.ring && ((e.seq+1)%e.n == f.seq || (f.seq+1)%f.n == e.seq)
	if adjacent && h != hitOverlap {
		return nil, nil // consecutive edges share their vertex
	}
	field := ps.position(int(f.poly), int(f.ring), int(f.pos))
	switch {
	case e.poly == f.poly && e.ring == f.ring:
		if adjacent {
			return nil, invalid(field, "ring doubles back on itself at %s: edges %d and %d overlap (a spike or a cut)",
				fmtPoint(sharedVertex(e, f)), e.pos, f.pos)
		}
		switch h {
		case hitCross:
			return nil, invalid(field, "ring self-intersects: edge %d crosses edge %d at about %s", e.pos, f.pos, fmtAbout(at))
		case hitTouch:
			return nil, invalid(field, "ring self-intersects: edge %d touches edge %d at %s", e.pos, f.pos, fmtPoint(at))
		}
		return nil, invalid(field, "ring self-intersects: edges %d and %d overlap near %s", e.pos, f.pos, fmtPoint(at))
	case e.poly == f.poly:
		if h == hitTouch {
			return newTouch(at, e, f), nil
		}
		who := ringName(f.ring) + " and " + ringName(e.ring)
		if e.ring > 0 {
			who = "holes " + strconv.Itoa(int(e.ring)) + " and " + strconv.Itoa(int(f.ring))
		}
		if h == hitCross {
			return nil, invalid(field, "%s cross at about %s", who, fmtAbout(at))
		}
		return nil, invalid(field, "%s share an edge near %s", who, fmtPoint(at))
	}
	if h == hitTouch {
		return newTouch(at, e, f), nil
	}
	if h == hitCross {
		return nil, invalid(field, "polygons %d and %d overlap: their edges cross at about %s", e.poly, f.poly, fmtAbout(at))
	}
	return nil, invalid(field, "polygons %d and %d share an edge near %s; a MultiPolygon's polygons may touch only at points",
		e.poly, f.poly, fmtPoint(at))
}

func newTouch(at geo.Point, e, f *edge) *touch {
	return &touch{p: at, polyA: e.poly, ringA: e.ring, seqA: e.seq, polyB: f.poly, ringB: f.ring, seqB: f.seq}
}

// later reports whether e comes after f in document order.
func later(e, f *edge) bool {
	if e.poly != f.poly {
		return e.poly > f.poly
	}
	if e.ring != f.ring {
		return e.ring > f.ring
	}
	return e.seq > f.seq
}

func sharedVertex(e, f *edge) geo.Point {
	if e.b == f.a {
		return e.b
	}
	return e.a
}
