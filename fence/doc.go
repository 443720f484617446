// Package fence is the in-memory fence engine: which zones, protected sites
// and corridors a position touches now, and which a moving object will
// reach soon. It does no I/O.
//
// Build turns the zones in force into an immutable Snapshot; an Engine
// holds the snapshot in force behind an atomic pointer, so readers never
// lock and a writer swaps a rebuilt snapshot in whole. Snapshot answers
// Containing (point, altitude, time), Within (nearest first, with
// distances) and Intersecting (areas and routes); point queries allocate
// nothing when the destination slice has room.
//
// Coordinates are WGS84 [lon, lat] degrees (GeoJSON order), altitudes
// metres above mean sea level, distances geodesic metres on the sphere of
// geo.EarthRadiusM, times compared as half-open windows [From, To).
//
// Boundaries are closed: a point exactly on an edge or vertex of a polygon
// (shell or hole) is inside it, a point at exactly RadiusM from a site or
// HalfWidthM from a corridor is inside it, and a no_fly band includes its
// floor and ceiling. The point index reproduces geo.Polygon.ContainsPoint
// exactly for every point (geo decides with exact orientation predicates),
// so the index and a brute-force test never disagree, on boundaries
// included.
//
// Polygon edges longer than Options.DensifyM (5 km by default) get extra
// vertices on their great circle at Build, so the planar point test
// follows geodesic edges to about 0.3 m; a negative DensifyM keeps
// RFC 7946's straight lon/lat edges.
//
// The point index is a flat adaptive cell index (see cellindex.go): a
// uniform top grid whose cells split in four while they hold more than a
// handful of edges; a cell wholly inside a zone answers with no edge test,
// a boundary cell keeps its edges as int16 offsets next to each other.
// Within and Intersecting use an R-tree of zone bounds (tidwall/rtree).
// docs/benchmarks.md compares the index with an R-tree plus edge tests and
// with an s2.ShapeIndex on the standard workload.
//
// Tracker turns position updates of moving objects into enter, exit and
// inside events per zone, ignores out-of-order and duplicate updates by
// timestamp, expires stale objects, and warns ahead of time when an
// object's predicted path (constant velocity, or constant turn rate when
// turning) reaches a zone within the horizon.
//
// WorkloadZones, WorkloadPoints and WorkloadTracks generate the standard
// workload of PERFORMANCE.md deterministically from a seed.
package fence
