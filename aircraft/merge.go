package aircraft

import (
	"time"

	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// Unit conversions.
const (
	metresPerFoot = 0.3048
	msPerKnot     = 1852.0 / 3600
)

// Defaults of a Merger.
const (
	DefaultMaxAircraft = 10_000
	DefaultMaxAge      = 10 * time.Second
	DefaultEvictAfter  = time.Minute
)

// Merger combines the separate SBS-1 messages of each aircraft (identity,
// velocity, altitude, position) into fence.Updates. It is not safe for
// concurrent use; each feed has its own.
//
// Rules: an update is emitted for each position message (transmission
// types 2 and 3, or any MSG with lat and lon). It carries the altitude of
// the same message, or else the aircraft's latest altitude if that is at
// most MaxAge older than the position (it is never taken from a surface
// position's on-ground flag alone); and the latest ground speed and track
// if both were reported at most MaxAge before the position. Times are the
// receive time passed to Add unless MessageTimes is set. Aircraft not
// heard from for EvictAfter are forgotten by Sweep, and at most
// MaxAircraft are tracked: a new one beyond that first sweeps, then evicts
// the longest silent.
type Merger struct {
	// MaxAircraft caps the aircraft tracked; DefaultMaxAircraft when 0.
	MaxAircraft int
	// MaxAge is how much older than a position an altitude or velocity
	// may be and still be used with it; DefaultMaxAge when 0.
	MaxAge time.Duration
	// EvictAfter is how long an aircraft may be silent before Sweep
	// forgets it; DefaultEvictAfter when 0.
	EvictAfter time.Duration
	// MessageTimes, when set, makes the merger trust the date/time
	// fields of the messages, read in this location (SBS-1 writes the
	// receiver's local time without a zone). When nil, or when a message
	// has no time, the receive time is used.
	MessageTimes *time.Location

	aircraft map[uint32]*trackState
	evicted  uint64
}

type trackState struct {
	id       string
	lastSeen time.Time

	callsign Callsign
	squawk   uint16
	hasSq    bool
	onGround bool

	altFt float64
	altAt time.Time
	alt   bool

	// posAt is the time of the last position made, so that positions
	// timed by the receive clock stay strictly increasing.
	posAt time.Time

	speedKt, trackDeg float64
	velAt             time.Time
	vel               bool
}

// Aircraft is what a Merger knows of one aircraft.
type Aircraft struct {
	ObjectID  string
	Callsign  string
	Squawk    uint16
	HasSquawk bool
	OnGround  bool
	LastSeen  time.Time
}

func key(icao uint32, nonICAO bool) uint32 {
	if nonICAO {
		return icao | 1<<24
	}
	return icao
}

// ObjectID returns the fence object id of an address: "icao:4B1908", or
// "icao:~4B1908" for a non-ICAO address.
func ObjectID(icao uint32, nonICAO bool) string {
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, 12)
	b = append(b, "icao:"...)
	if nonICAO {
		b = append(b, '~')
	}
	for shift := 20; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[icao>>uint(shift)&0xF])
	}
	return string(b)
}

// Add takes one message received at recv and returns the update it makes,
// if it carries a position. Messages other than MSG, and MSG without an
// address, are ignored.
func (m *Merger) Add(msg *Message, recv time.Time) (fence.Update, bool) {
	if msg.Kind != KindMSG || !msg.HasICAO {
		return fence.Update{}, false
	}
	at := recv
	if m.MessageTimes != nil && msg.Has&HasTime != 0 {
		t := msg.Time
		at = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), m.MessageTimes)
	}
	k := key(msg.ICAO, msg.NonICAO)
	a := m.aircraft[k]
	if a == nil {
		a = m.add(k, msg, recv)
	}
	a.lastSeen = recv
	if msg.Has&HasCallsign != 0 {
		a.callsign = msg.Callsign
	}
	if msg.Has&HasSquawk != 0 {
		a.squawk, a.hasSq = msg.Squawk, true
	}
	if msg.Has&HasOnGround != 0 {
		a.onGround = msg.OnGround
	}
	if msg.Has&HasAltitude != 0 {
		a.altFt, a.altAt, a.alt = msg.AltitudeFt, at, true
	}
	if msg.Has&(HasGroundSpeed|HasTrack) == HasGroundSpeed|HasTrack {
		a.speedKt, a.trackDeg, a.velAt, a.vel = msg.GroundSpeedKt, msg.TrackDeg, at, true
	}
	if msg.Has&HasPosition == 0 {
		return fence.Update{}, false
	}
	if at.Compare(a.posAt) <= 0 && (m.MessageTimes == nil || msg.Has&HasTime == 0) {
		// Lines that arrive in one read share a receive time; the tracker
		// would take all but the first for duplicates. They are distinct
		// positions in arrival order: a microsecond apart.
		at = a.posAt.Add(time.Microsecond)
	}
	a.posAt = at
	u := fence.Update{ObjectID: a.id, Point: geo.Point{Lon: msg.Lon, Lat: msg.Lat}, Time: at}
	maxAge := m.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if a.alt && fresh(a.altAt, at, maxAge) {
		u.AltM, u.HasAlt = a.altFt*metresPerFoot, true
	}
	if a.vel && fresh(a.velAt, at, maxAge) {
		u.SpeedMS, u.HeadingDeg, u.HasVelocity = a.speedKt*msPerKnot, a.trackDeg, true
		if u.HeadingDeg >= 360 {
			u.HeadingDeg = 0
		}
	}
	return u, true
}

// fresh reports whether a value reported at t may be used at now: at most
// maxAge before it (and not from the future beyond that either, for
// message times that jump).
func fresh(t, now time.Time, maxAge time.Duration) bool {
	d := now.Sub(t)
	return d <= maxAge && d >= -maxAge
}

func (m *Merger) add(k uint32, msg *Message, now time.Time) *trackState {
	if m.aircraft == nil {
		m.aircraft = make(map[uint32]*trackState)
	}
	limit := m.MaxAircraft
	if limit <= 0 {
		limit = DefaultMaxAircraft
	}
	if len(m.aircraft) >= limit {
		m.Sweep(now)
	}
	if len(m.aircraft) >= limit {
		var oldK uint32
		var old *trackState
		for kk, a := range m.aircraft {
			if old == nil || a.lastSeen.Before(old.lastSeen) {
				oldK, old = kk, a
			}
		}
		delete(m.aircraft, oldK)
		m.evicted++
	}
	a := &trackState{id: ObjectID(msg.ICAO, msg.NonICAO)}
	m.aircraft[k] = a
	return a
}

// Sweep forgets the aircraft silent for EvictAfter before now and returns
// how many it forgot.
func (m *Merger) Sweep(now time.Time) int {
	after := m.EvictAfter
	if after <= 0 {
		after = DefaultEvictAfter
	}
	n := 0
	for k, a := range m.aircraft {
		if now.Sub(a.lastSeen) > after {
			delete(m.aircraft, k)
			n++
		}
	}
	m.evicted += uint64(n)
	return n
}

// Len returns the number of aircraft tracked.
func (m *Merger) Len() int { return len(m.aircraft) }

// Evicted returns how many aircraft were forgotten, by Sweep or the cap.
func (m *Merger) Evicted() uint64 { return m.evicted }

// Lookup returns what the merger knows of an address.
func (m *Merger) Lookup(icao uint32, nonICAO bool) (Aircraft, bool) {
	a := m.aircraft[key(icao, nonICAO)]
	if a == nil {
		return Aircraft{}, false
	}
	return Aircraft{ObjectID: a.id, Callsign: a.callsign.String(), Squawk: a.squawk, HasSquawk: a.hasSq,
		OnGround: a.onGround, LastSeen: a.lastSeen}, true
}
