package geo

import "math"

// WGS84 ellipsoid.
const (
	wgs84A  = 6378137.0
	wgs84F  = 1 / 298.257223563
	wgs84B  = wgs84A * (1 - wgs84F)
	wgs84E2 = wgs84F * (2 - wgs84F) // first eccentricity squared
)

// Bounds of the ratio between the WGS84 geodesic distance of two points
// and their spherical DistanceM (the same latitudes and longitudes on the
// sphere of radius EarthRadiusM):
//
//	GeodesicRatioMin * DistanceM(a, b) <= GeodesicDistanceM(a, b) <= GeodesicRatioMax * DistanceM(a, b)
//
// for every pair, at any distance. Why: the map taking a point of the
// ellipsoid to the point of the sphere with the same latitude and
// longitude stretches a length element by R/M along a meridian and R/N
// along a parallel (M, N the ellipsoid's radii of curvature), so any path's
// length changes by a factor between R/max(M, N) and R/min(M, N). Over all
// latitudes min(M, N) = a(1-e²) = 6,335,439.3 m (M at the equator) and
// max(M, N) = a/√(1-e²) = 6,399,593.6 m (at the poles), which give the
// ratios 0.994417 and 1.004486; the constants are rounded outwards. The
// same bounds hold for the segment, line and ring distances below against
// their spherical counterparts. They let a caller decide "within m metres"
// from the cheap spherical distance and compute the geodesic one only in
// the band m/GeodesicRatioMax < DistanceM <= m/GeodesicRatioMin
// (GeodesicWithinM).
const (
	GeodesicRatioMin = 0.9944
	GeodesicRatioMax = 1.0045
)

// rectifyingRadiusM is the radius of the sphere whose meridian has the
// length of the WGS84 meridian: half a meridian, pole to pole, is
// π·rectifyingRadiusM = 20,003,931.46 m.
const rectifyingRadiusM = 6367449.145823

// vincentyIters bounds Vincenty's iteration; short and medium lines
// converge in under ten steps, and only nearly antipodal points (where
// the iteration oscillates) reach it.
const vincentyIters = 100

// GeodesicDistanceM returns the length in metres of the shortest geodesic
// between a and b on the WGS84 ellipsoid (Vincenty's inverse formula).
//
// Error bound: within 1 mm of GeographicLib (Karney's algorithm) for any
// pair whose geodesic is shorter than 19,900 km (the tests check 0.1 mm on
// pairs up to 500 km and 1 mm up to 19,900 km). For nearly antipodal
// points Vincenty's iteration may not converge; there it falls back to the
// spherical angle times the rectifying radius (the meridian's mean
// radius), which tests bound within 0.2% of GeographicLib (up to 40 km at
// these distances; 0.15% measured) — no safe-zone distance is near that
// case, and the fallback keeps the GeodesicRatioMin/Max bounds. Longitudes
// may differ by more than 180° (they are wrapped). It does not allocate.
func GeodesicDistanceM(a, b Point) float64 {
	s, _, _, ok := vincentyInverse(a, b)
	if !ok {
		return DistanceM(a, b) / EarthRadiusM * rectifyingRadiusM
	}
	return s
}

// vincentyInverse solves the inverse geodesic problem from a to b. It
// returns the distance s in metres and the sine and cosine of the
// (unnormalised) forward azimuth at a; ok is false when the iteration did
// not converge (nearly antipodal points).
func vincentyInverse(a, b Point) (s, sinAz1, cosAz1 float64, ok bool) {
	L := wrapLon(b.Lon-a.Lon) * degToRad
	if L == 0 && a.Lat == b.Lat {
		return 0, 0, 1, true
	}
	sinU1, cosU1 := reducedLat(a.Lat)
	sinU2, cosU2 := reducedLat(b.Lat)
	lambda := L
	for i := 0; i < vincentyIters; i++ {
		sinLambda, cosLambda := math.Sincos(lambda)
		t1 := cosU2 * sinLambda
		t2 := cosU1*sinU2 - sinU1*cosU2*cosLambda
		sinSigma := math.Hypot(t1, t2)
		if sinSigma == 0 {
			return 0, 0, 1, true // coincident (or both at one pole)
		}
		cosSigma := sinU1*sinU2 + cosU1*cosU2*cosLambda
		sigma := math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinLambda / sinSigma
		cos2Alpha := 1 - sinAlpha*sinAlpha
		cos2SigmaM := 0.0
		if cos2Alpha != 0 { // not along the equator
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		C := wgs84F / 16 * cos2Alpha * (4 + wgs84F*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*wgs84F*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda) > math.Pi {
			return 0, 0, 0, false // the antipodal region Vincenty cannot solve
		}
		if math.Abs(lambda-prev) < 1e-12 {
			u2 := cos2Alpha * (wgs84A*wgs84A - wgs84B*wgs84B) / (wgs84B * wgs84B)
			A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
			B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
			dSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
				B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
			sinLambda, cosLambda = math.Sincos(lambda)
			return wgs84B * A * (sigma - dSigma), cosU2 * sinLambda, cosU1*sinU2 - sinU1*cosU2*cosLambda, true
		}
	}
	return 0, 0, 0, false
}

// reducedLat returns the sine and cosine of the reduced (parametric)
// latitude of a geodetic latitude in degrees.
func reducedLat(latDeg float64) (sinU, cosU float64) {
	sinPhi, cosPhi := math.Sincos(latDeg * degToRad)
	h := math.Hypot((1-wgs84F)*sinPhi, cosPhi)
	return (1 - wgs84F) * sinPhi / h, cosPhi / h
}

// GeodesicDestination returns the point reached from p after distM metres
// along the geodesic that leaves p on azimuth azDeg (degrees clockwise
// from north) on the WGS84 ellipsoid: the direct problem, solved by
// Vincenty's formula, within 1 mm of GeographicLib for distances up to
// 10,000 km (tested up to 500 km). distM may be negative (the opposite
// direction). The longitude is wrapped to [-180, 180]. It does not
// allocate.
func GeodesicDestination(p Point, azDeg, distM float64) Point {
	if distM == 0 {
		return p
	}
	sinAz1, cosAz1 := math.Sincos(azDeg * degToRad)
	sinU1, cosU1 := reducedLat(p.Lat)
	sigma1 := math.Atan2(sinU1, cosU1*cosAz1)
	sinAlpha := cosU1 * sinAz1
	cos2Alpha := 1 - sinAlpha*sinAlpha
	u2 := cos2Alpha * (wgs84A*wgs84A - wgs84B*wgs84B) / (wgs84B * wgs84B)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	sigma0 := distM / (wgs84B * A)
	sigma := sigma0
	var sinSigma, cosSigma, cos2SigmaM float64
	for i := 0; i < vincentyIters; i++ {
		cos2SigmaM = math.Cos(2*sigma1 + sigma)
		sinSigma, cosSigma = math.Sincos(sigma)
		dSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
			B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
		prev := sigma
		sigma = sigma0 + dSigma
		if math.Abs(sigma-prev) < 1e-12 {
			break
		}
	}
	cos2SigmaM = math.Cos(2*sigma1 + sigma)
	sinSigma, cosSigma = math.Sincos(sigma)
	x := sinU1*sinSigma - cosU1*cosSigma*cosAz1
	lat := math.Atan2(sinU1*cosSigma+cosU1*sinSigma*cosAz1, (1-wgs84F)*math.Hypot(sinAlpha, x))
	lambda := math.Atan2(sinSigma*sinAz1, cosU1*cosSigma-sinU1*sinSigma*cosAz1)
	C := wgs84F / 16 * cos2Alpha * (4 + wgs84F*(4-3*cos2Alpha))
	L := lambda - (1-C)*wgs84F*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
	return Point{Lon: wrapLon(p.Lon + L/degToRad), Lat: lat / degToRad}
}

// GeodesicWithinM reports whether the WGS84 geodesic distance between p
// and q is at most m metres. It decides from the spherical DistanceM when
// that lies outside the band [m/GeodesicRatioMax, m/GeodesicRatioMin]
// (about -0.45%..+0.56% around m) and computes GeodesicDistanceM only
// inside it, so its answer is always the geodesic one. It does not
// allocate.
func GeodesicWithinM(p, q Point, m float64) bool {
	d := DistanceM(p, q)
	if d*GeodesicRatioMin > m {
		return false
	}
	if d*GeodesicRatioMax <= m {
		return true
	}
	return GeodesicDistanceM(p, q) <= m
}
