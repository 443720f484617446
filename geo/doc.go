// Package geo holds the planar and geodesic geometry that safezones is built
// on: points, rings, polygons, lines and rectangles in WGS84 longitude and
// latitude (GeoJSON order), with the predicates and distances the rest of
// the program needs. It uses only the standard library.
//
// Boundary rule: shapes are closed sets. A point exactly on an edge or vertex
// of a polygon, shell or hole, is on the polygon's boundary and counts as
// inside it; for violations the boundary counts as inside, and the same rule
// everywhere keeps answers deterministic.
package geo
