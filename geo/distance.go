package geo

import "math"

// EarthRadiusM is the mean Earth radius in metres (IUGG), used by the
// spherical formulas below. Their error against the WGS84 ellipsoid is
// under 0.5%, well inside the precision of any reported position.
const EarthRadiusM = 6371008.8

const degToRad = math.Pi / 180

// DistanceM returns the great-circle distance between a and b in metres
// (haversine).
func DistanceM(a, b Point) float64 {
	lat1, lat2 := a.Lat*degToRad, b.Lat*degToRad
	dLat := lat2 - lat1
	dLon := (b.Lon - a.Lon) * degToRad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1)*math.Cos(lat2)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * EarthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// SegmentDistanceM returns the distance in metres from p to the closest
// point of the segment ab. It works in a local equirectangular projection
// centred on p, which is accurate to well under a metre for segments of a
// few tens of kilometres (lines are densified at load for longer edges).
func SegmentDistanceM(p, a, b Point) float64 {
	k := math.Cos(p.Lat * degToRad)
	ax, ay := wrapLon(a.Lon-p.Lon)*k, a.Lat-p.Lat
	bx, by := wrapLon(b.Lon-p.Lon)*k, b.Lat-p.Lat
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
	}
	cx, cy := ax+t*dx, ay+t*dy
	return math.Hypot(cx, cy) * degToRad * EarthRadiusM
}

// LineDistanceM returns the distance in metres from p to the nearest point
// of l, or +Inf for an empty line.
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

// RingDistanceM returns the distance in metres from p to the ring's edges.
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
// initial bearing bearingDeg (degrees clockwise from north), on a sphere.
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
