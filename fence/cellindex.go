package fence

import (
	"math"
	"slices"
	"unsafe"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// The cell index answers point queries. A uniform top grid over the zones'
// extent holds one uint32 reference per cell; a reference is empty (0), a
// leaf (an offset into data), with refInline set the zone word of the one
// zone that covers the whole cell (no further memory read), or with
// refInternal set an internal node whose four children (SW, SE, NW, NE)
// are consecutive in nodes. Cells split in four while they hold more than
// LeafEdges edges and splitting helps. Every array is pointer-free, so the
// garbage collector never scans it.
//
// A leaf blob in data is:
//
//	word 0      nInterior | nBoundary<<12 | (e+128)<<24, where the leaf's
//	            scale s = 2^e degrees (e is irrelevant without items)
//	nInterior   zone words of zones that cover the whole cell
//	nBoundary   items, each starting with a zone word
//
// A zone word is zone index (27 bits) | kind<<27 (2 bits) |
// needsCheck<<29 | item type<<30 (2 bits).
//
// Polygon item: zone word, polygon index | nRings<<16, then per ring
// touching the cell a ring word, b0 | hole<<1 | flipFirst<<2 |
// flipLast<<3 | nVerts<<4 (14 bits) | nRuns<<18 (14 bits), whose flip bits
// and nVerts describe the ring's first run, followed by that run's nVerts
// vertex words; every further run is a run word, flipFirst | flipLast<<1 |
// nVerts<<2, and its vertex words. A vertex word is two int16 offsets (x
// low, y high) from the cell's south-west corner in units of s, rounded;
// s is chosen so that every offset fits, so a vertex is off by at most s/2
// (a few centimetres). Blobs are small because most queries read one:
// the header fields share words, and an item's length is not stored (a
// query that skips a polygon walks its run headers instead).
//
// A ring is tested with the same horizontal-ray crossing rule as
// geo.Ring.ContainsPoint, restricted to the ring's edges whose bounding box
// meets the cell (grown by margin): "C edges". Every other edge that the ray
// can meet lies wholly east of the cell ("R edges"); the parity of the R
// edges spanning latitude y is b0 at the cell's south edge and flips at the
// vertices where a C run meets an R edge (flipFirst, flipLast). So the
// parity over all edges, which decides containment, is b0, the flips below
// the point, and the C edges — exactly geo's answer. The C vertices are
// stored as float32 offsets; a comparison closer than the guard tol falls
// back to geo.Polygon.ContainsPoint on the full float64 polygon, so answers
// equal geo's for every point, boundary points included.
//
// Circle item: zone word, then centre lon, centre lat and radius as float64
// (two words each, low word first).
//
// Corridor item: zone word, length in words, nRuns, then (first segment,
// count) pairs indexing the zone's line.
//
// Two refinements keep memory reads per query low. occ has one bit per top
// cell, set when the cell holds anything: a query outside every zone's
// reach reads only that bitmap (a few KiB per thousand zones, so it stays
// in the nearest cache). And when the leaf blobs outgrow any cache
// (slotThreshold), the top grid becomes slots: slotWords words per cell,
// one cache line, aligned. Word 0 holds the cell's reference as top would,
// or refSlot when the cell's own leaf blob (at most slotWords-1 words)
// follows in words 1..15. The address of a slot follows from the point
// alone, so a query landing in a small leaf waits for one memory read
// where top then data took two dependent ones.
type cellIndex struct {
	x0, y0   float64 // south-west corner of the top grid, degrees
	cw, ch   float64 // top cell width and height, degrees
	icw, ich float64 // 1/cw, 1/ch
	nx, ny   int
	occ      []uint64 // bit c: top cell c holds something
	top      []uint32 // nil when slots is used
	slots    []uint32 // slotWords per top cell, or nil
	nodes    []uint32
	data     []uint32
	leaves   int
	// slotLeaves counts the leaf blobs held in slots.
	slotLeaves int
}

const (
	refInternal = 1 << 31
	// refInline marks a reference that is itself the zone word (without
	// item type) of the one zone covering the whole cell.
	refInline = 1 << 30

	itemPoly     = 0
	itemCircle   = 1
	itemCorridor = 2

	// refSlot in a slot's word 0 says the cell's leaf blob follows in
	// the slot (refInternal|refInline is never a reference otherwise).
	refSlot   = refInternal | refInline
	slotWords = 16 // one 64-byte cache line
	// slotThreshold is the size of the leaf blobs (bytes) from which the
	// top grid is laid out as slots: beyond the last-level caches of the
	// machines this runs on, a second dependent memory read per query
	// costs more than the larger grid.
	slotThreshold = 8 << 20

	// maxLeafZones bounds the zones a leaf lists (12-bit counts).
	maxLeafZones = 1<<12 - 1
	// maxRunEdges bounds a run's edges (its vertex count has 14 bits).
	maxRunEdges = 1<<14 - 2

	zoneMask     = 1<<27 - 1
	zwNeedsCheck = 1 << 29

	// margin grows every cell, in degrees, when deciding which edges it
	// holds; it is far larger than any rounding in locating a point's cell.
	margin = 1e-9
)

// find returns the leaf reference holding p, its blob (nil unless the
// reference is a leaf blob) and the south-west corner of its cell; ref is
// 0 when no zone is near p and has refInline set when one zone covers the
// whole cell.
func (ix *cellIndex) find(p geo.Point) (ref uint32, blob []uint32, x0, y0 float64) {
	fx := (p.Lon - ix.x0) * ix.icw
	fy := (p.Lat - ix.y0) * ix.ich
	if !(fx >= 0 && fy >= 0 && fx < float64(ix.nx) && fy < float64(ix.ny)) {
		return 0, nil, 0, 0
	}
	i, j := int(fx), int(fy)
	c := j*ix.nx + i
	if ix.occ[c>>6]&(1<<(c&63)) == 0 {
		return 0, nil, 0, 0
	}
	x0 = ix.x0 + float64(i)*ix.cw
	y0 = ix.y0 + float64(j)*ix.ch
	if ix.slots != nil {
		slot := ix.slots[c*slotWords : c*slotWords+slotWords]
		if ref = slot[0]; ref == refSlot {
			return ref, slot[1:], x0, y0
		}
	} else {
		ref = ix.top[c]
	}
	w, h := ix.cw, ix.ch
	for ref&refInternal != 0 {
		n := int(ref&^refInternal) * 4
		w *= 0.5
		h *= 0.5
		if p.Lon >= x0+w {
			x0 += w
			n++
		}
		if p.Lat >= y0+h {
			y0 += h
			n += 2
		}
		ref = ix.nodes[n]
	}
	if ref == 0 || ref&refInline != 0 {
		return ref, nil, x0, y0
	}
	return ref, ix.data[ref:], x0, y0
}

// defaultTopCells is the size of the top grid for edges edges at
// leafEdges per leaf: 16 cells per leaf's worth of edges, and up to 32 of
// them while the grid stays within smallTopCells. A finer top grid spares
// a query the walk down the tree and, in the slot layout of large
// indexes, holds more leaves in the slot the query reads anyway, so fewer
// queries wait for a second memory read (docs/benchmarks.md: at 1,000
// zones 26–29 ns with 32 per leaf, at 10,000 zones 256–261 ns with 16
// instead of 278–309 with 8). It costs memory in proportion: 104 MiB at
// 10,000 zones instead of 62; four times the default would take 191 MiB.
func defaultTopCells(edges, leafEdges int) int {
	per := edges / max(1, leafEdges)
	return max(64, min(1<<22, max(16*per, min(smallTopCells, 32*per))))
}

// smallTopCells bounds the finer top grid of small indexes: 256k cells
// are 1 MiB of references.
const smallTopCells = 1 << 18

// emptyCells returns an index that finds nothing.
func emptyCells() cellIndex {
	return cellIndex{occ: []uint64{0}, top: []uint32{0}, nx: 1, ny: 1, cw: 1, ch: 1, icw: 1, ich: 1, x0: math.Inf(1), y0: math.Inf(1), data: []uint32{0}}
}

// memoryBytes returns the size of the index arrays.
func (ix *cellIndex) memoryBytes() int {
	return 8*cap(ix.occ) + 4*(cap(ix.top)+cap(ix.slots)+cap(ix.nodes)+cap(ix.data))
}

func f32(w uint32) float64 { return float64(math.Float32frombits(w)) }

func f64(lo, hi uint32) float64 { return math.Float64frombits(uint64(lo) | uint64(hi)<<32) }

// vx and vy decode a vertex word: two int16 offsets in units of the
// leaf's scale.
func vx(w uint32) float64 { return float64(int16(w)) }
func vy(w uint32) float64 { return float64(int16(w >> 16)) }

// ringParity evaluates one ring record at data[pos:] for the point
// (px, py), given in units of the leaf's scale from the cell's corner; it
// returns the parity (inside for a hole or shell, boundary excluded),
// whether a comparison fell within the guard (one unit: stored vertices
// are off by at most half a unit), and the position after the record.
func ringParity(data []uint32, pos int, px, py float64) (in, unsure bool, end int) {
	const tol = 1.0
	w := data[pos]
	in = w&1 != 0
	nRuns := int(w >> 18)
	rw := w >> 2 & 3 // the first run's flips and length sit in the ring word
	nv := int(w >> 4 & (1<<14 - 1))
	pos++
	for r := 0; r < nRuns; r++ {
		if r > 0 {
			rw = data[pos]
			nv = int(rw >> 2)
			pos++
		}
		vs := data[pos : pos+nv]
		pos += nv
		if rw&1 != 0 {
			d := vy(vs[0]) - py
			if d <= tol && d >= -tol {
				return false, true, 0
			}
			if d < 0 {
				in = !in
			}
		}
		if rw&2 != 0 {
			d := vy(vs[len(vs)-1]) - py
			if d <= tol && d >= -tol {
				return false, true, 0
			}
			if d < 0 {
				in = !in
			}
		}
		ax, ay := vx(vs[0]), vy(vs[0])
		da := ay - py
		if da <= tol && da >= -tol {
			return false, true, 0
		}
		for _, v := range vs[1:] {
			bx, by := vx(v), vy(v)
			db := by - py
			if db <= tol && db >= -tol {
				return false, true, 0
			}
			if (da > 0) != (db > 0) {
				dx, dy, ex := bx-ax, by-ay, px-ax
				cross := dx*(-da) - dy*ex
				s := math.Abs(dx) + math.Abs(dy) + math.Abs(ex) + math.Abs(da)
				if math.Abs(cross) <= 3*tol*s+4*tol*tol {
					return false, true, 0
				}
				if (cross > 0) == (db > 0) {
					in = !in
				}
			}
			ax, ay, da = bx, by, db
		}
	}
	return in, false, pos
}

// ringEnd returns the position after the ring record at data[pos:].
func ringEnd(data []uint32, pos int) int {
	w := data[pos]
	pos += 1 + int(w>>4&(1<<14-1))
	for r := int(w >> 18); r > 1; r-- {
		pos += 1 + int(data[pos]>>2)
	}
	return pos
}

// polyEnd returns the position after the polygon item at data[pos:].
func polyEnd(data []uint32, pos int) int {
	nRings := int(data[pos+1] >> 16)
	pos += 2
	for r := 0; r < nRings; r++ {
		pos = ringEnd(data, pos)
	}
	return pos
}

// leafScale decodes the scale 2^e of a leaf header and its inverse.
func leafScale(hdr uint32) (scale, inv float64) {
	e := int(hdr>>24) - 128
	return math.Float64frombits(uint64(1023+e) << 52), math.Float64frombits(uint64(1023-e) << 52)
}

// ---- build ----

type ringRef struct {
	zone int32
	poly uint16
	hole bool
	pts  []geo.Point
}

type polyRef struct {
	zone      int32
	poly      uint16
	ringFirst int32 // rings[ringFirst] is the shell, holes follow
	ringN     int32
	bound     geo.Rect
}

type edgeRef struct{ ring, edge int32 }

type segRef struct{ zone, seg int32 }

type cellBuilder struct {
	geoms     []zoneGeom
	zoneWords []uint32
	rings     []ringRef
	polys     []polyRef
	leafEdges int
	maxDepth  int
	ix        *cellIndex
	dedup     map[string]uint32
	scratch   []uint32
	err       error
}

type cellRect struct{ x0, y0, w, h float64 }

func (r cellRect) grown() geo.Rect {
	return geo.Rect{Min: geo.Point{Lon: r.x0 - margin, Lat: r.y0 - margin}, Max: geo.Point{Lon: r.x0 + r.w + margin, Lat: r.y0 + r.h + margin}}
}

func (r cellRect) child(q int) cellRect {
	w, h := r.w*0.5, r.h*0.5
	c := cellRect{x0: r.x0, y0: r.y0, w: w, h: h}
	if q&1 != 0 {
		c.x0 += w
	}
	if q&2 != 0 {
		c.y0 += h
	}
	return c
}

// segmentMeetsRect reports whether the closed segment ab meets the closed
// rectangle r. It errs towards true: r is grown by 1e-12 degrees first,
// far more than the rounding of the clipping below.
func segmentMeetsRect(a, b geo.Point, r geo.Rect) bool {
	const eps = 1e-12
	x0, y0, x1, y1 := r.Min.Lon-eps, r.Min.Lat-eps, r.Max.Lon+eps, r.Max.Lat+eps
	if math.Max(a.Lon, b.Lon) < x0 || math.Min(a.Lon, b.Lon) > x1 || math.Max(a.Lat, b.Lat) < y0 || math.Min(a.Lat, b.Lat) > y1 {
		return false
	}
	// Liang–Barsky clipping of a + t(b-a), t in [0, 1].
	t0, t1 := 0.0, 1.0
	dx, dy := b.Lon-a.Lon, b.Lat-a.Lat
	clip := func(p, q float64) bool {
		if p == 0 {
			return q >= 0
		}
		t := q / p
		if p < 0 {
			if t > t1 {
				return false
			}
			t0 = math.Max(t0, t)
		} else {
			if t < t0 {
				return false
			}
			t1 = math.Min(t1, t)
		}
		return true
	}
	return clip(-dx, a.Lon-x0) && clip(dx, x1-a.Lon) && clip(-dy, a.Lat-y0) && clip(dy, y1-a.Lat) && t0 <= t1+1e-12
}

// segBound returns a Rect holding every point within the corridor's
// geodesic half-width of segment s. geo.Rect.Buffer already holds the
// geodesic distance; the 1% and 10 m (more than the sphere's
// 1/geo.GeodesicRatioMin - 1 = 0.57%) keep it in step with segClass's
// spherical test.
func (b *cellBuilder) segBound(s segRef) geo.Rect {
	g := &b.geoms[s.zone]
	return geo.ArcBound(g.line[s.seg], g.line[s.seg+1]).Buffer(g.halfWidthM*1.01 + 10)
}

// circleBound returns a Rect holding every point within the geodesic
// radius of site z, with the same slack as segBound.
func (b *cellBuilder) circleBound(z int32) geo.Rect {
	g := &b.geoms[z]
	return geo.CircleBound(g.center, g.radiusM*1.01+10)
}

// circleClass classifies a circle (radius geodesic on WGS84) against the
// grown cell: 0 outside, 1 boundary, 2 covering the cell. It measures on
// the sphere and is conservative for the ellipsoid: a point within the
// geodesic radius is within radius/geo.GeodesicRatioMin (< 1.0057 radius)
// on the sphere, under the outside test's 1% and 10 m; and the cell counts
// as covered only when it lies within radius/geo.GeodesicRatioMax on the
// sphere, so every point is within the radius on the ellipsoid.
func (b *cellBuilder) circleClass(z int32, gr geo.Rect) int {
	g := &b.geoms[z]
	c := g.center
	near := geo.Point{Lon: math.Max(gr.Min.Lon, math.Min(gr.Max.Lon, c.Lon)), Lat: math.Max(gr.Min.Lat, math.Min(gr.Max.Lat, c.Lat))}
	if geo.DistanceM(c, near) > g.radiusM*1.01+10 {
		return 0
	}
	// The distance from c is largest at a corner of any lon/lat box that
	// does not hold c's antipode (it is monotone along parallels and
	// unimodal along meridians), so four corners decide coverage.
	r := g.radiusM/geo.GeodesicRatioMax - 1e-3
	corners := [4]geo.Point{gr.Min, gr.Max, {Lon: gr.Min.Lon, Lat: gr.Max.Lat}, {Lon: gr.Max.Lon, Lat: gr.Min.Lat}}
	for _, k := range corners {
		if !(geo.DistanceM(c, k) <= r) {
			return 1
		}
	}
	return 2
}

// cands are the zones' parts that reach a cell (grown by margin): polygon
// edges and polygons whose bound meets it, circles and corridor segments
// split into those covering the cell and those crossing it.
type cands struct {
	edges       []edgeRef
	polys       []int32
	circles     []int32 // boundary crosses the cell
	circlesIn   []int32 // cover the cell
	segs        []segRef
	corridorsIn []int32 // cover the cell
}

func (c *cands) empty() bool {
	return len(c.edges) == 0 && len(c.polys) == 0 && len(c.circles) == 0 && len(c.circlesIn) == 0 &&
		len(c.segs) == 0 && len(c.corridorsIn) == 0
}

// weight is the work a query in the cell may do.
func (c *cands) weight() int { return len(c.edges) + len(c.segs) + len(c.circles) }

// filter returns the part of in that reaches cell r.
func (b *cellBuilder) filter(r cellRect, in *cands) cands {
	gr := r.grown()
	var out cands
	out.edges = filterEdges(in.edges, func(e edgeRef) bool {
		pts := b.rings[e.ring].pts
		return segmentMeetsRect(pts[e.edge], pts[e.edge+1], gr)
	})
	out.polys = filterInts(in.polys, func(p int32) bool { return b.polys[p].bound.Intersects(gr) })
	out.circlesIn = append(out.circlesIn, in.circlesIn...)
	for _, z := range in.circles {
		switch b.circleClass(z, gr) {
		case 1:
			out.circles = append(out.circles, z)
		case 2:
			out.circlesIn = append(out.circlesIn, z)
		}
	}
	out.corridorsIn = append(out.corridorsIn, in.corridorsIn...)
	var segs []segRef
	for i := 0; i < len(in.segs); {
		z := in.segs[i].zone
		j := i
		covered := false
		var keep []segRef
		for ; j < len(in.segs) && in.segs[j].zone == z; j++ {
			if covered {
				continue
			}
			switch b.segClass(in.segs[j], gr) {
			case 1:
				keep = append(keep, in.segs[j])
			case 2:
				covered = true
			}
		}
		if covered {
			out.corridorsIn = append(out.corridorsIn, z)
		} else {
			segs = append(segs, keep...)
		}
		i = j
	}
	out.segs = segs
	return out
}

// segClass classifies a corridor segment against the grown cell: 0 no
// point of the cell is within the half-width, 1 some are, 2 all are. The
// half-width is geodesic on WGS84 and the tests spherical, conservative as
// in circleClass: the outside test's 1% and 10 m exceed the sphere's
// 0.57%, and coverage is decided against halfWidth/geo.GeodesicRatioMax.
func (b *cellBuilder) segClass(s segRef, gr geo.Rect) int {
	g := &b.geoms[s.zone]
	a, c := g.line[s.seg], g.line[s.seg+1]
	if !b.segBound(s).Intersects(gr) {
		return 0
	}
	center := geo.Point{Lon: (gr.Min.Lon + gr.Max.Lon) / 2, Lat: (gr.Min.Lat + gr.Max.Lat) / 2}
	corners := [4]geo.Point{gr.Min, gr.Max, {Lon: gr.Min.Lon, Lat: gr.Max.Lat}, {Lon: gr.Max.Lon, Lat: gr.Min.Lat}}
	halfDiag := 0.0
	for _, k := range corners {
		halfDiag = math.Max(halfDiag, geo.DistanceM(center, k))
	}
	w := g.halfWidthM
	if geo.SegmentDistanceM(center, a, c) > (w+halfDiag)*1.01+10 {
		return 0
	}
	w /= geo.GeodesicRatioMax // spherical metres surely within the geodesic half-width
	// geo.SegmentDistanceM measures in a plane scaled by the cosine of the
	// point's latitude; within a small cell it is convex but for that
	// scale, so the corners decide coverage with a slack for it.
	hRad := (gr.Max.Lat - gr.Min.Lat) * math.Pi / 180
	maxLat := math.Max(math.Abs(gr.Min.Lat), math.Abs(gr.Max.Lat))
	if hRad > 0.02 || maxLat > 80 {
		return 1
	}
	slack := 1 + w*4*hRad*(1+math.Tan(maxLat*math.Pi/180))
	for _, k := range corners {
		if !(geo.SegmentDistanceM(k, a, c) <= w-slack) {
			return 1
		}
	}
	return 2
}

// node builds the subtree of cell r from its candidates c (already
// filtered for r).
func (b *cellBuilder) node(r cellRect, depth int, c *cands) uint32 {
	if c.empty() {
		return 0
	}
	wt := c.weight()
	if wt <= b.leafEdges || depth >= b.maxDepth {
		return b.leaf(r, c)
	}
	var kids [4]cands
	maxKid, sumKids := 0, 0
	for q := 0; q < 4; q++ {
		kids[q] = b.filter(r.child(q), c)
		w := kids[q].weight()
		maxKid, sumKids = max(maxKid, w), sumKids+w
	}
	if maxKid >= wt && sumKids >= 2*wt {
		// Every part still sits in a child as heavy as this cell, and the
		// children share it: edges meeting at a point or overlapping
		// along a line, which no split separates. Stop here.
		return b.leaf(r, c)
	}
	var refs [4]uint32
	for q := 0; q < 4; q++ {
		refs[q] = b.node(r.child(q), depth+1, &kids[q])
		kids[q] = cands{}
	}
	n := uint32(len(b.ix.nodes) / 4)
	b.ix.nodes = append(b.ix.nodes, refs[:]...)
	return n | refInternal
}

func filterEdges(in []edgeRef, keep func(edgeRef) bool) []edgeRef {
	var out []edgeRef
	for _, e := range in {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func filterSegs(in []segRef, keep func(segRef) bool) []segRef {
	var out []segRef
	for _, e := range in {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func filterInts(in []int32, keep func(int32) bool) []int32 {
	var out []int32
	for _, e := range in {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// leaf writes the blob of cell r and returns its reference.
func (b *cellBuilder) leaf(r cellRect, c *cands) uint32 {
	gr := r.grown()
	edges, polys, circles, segs := c.edges, c.polys, c.circles, c.segs
	center := geo.Point{Lon: r.x0 + r.w/2, Lat: r.y0 + r.h/2}
	var interior []uint32
	items := b.scratch[:0]
	nBoundary := 0
	// The leaf's scale: a power of two such that every stored vertex
	// offset fits in an int16 (and the cell itself, for the query point).
	maxAbs := r.w + r.h
	for _, e := range edges {
		pts := b.rings[e.ring].pts
		for _, p := range pts[e.edge : e.edge+2] {
			maxAbs = math.Max(maxAbs, math.Max(math.Abs(p.Lon-r.x0), math.Abs(p.Lat-r.y0)))
		}
	}
	scaleExp := max(-100, int(math.Ceil(math.Log2(maxAbs/32000))))
	scale := math.Ldexp(1, scaleExp)

	// Polygons, in zone order. edges are sorted by ring, and a polygon's
	// rings are consecutive, so one cursor walks both.
	ei := 0
	for _, pi := range polys {
		pr := &b.polys[pi]
		zw := b.zoneWords[pr.zone]
		for ei < len(edges) && edges[ei].ring < pr.ringFirst {
			ei++
		}
		pe := ei
		for pe < len(edges) && edges[pe].ring < pr.ringFirst+pr.ringN {
			pe++
		}
		pedges := edges[ei:pe]
		ei = pe
		shellTouches := len(pedges) > 0 && pedges[0].ring == pr.ringFirst
		if !shellTouches && !geo.Ring(b.rings[pr.ringFirst].pts).ContainsPoint(center) {
			continue // the cell lies outside the shell
		}
		covered := false
		touching := 0
		for k := int32(1); k < pr.ringN; k++ {
			ri := pr.ringFirst + k
			if ringTouches(pedges, ri) {
				touching++
				continue
			}
			if geo.Ring(b.rings[ri].pts).ContainsPoint(center) {
				covered = true // the cell lies inside a hole
				break
			}
		}
		if covered {
			continue
		}
		if shellTouches {
			touching++
		}
		if touching == 0 {
			interior = appendZoneWord(interior, zw)
			continue
		}
		items = append(items, zw|itemPoly<<30, uint32(pr.poly)|uint32(touching)<<16)
		for len(pedges) > 0 {
			ri := pedges[0].ring
			n := 1
			for n < len(pedges) && pedges[n].ring == ri {
				n++
			}
			items = b.appendRing(items, r, gr, ri, pedges[:n], scale)
			pedges = pedges[n:]
		}
		nBoundary++
	}

	for _, z := range c.circlesIn {
		interior = appendZoneWord(interior, b.zoneWords[z])
	}
	for _, z := range c.corridorsIn {
		interior = appendZoneWord(interior, b.zoneWords[z])
	}
	for _, z := range circles {
		zw := b.zoneWords[z]
		g := &b.geoms[z]
		lon, lat, rad := math.Float64bits(g.center.Lon), math.Float64bits(g.center.Lat), math.Float64bits(g.radiusM)
		items = append(items, zw|itemCircle<<30, uint32(lon), uint32(lon>>32), uint32(lat), uint32(lat>>32), uint32(rad), uint32(rad>>32))
		nBoundary++
	}

	for len(segs) > 0 {
		z := segs[0].zone
		n := 1
		for n < len(segs) && segs[n].zone == z {
			n++
		}
		start := len(items)
		items = append(items, b.zoneWords[z]|itemCorridor<<30, 0, 0)
		runs := 0
		for i := 0; i < n; {
			j := i + 1
			for j < n && segs[j].seg == segs[j-1].seg+1 {
				j++
			}
			items = append(items, uint32(segs[i].seg), uint32(j-i))
			runs++
			i = j
		}
		items[start+1] = uint32(len(items) - start)
		items[start+2] = uint32(runs)
		segs = segs[n:]
		nBoundary++
	}
	b.scratch = items

	if len(interior) == 0 && nBoundary == 0 {
		return 0
	}
	if len(interior) == 1 && nBoundary == 0 {
		return refInline | interior[0]&(refInline-1)
	}
	if len(interior) > maxLeafZones || nBoundary > maxLeafZones {
		b.err = safezones.Errorf(safezones.CodeInvalid, "more than %d zones overlap at lon %g lat %g", maxLeafZones, center.Lon, center.Lat)
		return 0
	}
	if b.err != nil {
		return 0
	}
	hdr := uint32(len(interior)) | uint32(nBoundary)<<12
	if nBoundary > 0 {
		hdr |= uint32(scaleExp+128) << 24
	}
	blob := make([]uint32, 0, 1+len(interior)+len(items))
	blob = append(blob, hdr)
	blob = append(blob, interior...)
	blob = append(blob, items...)
	// Cells inside the same zones share one blob.
	key := unsafe.String((*byte)(unsafe.Pointer(&blob[0])), 4*len(blob))
	if nBoundary == 0 {
		if ref, ok := b.dedup[key]; ok {
			return ref
		}
	}
	ref := uint32(len(b.ix.data))
	if ref >= refInline || len(b.ix.data)+len(blob) >= refInline {
		b.err = safezones.Errorf(safezones.CodeInvalid, "zone set too large for the cell index")
		return 0
	}
	b.ix.data = append(b.ix.data, blob...)
	b.ix.leaves++
	if nBoundary == 0 {
		b.dedup[key] = ref
	}
	return ref
}

func appendZoneWord(ws []uint32, zw uint32) []uint32 {
	for _, w := range ws {
		if w&zoneMask == zw&zoneMask {
			return ws
		}
	}
	return append(ws, zw)
}

func ringTouches(pedges []edgeRef, ri int32) bool {
	for _, e := range pedges {
		if e.ring == ri {
			return true
		}
		if e.ring > ri {
			break
		}
	}
	return false
}

// appendRing writes the record of ring ri for cell r, whose C edges are
// cedges (sorted by edge).
func (b *cellBuilder) appendRing(items []uint32, r cellRect, gr geo.Rect, ri int32, cedges []edgeRef, scale float64) []uint32 {
	rg := &b.rings[ri]
	pts := rg.pts
	nE := int32(len(pts) - 1)
	inC := make([]bool, nE)
	for _, e := range cedges {
		inC[e.edge] = true
	}
	// An edge outside C that the ray from a point of the cell can meet lies
	// wholly east or wholly west of the grown cell at every latitude of the
	// cell (it does not meet the grown cell), so one latitude classifies
	// it; xr sits in the middle of the margin, far from any rounding.
	yb, xr := gr.Min.Lat, gr.Max.Lon-margin/2
	// b0: parity of the R edges (outside C, east) that span latitude yb
	// (half-open rule, as geo.Ring.ContainsPoint).
	b0 := false
	for e := int32(0); e < nE; e++ {
		a, c := pts[e], pts[e+1]
		if inC[e] || (a.Lat > yb) == (c.Lat > yb) {
			continue
		}
		if x := a.Lon + (yb-a.Lat)*(c.Lon-a.Lon)/(c.Lat-a.Lat); x > xr {
			b0 = !b0
		}
	}
	// A vertex at which a C run meets an edge outside C flips the parity
	// when it lies east of the cell within its latitudes (the outside edge
	// is then an R edge), at latitudes above it.
	flips := func(v, other int32) bool {
		return !inC[other] && pts[v].Lon > xr && pts[v].Lat > yb
	}
	hdr := len(items)
	runs := 0
	for i := 0; i < len(cedges); {
		j := i + 1
		for j < len(cedges) && cedges[j].edge == cedges[j-1].edge+1 && j-i < maxRunEdges {
			j++
		}
		// A run longer than maxRunEdges is cut in two at a shared vertex;
		// the edge between the halves is in C, so flips leaves that end.
		s, t := cedges[i].edge, cedges[j-1].edge
		rw := uint32(0)
		if flips(s, (s-1+nE)%nE) {
			rw |= 1
		}
		if flips(t+1, (t+1)%nE) {
			rw |= 2
		}
		nv := uint32(t - s + 2)
		if runs == 0 {
			w := rw<<2 | nv<<4
			if b0 {
				w |= 1
			}
			if rg.hole {
				w |= 2
			}
			items = append(items, w)
		} else {
			items = append(items, rw|nv<<2)
		}
		for v := s; v <= t+1; v++ {
			ox := int16(math.Round((pts[v].Lon - r.x0) / scale))
			oy := int16(math.Round((pts[v].Lat - r.y0) / scale))
			items = append(items, uint32(uint16(ox))|uint32(uint16(oy))<<16)
		}
		runs++
		i = j
	}
	if runs >= 1<<14 {
		b.err = safezones.Errorf(safezones.CodeInvalid, "a ring of zone %d crosses one cell in %d separate runs (at most %d)", rg.zone, runs, 1<<14-1)
	}
	items[hdr] |= uint32(runs) << 18
	return items
}

// buildCells builds the cell index over the compiled zones.
func buildCells(geoms []zoneGeom, meta []zoneMeta, opts Options) (cellIndex, error) {
	b := &cellBuilder{geoms: geoms, leafEdges: opts.LeafEdges, maxDepth: opts.MaxDepth, dedup: map[string]uint32{}}
	ix := cellIndex{data: []uint32{0}}
	b.ix = &ix
	b.zoneWords = make([]uint32, len(geoms))
	var circles []int32
	var segs []segRef
	ext := geo.EmptyRect
	totalEdges := 0
	for z := range geoms {
		g := &geoms[z]
		zw := uint32(z) | meta[z].kind<<27
		if meta[z].needsCheck() {
			zw |= zwNeedsCheck
		}
		b.zoneWords[z] = zw
		switch meta[z].kind {
		case kindSafeArea, kindNoFly:
			for pi, pg := range g.polys {
				pr := polyRef{zone: int32(z), poly: uint16(pi), ringFirst: int32(len(b.rings)), ringN: int32(len(pg)), bound: pg.Bound()}
				for ri, ring := range pg {
					b.rings = append(b.rings, ringRef{zone: int32(z), poly: uint16(pi), hole: ri > 0, pts: ring})
					totalEdges += len(ring) - 1
				}
				b.polys = append(b.polys, pr)
				ext = ext.Union(pr.bound)
			}
		case kindSite:
			circles = append(circles, int32(z))
			ext = ext.Union(b.circleBound(int32(z)))
			totalEdges += 8
		case kindCorridor:
			for s := 0; s+1 < len(g.line); s++ {
				sr := segRef{zone: int32(z), seg: int32(s)}
				segs = append(segs, sr)
				ext = ext.Union(b.segBound(sr))
			}
			totalEdges += len(g.line)
		}
	}
	if ext.IsEmpty() {
		return emptyCells(), nil
	}
	// Top grid: about TopCells cells, roughly square on the ground.
	ext.Min.Lon -= 4 * margin
	ext.Min.Lat -= 4 * margin
	ext.Max.Lon += 4 * margin
	ext.Max.Lat += 4 * margin
	target := opts.TopCells
	if target <= 0 {
		target = defaultTopCells(totalEdges, opts.LeafEdges)
	}
	wDeg, hDeg := ext.Max.Lon-ext.Min.Lon, ext.Max.Lat-ext.Min.Lat
	k := math.Max(0.05, math.Cos((ext.Min.Lat+ext.Max.Lat)/2*math.Pi/180))
	// Cell side s (degrees of latitude): (wDeg*k/s) * (hDeg/s) = target.
	side := math.Sqrt(wDeg * k * hDeg / float64(target))
	ix.nx = max(1, min(1<<13, int(math.Ceil(wDeg*k/side))))
	ix.ny = max(1, min(1<<13, int(math.Ceil(hDeg/side))))
	ix.cw, ix.ch = wDeg/float64(ix.nx), hDeg/float64(ix.ny)
	// Grow the extent by a hair so the last row and column hold the edge.
	ix.cw *= 1 + 1e-12
	ix.ch *= 1 + 1e-12
	ix.icw, ix.ich = 1/ix.cw, 1/ix.ch
	ix.x0, ix.y0 = ext.Min.Lon, ext.Min.Lat
	ix.top = make([]uint32, ix.nx*ix.ny)

	cellRange := func(r geo.Rect) (i0, j0, i1, j1 int) {
		i0 = clampInt(int(math.Floor((r.Min.Lon-margin-ix.x0)*ix.icw))-1, 0, ix.nx-1)
		i1 = clampInt(int(math.Floor((r.Max.Lon+margin-ix.x0)*ix.icw))+1, 0, ix.nx-1)
		j0 = clampInt(int(math.Floor((r.Min.Lat-margin-ix.y0)*ix.ich))-1, 0, ix.ny-1)
		j1 = clampInt(int(math.Floor((r.Max.Lat+margin-ix.y0)*ix.ich))+1, 0, ix.ny-1)
		return
	}
	// Bucket every candidate into the top cells its bound reaches.
	cells := len(ix.top)
	edgeB := newBuckets[edgeRef](cells)
	polyB := newBuckets[int32](cells)
	circB := newBuckets[int32](cells)
	segB := newBuckets[segRef](cells)
	for pass := 0; pass < 2; pass++ {
		for ri := range b.rings {
			pts := b.rings[ri].pts
			for e := 0; e+1 < len(pts); e++ {
				i0, j0, i1, j1 := cellRange(geo.RectFromPoints(pts[e], pts[e+1]))
				edgeB.add(pass, i0, j0, i1, j1, ix.nx, edgeRef{int32(ri), int32(e)})
			}
		}
		for pi := range b.polys {
			i0, j0, i1, j1 := cellRange(b.polys[pi].bound)
			polyB.add(pass, i0, j0, i1, j1, ix.nx, int32(pi))
		}
		for _, z := range circles {
			i0, j0, i1, j1 := cellRange(b.circleBound(z))
			circB.add(pass, i0, j0, i1, j1, ix.nx, z)
		}
		for _, s := range segs {
			i0, j0, i1, j1 := cellRange(b.segBound(s))
			segB.add(pass, i0, j0, i1, j1, ix.nx, s)
		}
		if pass == 0 {
			edgeB.alloc()
			polyB.alloc()
			circB.alloc()
			segB.alloc()
		}
	}
	for j := 0; j < ix.ny; j++ {
		for i := 0; i < ix.nx; i++ {
			c := j*ix.nx + i
			r := cellRect{x0: ix.x0 + float64(i)*ix.cw, y0: ix.y0 + float64(j)*ix.ch, w: ix.cw, h: ix.ch}
			in := cands{edges: edgeB.get(c), polys: polyB.get(c), circles: circB.get(c), segs: segB.get(c)}
			fc := b.filter(r, &in)
			ix.top[c] = b.node(r, 0, &fc)
			if b.err != nil {
				return cellIndex{}, b.err
			}
		}
	}
	ix.nodes = slices.Clip(ix.nodes)
	ix.occ = make([]uint64, (len(ix.top)+63)/64)
	for c, ref := range ix.top {
		if ref != 0 {
			ix.occ[c>>6] |= 1 << (c & 63)
		}
	}
	threshold := slotThreshold
	if opts.slotBytes > 0 {
		threshold = opts.slotBytes
	}
	if 4*len(ix.data) >= threshold {
		ix.useSlots()
	} else {
		ix.data = slices.Clip(ix.data)
	}
	return ix, nil
}

// useSlots lays the top grid out as slots, moving every top cell's leaf
// blob that fits into its slot, and drops the moved blobs from data.
func (ix *cellIndex) useSlots() {
	ix.slots = alignedWords(len(ix.top) * slotWords)
	kept := []uint32{0}
	moved := map[uint32]uint32{} // old blob offset -> offset in kept
	keep := func(ref uint32) uint32 {
		if nr, ok := moved[ref]; ok {
			return nr
		}
		nr := uint32(len(kept))
		kept = append(kept, ix.data[ref:ref+uint32(blobWords(ix.data[ref:]))]...)
		moved[ref] = nr
		return nr
	}
	isBlob := func(ref uint32) bool { return ref != 0 && ref&(refInternal|refInline) == 0 }
	inSlots := 0
	for c, ref := range ix.top {
		slot := ix.slots[c*slotWords : (c+1)*slotWords]
		if !isBlob(ref) {
			slot[0] = ref
			continue
		}
		if n := blobWords(ix.data[ref:]); n < slotWords {
			slot[0] = refSlot
			copy(slot[1:], ix.data[ref:int(ref)+n])
			inSlots++
			continue
		}
		slot[0] = keep(ref)
	}
	for n, ref := range ix.nodes {
		if isBlob(ref) {
			ix.nodes[n] = keep(ref)
		}
	}
	ix.leaves = inSlots + len(moved)
	ix.slotLeaves = inSlots
	ix.top = nil
	ix.data = slices.Clip(kept)
}

// blobWords returns the length in words of the leaf blob at data[0:].
func blobWords(data []uint32) int {
	hdr := data[0]
	nI, nB := int(hdr&0xfff), int(hdr>>12&0xfff)
	pos := 1 + nI
	for k := 0; k < nB; k++ {
		switch data[pos] >> 30 {
		case itemPoly:
			pos = polyEnd(data, pos)
		case itemCircle:
			pos += 7
		default:
			pos += int(data[pos+1])
		}
	}
	return pos
}

// alignedWords returns n zeroed words starting on a 64-byte boundary.
func alignedWords(n int) []uint32 {
	buf := make([]uint32, n+slotWords)
	off := int(uintptr(unsafe.Pointer(&buf[0]))&63) / 4
	if off != 0 {
		off = slotWords - off
	}
	return buf[off : off+n : off+n]
}

func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

// buckets is a two-pass counting sort of items into cells.
type buckets[T any] struct {
	start []int32
	fill  []int32
	items []T
}

func newBuckets[T any](cells int) *buckets[T] {
	return &buckets[T]{start: make([]int32, cells+1)}
}

func (bk *buckets[T]) add(pass, i0, j0, i1, j1, nx int, v T) {
	for j := j0; j <= j1; j++ {
		for i := i0; i <= i1; i++ {
			c := j*nx + i
			if pass == 0 {
				bk.start[c+1]++
			} else {
				bk.items[bk.fill[c]] = v
				bk.fill[c]++
			}
		}
	}
}

func (bk *buckets[T]) alloc() {
	for c := 1; c < len(bk.start); c++ {
		bk.start[c] += bk.start[c-1]
	}
	bk.items = make([]T, bk.start[len(bk.start)-1])
	bk.fill = slices.Clone(bk.start[:len(bk.start)-1])
}

func (bk *buckets[T]) get(c int) []T { return bk.items[bk.start[c]:bk.start[c+1]] }
