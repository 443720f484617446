package geo

import "math"

// Point is a position in WGS84 degrees: Lon in [-180, 180], Lat in [-90, 90].
type Point struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// Ring is a closed sequence of points: the first and last points are equal.
// A shell winds counter-clockwise and a hole clockwise (RFC 7946 §3.1.6).
type Ring []Point

// Polygon is a shell followed by zero or more holes.
type Polygon []Ring

// MultiPolygon is a set of polygons that do not overlap.
type MultiPolygon []Polygon

// LineString is an open path of two or more points.
type LineString []Point

// Rect is an axis-aligned box in degrees; Min is the south-west corner.
// A Rect contains its edges.
type Rect struct {
	Min Point `json:"min"`
	Max Point `json:"max"`
}

// Geometry is any of the shapes above. Type names its GeoJSON type.
type Geometry interface {
	Bound() Rect
	Type() string
}

// Type returns "Point".
func (Point) Type() string { return "Point" }

// Type returns "LineString".
func (LineString) Type() string { return "LineString" }

// Type returns "Polygon".
func (Polygon) Type() string { return "Polygon" }

// Type returns "MultiPolygon".
func (MultiPolygon) Type() string { return "MultiPolygon" }

// EmptyRect is the identity for Extend: it contains nothing.
var EmptyRect = Rect{Min: Point{math.Inf(1), math.Inf(1)}, Max: Point{math.Inf(-1), math.Inf(-1)}}

// RectFromPoints returns the smallest Rect holding all pts, or EmptyRect.
func RectFromPoints(pts ...Point) Rect {
	r := EmptyRect
	for _, p := range pts {
		r = r.Extend(p)
	}
	return r
}

// Extend returns r grown to hold p.
func (r Rect) Extend(p Point) Rect {
	r.Min.Lon = math.Min(r.Min.Lon, p.Lon)
	r.Min.Lat = math.Min(r.Min.Lat, p.Lat)
	r.Max.Lon = math.Max(r.Max.Lon, p.Lon)
	r.Max.Lat = math.Max(r.Max.Lat, p.Lat)
	return r
}

// Union returns the smallest Rect holding r and o.
func (r Rect) Union(o Rect) Rect {
	if o.IsEmpty() {
		return r
	}
	return r.Extend(o.Min).Extend(o.Max)
}

// IsEmpty reports whether r holds no point.
func (r Rect) IsEmpty() bool { return r.Min.Lon > r.Max.Lon || r.Min.Lat > r.Max.Lat }

// Contains reports whether p lies in r, edges included.
func (r Rect) Contains(p Point) bool {
	return p.Lon >= r.Min.Lon && p.Lon <= r.Max.Lon && p.Lat >= r.Min.Lat && p.Lat <= r.Max.Lat
}

// Intersects reports whether r and o share at least one point.
func (r Rect) Intersects(o Rect) bool {
	return r.Min.Lon <= o.Max.Lon && o.Min.Lon <= r.Max.Lon && r.Min.Lat <= o.Max.Lat && o.Min.Lat <= r.Max.Lat
}

// Buffer returns r grown by m metres on every side, enough to hold every
// point within m metres of r whether measured on the sphere (DistanceM)
// or on the WGS84 ellipsoid (GeodesicDistanceM): latitude degrees from the
// smallest meridian radius of curvature, a(1-e²) at the equator, which a
// metre of any path crosses at most; longitude degrees from those at the
// rect's latitude farthest from the equator (grown by the latitude
// margin, at most 89.9°). Latitudes are clamped to ±90.
func (r Rect) Buffer(m float64) Rect {
	if r.IsEmpty() || m <= 0 {
		return r
	}
	dLat := m / (wgs84A * (1 - wgs84E2)) * 180 / math.Pi
	maxAbsLat := math.Min(89.9, math.Max(math.Abs(r.Min.Lat), math.Abs(r.Max.Lat))+dLat)
	dLon := dLat / math.Cos(maxAbsLat*math.Pi/180)
	out := Rect{
		Min: Point{r.Min.Lon - dLon, math.Max(-90, r.Min.Lat-dLat)},
		Max: Point{r.Max.Lon + dLon, math.Min(90, r.Max.Lat+dLat)},
	}
	return out
}

// Bound returns a Rect holding only p.
func (p Point) Bound() Rect { return Rect{p, p} }

// Bound returns the Rect holding the line.
func (l LineString) Bound() Rect { return RectFromPoints(l...) }

// Bound returns the Rect holding the shell (holes lie inside it).
func (p Polygon) Bound() Rect {
	if len(p) == 0 {
		return EmptyRect
	}
	return RectFromPoints(p[0]...)
}

// Bound returns the Rect holding every polygon.
func (m MultiPolygon) Bound() Rect {
	r := EmptyRect
	for _, p := range m {
		r = r.Union(p.Bound())
	}
	return r
}

// SignedArea returns the signed planar area of the ring in
// square degrees, positive when the ring winds counter-clockwise.
func (r Ring) SignedArea() float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i].Lon*r[i+1].Lat - r[i+1].Lon*r[i].Lat
	}
	return s / 2
}

// Reversed returns a copy of r in the opposite order.
func (r Ring) Reversed() Ring {
	out := make(Ring, len(r))
	for i, p := range r {
		out[len(r)-1-i] = p
	}
	return out
}

// ContainsPoint reports whether p lies inside the ring or on its boundary.
func (r Ring) ContainsPoint(p Point) bool {
	in, on := r.Locate(p)
	return in || on
}

// OnBoundary reports whether p lies exactly on an edge or vertex of r.
func (r Ring) OnBoundary(p Point) bool {
	_, on := r.Locate(p)
	return on
}

// onSegment reports whether p lies on the closed segment ab, exactly.
func onSegment(a, b, p Point) bool { return inBox(a, b, p) && Orient(a, b, p) == 0 }

// ContainsPoint reports whether p lies in the polygon: inside or on the
// shell, and not strictly inside any hole. A point on a hole's edge is on
// the polygon's boundary and counts as inside.
func (pg Polygon) ContainsPoint(p Point) bool {
	if len(pg) == 0 || !pg[0].ContainsPoint(p) {
		return false
	}
	for _, h := range pg[1:] {
		if h.ContainsPoint(p) && !h.OnBoundary(p) {
			return false
		}
	}
	return true
}

// ContainsPoint reports whether any polygon of m contains p.
func (m MultiPolygon) ContainsPoint(p Point) bool {
	for _, pg := range m {
		if pg.ContainsPoint(p) {
			return true
		}
	}
	return false
}

// SegmentsIntersect reports whether the closed segments ab and cd share a point.
func SegmentsIntersect(a, b, c, d Point) bool {
	o1, o2 := Orient(a, b, c), Orient(a, b, d)
	o3, o4 := Orient(c, d, a), Orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}
