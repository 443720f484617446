package geojson

import (
	"slices"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// This file holds the rules about how the rings of a geometry may touch and
// nest, applied after the sweep has ruled out crossings.

// checkTouches applies the rules on where rings of one polygon may touch:
// two rings at one point at most, and no chain of touching rings that closes
// on itself, because either would cut the polygon's interior in pieces. It
// also records every ring's touch points for checkContainment.
func checkTouches(touches []touch, info [][]ringInfo, ps paths) error {
	slices.SortFunc(touches, func(a, b touch) int {
		if c := compareTouch(a, b); c != 0 {
			return c
		}
		if c := cmpFloat(a.p.Lon, b.p.Lon); c != 0 {
			return c
		}
		if c := cmpFloat(a.p.Lat, b.p.Lat); c != 0 {
			return c
		}
		if c := cmpInt(a.seqA, b.seqA); c != 0 {
			return c
		}
		return cmpInt(a.seqB, b.seqB)
	})
	for _, t := range touches {
		for _, r := range []*ringInfo{&info[t.polyA][t.ringA], &info[t.polyB][t.ringB]} {
			if r.touch == nil {
				r.touch = map[geo.Point]bool{}
			}
			r.touch[t.p] = true
		}
	}
	// Two rings of one polygon that touch twice.
	for i := 1; i < len(touches); i++ {
		a, b := touches[i-1], touches[i]
		if a.polyA == a.polyB && compareTouch(a, b) == 0 && a.p != b.p {
			return invalid(ps.ring(int(b.polyB), int(b.ringB)),
				"%s touches %s at more than one point (%s and %s), which cuts the polygon's interior in pieces",
				ringName(b.ringB), ringName(b.ringA), fmtPoint(a.p), fmtPoint(b.p))
		}
	}
	// A cycle in the graph of rings and the points where they touch.
	for p := range info {
		uf := newUnionFind(len(info[p]))
		nodes := map[geo.Point]int{}
		linked := map[[2]int]bool{}
		for _, t := range touches {
			if int(t.polyA) != p || t.polyB != t.polyA {
				continue
			}
			node, ok := nodes[t.p]
			if !ok {
				node = uf.add()
				nodes[t.p] = node
			}
			for _, r := range []int32{t.ringA, t.ringB} {
				if linked[[2]int{int(r), node}] {
					continue
				}
				linked[[2]int{int(r), node}] = true
				if !uf.union(int(r), node) {
					return invalid(ps.ring(p, int(r)),
						"rings of the polygon touch each other in a closed chain (at %s and elsewhere), which cuts its interior in pieces",
						fmtPoint(t.p))
				}
			}
		}
	}
	return nil
}

func compareTouch(a, b touch) int {
	if c := cmpInt(a.polyA, b.polyA); c != 0 {
		return c
	}
	if c := cmpInt(a.ringA, b.ringA); c != 0 {
		return c
	}
	if c := cmpInt(a.polyB, b.polyB); c != 0 {
		return c
	}
	return cmpInt(a.ringB, b.ringB)
}

func cmpInt(a, b int32) int { return int(a) - int(b) }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkContainment checks that every hole lies inside its shell and outside
// the other holes, and that no polygon of a MultiPolygon lies inside
// another. The sweep has already ruled out crossings, so any point of a ring
// that touches nothing else decides where the whole ring lies.
func checkContainment(polys []geo.Polygon, info [][]ringInfo, ps paths) error {
	// where places a free point of ring (p, r) against ring s, or against
	// the whole polygon when s is nil.
	where := func(p, r int, s geo.Ring, pg geo.Polygon) (inside bool, err error) {
		ok := eachFreePoint(polys[p][r], info[p][r], func(q geo.Point) bool {
			if s != nil {
				var on bool
				inside, on = ringLocate(s, q)
				return !on
			}
			inside = polygonContains(pg, q)
			return true
		})
		if !ok {
			return false, invalid(ps.ring(p, r), "ring touches other rings at too many points to be checked")
		}
		return inside, nil
	}
	for p, pg := range polys {
		for h := 1; h < len(pg); h++ {
			inside, err := where(p, h, pg[0], nil)
			if err != nil {
				return err
			}
			if !inside {
				return invalid(ps.ring(p, h), "hole %d lies outside its shell", h)
			}
		}
		for i := 1; i < len(pg); i++ {
			for j := i + 1; j < len(pg); j++ {
				inner, outer := j, i
				if !rectContains(info[p][outer].bound, info[p][inner].bound) {
					inner, outer = i, j
					if !rectContains(info[p][outer].bound, info[p][inner].bound) {
						continue
					}
				}
				inside, err := where(p, inner, pg[outer], nil)
				if err != nil {
					return err
				}
				if inside {
					return invalid(ps.ring(p, inner), "hole %d lies inside hole %d", inner, outer)
				}
			}
		}
	}
	for i := range polys {
		for j := i + 1; j < len(polys); j++ {
			inner, outer := j, i
			if !rectContains(info[outer][0].bound, info[inner][0].bound) {
				inner, outer = i, j
				if !rectContains(info[outer][0].bound, info[inner][0].bound) {
					continue
				}
			}
			inside, err := where(inner, 0, nil, polys[outer])
			if err != nil {
				return err
			}
			if inside {
				return invalid(ps.polygon(inner), "polygons %d and %d overlap: polygon %d lies inside polygon %d",
					min(i, j), max(i, j), inner, outer)
			}
		}
	}
	return nil
}

// eachFreePoint calls fn with points of the ring that touch no other ring
// (vertices first, then points along the edges) until fn returns true, and
// reports whether it did.
func eachFreePoint(ring geo.Ring, ri ringInfo, fn func(geo.Point) bool) bool {
	n := len(ri.verts)
	for _, t := range []float64{0, 0.5, 0.25, 0.75} {
		for j := range n {
			a, b := ring[ri.verts[j]], ring[ri.verts[(j+1)%n]]
			q := geo.Point{Lon: a.Lon + t*(b.Lon-a.Lon), Lat: a.Lat + t*(b.Lat-a.Lat)}
			if !ri.touch[q] && fn(q) {
				return true
			}
		}
	}
	return false
}

// rectContains reports whether outer holds all of inner.
func rectContains(outer, inner geo.Rect) bool {
	return inner.Min.Lon >= outer.Min.Lon && inner.Max.Lon <= outer.Max.Lon &&
		inner.Min.Lat >= outer.Min.Lat && inner.Max.Lat <= outer.Max.Lat
}

// unionFind is a disjoint-set forest over 0..n-1, grown by add.
type unionFind struct{ parent []int }

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int, n)}
	for i := range u.parent {
		u.parent[i] = i
	}
	return u
}

func (u *unionFind) add() int {
	u.parent = append(u.parent, len(u.parent))
	return len(u.parent) - 1
}

func (u *unionFind) find(x int) int {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

// union joins the sets of a and b and reports false if they were already one.
func (u *unionFind) union(a, b int) bool {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return false
	}
	u.parent[ra] = rb
	return true
}

// checkTouchingPolygons finds polygons of a MultiPolygon that touch at
// points and overlap between them: a ring may pass through another
// polygon's interior from one touch point to the next without crossing an
// edge. Between its vertices and touch points a ring is wholly inside or
// wholly outside the other polygon, so it is enough to test the midpoints
// of the pieces of edge that end at each touch point.
func checkTouchingPolygons(polys []geo.Polygon, info [][]ringInfo, touches []touch, ps paths) error {
	if len(polys) < 2 {
		return nil
	}
	type edgeKey struct{ poly, ring, seq int32 }
	onEdge := map[edgeKey][]geo.Point{}
	for _, t := range touches {
		ka, kb := edgeKey{t.polyA, t.ringA, t.seqA}, edgeKey{t.polyB, t.ringB, t.seqB}
		onEdge[ka] = append(onEdge[ka], t.p)
		onEdge[kb] = append(onEdge[kb], t.p)
	}
	work, budget := 0, sweepPairBudget(len(touches))*4
	check := func(k edgeKey, at geo.Point, other int32) error {
		ring, verts := polys[k.poly][k.ring], info[k.poly][k.ring].verts
		n := int32(len(verts))
		a, b := ring[verts[k.seq]], ring[verts[(k.seq+1)%n]]
		for _, q := range neighbours(a, b, at, onEdge[k]) {
			work += len(polys[other][0])
			if work > budget {
				return safezones.FieldErrorf(safezones.CodeTooLarge, "coordinates",
					"geometry is too intricate to validate in reasonable time: its polygons touch each other at too many points")
			}
			mid := geo.Point{Lon: (at.Lon + q.Lon) / 2, Lat: (at.Lat + q.Lat) / 2}
			if polygonContains(polys[other], mid) {
				x, y := min(k.poly, other), max(k.poly, other)
				return invalid(ps.polygon(int(y)), "polygons %d and %d overlap: polygon %d passes inside polygon %d next to %s",
					x, y, k.poly, other, fmtPoint(at))
			}
		}
		return nil
	}
	for _, t := range touches {
		if t.polyA == t.polyB {
			continue
		}
		if err := check(edgeKey{t.polyA, t.ringA, t.seqA}, t.p, t.polyB); err != nil {
			return err
		}
		if err := check(edgeKey{t.polyB, t.ringB, t.seqB}, t.p, t.polyA); err != nil {
			return err
		}
	}
	return nil
}

// neighbours returns, for the point at on the segment ab, the nearest of
// a, b and stops in each direction along the segment (one or two points).
func neighbours(a, b, at geo.Point, stops []geo.Point) []geo.Point {
	dx, dy := b.Lon-a.Lon, b.Lat-a.Lat
	param := func(q geo.Point) float64 { return (q.Lon-a.Lon)*dx + (q.Lat-a.Lat)*dy }
	t := param(at)
	var out []geo.Point
	lo, hi := a, b
	hasLo, hasHi := at != a, at != b
	for _, q := range stops {
		switch pq := param(q); {
		case q == at:
		case pq < t && pq > param(lo):
			lo = q
		case pq > t && pq < param(hi):
			hi = q
		}
	}
	if hasLo {
		out = append(out, lo)
	}
	if hasHi {
		out = append(out, hi)
	}
	return out
}
