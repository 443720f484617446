package fence

import (
	"fmt"
	"math"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// Kind codes used inside the index; kindNames maps them back.
const (
	kindSafeArea = iota
	kindNoFly
	kindCorridor
	kindSite
)

var kindNames = [4]safezones.Kind{safezones.KindSafeArea, safezones.KindNoFly, safezones.KindCorridor, safezones.KindProtectedSite}

func kindCode(k safezones.Kind) (uint32, bool) {
	switch k {
	case safezones.KindSafeArea:
		return kindSafeArea, true
	case safezones.KindNoFly:
		return kindNoFly, true
	case safezones.KindCorridor:
		return kindCorridor, true
	case safezones.KindProtectedSite:
		return kindSite, true
	}
	return 0, false
}

// zoneGeom is a zone's geometry as the snapshot evaluates it: polygons and
// lines after densification, a site's centre and radius.
type zoneGeom struct {
	polys      []geo.Polygon
	line       geo.LineString
	center     geo.Point
	radiusM    float64
	halfWidthM float64
	bound      geo.Rect // everything the zone protects, radius and half-width included
}

// zoneMeta is the part of a zone that the hot path reads for time and
// altitude checks; it is small so that 10k of them stay in cache.
type zoneMeta struct {
	validFrom, validTo int64 // timeKey; validTo == math.MaxInt64 means open-ended
	floorM, ceilingM   float64
	kind               uint32
	windows            []window // corridor windows; nil means always open
}

type window struct{ from, to int64 }

// needsCheck reports whether a hit on the zone must consult the meta
// record (validity window, altitude band or corridor windows).
func (m *zoneMeta) needsCheck() bool {
	return m.validFrom != math.MinInt64 || m.validTo != math.MaxInt64 ||
		m.kind == kindNoFly || m.windows != nil
}

// activeAt reports whether the zone's validity window (and a corridor's
// opening windows) hold at time key tk.
func (m *zoneMeta) activeAt(tk int64) bool {
	if tk < m.validFrom || (tk >= m.validTo && m.validTo != math.MaxInt64) {
		return false
	}
	if m.windows == nil {
		return true
	}
	for _, w := range m.windows {
		if tk >= w.from && (tk < w.to || w.to == math.MaxInt64) {
			return true
		}
	}
	return false
}

// inBand reports whether altitude altM lies in the closed band.
func (m *zoneMeta) inBand(altM float64) bool {
	return altM >= m.floorM && altM <= m.ceilingM
}

// timeKey maps t to nanoseconds since the Unix epoch, saturating outside
// the years 1678–2262 so that comparisons stay monotone; the zero time maps
// to math.MinInt64.
func timeKey(t time.Time) int64 {
	s := t.Unix()
	const maxS = math.MaxInt64/1_000_000_000 - 1
	switch {
	case s >= maxS:
		return math.MaxInt64
	case s <= -maxS:
		return math.MinInt64
	}
	return s*1e9 + int64(t.Nanosecond())
}

func windowKeys(w safezones.TimeWindow) window {
	out := window{from: timeKey(w.From), to: math.MaxInt64}
	if w.From.IsZero() {
		out.from = math.MinInt64
	}
	if !w.To.IsZero() {
		out.to = timeKey(w.To)
	}
	return out
}

// compileZone validates z and returns its geometry and meta record. Errors
// are *safezones.Error with CodeInvalid and a Field relative to the zone.
func compileZone(z *safezones.Zone, densifyM float64) (zoneGeom, zoneMeta, error) {
	var g zoneGeom
	var m zoneMeta
	kc, ok := kindCode(z.Kind)
	if !ok {
		return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "kind", "unknown zone kind %q", z.Kind)
	}
	if z.ID == "" {
		return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "id", "zone has no id")
	}
	m.kind = kc
	vw := windowKeys(z.Valid)
	if !z.Valid.To.IsZero() && vw.to <= vw.from {
		return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "valid.to", "validity window ends before it starts")
	}
	m.validFrom, m.validTo = vw.from, vw.to
	m.floorM, m.ceilingM = math.Inf(-1), math.Inf(1)
	if z.Geometry == nil {
		return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "geometry", "zone has no geometry")
	}
	switch kc {
	case kindSafeArea, kindNoFly:
		var polys []geo.Polygon
		switch geom := z.Geometry.(type) {
		case geo.Polygon:
			polys = []geo.Polygon{geom}
		case geo.MultiPolygon:
			polys = geom
		default:
			return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "geometry.type", "a %s zone needs a Polygon or MultiPolygon, not %s", z.Kind, z.Geometry.Type())
		}
		if len(polys) == 0 {
			return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "geometry.coordinates", "empty MultiPolygon")
		}
		if len(polys) > math.MaxUint16 {
			return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "geometry.coordinates", "more than %d polygons", math.MaxUint16)
		}
		g.polys = make([]geo.Polygon, len(polys))
		for i, pg := range polys {
			field := "geometry.coordinates"
			if _, multi := z.Geometry.(geo.MultiPolygon); multi {
				field = fmt.Sprintf("geometry.coordinates[%d]", i)
			}
			out, err := compilePolygon(pg, densifyM, field)
			if err != nil {
				return g, m, err
			}
			g.polys[i] = out
		}
		if kc == kindNoFly {
			if z.FloorM != nil {
				if !finite(*z.FloorM) {
					return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "floor_m", "floor is not a finite number")
				}
				m.floorM = *z.FloorM
			}
			if z.CeilingM != nil {
				if !finite(*z.CeilingM) {
					return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "ceiling_m", "ceiling is not a finite number")
				}
				m.ceilingM = *z.CeilingM
			}
			if m.floorM > m.ceilingM {
				return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "ceiling_m", "ceiling %g m is below floor %g m", m.ceilingM, m.floorM)
			}
		}
		g.bound = geo.EmptyRect
		for _, pg := range g.polys {
			g.bound = g.bound.Union(pg.Bound())
		}
	case kindSite:
		p, ok := z.Geometry.(geo.Point)
		if !ok {
			return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "geometry.type", "a protected_site needs a Point, not %s", z.Geometry.Type())
		}
		if err := checkPoint(p, "geometry.coordinates"); err != nil {
			return g, m, err
		}
		if !(z.RadiusM > 0) || !finite(z.RadiusM) || z.RadiusM > maxDistanceM {
			return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "radius_m", "radius must be a positive number of metres up to %g", maxDistanceM)
		}
		g.center, g.radiusM = p, z.RadiusM
		g.bound = geo.CircleBound(p, z.RadiusM)
	case kindCorridor:
		l, ok := z.Geometry.(geo.LineString)
		if !ok {
			return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "geometry.type", "a corridor needs a LineString, not %s", z.Geometry.Type())
		}
		if len(l) < 2 {
			return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "geometry.coordinates", "a corridor line needs at least 2 points")
		}
		for i, p := range l {
			if err := checkPoint(p, fmt.Sprintf("geometry.coordinates[%d]", i)); err != nil {
				return g, m, err
			}
		}
		if !(z.HalfWidthM > 0) || !finite(z.HalfWidthM) || z.HalfWidthM > maxDistanceM {
			return g, m, safezones.FieldErrorf(safezones.CodeInvalid, "half_width_m", "half-width must be a positive number of metres up to %g", maxDistanceM)
		}
		g.line = geo.LineString(densify(l, densifyM))
		g.halfWidthM = z.HalfWidthM
		// Corridor edges are great-circle arcs, which bow poleward of
		// their endpoints' box.
		g.bound = geo.LineArcBound(g.line).Buffer(z.HalfWidthM)
		for i, w := range z.Windows {
			k := windowKeys(w)
			if !w.To.IsZero() && k.to <= k.from {
				return g, m, safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("windows[%d].to", i), "window ends before it starts")
			}
			m.windows = append(m.windows, k)
		}
	}
	return g, m, nil
}

// maxDistanceM caps radii and half-widths (a quarter of the Earth's
// circumference) so that bounds and the cell classification stay sound.
const maxDistanceM = 5e6

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func checkPoint(p geo.Point, field string) error {
	if !finite(p.Lon) || !finite(p.Lat) || p.Lon < -180 || p.Lon > 180 || p.Lat < -90 || p.Lat > 90 {
		return safezones.FieldErrorf(safezones.CodeInvalid, field, "position [%g, %g] is outside [-180..180, -90..90]", p.Lon, p.Lat)
	}
	return nil
}

// compilePolygon checks pg's rings and densifies them.
func compilePolygon(pg geo.Polygon, densifyM float64, field string) (geo.Polygon, error) {
	if len(pg) == 0 {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, field, "polygon has no rings")
	}
	if len(pg) > math.MaxUint16 {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, field, "polygon has more than %d rings", math.MaxUint16)
	}
	out := make(geo.Polygon, len(pg))
	for i, r := range pg {
		rf := fmt.Sprintf("%s[%d]", field, i)
		if len(r) < 4 {
			return nil, safezones.FieldErrorf(safezones.CodeInvalid, rf, "ring has %d positions, needs at least 4", len(r))
		}
		if r[0] != r[len(r)-1] {
			return nil, safezones.FieldErrorf(safezones.CodeInvalid, rf, "ring is not closed: first and last positions differ")
		}
		for j, p := range r {
			if err := checkPoint(p, fmt.Sprintf("%s[%d]", rf, j)); err != nil {
				return nil, err
			}
		}
		out[i] = geo.Ring(densify(r, densifyM))
	}
	return out, nil
}

// densify returns pts with extra points on the great circle of every edge
// longer than maxM metres, so that no edge is longer than maxM. An edge that
// spans more than 180° of longitude is left as it is (RFC 7946 asks for
// such shapes to be cut at the antimeridian). maxM <= 0 returns pts. The
// input is returned unchanged (not copied) when no edge needs it.
func densify(pts []geo.Point, maxM float64) []geo.Point {
	if maxM <= 0 {
		return pts
	}
	need := false
	for i := 0; i+1 < len(pts); i++ {
		if geo.DistanceM(pts[i], pts[i+1]) > maxM && math.Abs(pts[i+1].Lon-pts[i].Lon) <= 180 {
			need = true
			break
		}
	}
	if !need {
		return pts
	}
	out := make([]geo.Point, 0, len(pts)*2)
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		out = append(out, a)
		d := geo.DistanceM(a, b)
		if d <= maxM || math.Abs(b.Lon-a.Lon) > 180 {
			continue
		}
		n := int(math.Ceil(d / maxM))
		for k := 1; k < n; k++ {
			out = append(out, greatCircleAt(a, b, float64(k)/float64(n)))
		}
	}
	return append(out, pts[len(pts)-1])
}

// greatCircleAt returns the point a fraction f of the way from a to b on
// the shorter great-circle arc, with its longitude kept between a's and b's
// (so a meridian at ±180 stays on its side).
func greatCircleAt(a, b geo.Point, f float64) geo.Point {
	const d2r = math.Pi / 180
	ax, ay, az := unitVector(a)
	bx, by, bz := unitVector(b)
	dot := math.Max(-1, math.Min(1, ax*bx+ay*by+az*bz))
	omega := math.Acos(dot)
	if omega < 1e-12 {
		return geo.Point{Lon: a.Lon + f*(b.Lon-a.Lon), Lat: a.Lat + f*(b.Lat-a.Lat)}
	}
	s := math.Sin(omega)
	ka, kb := math.Sin((1-f)*omega)/s, math.Sin(f*omega)/s
	x, y, z := ka*ax+kb*bx, ka*ay+kb*by, ka*az+kb*bz
	lat := math.Atan2(z, math.Hypot(x, y)) / d2r
	lon := math.Atan2(y, x) / d2r
	lo, hi := math.Min(a.Lon, b.Lon), math.Max(a.Lon, b.Lon)
	for lon < lo-90 {
		lon += 360
	}
	for lon > hi+90 {
		lon -= 360
	}
	lon = math.Max(lo, math.Min(hi, lon))
	return geo.Point{Lon: lon, Lat: lat}
}

func unitVector(p geo.Point) (x, y, z float64) {
	const d2r = math.Pi / 180
	lat, lon := p.Lat*d2r, p.Lon*d2r
	return math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)
}
