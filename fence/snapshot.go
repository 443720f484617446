package fence

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tidwall/rtree"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// DefaultDensifyM is the longest polygon or corridor edge, in metres, that
// Build keeps as one straight line in lon/lat when Options.DensifyM is 0.
// A 100 km east–west edge at 35°N bows about 137 m away from its geodesic;
// a 5 km edge about 0.3 m.
const DefaultDensifyM = 5000

// Options tune Build. The zero value gives the defaults.
type Options struct {
	// DensifyM is the longest edge, in metres, kept as a straight line in
	// lon/lat; longer edges of polygons and corridor lines get extra
	// vertices on their great circle, so that the planar point test follows
	// the geodesic edge to within about 0.3 m. 0 means DefaultDensifyM;
	// a negative value keeps every edge straight in lon/lat, which is how
	// RFC 7946 defines GeoJSON edges.
	DensifyM float64
	// LeafEdges is how many edges a cell may hold before it splits in four
	// (0 means 12): smaller is faster and bigger (docs/benchmarks.md).
	LeafEdges int
	// MaxDepth bounds the splitting below the top grid (0 means 12).
	MaxDepth int
	// TopCells is the number of cells of the top grid (0 means 16 per
	// LeafEdges edges, or up to 32 while that stays within 256k cells; at
	// most 4M).
	TopCells int
	// slotBytes overrides slotThreshold (tests force the slot layout on
	// small zone sets with 1).
	slotBytes int
}

func (o Options) withDefaults() Options {
	if o.DensifyM == 0 {
		o.DensifyM = DefaultDensifyM
	}
	if o.LeafEdges <= 0 {
		o.LeafEdges = 12
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 12
	}
	return o
}

// Snapshot is an immutable, indexed set of zones: the versions in force
// that the caller passed to Build. It is safe for concurrent use by any
// number of readers without locks. Its queries never modify it and
// allocate nothing when their dst slice has room.
type Snapshot struct {
	zones []safezones.Zone
	geoms []zoneGeom
	meta  []zoneMeta
	byID  map[string]int32
	cells cellIndex
	wraps bool // some circle or corridor reaches across ±180° longitude
	tree  rtree.RTreeG[int32]
	opts  Options
}

// Hit is one zone matched by a query. Index is the zone's position in the
// snapshot's zone table (Snapshot.Zone(Index) gives its id, version and
// name), so a hit copies no strings and stays valid as long as the
// snapshot. AltitudeKnown is false when the query had no altitude: a no_fly
// hit then means the position lies under or over the zone's area, and may
// be outside its altitude band.
type Hit struct {
	Index         int32
	Kind          safezones.Kind
	AltitudeKnown bool
}

// Near is one zone found by Within: its index in the zone table, its kind
// and the geodesic distance in metres from the query point to the zone (0
// when the point is inside it).
type Near struct {
	Index     int32
	Kind      safezones.Kind
	DistanceM float64
}

// Build validates zones and returns a Snapshot that indexes all of them.
// Build does not filter by status: pass the versions in force (for example
// ZoneService.ActiveZones); validity windows and corridor windows are
// checked at query time. The snapshot keeps references to the zones'
// geometry, which callers must not modify afterwards. A zone that breaks a
// rule (unknown kind, wrong geometry type, unclosed ring, coordinates
// outside [-180, 180] x [-90, 90], non-positive radius or half-width, floor
// above ceiling, duplicate id) gives a *safezones.Error with CodeInvalid
// and a Field such as "zones[3].geometry.coordinates[0][7]".
func Build(zones []safezones.Zone, opts Options) (*Snapshot, error) {
	opts = opts.withDefaults()
	if len(zones) > zoneMask {
		return nil, safezones.Errorf(safezones.CodeInvalid, "%d zones exceed the limit of %d", len(zones), zoneMask)
	}
	s := &Snapshot{
		zones: append([]safezones.Zone(nil), zones...),
		geoms: make([]zoneGeom, len(zones)),
		meta:  make([]zoneMeta, len(zones)),
		byID:  make(map[string]int32, len(zones)),
		opts:  opts,
	}
	for i := range s.zones {
		z := &s.zones[i]
		g, m, err := compileZone(z, opts.DensifyM)
		if err != nil {
			return nil, safezones.WithFieldPrefix(err, fmt.Sprintf("zones[%d]", i))
		}
		if _, dup := s.byID[z.ID]; dup {
			return nil, safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("zones[%d].id", i), "zone id %q appears twice", z.ID)
		}
		s.byID[z.ID] = int32(i)
		s.geoms[i], s.meta[i] = g, m
		b := g.bound
		if b.Min.Lon < -180 || b.Max.Lon > 180 {
			s.wraps = true
		}
		s.tree.Insert([2]float64{b.Min.Lon, b.Min.Lat}, [2]float64{b.Max.Lon, b.Max.Lat}, int32(i))
	}
	cells, err := buildCells(s.geoms, s.meta, opts)
	if err != nil {
		return nil, err
	}
	s.cells = cells
	return s, nil
}

// Len returns the number of zones in the snapshot.
func (s *Snapshot) Len() int { return len(s.zones) }

// Zone returns the zone at index i of the zone table (as in Hit.Index), or
// nil when i is out of range. The zone must not be modified.
func (s *Snapshot) Zone(i int32) *safezones.Zone {
	if i < 0 || int(i) >= len(s.zones) {
		return nil
	}
	return &s.zones[i]
}

// Geometry returns the geometry of zone i as the snapshot evaluates it:
// polygons and corridor lines after densification (Options.DensifyM), a
// site's point; nil when i is out of range. It must not be modified.
func (s *Snapshot) Geometry(i int32) geo.Geometry {
	if i < 0 || int(i) >= len(s.zones) {
		return nil
	}
	g := &s.geoms[i]
	switch s.meta[i].kind {
	case kindSite:
		return g.center
	case kindCorridor:
		return g.line
	}
	if _, multi := s.zones[i].Geometry.(geo.MultiPolygon); multi {
		return geo.MultiPolygon(g.polys)
	}
	return g.polys[0]
}

// Lookup returns the zone-table index of the zone with id, and whether it
// is in the snapshot.
func (s *Snapshot) Lookup(id string) (int32, bool) {
	i, ok := s.byID[id]
	return i, ok
}

// Stats describes a snapshot's index.
type Stats struct {
	Zones    int
	TopCells int // cells of the uniform top grid
	Nodes    int // internal nodes below the top grid
	Leaves   int // distinct leaf blobs
	// SlotLeaves is how many top cells hold their leaf in their own slot
	// (the slot layout of large indexes; 0 with the plain top grid).
	SlotLeaves int
	IndexB     int // bytes of the cell index arrays (grid, nodes, leaf blobs)
	MetaB      int // bytes of the per-zone records the hot path reads
	GeometryB  int // bytes of float64 geometry owned by the snapshot (densified copies)
}

// Stats returns sizes of the snapshot's index; the R-tree used by Within
// and Intersecting (about 100 bytes per zone) is not counted.
func (s *Snapshot) Stats() Stats {
	st := Stats{
		Zones:      len(s.zones),
		TopCells:   s.cells.nx * s.cells.ny,
		Nodes:      len(s.cells.nodes) / 4,
		Leaves:     s.cells.leaves,
		SlotLeaves: s.cells.slotLeaves,
		IndexB:     s.cells.memoryBytes(),
		MetaB:      len(s.meta) * 56,
	}
	for i := range s.geoms {
		g := &s.geoms[i]
		orig := s.zones[i].Geometry
		switch o := orig.(type) {
		case geo.Polygon:
			if len(g.polys) == 1 && !sameRings(o, g.polys[0]) {
				st.GeometryB += 16 * countPoints(g.polys[0])
			}
		case geo.MultiPolygon:
			for j, pg := range g.polys {
				if !sameRings(o[j], pg) {
					st.GeometryB += 16 * countPoints(pg)
				}
			}
		case geo.LineString:
			if len(o) != len(g.line) {
				st.GeometryB += 16 * len(g.line)
			}
		}
	}
	return st
}

func sameRings(a, b geo.Polygon) bool {
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
	}
	return true
}

func countPoints(pg geo.Polygon) int {
	n := 0
	for _, r := range pg {
		n += len(r)
	}
	return n
}

// Containing appends to dst a Hit for every zone that contains p at time t
// and returns the extended slice. p is [lon, lat] in WGS84 degrees; altM is
// the altitude in metres above mean sea level, used only when hasAlt is
// true. Boundaries are closed: a point on an edge or vertex of a polygon
// (shell or hole) is inside it, as in geo.Polygon.ContainsPoint, whose
// answer the index reproduces exactly; a protected site holds the points
// whose WGS84 geodesic distance from its centre (geo.GeodesicWithinM) is
// <= RadiusM, a corridor the points whose geodesic distance from its line
// (geo.GeodesicSegmentWithinM) is <= HalfWidthM, when one of its
// windows is open at t. Zones count only inside their validity window
// [From, To) at t. A no_fly zone matches only inside its closed altitude
// band [FloorM, CeilingM] when hasAlt is true; when the altitude is unknown
// it matches (conservative for violations) and the hit says
// AltitudeKnown=false. Hits are in zone-table order, each zone once.
func (s *Snapshot) Containing(p geo.Point, altM float64, hasAlt bool, t time.Time, dst []Hit) []Hit {
	start := len(dst)
	tk := timeKey(t)
	dst = s.containing(p, altM, hasAlt, tk, dst)
	if s.wraps {
		if p.Lon < 0 {
			dst = s.containing(geo.Point{Lon: p.Lon + 360, Lat: p.Lat}, altM, hasAlt, tk, dst)
		} else {
			dst = s.containing(geo.Point{Lon: p.Lon - 360, Lat: p.Lat}, altM, hasAlt, tk, dst)
		}
	}
	if len(dst)-start > 1 {
		dst = sortHits(dst, start)
	}
	return dst
}

// sortHits sorts dst[start:] by index and drops repeats.
func sortHits(dst []Hit, start int) []Hit {
	h := dst[start:]
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].Index < h[j-1].Index; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
	n := 1
	for i := 1; i < len(h); i++ {
		if h[i].Index != h[n-1].Index {
			h[n] = h[i]
			n++
		}
	}
	return dst[:start+n]
}

func (s *Snapshot) containing(p geo.Point, altM float64, hasAlt bool, tk int64, dst []Hit) []Hit {
	ref, blob, x0, y0 := s.cells.find(p)
	if blob != nil {
		return s.leafHits(blob, x0, y0, p, altM, hasAlt, tk, dst)
	}
	if ref == 0 {
		return dst
	}
	// One zone covers the whole cell.
	if zw := ref; zw&zwNeedsCheck == 0 || s.check(zw, altM, hasAlt, tk) {
		dst = append(dst, Hit{Index: int32(zw & zoneMask), Kind: kindNames[zw>>27&3], AltitudeKnown: hasAlt})
	}
	return dst
}

// leafHits appends the zones of the leaf blob at data[0:] that hold p;
// (x0, y0) is the south-west corner of the leaf's cell.
func (s *Snapshot) leafHits(data []uint32, x0, y0 float64, p geo.Point, altM float64, hasAlt bool, tk int64, dst []Hit) []Hit {
	hdr := data[0]
	nI, nB := int(hdr&0xfff), int(hdr>>12&0xfff)
	for _, zw := range data[1 : 1+nI] {
		if zw&zwNeedsCheck == 0 || s.check(zw, altM, hasAlt, tk) {
			dst = append(dst, Hit{Index: int32(zw & zoneMask), Kind: kindNames[zw>>27&3], AltitudeKnown: hasAlt})
		}
	}
	if nB == 0 {
		return dst
	}
	// The point in units of the leaf's scale (a power of two: exact).
	_, inv := leafScale(hdr)
	px, py := (p.Lon-x0)*inv, (p.Lat-y0)*inv
	pos := 1 + nI
	for k := 0; k < nB; k++ {
		zw := data[pos]
		var hit bool
		switch zw >> 30 {
		case itemPoly:
			if zw&zwNeedsCheck == 0 || s.check(zw, altM, hasAlt, tk) {
				hit, pos = s.polyHit(data, pos, px, py, p)
			} else {
				pos = polyEnd(data, pos)
			}
		case itemCircle:
			if zw&zwNeedsCheck == 0 || s.check(zw, altM, hasAlt, tk) {
				// WGS84 geodesic radius; the geodesic is computed only
				// within about 0.5% of the circle (geo.GeodesicWithinM).
				c := geo.Point{Lon: f64(data[pos+1], data[pos+2]), Lat: f64(data[pos+3], data[pos+4])}
				hit = geo.GeodesicWithinM(p, c, f64(data[pos+5], data[pos+6]))
			}
			pos += 7
		default:
			next := pos + int(data[pos+1])
			if zw&zwNeedsCheck == 0 || s.check(zw, altM, hasAlt, tk) {
				hit = s.corridorHit(data, pos, p)
			}
			pos = next
		}
		if hit {
			dst = append(dst, Hit{Index: int32(zw & zoneMask), Kind: kindNames[zw>>27&3], AltitudeKnown: hasAlt})
		}
	}
	return dst
}

// check applies a zone's validity window, corridor windows and altitude
// band.
func (s *Snapshot) check(zw uint32, altM float64, hasAlt bool, tk int64) bool {
	m := &s.meta[zw&zoneMask]
	if !m.activeAt(tk) {
		return false
	}
	return !hasAlt || m.kind != kindNoFly || m.inBand(altM)
}

// polyHit evaluates the polygon item at data[pos:] and returns the
// position after it.
func (s *Snapshot) polyHit(data []uint32, pos int, px, py float64, p geo.Point) (hit bool, end int) {
	hw := data[pos+1]
	nRings := int(hw >> 16)
	at := pos + 2
	for r := 0; r < nRings; r++ {
		hole := data[at]&2 != 0
		in, unsure, next := ringParity(data, at, px, py)
		if unsure {
			z := data[pos] & zoneMask
			return s.geoms[z].polys[hw&0xffff].ContainsPoint(p), polyEnd(data, pos)
		}
		if in == hole {
			// Certainly outside the shell or strictly inside a hole: out,
			// whatever the other rings say (as in geo.Polygon.ContainsPoint).
			for r++; r < nRings; r++ {
				next = ringEnd(data, next)
			}
			return false, next
		}
		at = next
	}
	return true, at
}

// corridorHit evaluates the corridor item at data[pos:]: p is in when its
// WGS84 geodesic distance to one of the item's segments is at most the
// half-width (computed only within about 0.5% of the band's edge,
// geo.GeodesicSegmentWithinM).
func (s *Snapshot) corridorHit(data []uint32, pos int, p geo.Point) bool {
	z := data[pos] & zoneMask
	g := &s.geoms[z]
	runs := int(data[pos+2])
	for r := 0; r < runs; r++ {
		first, n := int(data[pos+3+2*r]), int(data[pos+4+2*r])
		for i := first; i < first+n; i++ {
			if geo.GeodesicSegmentWithinM(p, g.line[i], g.line[i+1], g.halfWidthM) {
				return true
			}
		}
	}
	return false
}

// Engine holds the snapshot in force and lets readers use it without
// locks while a writer swaps in a new one. The zero value holds an empty
// snapshot.
type Engine struct {
	snap atomic.Pointer[Snapshot]
}

// NewEngine returns an Engine holding s (an empty snapshot when s is nil).
func NewEngine(s *Snapshot) *Engine {
	e := &Engine{}
	e.Swap(s)
	return e
}

var emptySnapshot = &Snapshot{byID: map[string]int32{}, cells: emptyCells(), opts: Options{}.withDefaults()}

// Snapshot returns the snapshot in force; it is never nil.
func (e *Engine) Snapshot() *Snapshot {
	if s := e.snap.Load(); s != nil {
		return s
	}
	return emptySnapshot
}

// Swap makes s the snapshot in force (an empty one when s is nil) and
// returns the previous one. Readers holding the old snapshot keep using it
// safely until they load again.
func (e *Engine) Swap(s *Snapshot) *Snapshot {
	if s == nil {
		s = emptySnapshot
	}
	old := e.snap.Swap(s)
	if old == nil {
		old = emptySnapshot
	}
	return old
}
