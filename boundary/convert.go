package boundary

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/safezones/safezones/geo"
)

// The shipped files are trusted, fixed inputs, so they are decoded with
// encoding/json into the few members this package reads; the full
// validation of outside GeoJSON belongs to package geojson. Decoding with
// github.com/paulmach/orb/geojson would pull go.mongodb.org/mongo-driver
// (its BSON support) into the module for no gain here.

// featureCollection is the part of a GeoJSON FeatureCollection that load
// reads. Other members ("crs", "name", "bbox") are ignored.
type featureCollection struct {
	Type     string    `json:"type"`
	Features []feature `json:"features"`
}

type feature struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   *geometry      `json:"geometry"`
}

type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// position is a GeoJSON position: longitude, latitude and an optional
// altitude, which is ignored.
type position []float64

// decodeFeatureCollection decodes b and checks its type members.
func decodeFeatureCollection(b []byte) (*featureCollection, error) {
	var fc featureCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, err
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("type %q, want FeatureCollection", fc.Type)
	}
	for i, f := range fc.Features {
		if f.Type != "Feature" {
			return nil, fmt.Errorf("features[%d]: type %q, want Feature", i, f.Type)
		}
	}
	return &fc, nil
}

// multiPolygonFromGeometry converts a Polygon or MultiPolygon into a
// geo.MultiPolygon in the RFC 7946 winding. The error names the offending
// part as a path below "geometry".
func multiPolygonFromGeometry(g *geometry) (geo.MultiPolygon, error) {
	if g == nil {
		return nil, fmt.Errorf("geometry: missing")
	}
	switch g.Type {
	case "Polygon":
		var rings [][]position
		if err := json.Unmarshal(g.Coordinates, &rings); err != nil {
			return nil, fmt.Errorf("geometry.coordinates: %w", err)
		}
		p, err := polygonFromRings(rings, "geometry.coordinates")
		if err != nil {
			return nil, err
		}
		return geo.MultiPolygon{p}, nil
	case "MultiPolygon":
		var polys [][][]position
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, fmt.Errorf("geometry.coordinates: %w", err)
		}
		if len(polys) == 0 {
			return nil, fmt.Errorf("geometry.coordinates: empty MultiPolygon")
		}
		out := make(geo.MultiPolygon, len(polys))
		for i, rings := range polys {
			p, err := polygonFromRings(rings, fmt.Sprintf("geometry.coordinates[%d]", i))
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	}
	return nil, fmt.Errorf("geometry: type %q, want Polygon or MultiPolygon", g.Type)
}

// polygonFromRings converts one polygon, reversing any ring whose winding
// is not RFC 7946's: the first ring (the shell) counter-clockwise, the rest
// (holes) clockwise. path names the polygon in error messages.
func polygonFromRings(rings [][]position, path string) (geo.Polygon, error) {
	if len(rings) == 0 {
		return nil, fmt.Errorf("%s: polygon without rings", path)
	}
	out := make(geo.Polygon, len(rings))
	for i, r := range rings {
		ring, err := ringFromPositions(r, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		a := ring.SignedArea()
		if a == 0 {
			return nil, fmt.Errorf("%s[%d]: ring has no area", path, i)
		}
		if (i == 0) != (a > 0) {
			ring = ring.Reversed()
		}
		out[i] = ring
	}
	return out, nil
}

// ringFromPositions converts one ring, checking that it has at least four
// positions, that every position is a finite, in-range longitude and
// latitude, and that the ring is closed (first position equals last).
func ringFromPositions(r []position, path string) (geo.Ring, error) {
	if len(r) < 4 {
		return nil, fmt.Errorf("%s: ring has %d positions, want at least 4", path, len(r))
	}
	out := make(geo.Ring, len(r))
	for j, p := range r {
		if len(p) < 2 {
			return nil, fmt.Errorf("%s[%d]: position has %d numbers, want 2 or 3", path, j, len(p))
		}
		lon, lat := p[0], p[1]
		if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			return nil, fmt.Errorf("%s[%d]: position [%v, %v] out of range", path, j, lon, lat)
		}
		out[j] = geo.Point{Lon: lon, Lat: lat}
	}
	if out[0] != out[len(out)-1] {
		return nil, fmt.Errorf("%s: ring not closed: first position %v, last %v", path, out[0], out[len(out)-1])
	}
	return out, nil
}
