package fence

import (
	"math"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// Warning hysteresis. A warning goes to people who must act on it, so a
// single prediction does not make or break one. On a wandering track the
// 15-minute path sweeps over zones it will never reach; warning and
// cancelling each of them at once floods the people who must be warned.
// The rule, per object and zone, over the object's predictions (each
// PredictEvery of track time):
//
//   - Issue a warning when the nominal path has reached the zone on
//     confirmHits (2) consecutive predictions — or at once when the ETA is
//     at most UrgentETA (default 5 minutes): an aircraft 4 minutes out
//     must not wait for a confirmation that would eat into its lead time.
//     A zone reached by one prediction and missed by the next is dropped
//     unheard (WarningStats.Unconfirmed).
//   - Once issued, report the warning again only when its predicted
//     arrival moves by more than max(10 s, 10% of the ETA).
//   - Cancel it (ReasonPathChanged) only when cancelMisses (2) consecutive
//     predictions miss the zone, or at the first miss when the object has
//     clearly turned away: the last predicted entry point lies more than
//     90° off its heading (behind it). A hit in between resets the count.
//   - Cancel it at once (ReasonZoneInactive) when the zone left the
//     snapshot or is no longer active: there is nothing to wait for.
//
// Lead time (WarningStats, Event.LeadTime) counts from the issued warning,
// not from the first sighting; an entry with only a held-back sighting is
// unwarned.

const (
	confirmHits  = 2 // consecutive predictions reaching a zone before a warning
	cancelMisses = 2 // consecutive predictions missing it before a cancel
)

// DefaultUrgentETA is the ETA at or below which a warning is issued on the
// first prediction that reaches the zone (TrackerOptions.UrgentETA).
const DefaultUrgentETA = 5 * time.Minute

// warnState is an object's warning for one zone, or a first sighting held
// back until a second prediction confirms it.
type warnState struct {
	id      string
	version int
	kind    safezones.Kind
	issued  bool      // a warning event was sent
	hits    int       // consecutive predictions that reached the zone
	misses  int       // consecutive predictions that missed it since
	firstAt time.Time // when the warning was issued
	arrival time.Time // predicted entry time last reported
	entry   geo.Point // predicted entry point last seen
	gen     uint32    // the shard's snapshot generation idx belongs to (0: none)
	idx     int32     // the zone's index in that snapshot's zone table
}

// indexIn returns the zone's index in snap, the shard's snapshot of
// generation gen: the cached one when stamped with gen, else looked up by
// id (and cached).
func (w *warnState) indexIn(snap *Snapshot, gen uint32) (int32, bool) {
	if w.gen == gen {
		return w.idx, true
	}
	i, ok := snap.Lookup(w.id)
	if ok {
		w.gen, w.idx = gen, i
	}
	return i, ok
}

// warningAt returns the position in o.warnings of the warning for zone i
// of the snapshot of generation gen, or -1. The prediction stamps every
// warning it keeps with gen before it records hits.
func (o *object) warningAt(gen uint32, i int32) int {
	for k := range o.warnings {
		if w := &o.warnings[k]; w.gen == gen && w.idx == i {
			return k
		}
	}
	return -1
}

// predict flies o's nominal path, applies the hysteresis to o's warnings
// and appends the warning and cancelled-warning events.
func (tr *Tracker) predict(snap *Snapshot, o *object, u Update, dst []Event, sh *trackerShard) []Event {
	if sh.scratch == nil {
		sh.scratch = newPredScratch()
	}
	sc, st := sh.scratch, &sh.stats
	m, moving := tr.flyNominal(snap, o, u, sc)
	tk := timeKey(u.Time)
	gen := sh.genOf(snap)
	kept := o.warnings[:0]
	for _, w := range o.warnings {
		i, ok := w.indexIn(snap, gen)
		switch {
		case !ok || !snap.meta[i].activeAt(tk):
			if w.issued {
				dst = append(dst, cancelEvent(o, &w, u, ReasonZoneInactive))
				st.Cancelled++
			}
			continue
		case hitOf(sc.hits, i) >= 0:
			kept = append(kept, w) // updated below
			continue
		case !w.issued:
			st.Unconfirmed++ // a stray sighting: dropped unheard
			continue
		}
		w.hits, w.misses = 0, w.misses+1
		if w.misses < cancelMisses && !(moving && turnedAway(u.Point, m.heading, w.entry)) {
			kept = append(kept, w)
			continue
		}
		dst = append(dst, cancelEvent(o, &w, u, ReasonPathChanged))
		st.Cancelled++
	}
	o.warnings = kept
	for _, h := range sc.hits {
		dst = tr.warnHit(snap, o, u, h, m, gen, dst, sh)
	}
	return dst
}

// warnHit records that the nominal path reaches zone h and appends a
// warning event when the hysteresis says so.
func (tr *Tracker) warnHit(snap *Snapshot, o *object, u Update, h predHit, m motionFix, gen uint32, dst []Event, sh *trackerShard) []Event {
	z := &snap.zones[h.zone]
	eta := secs(h.tau)
	arrival := u.Time.Add(eta)
	j := o.warningAt(gen, h.zone)
	if j < 0 {
		o.warnings = append(o.warnings, warnState{id: z.ID, kind: z.Kind, gen: gen, idx: h.zone})
		j = len(o.warnings) - 1
	}
	ws := &o.warnings[j]
	ws.hits, ws.misses, ws.version, ws.entry = ws.hits+1, 0, z.Version, h.entry
	var lead time.Duration
	switch {
	case !ws.issued:
		urgent := eta <= tr.opts.UrgentETA
		if ws.hits < confirmHits && !urgent {
			return dst // held back until a second prediction confirms it
		}
		ws.issued, ws.firstAt, ws.arrival = true, u.Time, arrival
		sh.stats.Issued++
		if ws.hits < confirmHits {
			sh.stats.Urgent++
		}
	case arrival.Sub(ws.arrival).Abs() <= max(10*time.Second, eta/10):
		return dst // small drifts stay quiet
	default:
		ws.arrival, lead = arrival, u.Time.Sub(ws.firstAt)
	}
	tmin, tmax, n := tr.spreadOf(snap, h, m, u, sh.scratch)
	return append(dst, Event{Kind: EventWarning, ObjectID: o.id, ZoneID: z.ID, Version: z.Version, ZoneKind: z.Kind,
		At: u.Time, Point: u.Point, AltitudeKnown: u.HasAlt, LeadTime: lead,
		ETA: eta, ETAMin: secs(tmin), ETAMax: secs(tmax), Scenarios: n, Entry: h.entry})
}

// hitOf returns the position of zone i in hits, or -1.
func hitOf(hits []predHit, i int32) int {
	for k := range hits {
		if hits[k].zone == i {
			return k
		}
	}
	return -1
}

// turnedAway reports whether the object at p on heading (degrees) has the
// predicted entry point behind it: more than 90° off its heading.
func turnedAway(p geo.Point, heading float64, entry geo.Point) bool {
	if p == entry {
		return false
	}
	return math.Abs(wrap180(geo.BearingDeg(p, entry)-heading)) > 90
}

func cancelEvent(o *object, w *warnState, u Update, reason ExitReason) Event {
	return Event{Kind: EventWarningCancelled, ObjectID: o.id, ZoneID: w.id, Version: w.version, ZoneKind: w.kind,
		At: u.Time, Point: u.Point, AltitudeKnown: u.HasAlt, Reason: reason}
}
