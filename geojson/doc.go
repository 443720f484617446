// Package geojson converts between RFC 7946 GeoJSON and the geo and
// safezones types, and is the one place where outside geometry is judged.
//
// # Decoding
//
// DecodeGeometry, DecodeFeature and DecodeFeatureCollection read a document
// and validate it. Every failure is a *safezones.Error with CodeInvalid, or
// CodeTooLarge when a Limits bound is exceeded, and a Field that is the JSON
// path of the offending part: "coordinates[0][7]" for a bare geometry,
// "geometry.coordinates[0][7]" for a Feature,
// "features[3].geometry.coordinates[0][7]" in a FeatureCollection. A bad
// feature of a collection gets its own error and never hides the others.
//
// The document is first checked as bytes: size (Limits.MaxBytes), nesting
// depth (Limits.MaxDepth, before any unmarshalling) and JSON syntax (errors
// give line and column). It is then walked in place, so every position
// keeps the path it came from. A leading UTF-8 byte order mark is skipped.
//
// Structure rules:
//
//   - Geometry types are Point, LineString, Polygon and MultiPolygon.
//     MultiPoint, MultiLineString and GeometryCollection are rejected as
//     unsupported; type names are case-sensitive.
//   - An object may not repeat a member name: readers disagree on which
//     copy wins, and a zone's geometry must read the same everywhere.
//   - Members that RFC 7946 §7.1 forbids on a kind of object ("features"
//     or "properties" on a geometry, "coordinates" on a Feature, ...) are
//     errors naming the member. Other foreign members are ignored.
//   - "bbox" must be 4 or 6 finite numbers; its values are otherwise
//     ignored and never compared with the geometry.
//   - "crs" (GeoJSON 2008) is accepted only when it names WGS 84
//     longitude/latitude: urn:ogc:def:crs:OGC:1.3:CRS84 and its equivalents
//     (urn:ogc:def:crs:OGC::CRS84, urn:ogc:def:crs:EPSG::4326, EPSG:4326 and
//     the opengis.net URLs). Coordinates are always read longitude first, as
//     GeoJSON always has. Any other "crs", null included, is an error.
//   - A Feature needs "geometry" and "properties" members (RFC 7946 §3.2).
//     A null geometry is an error: every safezones record has a location.
//     "properties" may be null. "id" is a string or a number and becomes
//     Feature.ID.
//
// Coordinate rules:
//
//   - A position is [longitude, latitude] or [longitude, latitude,
//     altitude], in WGS 84 degrees. The altitude must be a number and is
//     then ignored: zones carry their altitude band in properties. Four or
//     more numbers are an error.
//   - Longitude must lie in [-180, 180] and latitude in [-90, 90], bounds
//     included. A number too large for float64 (1e400) is an error, not
//     infinity.
//   - A LineString needs two or more positions and two distinct points. It
//     may cross itself.
//   - A linear ring needs four or more positions, must be closed (its first
//     and last positions equal in longitude and latitude), and needs three
//     distinct points not all on one line. Consecutive duplicate positions
//     are allowed and kept; they count for the limits and in paths, and are
//     skipped when edges are compared.
//   - A ring must be simple: no edge may cross, touch or overlap an edge
//     other than its neighbours, so a bow-tie, a figure 8 (a ring passing
//     through one vertex twice) and a spike (an edge doubling back over its
//     neighbour) are errors. In messages, edge k of a ring runs from its
//     position k to the next distinct position.
//   - Holes must lie inside their shell and outside each other. Two rings of
//     a polygon may touch at one point, never cross or share an edge, and
//     rings that touch may not form a closed chain: either would cut the
//     polygon's interior in pieces (the OGC Simple Features rule).
//   - The polygons of a MultiPolygon may touch at points but not cross,
//     share an edge, lie one inside another, or pass through each other's
//     interior between two touch points. A polygon inside another's hole
//     (an island in a lake) is fine.
//   - No edge may span more than 180° of longitude. Geometries are not
//     split at the antimeridian: a shape crossing it must be given as a
//     MultiPolygon (or two LineStrings) cut at ±180, as RFC 7946 §3.1.9
//     requires.
//   - Limits also bound positions and rings per geometry, polygons per
//     MultiPolygon and features per collection. The intersection check
//     sweeps edges sorted by longitude, so real boundaries with thousands of
//     positions per ring validate in milliseconds; an input built so that
//     nearly every edge overlaps every other in longitude is refused with
//     CodeTooLarge rather than checked in quadratic time.
//
// Geometry is planar in longitude/latitude, as RFC 7946 §3.1.1 defines
// edges. Every decision (is this vertex on that edge, which side of it is
// that point) is exact for the float64 coordinates as written, using an
// adaptive-precision orientation test, so no two checks can disagree about
// a point lying 1e-16 degrees off an edge.
//
// Rings are then wound as RFC 7946 §3.1.6 says, shell counter-clockwise and
// holes clockwise, by reversing those that are not. Nothing else is changed:
// a geometry that breaks a rule is rejected, never repaired.
//
// # Zones
//
// TermsFromFeature reads a zone's terms from a decoded Feature's properties.
//
// # Encoding
//
// AppendGeometry and AppendZoneFeature write GeoJSON without reflection on
// coordinates, each number in the shortest form that reads back to the
// same float64.
package geojson
