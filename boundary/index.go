package boundary

import (
	"math"

	"github.com/safezones/safezones/geo"
)

// The boundary polygons have thousands of vertices, so testing every edge
// costs tens of microseconds per point. An index cuts each ring's latitude
// span into equal bands listing the edges that reach into them; a query
// visits only the band of the point's latitude. An edge whose latitude range
// does not include the point's latitude can neither hold the point nor be
// crossed by its ray, so the answers are exactly geo's: same formulas, same
// boundary rule (TestIndexMatchesGeo checks this).

// edgesPerBand is the target number of edges per band; an edge spanning
// several bands is listed in each.
const edgesPerBand = 4

// areaIndex answers containment for one Area.
type areaIndex struct {
	polygons []polygonIndex
}

// polygonIndex answers containment for one polygon: inside or on the shell
// and not strictly inside a hole.
type polygonIndex struct {
	bound geo.Rect
	rings []ringIndex // shell first
}

// ringIndex lists, per latitude band, the start indices of the ring's edges
// that reach into the band.
type ringIndex struct {
	ring   geo.Ring
	minLat float64
	maxLat float64
	scale  float64 // bands per degree of latitude
	bands  [][]int32
}

func newAreaIndex(m geo.MultiPolygon) areaIndex {
	out := areaIndex{polygons: make([]polygonIndex, len(m))}
	for i, pg := range m {
		pi := polygonIndex{bound: pg.Bound(), rings: make([]ringIndex, len(pg))}
		for j, r := range pg {
			pi.rings[j] = newRingIndex(r)
		}
		out.polygons[i] = pi
	}
	return out
}

func newRingIndex(r geo.Ring) ringIndex {
	b := geo.RectFromPoints(r...)
	n := max(1, (len(r)-1)/edgesPerBand)
	ri := ringIndex{ring: r, minLat: b.Min.Lat, maxLat: b.Max.Lat, bands: make([][]int32, n)}
	if span := b.Max.Lat - b.Min.Lat; span > 0 {
		ri.scale = float64(n) / span
	}
	for i := 0; i+1 < len(r); i++ {
		lo, hi := math.Min(r[i].Lat, r[i+1].Lat), math.Max(r[i].Lat, r[i+1].Lat)
		for k := ri.band(lo); k <= ri.band(hi); k++ {
			ri.bands[k] = append(ri.bands[k], int32(i))
		}
	}
	return ri
}

// band returns the band of latitude lat, clamped to the ring's bands. It is
// monotonic in lat, so an edge spanning [lo, hi] is listed in the band of
// every latitude between lo and hi.
func (ri *ringIndex) band(lat float64) int {
	k := int((lat - ri.minLat) * ri.scale)
	return min(max(k, 0), len(ri.bands)-1)
}

// locate reports whether p lies on the ring's boundary and, if not, whether
// it lies inside, by the rules of geo.Ring.ContainsPoint.
func (ri *ringIndex) locate(p geo.Point) (on, in bool) {
	if p.Lat < ri.minLat || p.Lat > ri.maxLat {
		return false, false
	}
	r := ri.ring
	for _, i := range ri.bands[ri.band(p.Lat)] {
		a, b := r[i], r[i+1]
		if onSegment(a, b, p) {
			return true, false
		}
		// A crossing of the ray going east, decided by the exact
		// orientation test as geo.Ring.Locate does, not by an interpolated
		// longitude that rounds.
		up, down := a.Lat <= p.Lat && b.Lat > p.Lat, b.Lat <= p.Lat && a.Lat > p.Lat
		if o := geo.Orient(a, b, p); (up && o > 0) || (down && o < 0) {
			in = !in
		}
	}
	return false, in
}

// onSegment reports whether p lies on the closed segment ab, exactly as geo
// decides it.
func onSegment(a, b, p geo.Point) bool {
	if p.Lon < math.Min(a.Lon, b.Lon) || p.Lon > math.Max(a.Lon, b.Lon) ||
		p.Lat < math.Min(a.Lat, b.Lat) || p.Lat > math.Max(a.Lat, b.Lat) {
		return false
	}
	return geo.Orient(a, b, p) == 0
}

// containsPoint reports whether p lies in the area, boundary included; the
// same answer as geo.MultiPolygon.ContainsPoint.
func (ai *areaIndex) containsPoint(p geo.Point) bool {
	for i := range ai.polygons {
		pi := &ai.polygons[i]
		if !pi.bound.Contains(p) {
			continue
		}
		if on, in := pi.rings[0].locate(p); !on && !in {
			continue
		}
		inHole := false
		for j := 1; j < len(pi.rings); j++ {
			if on, in := pi.rings[j].locate(p); in && !on {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}
