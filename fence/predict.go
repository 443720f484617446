package fence

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/safezones/safezones/geo"
)

// Early warning. From an object's recent fixes the tracker estimates its
// speed v, heading and turn rate ω (degrees per second; a track counts as
// turning when |ω| >= turnThreshold, else it is flown straight), and the
// spread of the recent speeds σv and turn rates σω. It then flies five
// scenarios — (v, ω), (v±σv, ω), (v, ω±σω) — for the horizon.
//
// A scenario's path is a polyline in lon/lat (the edges zones are tested
// with): its vertices lie on the predicted arc, its chords stray from the
// arc by at most StepM/4 and are at most 16·StepM long, so a straight
// 15-minute path at 100 m/s is a dozen chords. The nominal path is tested
// against the snapshot chord by chord: the R-tree gives the zones whose
// bounds meet a chord's bounds, and each candidate's first entry along the
// path is computed exactly — for a polygon the first crossing of a chord
// with a ring (the path starts outside every zone the object is not in),
// for a site the first root of the chord's circle equation. Corridors and
// zones whose validity or corridor windows open or close within the
// horizon are sampled every StepM along the chords that meet their bounds,
// then bisected to about StepM/64, as in a point query at the time the
// object would be there. A zone reached by the nominal scenario gets an
// ETA (the time along the path of its entry point). The four spread
// scenarios are flown only for zones that are about to produce a warning
// event, and only against those zones: ETAMin and ETAMax over the
// scenarios that reach the zone, and how many do. The scenario paths part
// as the horizon grows, so the interval widens with it.
//
// A prediction thus costs a dozen R-tree searches and one pass over the
// vertices of each candidate zone per chord it meets, instead of a point
// query every StepM; it allocates nothing once its shard's buffers have
// grown. What the tracker does with the hits (warnings, their hysteresis
// and cancellation) is in warn.go.

const (
	turnThreshold = 0.05 // degrees per second
	minTurnSpread = 0.02 // degrees per second
)

// predHit is a zone the nominal path reaches: its zone-table index, the
// time of entry in seconds after the update and the entry point.
type predHit struct {
	zone  int32
	tau   float64
	entry geo.Point
	box   geo.Rect // the zone's bounds, as the R-tree holds them
}

// pathPoint is a vertex of a predicted path: where the object would be
// tau seconds after the update. brk marks a vertex that starts the path
// anew (after crossing ±180° longitude), with no chord from the previous
// one.
type pathPoint struct {
	p   geo.Point
	tau float64
	brk bool
	box geo.Rect // bounds of the chord that ends here
}

// predScratch is one shard's reusable prediction buffers (predictions
// run under the shard's lock).
type predScratch struct {
	nominal []pathPoint
	turn    [2][]pathPoint // the turn scenarios' paths
	speed   [2][]pathPoint // the speed scenarios' paths, when flown
	// flownTurn and flownSpeed say that turn and speed hold this
	// prediction's scenario paths (they are flown on first use).
	flownTurn  bool
	flownSpeed [2]bool
	hits       []predHit
	cands      []predHit // R-tree results for one chord (tau unused)
	seen       zoneSet
	visit      func(min, max [2]float64, i int32) bool
}

func newPredScratch() *predScratch {
	sc := &predScratch{}
	sc.visit = func(min, max [2]float64, i int32) bool {
		sc.cands = append(sc.cands, predHit{zone: i, box: geo.Rect{Min: geo.Point{Lon: min[0], Lat: min[1]}, Max: geo.Point{Lon: max[0], Lat: max[1]}}})
		return true
	}
	return sc
}

// motion estimates the object's current velocity and turn rate and their
// spread from its history.
func (o *object) motion() (v, heading, omega, sv, somega float64, ok bool) {
	n := min(o.nHist, histLen)
	if n == 0 {
		return
	}
	last := o.hist[(o.nHist-1)%histLen]
	if !last.hasVel {
		return
	}
	v, heading = last.speed, last.heading
	var speeds, turns [histLen]float64
	ns, nt := 0, 0
	for k := n - 1; k >= 0; k-- {
		f := o.hist[(o.nHist-1-k)%histLen]
		if !f.hasVel {
			continue
		}
		speeds[ns] = f.speed
		ns++
		if k < n-1 {
			prev := o.hist[(o.nHist-2-k)%histLen]
			if prev.hasVel {
				if dt := f.t.Sub(prev.t).Seconds(); dt > 0 {
					turns[nt] = wrap180(f.heading-prev.heading) / dt
					nt++
				}
			}
		}
	}
	// Turn rate: the mean of the last three estimates.
	if nt > 0 {
		k := min(nt, 3)
		for _, w := range turns[nt-k : nt] {
			omega += w
		}
		omega /= float64(k)
	}
	if math.Abs(omega) < turnThreshold {
		omega = 0
	}
	sv = math.Max(stddev(speeds[:ns]), 0.01*v+0.5)
	somega = math.Max(stddev(turns[:nt]), minTurnSpread)
	return v, heading, omega, sv, somega, true
}

func stddev(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var s float64
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)-1))
}

func wrap180(d float64) float64 {
	d = math.Mod(d, 360)
	switch {
	case d > 180:
		d -= 360
	case d <= -180:
		d += 360
	}
	return d
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// motionFix is the motion estimate a prediction flies from.
type motionFix struct {
	v, heading, omega, sv, somega float64
}

// flyNominal estimates o's motion and computes the zones the nominal path
// reaches within the horizon into sc.hits, ordered by ETA. ok is false
// when the object has no velocity or is slower than MinSpeedMS (then
// nothing is predicted).
func (tr *Tracker) flyNominal(snap *Snapshot, o *object, u Update, sc *predScratch) (m motionFix, ok bool) {
	sc.hits, sc.flownTurn, sc.flownSpeed = sc.hits[:0], false, [2]bool{}
	m.v, m.heading, m.omega, m.sv, m.somega, ok = o.motion()
	if !ok || m.v < tr.opts.MinSpeedMS {
		return m, false
	}
	sc.nominal = tr.flyPath(sc.nominal[:0], u.Point, m.v, m.heading, m.omega)
	sc.seen.reset(64)
	path := sc.nominal
	for k := 1; k < len(path); k++ {
		if path[k].brk {
			continue
		}
		sc.cands = sc.cands[:0]
		snap.searchWrapped(path[k].box, sc.visit)
		for _, c := range sc.cands {
			if !sc.seen.add(c.zone) || o.inZone(c.zone) {
				continue // done at an earlier chord, or already inside
			}
			// The zone's bounds miss every earlier chord (else an earlier
			// search would have found it): start looking at chord k.
			if tau, p, hit := tr.entryOnPath(snap, c.zone, c.box, path, k, u); hit {
				c.tau, c.entry = tau, p
				sc.hits = append(sc.hits, c)
			}
		}
	}
	sortHitsByETA(sc.hits)
	return m, true
}

// sortHitsByETA sorts hits by ETA, then zone-table index (insertion sort:
// a prediction finds a few dozen at most).
func sortHitsByETA(h []predHit) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && (h[j].tau < h[j-1].tau || (h[j].tau == h[j-1].tau && h[j].zone < h[j-1].zone)); j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

// spreadOf returns the ETA interval of zone h over the spread scenarios
// that reach it, nominal included, and how many do.
//
// On a straight nominal path the speed scenarios (v±σv) follow the same
// line at another pace: when the zone stays active (or inactive) over the
// horizon, they reach its entry point at h.tau·v/(v±σv), if that is
// within the horizon, and are not flown. (On a turning path they are: at
// the same turn rate another speed flies another radius.) The other
// scenarios are flown once per prediction, on first use, and tested
// against zone h alone.
func (tr *Tracker) spreadOf(snap *Snapshot, h predHit, m motionFix, u Update, sc *predScratch) (tmin, tmax float64, n int) {
	tmin, tmax, n = h.tau, h.tau, 1
	reach := func(tau float64) { tmin, tmax, n = math.Min(tmin, tau), math.Max(tmax, tau), n+1 }
	horizon := tr.opts.Horizon.Seconds()
	_, steady := snap.meta[h.zone].steadyOver(timeKey(u.Time), timeKey(u.Time.Add(tr.opts.Horizon)))
	for i, vs := range [2]float64{m.v - m.sv, m.v + m.sv} {
		switch {
		case vs < tr.opts.MinSpeedMS:
		case steady && m.omega == 0:
			if tau := h.tau * m.v / vs; tau <= horizon {
				reach(tau)
			}
		default:
			if !sc.flownSpeed[i] {
				sc.speed[i] = tr.flyPath(sc.speed[i][:0], u.Point, vs, m.heading, m.omega)
				sc.flownSpeed[i] = true
			}
			if tau, _, ok := tr.entryOnPath(snap, h.zone, h.box, sc.speed[i], 1, u); ok {
				reach(tau)
			}
		}
	}
	if !sc.flownTurn {
		for i, w := range [2]float64{m.omega - m.somega, m.omega + m.somega} {
			sc.turn[i] = tr.flyPath(sc.turn[i][:0], u.Point, m.v, m.heading, w)
		}
		sc.flownTurn = true
	}
	for _, path := range sc.turn {
		if tau, _, ok := tr.entryOnPath(snap, h.zone, h.box, path, 1, u); ok {
			reach(tau)
		}
	}
	return tmin, tmax, n
}

// flyPath appends to dst the path flown from start at speed v (m/s) on
// heading (degrees) turning at omega (degrees per second) for the
// horizon: vertices on the arc, chords at most 16·StepM long and straying
// at most StepM/4 from the arc. Each chord is a step on the local plane
// (within centimetres of the sphere over such lengths), so a straight path
// holds its heading, as the point-by-point march did. The path stops at
// the poles and is broken where it crosses ±180° longitude.
func (tr *Tracker) flyPath(dst []pathPoint, start geo.Point, v, heading, omega float64) []pathPoint {
	horizon := tr.opts.Horizon.Seconds()
	chord := 16 * tr.opts.StepM
	w := math.Abs(omega) * math.Pi / 180 // rad/s
	if w > 0 {
		// Sagitta of a chord c on radius R is about c²/(8R).
		chord = math.Min(chord, math.Sqrt(8*(v/w)*tr.opts.StepM/4))
	}
	steps := max(1, int(math.Ceil(horizon*v/chord)))
	dt := horizon / float64(steps)
	theta := omega * dt * math.Pi / 180 // heading change per chord, rad
	length := v * dt
	if theta != 0 {
		length *= math.Sin(theta/2) / (theta / 2)
	}
	degPerM := 180 / (math.Pi * geo.EarthRadiusM)
	p, hd := start, heading*math.Pi/180
	dst = append(dst, pathPoint{p: p})
	for k := 1; k <= steps; k++ {
		sinH, cosH := math.Sincos(hd + theta/2)
		dLat := length * cosH * degPerM
		next := geo.Point{Lat: p.Lat + dLat}
		if next.Lat > 90 || next.Lat < -90 {
			break
		}
		next.Lon = p.Lon + length*sinH*degPerM/math.Cos((p.Lat+dLat/2)*math.Pi/180)
		tau := float64(k) * dt
		if next.Lon > 180 || next.Lon < -180 {
			dst = appendWrapped(dst, p, next, tau-dt, tau)
		} else {
			dst = append(dst, pathPoint{p: next, tau: tau})
		}
		p, hd = dst[len(dst)-1].p, hd+theta
	}
	for k := 1; k < len(dst); k++ {
		dst[k].box = chordBox(dst[k-1].p, dst[k].p)
	}
	return dst
}

// appendWrapped appends the chord from p (at tau0) to next (at tau1),
// which crosses ±180° longitude: up to the meridian, then anew from the
// other side.
func appendWrapped(dst []pathPoint, p, next geo.Point, tau0, tau1 float64) []pathPoint {
	edge, shift := 180.0, -360.0
	if next.Lon < -180 {
		edge, shift = -180, 360
	}
	f := (edge - p.Lon) / (next.Lon - p.Lon)
	lat := p.Lat + f*(next.Lat-p.Lat)
	tau := tau0 + f*(tau1-tau0)
	return append(dst,
		pathPoint{p: geo.Point{Lon: edge, Lat: lat}, tau: tau},
		pathPoint{p: geo.Point{Lon: edge + shift, Lat: lat}, tau: tau, brk: true},
		pathPoint{p: geo.Point{Lon: next.Lon + shift, Lat: next.Lat}, tau: tau1})
}

// chordBox is the bounds of the chord a–b, grown by a hair so that a zone
// touching it is found.
func chordBox(a, b geo.Point) geo.Rect {
	const eps = 1e-9
	return geo.Rect{
		Min: geo.Point{Lon: math.Min(a.Lon, b.Lon) - eps, Lat: math.Min(a.Lat, b.Lat) - eps},
		Max: geo.Point{Lon: math.Max(a.Lon, b.Lon) + eps, Lat: math.Max(a.Lat, b.Lat) + eps},
	}
}

// meetsWrapped reports whether the chord bounds c meet the zone bounds z,
// also with z shifted by 360° (circles and corridors may reach across
// ±180° longitude).
func meetsWrapped(c, z geo.Rect) bool {
	if c.Min.Lat > z.Max.Lat || z.Min.Lat > c.Max.Lat {
		return false
	}
	for _, s := range [3]float64{0, -360, 360} {
		if c.Min.Lon <= z.Max.Lon+s && z.Min.Lon+s <= c.Max.Lon {
			return true
		}
	}
	return false
}

// entryOnPath returns when and where path first enters zone i, looking
// from chord k on (the chords before k must not meet the zone's bounds
// box). It applies what a point query at that time would: the altitude
// band, the validity and corridor windows.
func (tr *Tracker) entryOnPath(snap *Snapshot, i int32, box geo.Rect, path []pathPoint, k int, u Update) (tau float64, p geo.Point, ok bool) {
	if len(path) < 2 {
		return 0, geo.Point{}, false
	}
	m := &snap.meta[i]
	if u.HasAlt && m.kind == kindNoFly && !m.inBand(u.AltM) {
		return 0, geo.Point{}, false
	}
	tk0 := timeKey(u.Time)
	active, steady := m.steadyOver(tk0, timeKey(u.Time.Add(secs(path[len(path)-1].tau))))
	if steady && !active {
		return 0, geo.Point{}, false
	}
	sampled := !steady || m.kind == kindCorridor
	for ; k < len(path); k++ {
		a, b := path[k-1], path[k]
		if b.brk || !meetsWrapped(b.box, box) {
			continue
		}
		var t float64
		var hit bool
		switch {
		case sampled:
			t, hit = tr.sampleEntry(snap, i, a, b, u)
		case m.kind == kindSite:
			g := &snap.geoms[i]
			t, hit = circleEntry(a.p, b.p, g.center, g.radiusM)
		case !chordMeetsRect(a.p, b.p, box):
			// The bounds met, the chord misses the zone's box.
		default:
			t, hit = polysEntry(snap.geoms[i].polys, tr.chunksOf(snap, i), a.p, b.p, b.box)
		}
		if hit {
			return a.tau + t*(b.tau-a.tau), lerp(a.p, b.p, t), true
		}
	}
	return 0, geo.Point{}, false
}

func lerp(a, b geo.Point, t float64) geo.Point {
	return geo.Point{Lon: a.Lon + t*(b.Lon-a.Lon), Lat: a.Lat + t*(b.Lat-a.Lat)}
}

// chordMeetsRect reports whether the chord a–b meets r (Liang–Barsky
// clipping): a cheap test before a polygon's vertices are read.
func chordMeetsRect(a, b geo.Point, r geo.Rect) bool {
	t0, t1, ok := clipAxis(b.Lon-a.Lon, r.Min.Lon, r.Max.Lon, a.Lon, 0, 1)
	if !ok {
		return false
	}
	_, _, ok = clipAxis(b.Lat-a.Lat, r.Min.Lat, r.Max.Lat, a.Lat, t0, t1)
	return ok
}

// clipAxis narrows the parameter interval [t0, t1] of x + t·d to where it
// lies in [lo, hi], and reports whether any of it is left.
func clipAxis(d, lo, hi, x, t0, t1 float64) (float64, float64, bool) {
	if d == 0 {
		return t0, t1, x >= lo && x <= hi
	}
	ta, tb := (lo-x)/d, (hi-x)/d
	if ta > tb {
		ta, tb = tb, ta
	}
	t0, t1 = math.Max(t0, ta), math.Min(t1, tb)
	return t0, t1, t0 <= t1
}

// steadyOver reports whether the zone is active at tk0 and whether that
// stays so until tk1: no validity or corridor window starts or ends in
// (tk0, tk1].
func (m *zoneMeta) steadyOver(tk0, tk1 int64) (active, steady bool) {
	in := func(b int64) bool { return b > tk0 && b <= tk1 }
	steady = !in(m.validFrom) && (m.validTo == math.MaxInt64 || !in(m.validTo))
	for _, w := range m.windows {
		if in(w.from) || (w.to != math.MaxInt64 && in(w.to)) {
			steady = false
		}
	}
	return m.activeAt(tk0), steady
}

// polysEntry returns the least t in [0, 1] at which the chord a–b (with
// bounds box) meets the boundary of one of the polygons: where a chord
// that starts outside them enters (boundaries are closed, as in
// Containing). Only the runs of edges whose bounds meet the chord's are
// read.
func polysEntry(polys []geo.Polygon, chunks []edgeRun, a, b geo.Point, box geo.Rect) (float64, bool) {
	best := 2.0
	dx, dy := b.Lon-a.Lon, b.Lat-a.Lat
	c := dy*a.Lon - dx*a.Lat // the chord's line, as in ringCrossing
	for k := range chunks {
		r := &chunks[k]
		if r.box.Intersects(box) && lineMeetsBox(r.box, dx, dy, c) {
			best = ringCrossing(polys[r.poly][r.ring][r.from:r.to+1], a, b, best)
		}
	}
	return best, best <= 1
}

// lineMeetsBox reports whether the line dx·lat − dy·lon + c = 0 meets box
// r: its corners are not all strictly on one side. A run of edges inside
// a box the chord's line misses has every vertex strictly on one side,
// where ringCrossing would find no crossing; skipping it prunes most of a
// zone's runs that the chord's bounds meet.
func lineMeetsBox(r geo.Rect, dx, dy, c float64) bool {
	s0 := dx*r.Min.Lat - dy*r.Min.Lon + c
	s1 := dx*r.Min.Lat - dy*r.Max.Lon + c
	s2 := dx*r.Max.Lat - dy*r.Min.Lon + c
	s3 := dx*r.Max.Lat - dy*r.Max.Lon + c
	return !(s0 > 0 && s1 > 0 && s2 > 0 && s3 > 0) && !(s0 < 0 && s1 < 0 && s2 < 0 && s3 < 0)
}

// edgeRun is a run of up to runEdges consecutive edges of one ring of a
// zone's polygons, with their bounds.
type edgeRun struct {
	box        geo.Rect
	poly, ring int32
	from, to   int32 // vertex indexes: edges from..to-1 end at to
}

const runEdges = 16

// predIndex caches the edge runs of the zones of one snapshot, made on
// first use of each zone (a prediction reads a few dozen zones).
type predIndex struct {
	snap *Snapshot
	runs []atomic.Pointer[[]edgeRun]
}

// chunksOf returns zone i's edge runs, making them on first use. Two
// predictions racing on a new snapshot or zone each make their own, and
// one is kept: both are correct.
func (tr *Tracker) chunksOf(snap *Snapshot, i int32) []edgeRun {
	pi := tr.pidx.Load()
	if pi == nil || pi.snap != snap {
		pi = &predIndex{snap: snap, runs: make([]atomic.Pointer[[]edgeRun], snap.Len())}
		tr.pidx.Store(pi)
	}
	if r := pi.runs[i].Load(); r != nil {
		return *r
	}
	var runs []edgeRun
	for pj, pg := range snap.geoms[i].polys {
		for rj, r := range pg {
			for from := 0; from+1 < len(r); from += runEdges {
				to := min(from+runEdges, len(r)-1)
				runs = append(runs, edgeRun{box: geo.RectFromPoints(r[from : to+1]...), poly: int32(pj), ring: int32(rj), from: int32(from), to: int32(to)})
			}
		}
	}
	pi.runs[i].Store(&runs)
	return runs
}

// ringCrossing returns the least of best and the parameters t in [0, 1]
// at which the chord a–b meets an edge of ring r. One pass computes the
// side of the chord's line for every vertex; only edges whose ends are
// not strictly on one side are intersected.
func ringCrossing(r geo.Ring, a, b geo.Point, best float64) float64 {
	if len(r) < 2 {
		return best
	}
	dx, dy := b.Lon-a.Lon, b.Lat-a.Lat
	// The side of the line as dx·y - dy·x + c, with c folding in a.
	c := dy*a.Lon - dx*a.Lat
	sp := dx*r[0].Lat - dy*r[0].Lon + c
	for k := 1; k < len(r); k++ {
		sq := dx*r[k].Lat - dy*r[k].Lon + c
		if sp*sq <= 0 { // rare: the edge reaches the line
			if t, ok := chordEdgeParam(a, dx, dy, r[k-1], r[k], sp, sq); ok && t < best {
				best = t
			}
		}
		sp = sq
	}
	return best
}

// chordEdgeParam returns the least t in [0, 1] at which the chord a +
// t·(dx, dy) meets the edge e0–e1, whose ends lie at signed distances
// (times the chord length) s0 and s1 from the chord's line, not strictly
// on one side.
func chordEdgeParam(a geo.Point, dx, dy float64, e0, e1 geo.Point, s0, s1 float64) (float64, bool) {
	dd := dx*dx + dy*dy
	if dd == 0 {
		return 0, false
	}
	if (s0 > 0 && s1 > 0) || (s0 < 0 && s1 < 0) {
		return 0, false
	}
	along := func(p geo.Point) float64 { return ((p.Lon-a.Lon)*dx + (p.Lat-a.Lat)*dy) / dd }
	if s0 == s1 { // both on the line: the overlap's first point
		t0, t1 := along(e0), along(e1)
		if t0 > t1 {
			t0, t1 = t1, t0
		}
		if t1 < 0 || t0 > 1 {
			return 0, false
		}
		return math.Max(0, t0), true
	}
	// The point of the edge on the line, then its place along the chord.
	f := s0 / (s0 - s1)
	t := along(geo.Point{Lon: e0.Lon + f*(e1.Lon-e0.Lon), Lat: e0.Lat + f*(e1.Lat-e0.Lat)})
	if t < 0 || t > 1 {
		return 0, false
	}
	return t, true
}

// circleEntry returns the least t in [0, 1] at which the chord a–b comes
// within radiusM of c, on the local plane at c (metre accuracy at the
// radii of protected sites).
func circleEntry(a, b, c geo.Point, radiusM float64) (float64, bool) {
	mPerDeg := math.Pi * geo.EarthRadiusM / 180
	kx := mPerDeg * math.Cos(c.Lat*math.Pi/180)
	ax, ay := wrap180(a.Lon-c.Lon)*kx, (a.Lat-c.Lat)*mPerDeg
	bx, by := ax+(b.Lon-a.Lon)*kx, ay+(b.Lat-a.Lat)*mPerDeg
	dx, dy := bx-ax, by-ay
	qa := dx*dx + dy*dy
	qb := 2 * (ax*dx + ay*dy)
	qc := ax*ax + ay*ay - radiusM*radiusM
	if qc <= 0 {
		return 0, true // starts inside
	}
	disc := qb*qb - 4*qa*qc
	if qa == 0 || disc < 0 {
		return 0, false
	}
	t := (-qb - math.Sqrt(disc)) / (2 * qa)
	return t, t >= 0 && t <= 1
}

// sampleEntry tests positions every StepM along the chord a–b (not a
// itself) against zone i alone at the time the object would be there, and
// bisects the first step that enters to about StepM/64. It serves
// corridors and zones whose windows change within the horizon.
func (tr *Tracker) sampleEntry(snap *Snapshot, i int32, a, b pathPoint, u Update) (float64, bool) {
	lenM := geo.DistanceM(a.p, b.p)
	n := max(1, int(math.Ceil(lenM/tr.opts.StepM)))
	holds := func(t float64) bool {
		tau := a.tau + t*(b.tau-a.tau)
		return snap.meta[i].activeAt(timeKey(u.Time.Add(secs(tau)))) && snap.holds(i, lerp(a.p, b.p, t))
	}
	for s := 1; s <= n; s++ {
		hi := float64(s) / float64(n)
		if !holds(hi) {
			continue
		}
		lo := float64(s-1) / float64(n)
		for it := 0; it < 6; it++ {
			if mid := (lo + hi) / 2; holds(mid) {
				hi = mid
			} else {
				lo = mid
			}
		}
		return hi, true
	}
	return 0, false
}

// holds reports whether zone i's area holds p (no time or altitude check):
// the point test of Containing for one zone.
func (s *Snapshot) holds(i int32, p geo.Point) bool {
	g := &s.geoms[i]
	switch s.meta[i].kind {
	case kindSite:
		return geo.DistanceM(p, g.center) <= g.radiusM
	case kindCorridor:
		return geo.LineDistanceM(p, g.line) <= g.halfWidthM
	}
	for _, pg := range g.polys {
		if pg.ContainsPoint(p) {
			return true
		}
	}
	return false
}

// zoneSet is a set of zone-table indexes, cleared in O(1) by bumping a
// generation: open addressing over (generation, zone) words.
type zoneSet struct {
	slots []uint64
	gen   uint64
	n     int
}

func (z *zoneSet) reset(minSlots int) {
	z.gen++
	z.n = 0
	if len(z.slots) < minSlots || z.gen >= 1<<31 {
		z.slots = make([]uint64, max(minSlots, len(z.slots)))
		z.gen = 1
	}
}

// add adds zone i and reports whether it was not in the set.
func (z *zoneSet) add(i int32) bool {
	if 2*(z.n+1) > len(z.slots) {
		z.grow()
	}
	word := z.gen<<32 | uint64(uint32(i))
	mask := uint64(len(z.slots) - 1)
	for h := (uint64(uint32(i)) * 0x9E3779B97F4A7C15) >> 32 & mask; ; h = (h + 1) & mask {
		switch s := z.slots[h]; {
		case s == word:
			return false
		case s>>32 != z.gen:
			z.slots[h] = word
			z.n++
			return true
		}
	}
}

// grow doubles the table, keeping this generation's members.
func (z *zoneSet) grow() {
	old, gen := z.slots, z.gen
	z.slots = make([]uint64, 2*len(old))
	z.n = 0
	for _, s := range old {
		if s>>32 == gen {
			z.add(int32(uint32(s)))
		}
	}
}
