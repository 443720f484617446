package fence

import (
	"math"
	"time"

	"github.com/safezones/safezones/geo"
)

// Early warning. From an object's recent fixes the tracker estimates its
// speed v, heading and turn rate ω (degrees per second; a track counts as
// turning when |ω| >= turnThreshold, else it is flown straight), and the
// spread of the recent speeds σv and turn rates σω. It then flies five
// scenarios — (v, ω), (v±σv, ω), (v, ω±σω) — for the horizon on the
// sphere, testing a position every StepM metres against the snapshot (at
// the time the object would be there). A zone reached by the nominal
// scenario gets a warning: ETA from the nominal path (its entry point found
// by bisection to about StepM/64), ETAMin and ETAMax over the scenarios
// that reach it, and how many do. The scenario paths part as the horizon
// grows, so the interval widens with it.

const (
	turnThreshold = 0.05 // degrees per second
	minTurnSpread = 0.02 // degrees per second
)

type predHit struct {
	zone       int32
	tau, tmin  float64 // seconds
	tmax       float64
	entry      geo.Point
	scenarios  int
	inNominal  bool
	seenInThis bool
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

// predict flies the scenarios and updates o's warnings, appending warning
// and cancelled-warning events.
func (tr *Tracker) predict(snap *Snapshot, o *object, u Update, dst []Event, st *WarningStats) []Event {
	v, heading, omega, sv, somega, ok := o.motion()
	var found []predHit
	if ok && v >= tr.opts.MinSpeedMS {
		found = tr.fly(snap, o, u, v, heading, omega, sv, somega)
	}
	// Cancel warnings the nominal path no longer reaches.
	kept := o.warnings[:0]
	for _, w := range o.warnings {
		if predHas(snap, found, w.id) {
			kept = append(kept, w)
			continue
		}
		reason := ReasonPathChanged
		if i, ok := snap.Lookup(w.id); !ok || !snap.meta[i].activeAt(timeKey(u.Time)) {
			reason = ReasonZoneInactive
		}
		dst = append(dst, Event{Kind: EventWarningCancelled, ObjectID: o.id, ZoneID: w.id, Version: w.version, ZoneKind: w.kind,
			At: u.Time, Point: u.Point, AltitudeKnown: u.HasAlt, Reason: reason})
		st.Cancelled++
	}
	o.warnings = kept
	// New and changed warnings.
	for _, h := range found {
		if !h.inNominal {
			continue
		}
		z := &snap.zones[h.zone]
		eta := secs(h.tau)
		ev := Event{Kind: EventWarning, ObjectID: o.id, ZoneID: z.ID, Version: z.Version, ZoneKind: z.Kind,
			At: u.Time, Point: u.Point, AltitudeKnown: u.HasAlt,
			ETA: eta, ETAMin: secs(h.tmin), ETAMax: secs(h.tmax), Scenarios: h.scenarios, Entry: h.entry}
		if w := o.warningIndex(z.ID); w >= 0 {
			ws := &o.warnings[w]
			// Report a change of the predicted arrival time beyond
			// max(10 s, 10% of the ETA); smaller drifts stay quiet.
			arrival := u.Time.Add(eta)
			ws.version = z.Version
			if arrival.Sub(ws.arrival).Abs() <= max(10*time.Second, eta/10) {
				continue
			}
			ws.arrival = arrival
			ev.LeadTime = u.Time.Sub(ws.firstAt)
		} else {
			o.warnings = append(o.warnings, warnState{id: z.ID, version: z.Version, kind: z.Kind, firstAt: u.Time, arrival: u.Time.Add(eta)})
			st.Issued++
		}
		dst = append(dst, ev)
	}
	return dst
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func predHas(s *Snapshot, found []predHit, id string) bool {
	for _, h := range found {
		if h.inNominal && s.zones[h.zone].ID == id {
			return true
		}
	}
	return false
}

// fly returns the zones the scenarios reach within the horizon, nominal
// scenario first.
func (tr *Tracker) fly(snap *Snapshot, o *object, u Update, v, heading, omega, sv, somega float64) []predHit {
	found := o.pred[:0]
	scen := [PredictScenarios][2]float64{{v, omega}, {v - sv, omega}, {v + sv, omega}, {v, omega - somega}, {v, omega + somega}}
	horizon := tr.opts.Horizon.Seconds()
	for si, sc := range scen {
		sv, so := sc[0], sc[1]
		if sv < tr.opts.MinSpeedMS {
			continue
		}
		for i := range found {
			found[i].seenInThis = false
		}
		// The spread scenarios only bound the ETA: a coarser step will do.
		stepM := tr.opts.StepM
		if si > 0 {
			stepM *= 4
		}
		dt := stepM / sv
		steps := int(math.Ceil(horizon / dt))
		if steps > 20000 {
			steps, dt = 20000, horizon/20000
		}
		p, hd := u.Point, heading
		// Step on a local plane: each step is short (StepM), so the
		// flat-earth step is within centimetres of geo.Destination; the
		// heading turns by so*dt per step.
		sinH, cosH := math.Sincos((hd + so*dt/2) * math.Pi / 180)
		sinT, cosT := math.Sincos(so * dt * math.Pi / 180)
		degPerM := 180 / (math.Pi * geo.EarthRadiusM)
		for k := 1; k <= steps; k++ {
			mid := math.Atan2(sinH, cosH) * 180 / math.Pi
			dLat := sv * dt * cosH * degPerM
			next := geo.Point{Lat: p.Lat + dLat}
			next.Lon = p.Lon + sv*dt*sinH*degPerM/math.Cos((p.Lat+dLat/2)*math.Pi/180)
			if next.Lat > 90 || next.Lat < -90 {
				break
			}
			if next.Lon > 180 {
				next.Lon -= 360
			} else if next.Lon < -180 {
				next.Lon += 360
			}
			sinH, cosH = sinH*cosT+cosH*sinT, cosH*cosT-sinH*sinT
			tau := float64(k) * dt
			o.hits = snap.Containing(next, u.AltM, u.HasAlt, u.Time.Add(secs(tau)), o.hits[:0])
			for _, h := range o.hits {
				z := snap.zones[h.Index].ID
				if o.zoneIndex(z) >= 0 {
					continue // already inside
				}
				j := -1
				for i := range found {
					if found[i].zone == h.Index {
						j = i
						break
					}
				}
				if j >= 0 && found[j].seenInThis {
					continue
				}
				entryTau, entry := tau, next
				if si == 0 {
					entryTau, entry = refineEntry(snap, h.Index, p, mid, sv, dt, tau-dt, u, &o.refine)
				}
				if j < 0 {
					found = append(found, predHit{zone: h.Index, tau: entryTau, tmin: entryTau, tmax: entryTau, entry: entry})
					j = len(found) - 1
				} else {
					found[j].tmin = math.Min(found[j].tmin, entryTau)
					found[j].tmax = math.Max(found[j].tmax, entryTau)
				}
				found[j].seenInThis = true
				found[j].scenarios++
				if si == 0 {
					found[j].inNominal = true
				}
			}
			p = next
		}
	}
	o.pred = found
	return found
}

// refineEntry bisects the step from p (at time tau0 after the update)
// along bearing for the first position inside zone.
func refineEntry(snap *Snapshot, zone int32, p geo.Point, bearing, v, dt, tau0 float64, u Update, buf *[]Hit) (float64, geo.Point) {
	lo, hi := 0.0, dt
	entry := geo.Destination(p, bearing, v*dt)
	for it := 0; it < 6; it++ {
		m := (lo + hi) / 2
		q := geo.Destination(p, bearing, v*m)
		*buf = snap.Containing(q, u.AltM, u.HasAlt, u.Time.Add(secs(tau0+m)), (*buf)[:0])
		in := false
		for _, h := range *buf {
			if h.Index == zone {
				in = true
				break
			}
		}
		if in {
			hi, entry = m, q
		} else {
			lo = m
		}
	}
	return tau0 + hi, entry
}
