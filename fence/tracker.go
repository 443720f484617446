package fence

import (
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// Update is one reported position of a moving object.
type Update struct {
	// ObjectID names the object (an ICAO address, a call sign, a convoy id).
	ObjectID string
	// Point is the position, [lon, lat] in WGS84 degrees.
	Point geo.Point
	// AltM is the altitude in metres above mean sea level, used when HasAlt.
	AltM   float64
	HasAlt bool
	// Time is when the object was at Point.
	Time time.Time
	// SpeedMS (metres per second over ground) and HeadingDeg (degrees
	// clockwise from true north) are the reported velocity, used when
	// HasVelocity; otherwise the tracker estimates it from positions.
	SpeedMS     float64
	HeadingDeg  float64
	HasVelocity bool
}

// EventKind says what happened between an object and a zone.
type EventKind uint8

// The kinds of Event.
const (
	EventEnter            EventKind = iota + 1 // the object is in the zone and was not before
	EventExit                                  // the object was in the zone and is no longer (see Reason)
	EventInside                                // the object is still in the zone (Dwell says since when)
	EventWarning                               // the object is predicted to reach the zone (new or changed prediction)
	EventWarningCancelled                      // an earlier warning no longer holds
)

var eventKindNames = [...]string{"", "enter", "exit", "inside", "warning", "warning_cancelled"}

// String returns the kind's name: "enter", "exit", "inside", "warning" or
// "warning_cancelled".
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "unknown"
}

// ExitReason says why an exit or cancelled warning happened.
type ExitReason uint8

// The reasons of exits and cancelled warnings.
const (
	ReasonNone         ExitReason = iota
	ReasonLeft                    // the new position is outside the zone (or its altitude band)
	ReasonZoneInactive            // the zone is no longer in the snapshot, or outside its validity or corridor windows
	ReasonStale                   // no update for TrackerOptions.StaleAfter (Expire)
	ReasonPathChanged             // the new prediction no longer reaches the zone
)

var reasonNames = [...]string{"", "left", "zone_inactive", "stale", "path_changed"}

// String returns the reason's name, such as "left" or "stale".
func (r ExitReason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// Event is one enter, exit, inside, warning or cancelled warning of an
// object for a zone. Strings are shared with the update and the snapshot,
// so events cost no allocation.
type Event struct {
	Kind     EventKind
	ObjectID string
	ZoneID   string
	Version  int
	ZoneKind safezones.Kind
	// At is the time of the update that caused the event (Expire's now for
	// stale exits); Point the update's position.
	At    time.Time
	Point geo.Point
	// AltitudeKnown is false when the update had no altitude (a no_fly zone
	// was then matched without its band).
	AltitudeKnown bool
	// Dwell is how long the object has been in the zone, from the update
	// that entered it to At (inside, exit; for a stale exit, to the last
	// update).
	Dwell time.Duration
	// Reason says why an exit or cancelled warning happened.
	Reason ExitReason
	// LeadTime, on an enter, is the time from the first warning for this
	// zone to the entry; Warned says whether there was one.
	LeadTime time.Duration
	Warned   bool
	// Warning fields: the predicted time to entry from At (ETA), its
	// interval over the speed and turn scenarios that reach the zone
	// [ETAMin, ETAMax], how many of the scenarios reach it (Scenarios of
	// PredictScenarios), and the predicted entry point.
	ETA, ETAMin, ETAMax time.Duration
	Scenarios           int
	Entry               geo.Point
}

// Outcome says what the tracker did with an update.
type Outcome uint8

// The outcomes of Tracker.Update.
const (
	Applied    Outcome = iota + 1 // the update moved the object; events were produced
	Duplicate                     // same time as the object's last update: ignored
	OutOfOrder                    // older than the object's last update: ignored
	Invalid                       // no object id, a zero time or a position outside [-180..180, -90..90]: ignored
)

var outcomeNames = [...]string{"", "applied", "duplicate", "out_of_order", "invalid"}

// String returns the outcome's name.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Defaults of TrackerOptions: an object is stale after 5 minutes without
// an update; prediction looks 15 minutes ahead on a path resolved to
// 500 m (StepM).
const (
	DefaultStaleAfter = 5 * time.Minute
	DefaultHorizon    = 15 * time.Minute
	DefaultStepM      = 500
)

// PredictScenarios is the number of speed and turn-rate scenarios the early
// warning flies: nominal, speed ±σ, turn rate ±σ.
const PredictScenarios = 5

// TrackerOptions tune a Tracker. The zero value gives the defaults.
type TrackerOptions struct {
	// StaleAfter is how long an object may go without an update before
	// Expire drops it (0 means DefaultStaleAfter).
	StaleAfter time.Duration
	// Horizon is how far ahead the early warning predicts (0 means
	// DefaultHorizon; negative turns prediction off).
	Horizon time.Duration
	// StepM is the resolution of the predicted path, in metres (0 means
	// DefaultStepM): its chords stray at most StepM/4 from the predicted
	// arc and are at most 16·StepM long; corridors and zones whose windows
	// change within the horizon are tested every StepM along it.
	StepM float64
	// PredictEvery is the least track time between two predictions of one
	// object; updates in between keep the warnings they have (0 predicts on
	// every update).
	PredictEvery time.Duration
	// MinSpeedMS is the speed below which an object is taken as stationary
	// and not predicted (0 means 1 m/s).
	MinSpeedMS float64
	// UrgentETA is the ETA at or below which a warning is issued on the
	// first prediction that reaches a zone, without waiting for a second
	// one to confirm it (0 means DefaultUrgentETA; negative always waits).
	// See the hysteresis rule in warn.go.
	UrgentETA time.Duration
}

// Tracker keeps the state of moving objects and turns their position
// updates into enter, exit, inside and warning events against the
// snapshot in force in an Engine. It is safe for concurrent use: objects
// are sharded by id, each shard behind its own mutex (snapshot readers
// stay lock-free).
type Tracker struct {
	engine *Engine
	opts   TrackerOptions
	seed   maphash.Seed
	pidx   atomic.Pointer[predIndex] // edge runs of the snapshot last predicted on
	shards [64]trackerShard
}

type trackerShard struct {
	mu      sync.Mutex
	objs    map[string]*object
	stats   WarningStats
	scratch *predScratch // prediction buffers, made on first use
	snap    *Snapshot    // the snapshot the shard last predicted on
	gen     uint32       // bumped when snap changes (warnState.gen)
	_       [64]byte     // keep shards on separate cache lines
}

// genOf returns the shard's generation of snap: warnings stamped with it
// hold snap's zone-table index of their zone. The shard keeps only the
// last snapshot, so warnings do not keep old snapshots alive.
func (sh *trackerShard) genOf(snap *Snapshot) uint32 {
	if sh.snap != snap {
		sh.snap, sh.gen = snap, sh.gen+1
		if sh.gen == 0 { // wrapped: 0 marks a warning with no index
			sh.gen = 1
		}
	}
	return sh.gen
}

// object is the tracker's state of one object.
type object struct {
	id       string
	last     time.Time
	zones    []zoneState
	warnings []warnState
	hits     []Hit
	hist     [histLen]fix
	nHist    int
	lastPred time.Time
}

type zoneState struct {
	id        string
	version   int
	kind      safezones.Kind
	enteredAt time.Time
	altKnown  bool
}

const histLen = 8

type fix struct {
	p        geo.Point
	t        time.Time
	speed    float64 // m/s, reported or estimated from the previous fix
	heading  float64 // degrees
	hasVel   bool
	alt      float64
	hasAlt   bool
	reported bool // speed and heading came with the update
}

// NewTracker returns a Tracker that evaluates updates against e's
// snapshot in force.
func NewTracker(e *Engine, opts TrackerOptions) *Tracker {
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	if opts.Horizon == 0 {
		opts.Horizon = DefaultHorizon
	}
	if opts.StepM <= 0 {
		opts.StepM = DefaultStepM
	}
	if opts.MinSpeedMS <= 0 {
		opts.MinSpeedMS = 1
	}
	if opts.UrgentETA == 0 {
		opts.UrgentETA = DefaultUrgentETA
	}
	t := &Tracker{engine: e, opts: opts, seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].objs = map[string]*object{}
	}
	return t
}

func (tr *Tracker) shard(id string) *trackerShard {
	return &tr.shards[maphash.String(tr.seed, id)%uint64(len(tr.shards))]
}

// Update applies u to its object and appends the resulting events to dst:
// exits first (zones left, in the order they were entered), then enters
// and insides in zone-table order,
// then warnings and cancelled warnings. Updates at or before the object's
// last update time are ignored and reported as Duplicate or OutOfOrder
// (timestamps decide, not arrival order); invalid ones as Invalid.
func (tr *Tracker) Update(u Update, dst []Event) ([]Event, Outcome) {
	if u.ObjectID == "" || u.Time.IsZero() || !finite(u.Point.Lon) || !finite(u.Point.Lat) ||
		math.Abs(u.Point.Lon) > 180 || math.Abs(u.Point.Lat) > 90 || (u.HasAlt && !finite(u.AltM)) {
		return dst, Invalid
	}
	sh := tr.shard(u.ObjectID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	o := sh.objs[u.ObjectID]
	if o == nil {
		o = &object{id: u.ObjectID}
		sh.objs[u.ObjectID] = o
	} else {
		switch {
		case u.Time.Equal(o.last):
			return dst, Duplicate
		case u.Time.Before(o.last):
			return dst, OutOfOrder
		}
	}
	snap := tr.engine.Snapshot()
	o.hits = snap.Containing(u.Point, u.AltM, u.HasAlt, u.Time, o.hits[:0])
	tk := timeKey(u.Time)

	// Exits: zones the object was in and is not now.
	kept := o.zones[:0]
	for _, zs := range o.zones {
		if hitsHave(snap, o.hits, zs.id) {
			kept = append(kept, zs)
			continue
		}
		reason := ReasonLeft
		if i, ok := snap.Lookup(zs.id); !ok || !snap.meta[i].activeAt(tk) {
			reason = ReasonZoneInactive
		}
		dst = append(dst, Event{Kind: EventExit, ObjectID: o.id, ZoneID: zs.id, Version: zs.version, ZoneKind: zs.kind,
			At: u.Time, Point: u.Point, AltitudeKnown: u.HasAlt, Dwell: u.Time.Sub(zs.enteredAt), Reason: reason})
	}
	o.zones = kept
	// Enters and insides.
	for _, h := range o.hits {
		z := snap.Zone(h.Index)
		ev := Event{ObjectID: o.id, ZoneID: z.ID, Version: z.Version, ZoneKind: z.Kind, At: u.Time, Point: u.Point, AltitudeKnown: h.AltitudeKnown}
		if k := o.zoneIndex(z.ID); k >= 0 {
			zs := &o.zones[k]
			zs.version = z.Version
			ev.Kind, ev.Dwell = EventInside, u.Time.Sub(zs.enteredAt)
		} else {
			ev.Kind = EventEnter
			if w := o.warningIndex(z.ID); w >= 0 && o.warnings[w].issued {
				ev.Warned, ev.LeadTime = true, u.Time.Sub(o.warnings[w].firstAt)
				sh.stats.Entered++
				sh.stats.LeadSum += ev.LeadTime
				sh.stats.LeadMin = minPositive(sh.stats.LeadMin, ev.LeadTime)
				sh.stats.LeadMax = max(sh.stats.LeadMax, ev.LeadTime)
				o.warnings = append(o.warnings[:w], o.warnings[w+1:]...)
			} else {
				if w >= 0 { // a sighting held back: the entry was not warned
					o.warnings = append(o.warnings[:w], o.warnings[w+1:]...)
				}
				sh.stats.Unwarned++
			}
			o.zones = append(o.zones, zoneState{id: z.ID, version: z.Version, kind: z.Kind, enteredAt: u.Time, altKnown: h.AltitudeKnown})
		}
		dst = append(dst, ev)
	}
	o.pushFix(u)
	o.last = u.Time
	if tr.opts.Horizon > 0 && (o.lastPred.IsZero() || u.Time.Sub(o.lastPred) >= tr.opts.PredictEvery) {
		o.lastPred = u.Time
		dst = tr.predict(snap, o, u, dst, sh)
	}
	return dst, Applied
}

func minPositive(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}

func hitsHave(s *Snapshot, hits []Hit, id string) bool {
	for _, h := range hits {
		if s.zones[h.Index].ID == id {
			return true
		}
	}
	return false
}

func (o *object) zoneIndex(id string) int {
	for i := range o.zones {
		if o.zones[i].id == id {
			return i
		}
	}
	return -1
}

// inZone reports whether the object's last update was in zone i of the
// snapshot it was tested against (o.hits): the zones of o.zones, without
// comparing ids.
func (o *object) inZone(i int32) bool {
	for k := range o.hits {
		if o.hits[k].Index == i {
			return true
		}
	}
	return false
}

func (o *object) warningIndex(id string) int {
	for i := range o.warnings {
		if o.warnings[i].id == id {
			return i
		}
	}
	return -1
}

// pushFix records u in the object's recent history, estimating speed and
// heading from the previous fix when u carries none.
func (o *object) pushFix(u Update) {
	f := fix{p: u.Point, t: u.Time, alt: u.AltM, hasAlt: u.HasAlt}
	if u.HasVelocity {
		f.speed, f.heading, f.hasVel, f.reported = u.SpeedMS, u.HeadingDeg, true, true
	} else if o.nHist > 0 {
		prev := o.hist[(o.nHist-1)%histLen]
		if dt := u.Time.Sub(prev.t).Seconds(); dt > 0 {
			d := geo.DistanceM(prev.p, u.Point)
			f.speed, f.hasVel = d/dt, true
			f.heading = geo.BearingDeg(prev.p, u.Point)
			if d == 0 && prev.hasVel {
				f.heading = prev.heading
			}
		}
	}
	o.hist[o.nHist%histLen] = f
	o.nHist++
}

// Expire drops every object whose last update is StaleAfter or more before
// now, appending an exit (ReasonStale) for each zone it was in and a
// cancelled warning for each warning it had; and exits the other objects
// from the zones no longer in force at now (ReasonZoneInactive). It returns
// the extended slice.
func (tr *Tracker) Expire(now time.Time, dst []Event) []Event {
	snap := tr.engine.Snapshot()
	tk := timeKey(now)
	for i := range tr.shards {
		sh := &tr.shards[i]
		sh.mu.Lock()
		for id, o := range sh.objs {
			if now.Sub(o.last) < tr.opts.StaleAfter {
				dst = o.closeEnded(snap, tk, now, dst)
				continue
			}
			for _, zs := range o.zones {
				dst = append(dst, Event{Kind: EventExit, ObjectID: o.id, ZoneID: zs.id, Version: zs.version, ZoneKind: zs.kind,
					At: now, Point: o.hist[(o.nHist-1)%histLen].p, AltitudeKnown: zs.altKnown, Dwell: o.last.Sub(zs.enteredAt), Reason: ReasonStale})
			}
			for _, w := range o.warnings {
				if !w.issued {
					continue
				}
				dst = append(dst, Event{Kind: EventWarningCancelled, ObjectID: o.id, ZoneID: w.id, Version: w.version, ZoneKind: w.kind,
					At: now, Point: o.hist[(o.nHist-1)%histLen].p, Reason: ReasonStale})
				sh.stats.Cancelled++
			}
			delete(sh.objs, id)
		}
		sh.mu.Unlock()
	}
	return dst
}

// closeEnded exits o from the zones that are no longer in force (left the
// snapshot, or outside their validity or corridor windows at now), so that
// a zone that ends closes its open events even when the object inside
// stops reporting; Update would otherwise close them at the next report.
func (o *object) closeEnded(snap *Snapshot, tk int64, now time.Time, dst []Event) []Event {
	kept := o.zones[:0]
	for _, zs := range o.zones {
		if i, ok := snap.Lookup(zs.id); ok && snap.meta[i].activeAt(tk) {
			kept = append(kept, zs)
			continue
		}
		dst = append(dst, Event{Kind: EventExit, ObjectID: o.id, ZoneID: zs.id, Version: zs.version, ZoneKind: zs.kind,
			At: now, Point: o.hist[(o.nHist-1)%histLen].p, AltitudeKnown: zs.altKnown, Dwell: now.Sub(zs.enteredAt), Reason: ReasonZoneInactive})
	}
	o.zones = kept
	return dst
}

// Objects returns the number of objects the tracker holds.
func (tr *Tracker) Objects() int {
	n := 0
	for i := range tr.shards {
		sh := &tr.shards[i]
		sh.mu.Lock()
		n += len(sh.objs)
		sh.mu.Unlock()
	}
	return n
}

// WarningStats sums up the early warning's record: warnings issued and
// cancelled, entries that had a warning (with lead times from the first
// warning to the entry) and entries that had none. Urgent counts the
// issued warnings that did not wait for a confirming prediction (ETA at
// most UrgentETA); Unconfirmed the zones a single prediction reached that
// the next one missed, held back by the hysteresis and never warned.
type WarningStats struct {
	Issued, Cancelled, Entered, Unwarned int
	Urgent, Unconfirmed                  int
	LeadSum, LeadMin, LeadMax            time.Duration
}

// WarningStats returns the tracker's early-warning record so far.
func (tr *Tracker) WarningStats() WarningStats {
	var out WarningStats
	for i := range tr.shards {
		sh := &tr.shards[i]
		sh.mu.Lock()
		s := sh.stats
		sh.mu.Unlock()
		out.Issued += s.Issued
		out.Cancelled += s.Cancelled
		out.Entered += s.Entered
		out.Unwarned += s.Unwarned
		out.Urgent += s.Urgent
		out.Unconfirmed += s.Unconfirmed
		out.LeadSum += s.LeadSum
		if s.LeadMin > 0 {
			out.LeadMin = minPositive(out.LeadMin, s.LeadMin)
		}
		out.LeadMax = max(out.LeadMax, s.LeadMax)
	}
	return out
}
