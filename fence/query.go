package fence

import (
	"math"
	"time"

	"github.com/safezones/safezones/geo"
)

// Within appends to dst every zone within metres of p at time t, nearest
// first (ties by zone-table index), with its WGS84 geodesic distance in
// metres: 0 when p is inside (boundary included), else the distance from p
// to the nearest edge of a polygon (great-circle edges between densified
// vertices, geo.GeodesicRingDistanceM), to a protected site's circle
// (geo.GeodesicDistanceM minus RadiusM) or to a corridor's band
// (geo.GeodesicLineDistanceM minus HalfWidthM); metres is geodesic too.
// Validity windows and corridor windows apply at t;
// altitude bands do not (there is no altitude). It returns the extended
// slice; a negative or NaN metres finds nothing.
func (s *Snapshot) Within(p geo.Point, metres float64, t time.Time, dst []Near) []Near {
	if !(metres >= 0) || !finite(p.Lon) || !finite(p.Lat) {
		return dst
	}
	start := len(dst)
	tk := timeKey(t)
	box := geo.CircleBound(p, metres*1.01+1)
	visit := func(_, _ [2]float64, i int32) bool {
		for _, n := range dst[start:] {
			if n.Index == i {
				return true // found again through a shifted box
			}
		}
		m := &s.meta[i]
		if !m.activeAt(tk) {
			return true
		}
		d := s.distanceM(i, p, metres)
		if d <= metres {
			dst = insertNear(dst, start, Near{Index: i, Kind: kindNames[m.kind], DistanceM: d})
		}
		return true
	}
	s.searchWrapped(box, visit)
	return dst
}

// searchWrapped searches the R-tree for box and, when box or the zones
// reach across ±180° longitude, for box shifted by 360°.
func (s *Snapshot) searchWrapped(box geo.Rect, visit func(_, _ [2]float64, i int32) bool) {
	s.tree.Search([2]float64{box.Min.Lon, box.Min.Lat}, [2]float64{box.Max.Lon, box.Max.Lat}, visit)
	if box.Max.Lon > 180 || (s.wraps && box.Min.Lon < 0) {
		s.tree.Search([2]float64{box.Min.Lon - 360, box.Min.Lat}, [2]float64{box.Max.Lon - 360, box.Max.Lat}, visit)
	}
	if box.Min.Lon < -180 || (s.wraps && box.Max.Lon >= 0) {
		s.tree.Search([2]float64{box.Min.Lon + 360, box.Min.Lat}, [2]float64{box.Max.Lon + 360, box.Max.Lat}, visit)
	}
}

// insertNear inserts n into dst[start:], which is sorted by distance then
// index.
func insertNear(dst []Near, start int, n Near) []Near {
	dst = append(dst, n)
	j := len(dst) - 1
	for ; j > start; j-- {
		o := dst[j-1]
		if o.DistanceM < n.DistanceM || (o.DistanceM == n.DistanceM && o.Index < n.Index) {
			break
		}
		dst[j] = o
	}
	dst[j] = n
	return dst
}

// distanceM returns the WGS84 geodesic distance in metres from p to zone i
// (0 inside) when it is at most limit, and some value above limit
// otherwise. It measures on the sphere first and computes the geodesic
// only when the sphere cannot decide (geo.GeodesicRatioMin).
func (s *Snapshot) distanceM(i int32, p geo.Point, limit float64) float64 {
	g := &s.geoms[i]
	switch s.meta[i].kind {
	case kindSite:
		if d, ok := banded(geo.DistanceM(p, g.center), g.radiusM, limit); ok {
			return d
		}
		return math.Max(0, geo.GeodesicDistanceM(p, g.center)-g.radiusM)
	case kindCorridor:
		if d, ok := banded(geo.LineDistanceM(p, g.line), g.halfWidthM, limit); ok {
			return d
		}
		return math.Max(0, geo.GeodesicLineDistanceM(p, g.line)-g.halfWidthM)
	}
	sph := math.Inf(1)
	for _, pg := range g.polys {
		if pg.ContainsPoint(p) {
			return 0
		}
		for _, r := range pg {
			sph = math.Min(sph, geo.RingDistanceM(p, r))
		}
	}
	if sph*geo.GeodesicRatioMin > limit {
		return sph * geo.GeodesicRatioMin
	}
	d := math.Inf(1)
	for _, pg := range g.polys {
		for _, r := range pg {
			d = math.Min(d, geo.GeodesicRingDistanceM(p, r))
		}
	}
	return d
}

// banded decides max(0, geodesic - width) from the spherical distance sph
// where the ratio bounds allow: 0 when the geodesic is certainly within
// width, a value above limit when it is certainly farther than
// limit + width. ok is false when the geodesic must be computed.
func banded(sph, width, limit float64) (d float64, ok bool) {
	if sph*geo.GeodesicRatioMax <= width {
		return 0, true
	}
	if d := sph*geo.GeodesicRatioMin - width; d > limit {
		return d, true
	}
	return 0, false
}

// Intersecting appends to dst a Hit for every zone that shares at least
// one point with g at time t, and returns the extended slice: a planned
// operation's area (Polygon, MultiPolygon), a route (LineString), or a
// Point (as Containing without altitude). Polygon zones count when g
// crosses or touches their boundary, lies inside them or holds them;
// protected sites when g comes within RadiusM of the centre; corridors when
// g comes within HalfWidthM of the line (open windows only), both measured
// as WGS84 geodesic distances. Altitude bands
// are not applied (g has no altitude): hits say AltitudeKnown=false. The
// edges of g are straight in lon/lat, as in GeoJSON; densify long edges of
// g first to follow great circles. Hits are in zone-table order.
func (s *Snapshot) Intersecting(g geo.Geometry, t time.Time, dst []Hit) []Hit {
	switch g := g.(type) {
	case geo.Point:
		return s.Containing(g, 0, false, t, dst)
	case geo.LineString, geo.Polygon, geo.MultiPolygon:
	default:
		return dst
	}
	b := g.Bound()
	if b.IsEmpty() {
		return dst
	}
	start := len(dst)
	tk := timeKey(t)
	visit := func(_, _ [2]float64, i int32) bool {
		for _, h := range dst[start:] {
			if h.Index == i {
				return true
			}
		}
		m := &s.meta[i]
		if m.activeAt(tk) && s.intersects(i, g) {
			dst = append(dst, Hit{Index: i, Kind: kindNames[m.kind]})
		}
		return true
	}
	s.searchWrapped(b, visit)
	if len(dst)-start > 1 {
		dst = sortHits(dst, start)
	}
	return dst
}

// intersects reports whether zone i shares a point with g (a LineString,
// Polygon or MultiPolygon).
func (s *Snapshot) intersects(i int32, g geo.Geometry) bool {
	z := &s.geoms[i]
	switch s.meta[i].kind {
	case kindSite:
		return geometryDistanceM(z.center, g) <= z.radiusM
	case kindCorridor:
		return lineGeometryDistanceM(z.line, g) <= z.halfWidthM
	}
	for _, pg := range z.polys {
		switch g := g.(type) {
		case geo.LineString:
			if polygonMeetsLine(pg, g) {
				return true
			}
		case geo.Polygon:
			if polygonsMeet(pg, g) {
				return true
			}
		case geo.MultiPolygon:
			for _, q := range g {
				if polygonsMeet(pg, q) {
					return true
				}
			}
		}
	}
	return false
}

// polygonMeetsLine reports whether the closed polygon pg and line l share a
// point: a vertex of l in pg, or an edge of l meeting an edge of pg.
func polygonMeetsLine(pg geo.Polygon, l geo.LineString) bool {
	if len(l) == 0 || len(pg) == 0 {
		return false
	}
	if !pg.Bound().Intersects(l.Bound()) {
		return false
	}
	for _, p := range l {
		if pg.ContainsPoint(p) {
			return true
		}
	}
	for _, r := range pg {
		if linesCross(r, l) {
			return true
		}
	}
	return false
}

// polygonsMeet reports whether two closed polygons share a point: their
// boundaries meet, or one holds a vertex of the other's shell (with no
// boundary crossing, a shell lies wholly in one region of the other).
func polygonsMeet(a, b geo.Polygon) bool {
	if len(a) == 0 || len(b) == 0 || len(a[0]) == 0 || len(b[0]) == 0 {
		return false
	}
	if !a.Bound().Intersects(b.Bound()) {
		return false
	}
	for _, ra := range a {
		for _, rb := range b {
			if linesCross(ra, rb) {
				return true
			}
		}
	}
	return a.ContainsPoint(b[0][0]) || b.ContainsPoint(a[0][0])
}

// linesCross reports whether any segment of a meets any segment of b.
func linesCross(a, b []geo.Point) bool {
	if !geo.RectFromPoints(a...).Intersects(geo.RectFromPoints(b...)) {
		return false
	}
	for i := 0; i+1 < len(a); i++ {
		sa := geo.RectFromPoints(a[i], a[i+1])
		for j := 0; j+1 < len(b); j++ {
			if !sa.Intersects(geo.RectFromPoints(b[j], b[j+1])) {
				continue
			}
			if geo.SegmentsIntersect(a[i], a[i+1], b[j], b[j+1]) {
				return true
			}
		}
	}
	if len(a) == 1 && len(b) == 1 {
		return a[0] == b[0]
	}
	return false
}

// geometryDistanceM returns the WGS84 geodesic distance in metres from c
// to g (0 when g is a polygon holding c).
func geometryDistanceM(c geo.Point, g geo.Geometry) float64 {
	switch g := g.(type) {
	case geo.Point:
		return geo.GeodesicDistanceM(c, g)
	case geo.LineString:
		return geo.GeodesicLineDistanceM(c, g)
	case geo.Polygon:
		return polygonDistanceM(c, g)
	case geo.MultiPolygon:
		d := math.Inf(1)
		for _, pg := range g {
			d = math.Min(d, polygonDistanceM(c, pg))
		}
		return d
	}
	return math.Inf(1)
}

func polygonDistanceM(c geo.Point, pg geo.Polygon) float64 {
	if pg.ContainsPoint(c) {
		return 0
	}
	d := math.Inf(1)
	for _, r := range pg {
		d = math.Min(d, geo.GeodesicRingDistanceM(c, r))
	}
	return d
}

// lineGeometryDistanceM returns the WGS84 geodesic distance in metres
// between line l and g: 0 when they meet, else the least distance from a
// vertex of one to the other (where the closest points of two disjoint
// segments lie).
func lineGeometryDistanceM(l geo.LineString, g geo.Geometry) float64 {
	var others []geo.LineString
	switch g := g.(type) {
	case geo.Point:
		return geo.GeodesicLineDistanceM(g, l)
	case geo.LineString:
		if linesCross(l, g) {
			return 0
		}
		others = []geo.LineString{g}
	case geo.Polygon:
		if polygonMeetsLine(g, l) {
			return 0
		}
		for _, r := range g {
			others = append(others, geo.LineString(r))
		}
	case geo.MultiPolygon:
		for _, pg := range g {
			if polygonMeetsLine(pg, l) {
				return 0
			}
			for _, r := range pg {
				others = append(others, geo.LineString(r))
			}
		}
	default:
		return math.Inf(1)
	}
	d := math.Inf(1)
	for _, o := range others {
		for _, p := range o {
			d = math.Min(d, geo.GeodesicLineDistanceM(p, l))
		}
		for _, p := range l {
			d = math.Min(d, geo.GeodesicLineDistanceM(p, o))
		}
	}
	return d
}
