package geojson

import (
	"github.com/safezones/safezones/geo"
)

// polygonContains reports whether p lies strictly inside the polygon pg:
// inside its shell and outside the closure of every hole, and not on any
// ring.
func polygonContains(pg geo.Polygon, p geo.Point) bool {
	in, on := ringLocate(pg[0], p)
	if !in || on {
		return false
	}
	for _, h := range pg[1:] {
		if in, on := ringLocate(h, p); in || on {
			return false
		}
	}
	return true
}

// ringIsCCW reports whether a simple ring winds counter-clockwise, from
// the turn at its lowest-then-leftmost vertex, which is never collinear in
// a simple ring with at least three distinct points.
func ringIsCCW(r geo.Ring, verts []int32) bool {
	k := 0
	for j := range verts {
		p, q := r[verts[j]], r[verts[k]]
		if p.Lat < q.Lat || (p.Lat == q.Lat && p.Lon < q.Lon) {
			k = j
		}
	}
	n := len(verts)
	prev, next := r[verts[(k+n-1)%n]], r[verts[(k+1)%n]]
	return geo.Orient(prev, r[verts[k]], next) > 0
}

// ringLocate is geo.Ring.Locate, named for the validity checks here.
func ringLocate(r geo.Ring, p geo.Point) (inside, boundary bool) { return r.Locate(p) }
