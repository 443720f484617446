package geo

import "math"

// EarthRadiusM is the mean Earth radius in metres (IUGG), used by the
// spherical formulas below. Their distances differ from the WGS84
// geodesic ones by a factor between GeodesicRatioMin and GeodesicRatioMax
// (-0.56% to +0.45%): they serve as fast filters, and the Geodesic*
// functions give the distances that are reported or decide membership.
const EarthRadiusM = 6371008.8

const degToRad = math.Pi / 180

// DistanceM returns the great-circle distance between a and b in metres
// (haversine) on the sphere of radius EarthRadiusM. Error bound against
// the WGS84 geodesic: GeodesicRatioMin·DistanceM <= GeodesicDistanceM <=
// GeodesicRatioMax·DistanceM (about -0.56%..+0.45%, tested).
// It does not allocate.
func DistanceM(a, b Point) float64 {
	lat1, lat2 := a.Lat*degToRad, b.Lat*degToRad
	dLat := lat2 - lat1
	dLon := (b.Lon - a.Lon) * degToRad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1)*math.Cos(lat2)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * EarthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// SegmentDistanceM returns the distance in metres on the sphere from p to
// the closest point of the great-circle segment ab. It works with unit
// vectors, so it is exact on the sphere for any length (within 1e-6 m of
// s2's edge distance in tests); edges longer than a few kilometres are
// densified at load, where the planar lon/lat edge of RFC 7946 and the
// great circle part by less than a metre. Against the WGS84 geodesic
// distance to the same arc (GeodesicSegmentDistanceM) it is off by the
// same factor as DistanceM (GeodesicRatioMin..Max). It does not allocate.
func SegmentDistanceM(p, a, b Point) float64 {
	P, A, B := unitVector(p), unitVector(a), unitVector(b)
	n := cross(A, B)
	nn := dot(n, n)
	if nn < 1e-30 { // a and b coincide (or are antipodal): a point
		return angle(P, A) * EarthRadiusM
	}
	// P's projection onto the great circle lies between A and B when it is
	// on the inner side of both end planes.
	if dot(cross(n, A), P) >= 0 && dot(cross(B, n), P) >= 0 {
		// Distance to the great circle: asin(|P·n̂|).
		s := math.Abs(dot(P, n)) / math.Sqrt(nn)
		return math.Asin(math.Min(1, s)) * EarthRadiusM
	}
	return math.Min(angle(P, A), angle(P, B)) * EarthRadiusM
}

type vec3 [3]float64

func unitVector(p Point) vec3 {
	lat, lon := p.Lat*degToRad, p.Lon*degToRad
	cl := math.Cos(lat)
	return vec3{cl * math.Cos(lon), cl * math.Sin(lon), math.Sin(lat)}
}

func cross(a, b vec3) vec3 {
	return vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func dot(a, b vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

// angle returns the angle between unit vectors, stable for small angles.
func angle(a, b vec3) float64 {
	c := cross(a, b)
	return math.Atan2(math.Sqrt(dot(c, c)), dot(a, b))
}

// LineDistanceM returns the spherical distance in metres from p to the
// nearest point of l, or +Inf for an empty line; the WGS84 one
// (GeodesicLineDistanceM) is within GeodesicRatioMin..Max of it. It does
// not allocate.
func LineDistanceM(p Point, l LineString) float64 {
	if len(l) == 1 {
		return DistanceM(p, l[0])
	}
	d := math.Inf(1)
	for i := 0; i+1 < len(l); i++ {
		d = math.Min(d, SegmentDistanceM(p, l[i], l[i+1]))
	}
	return d
}

// RingDistanceM returns the spherical distance in metres from p to the
// ring's edges, as LineDistanceM (GeodesicRingDistanceM is the WGS84 one).
func RingDistanceM(p Point, r Ring) float64 { return LineDistanceM(p, LineString(r)) }

func wrapLon(d float64) float64 {
	switch {
	case d > 180:
		return d - 360
	case d < -180:
		return d + 360
	}
	return d
}

// Destination returns the point reached from p after distM metres on the
// initial bearing bearingDeg (degrees clockwise from north), on a sphere;
// its geodesic distance from p is within GeodesicRatioMin..Max of distM.
// GeodesicDestination is the WGS84 solution.
func Destination(p Point, bearingDeg, distM float64) Point {
	d := distM / EarthRadiusM
	br := bearingDeg * degToRad
	lat1, lon1 := p.Lat*degToRad, p.Lon*degToRad
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(br))
	lon2 := lon1 + math.Atan2(math.Sin(br)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
	return Point{Lon: wrapLon(lon2 / degToRad), Lat: lat2 / degToRad}
}

// BearingDeg returns the initial bearing from a to b in degrees [0, 360).
func BearingDeg(a, b Point) float64 {
	lat1, lat2 := a.Lat*degToRad, b.Lat*degToRad
	dLon := (b.Lon - a.Lon) * degToRad
	y := math.Sin(dLon) * math.Cos(lat2)
	x := math.Cos(lat1)*math.Sin(lat2) - math.Sin(lat1)*math.Cos(lat2)*math.Cos(dLon)
	return math.Mod(math.Atan2(y, x)/degToRad+360, 360)
}

// CircleBound returns a Rect holding every point within radiusM metres of c.
func CircleBound(c Point, radiusM float64) Rect { return c.Bound().Buffer(radiusM) }

// ArcBound returns the Rect holding the great-circle arc from a to b (the
// shorter one): the endpoints' box, grown to the arc's northern- or
// southernmost point when that lies between them. An arc bows poleward of
// its endpoints' box, by about 590 m for a 2° east–west arc at 70°N. For
// arcs that pass over a pole or span 180° of longitude the box is not
// meaningful; densified zone edges never do.
func ArcBound(a, b Point) Rect {
	r := RectFromPoints(a, b)
	A, B := unitVector(a), unitVector(b)
	n := cross(A, B)
	nn := dot(n, n)
	if nn < 1e-30 {
		return r
	}
	// The north pole projected onto the arc's plane: the circle's
	// northernmost point, and its negation the southernmost.
	v := vec3{-n[2] * n[0] / nn, -n[2] * n[1] / nn, 1 - n[2]*n[2]/nn}
	onArc := func(p vec3) bool { return dot(cross(A, p), n) > 0 && dot(cross(p, B), n) > 0 }
	lat := math.Atan2(v[2], math.Hypot(v[0], v[1])) / degToRad
	if onArc(v) {
		r.Max.Lat = math.Max(r.Max.Lat, lat)
	}
	if onArc(vec3{-v[0], -v[1], -v[2]}) {
		r.Min.Lat = math.Min(r.Min.Lat, -lat)
	}
	return r
}

// LineArcBound returns the Rect holding every great-circle edge of l.
func LineArcBound(l LineString) Rect {
	if len(l) < 2 {
		return l.Bound()
	}
	r := EmptyRect
	for i := 0; i+1 < len(l); i++ {
		r = r.Union(ArcBound(l[i], l[i+1]))
	}
	return r
}
