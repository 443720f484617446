package sqlite

import (
	"encoding/json"
	"fmt"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// encodeGeometry returns g's GeoJSON type and coordinates member. Stored
// geometry was validated when it came in, so decodeGeometry trusts it and
// only checks its shape.
func encodeGeometry(g geo.Geometry) (string, string, error) {
	b, err := json.Marshal(safezones.Coordinates(g))
	if err != nil {
		return "", "", err
	}
	return g.Type(), string(b), nil
}

func decodeGeometry(typ, coords string) (geo.Geometry, error) {
	switch typ {
	case "Point":
		var c []float64
		if err := json.Unmarshal([]byte(coords), &c); err != nil || len(c) < 2 {
			return nil, fmt.Errorf("decode stored Point: %v", err)
		}
		return geo.Point{Lon: c[0], Lat: c[1]}, nil
	case "LineString":
		var c [][]float64
		if err := json.Unmarshal([]byte(coords), &c); err != nil {
			return nil, fmt.Errorf("decode stored LineString: %w", err)
		}
		return geo.LineString(points(c)), nil
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal([]byte(coords), &c); err != nil {
			return nil, fmt.Errorf("decode stored Polygon: %w", err)
		}
		return polygon(c), nil
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal([]byte(coords), &c); err != nil {
			return nil, fmt.Errorf("decode stored MultiPolygon: %w", err)
		}
		mp := make(geo.MultiPolygon, len(c))
		for i, p := range c {
			mp[i] = polygon(p)
		}
		return mp, nil
	}
	return nil, fmt.Errorf("decode stored geometry: unknown type %q", typ)
}

func points(c [][]float64) []geo.Point {
	out := make([]geo.Point, 0, len(c))
	for _, p := range c {
		if len(p) >= 2 {
			out = append(out, geo.Point{Lon: p[0], Lat: p[1]})
		}
	}
	return out
}

func polygon(c [][][]float64) geo.Polygon {
	pg := make(geo.Polygon, len(c))
	for i, r := range c {
		pg[i] = geo.Ring(points(r))
	}
	return pg
}
