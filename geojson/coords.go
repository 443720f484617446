package geojson

import (
	"math"
	"strconv"
	"strings"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// coordReader reads a "coordinates" member straight from the document's
// bytes into geo types. The result mirrors the JSON exactly (nothing is
// dropped, merged or reordered), so the validator can name any position by
// its indices. Errors carry the path of the offending array, e.g.
// "coordinates[0][7]".
type coordReader struct {
	b        []byte
	i        int
	lim      Limits
	gtype    string // the geometry type, for messages about nesting
	path     []int  // indices of the arrays being read
	vertices int
	nRings   int
}

func newCoordReader(raw []byte, gtype string, lim Limits) *coordReader {
	return &coordReader{b: raw, lim: lim, gtype: gtype, path: make([]int, 0, 4)}
}

// field returns the path of the array being read.
func (r *coordReader) field() string {
	var sb strings.Builder
	sb.WriteString("coordinates")
	for _, i := range r.path {
		sb.WriteByte('[')
		sb.WriteString(strconv.Itoa(i))
		sb.WriteByte(']')
	}
	return sb.String()
}

func (r *coordReader) errorf(format string, args ...any) error {
	return safezones.FieldErrorf(safezones.CodeInvalid, r.field(), format, args...)
}

// nesting shows the shape a geometry type's coordinates take.
var nesting = map[string]string{
	"Point":        "[lon, lat]",
	"LineString":   "[[lon, lat], ...]",
	"Polygon":      "[[[lon, lat], ...], ...]",
	"MultiPolygon": "[[[[lon, lat], ...], ...], ...]",
}

// array reads the '[' of an array of what, or fails naming what was found.
func (r *coordReader) array(what string) error {
	r.i = skipSpace(r.b, r.i)
	if r.i < len(r.b) && r.b[r.i] == '[' {
		r.i++
		return nil
	}
	found := kindOf(r.b[r.i:])
	return r.errorf("expected %s, got %s; %s coordinates nest like %s", what, found, r.gtype, nesting[r.gtype])
}

// each calls fn for every element of the array just opened, with the
// element's index pushed on the path.
func (r *coordReader) each(fn func(i int) error) error {
	r.i = skipSpace(r.b, r.i)
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return nil
	}
	r.path = append(r.path, 0)
	defer func() { r.path = r.path[:len(r.path)-1] }()
	for n := 0; ; n++ {
		r.path[len(r.path)-1] = n
		if err := fn(n); err != nil {
			return err
		}
		r.i = skipSpace(r.b, r.i)
		if r.i >= len(r.b) {
			return r.errorf("unterminated array")
		}
		c := r.b[r.i]
		r.i++
		if c == ']' {
			return nil
		}
		r.i = skipSpace(r.b, r.i)
	}
}

// position reads [lon, lat] or [lon, lat, alt]. The altitude must be a
// finite number and is then ignored.
func (r *coordReader) position() (geo.Point, error) {
	if err := r.array("a position [longitude, latitude]"); err != nil {
		return geo.Point{}, err
	}
	r.vertices++
	if r.vertices > r.lim.MaxVertices {
		return geo.Point{}, safezones.FieldErrorf(safezones.CodeTooLarge, "coordinates",
			"geometry has more than %d positions, the limit", r.lim.MaxVertices)
	}
	var v [3]float64
	var tok [3][]byte
	n := 0
	r.i = skipSpace(r.b, r.i)
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return geo.Point{}, r.errorf("position is empty; it needs [longitude, latitude]")
	}
	for {
		r.i = skipSpace(r.b, r.i)
		start := r.i
		end := skipValue(r.b, start)
		raw := r.b[start:end]
		r.i = end
		if kind := kindOf(raw); kind != "number" {
			if kind == "array" {
				return geo.Point{}, r.errorf("position element %d must be a number, got array; %s coordinates nest like %s",
					n, r.gtype, nesting[r.gtype])
			}
			return geo.Point{}, r.errorf("position element %d must be a number, got %s", n, kind)
		}
		if n < 3 {
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil && !math.IsInf(f, 0) {
				return geo.Point{}, r.errorf("position element %d: %s is not a number", n, raw)
			}
			if math.IsInf(f, 0) {
				return geo.Point{}, r.errorf("%s %s is too large to be a finite number", elementName(n), raw)
			}
			v[n], tok[n] = f, raw
		}
		n++
		r.i = skipSpace(r.b, r.i)
		if r.i >= len(r.b) {
			return geo.Point{}, r.errorf("unterminated position")
		}
		c := r.b[r.i]
		r.i++
		if c == ']' {
			break
		}
	}
	switch {
	case n < 2:
		return geo.Point{}, r.errorf("position has 1 number; it needs [longitude, latitude]")
	case n > 3:
		return geo.Point{}, r.errorf("position has %d numbers; at most 3 are allowed (longitude, latitude, altitude)", n)
	case v[0] < -180 || v[0] > 180:
		return geo.Point{}, r.errorf("longitude %s out of range [-180, 180]", tok[0])
	case v[1] < -90 || v[1] > 90:
		return geo.Point{}, r.errorf("latitude %s out of range [-90, 90]", tok[1])
	}
	return geo.Point{Lon: v[0], Lat: v[1]}, nil
}

func elementName(n int) string {
	switch n {
	case 0:
		return "longitude"
	case 1:
		return "latitude"
	}
	return "altitude"
}

// positions reads an array of positions.
func (r *coordReader) positions(what string) ([]geo.Point, error) {
	if err := r.array(what); err != nil {
		return nil, err
	}
	var pts []geo.Point
	err := r.each(func(int) error {
		p, err := r.position()
		pts = append(pts, p)
		return err
	})
	return pts, err
}

// rings reads a Polygon's array of linear rings.
func (r *coordReader) rings() (geo.Polygon, error) {
	if err := r.array("an array of linear rings"); err != nil {
		return nil, err
	}
	var pg geo.Polygon
	err := r.each(func(int) error {
		r.nRings++
		if r.nRings > r.lim.MaxRings {
			return safezones.FieldErrorf(safezones.CodeTooLarge, "coordinates",
				"geometry has more than %d rings, the limit", r.lim.MaxRings)
		}
		ring, err := r.positions("a linear ring (an array of positions)")
		pg = append(pg, geo.Ring(ring))
		return err
	})
	return pg, err
}

// polygons reads a MultiPolygon's array of polygons.
func (r *coordReader) polygons() (geo.MultiPolygon, error) {
	if err := r.array("an array of polygons"); err != nil {
		return nil, err
	}
	var mp geo.MultiPolygon
	err := r.each(func(i int) error {
		if i >= r.lim.MaxPolygons {
			return safezones.FieldErrorf(safezones.CodeTooLarge, "coordinates",
				"MultiPolygon has more than %d polygons, the limit", r.lim.MaxPolygons)
		}
		pg, err := r.rings()
		mp = append(mp, pg)
		return err
	})
	return mp, err
}

// readCoordinates reads raw as the coordinates of a gtype geometry. It checks
// the nesting, the numbers and their ranges and the limits; the shape rules
// are validateGeometry's.
func readCoordinates(raw []byte, gtype string, lim Limits) (geo.Geometry, error) {
	r := newCoordReader(raw, gtype, lim)
	switch gtype {
	case "Point":
		return r.position()
	case "LineString":
		l, err := r.positions("an array of positions")
		return geo.LineString(l), err
	case "Polygon":
		return r.rings()
	case "MultiPolygon":
		return r.polygons()
	}
	return nil, safezones.FieldErrorf(safezones.CodeInvalid, "type", "unsupported geometry type %q", gtype)
}
