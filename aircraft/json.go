package aircraft

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// Limits of DecodeAircraftJSON.
const (
	// MaxAircraftJSONBytes is the largest aircraft.json accepted: a busy
	// receiver with a thousand aircraft writes well under 1 MiB.
	MaxAircraftJSONBytes = 16 << 20
	// MaxAircraftJSONDepth is the deepest nesting of objects and arrays
	// accepted; aircraft.json needs four.
	MaxAircraftJSONDepth = 16
)

// AircraftList is a decoded aircraft.json.
type AircraftList struct {
	// Now is the file's "now": when the receiver wrote it.
	Now time.Time
	// Aircraft are the entries with a position, in file order.
	Aircraft []JSONAircraft
	// NoPosition counts entries skipped because they had no position.
	NoPosition int
	// Errors lists the bad entries (each an *EntryError); they are in
	// neither Aircraft nor NoPosition.
	Errors []error
	// Entries counts the entries of "aircraft".
	Entries int
}

// JSONAircraft is one aircraft.json entry with a position. Units are those
// of the file: feet and knots.
type JSONAircraft struct {
	Index    int // in "aircraft"
	ICAO     uint32
	NonICAO  bool
	Callsign string // "flight", trimmed
	Squawk   string
	Lat, Lon float64
	// AltBaroFt is the barometric altitude when HasAltBaro; OnGround
	// when alt_baro was "ground".
	AltBaroFt  float64
	HasAltBaro bool
	OnGround   bool
	AltGeomFt  float64
	HasAltGeom bool
	// GroundSpeedKt and TrackDeg are used when HasVelocity (both given).
	GroundSpeedKt float64
	TrackDeg      float64
	HasVelocity   bool
	// SeenPos is how many seconds before Now the position was received;
	// PositionTime is Now - SeenPos, to the millisecond.
	SeenPos      float64
	PositionTime time.Time
}

// Update returns the aircraft as a fence.Update: altitude from alt_baro
// (the same barometric altitude SBS-1 feeds give), else alt_geom; none on
// the ground.
func (a *JSONAircraft) Update() fence.Update {
	u := fence.Update{ObjectID: ObjectID(a.ICAO, a.NonICAO), Point: geo.Point{Lon: a.Lon, Lat: a.Lat}, Time: a.PositionTime}
	switch {
	case a.HasAltBaro:
		u.AltM, u.HasAlt = a.AltBaroFt*metresPerFoot, true
	case a.HasAltGeom && !a.OnGround:
		u.AltM, u.HasAlt = a.AltGeomFt*metresPerFoot, true
	}
	if a.HasVelocity {
		u.SpeedMS, u.HeadingDeg, u.HasVelocity = a.GroundSpeedKt*msPerKnot, a.TrackDeg, true
		if u.HeadingDeg >= 360 {
			u.HeadingDeg = 0
		}
	}
	return u
}

// EntryError is a bad entry of aircraft.json: Index in "aircraft", the
// Field at fault ("" for the entry) and what is wrong.
type EntryError struct {
	Index int
	Field string
	Msg   string
}

// Error returns `aircraft[3].lat: "abc" is not a number`.
func (e *EntryError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("aircraft[%d]: %s", e.Index, e.Msg)
	}
	return fmt.Sprintf("aircraft[%d].%s: %s", e.Index, e.Field, e.Msg)
}

type rawAircraft struct {
	Hex     json.RawMessage `json:"hex"`
	Flight  json.RawMessage `json:"flight"`
	Squawk  json.RawMessage `json:"squawk"`
	AltBaro json.RawMessage `json:"alt_baro"`
	AltGeom json.RawMessage `json:"alt_geom"`
	GS      json.RawMessage `json:"gs"`
	Track   json.RawMessage `json:"track"`
	Lat     json.RawMessage `json:"lat"`
	Lon     json.RawMessage `json:"lon"`
	SeenPos json.RawMessage `json:"seen_pos"`
}

// DecodeAircraftJSON decodes a dump1090-fa/readsb aircraft.json. A document
// that is not JSON, too large, too deep, or lacks "now" or "aircraft" is an
// error; a bad entry is listed in Errors with its index and field and the
// good entries are kept.
func DecodeAircraftJSON(data []byte) (*AircraftList, error) {
	if len(data) > MaxAircraftJSONBytes {
		return nil, fmt.Errorf("aircraft.json is larger than %d bytes", MaxAircraftJSONBytes)
	}
	if err := checkDepth(data, MaxAircraftJSONDepth); err != nil {
		return nil, err
	}
	var doc struct {
		Now      json.RawMessage `json:"now"`
		Aircraft json.RawMessage `json:"aircraft"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("aircraft.json: %w", err)
	}
	now, ok, err := jsonNumber(doc.Now)
	switch {
	case err != nil:
		return nil, fmt.Errorf("now: %w", err)
	case !ok:
		return nil, fmt.Errorf("now: missing")
	case now <= 0 || now > 1e11:
		return nil, fmt.Errorf("now: %v is not a Unix time in seconds", now)
	}
	if isNull(doc.Aircraft) {
		return nil, fmt.Errorf("aircraft: missing")
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(doc.Aircraft, &entries); err != nil {
		return nil, fmt.Errorf("aircraft: not an array")
	}
	l := &AircraftList{Now: unixSeconds(now), Entries: len(entries)}
	for i, raw := range entries {
		a, has, err := decodeEntry(raw, now)
		switch {
		case err != nil:
			err.Index = i
			l.Errors = append(l.Errors, err)
		case !has:
			l.NoPosition++
		default:
			a.Index = i
			l.Aircraft = append(l.Aircraft, a)
		}
	}
	return l, nil
}

func unixSeconds(s float64) time.Time {
	return time.UnixMilli(int64(math.Round(s * 1000))).UTC()
}

func decodeEntry(raw json.RawMessage, now float64) (JSONAircraft, bool, *EntryError) {
	var a JSONAircraft
	var r rawAircraft
	if err := json.Unmarshal(raw, &r); err != nil {
		return a, false, &EntryError{Msg: "not an object with the fields of aircraft.json"}
	}
	bad := func(field, msg string) (JSONAircraft, bool, *EntryError) {
		return a, false, &EntryError{Field: field, Msg: msg}
	}
	hex, ok, err := jsonString(r.Hex)
	if err != nil {
		return bad("hex", err.Error())
	}
	if !ok {
		return bad("hex", "missing")
	}
	if a.ICAO, a.NonICAO, ok = parseHex([]byte(hex)); !ok {
		return bad("hex", strconv.Quote(hex)+" is not a 6-digit hex address")
	}
	if s, _, err := jsonString(r.Flight); err != nil {
		return bad("flight", err.Error())
	} else {
		a.Callsign = strings.TrimSpace(s)
	}
	if s, _, err := jsonString(r.Squawk); err != nil {
		return bad("squawk", err.Error())
	} else {
		a.Squawk = s
	}
	if s, isStr, _ := jsonString(r.AltBaro); isStr {
		if s != "ground" {
			return bad("alt_baro", strconv.Quote(s)+` is neither a number nor "ground"`)
		}
		a.OnGround = true
	} else if a.AltBaroFt, a.HasAltBaro, err = rangeNumber(r.AltBaro, -2000, 200_000); err != nil {
		return bad("alt_baro", err.Error())
	}
	if a.AltGeomFt, a.HasAltGeom, err = rangeNumber(r.AltGeom, -2000, 200_000); err != nil {
		return bad("alt_geom", err.Error())
	}
	gs, hasGS, err := rangeNumber(r.GS, 0, 4000)
	if err != nil {
		return bad("gs", err.Error())
	}
	track, hasTrack, err := rangeNumber(r.Track, 0, 360)
	if err != nil {
		return bad("track", err.Error())
	}
	if hasGS && hasTrack {
		a.GroundSpeedKt, a.TrackDeg, a.HasVelocity = gs, track, true
	}
	lat, hasLat, err := rangeNumber(r.Lat, -90, 90)
	if err != nil {
		return bad("lat", err.Error())
	}
	lon, hasLon, err := rangeNumber(r.Lon, -180, 180)
	if err != nil {
		return bad("lon", err.Error())
	}
	switch {
	case hasLat && !hasLon:
		return bad("lon", "missing while lat is set")
	case hasLon && !hasLat:
		return bad("lat", "missing while lon is set")
	case !hasLat:
		return a, false, nil
	}
	a.Lat, a.Lon = lat, lon
	seen, _, err := rangeNumber(r.SeenPos, 0, 1e6)
	if err != nil {
		return bad("seen_pos", err.Error())
	}
	a.SeenPos = seen
	a.PositionTime = unixSeconds(now - seen)
	return a, true, nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// jsonNumber reads an optional JSON number; absent and null are not ok.
func jsonNumber(raw json.RawMessage) (float64, bool, error) {
	if isNull(raw) {
		return 0, false, nil
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, false, fmt.Errorf("%s is not a number", clip(raw))
	}
	return v, true, nil
}

func rangeNumber(raw json.RawMessage, lo, hi float64) (float64, bool, error) {
	v, ok, err := jsonNumber(raw)
	if err != nil || !ok {
		return 0, false, err
	}
	if v < lo || v > hi {
		return 0, false, fmt.Errorf("%v is out of range [%v, %v]", v, lo, hi)
	}
	return v, true, nil
}

// jsonString reads an optional JSON string; ok says one was there.
func jsonString(raw json.RawMessage) (string, bool, error) {
	if isNull(raw) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, fmt.Errorf("%s is not a string", clip(raw))
	}
	if len(s) > 64 {
		return "", false, fmt.Errorf("is longer than 64 bytes")
	}
	return s, true, nil
}

func clip(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 40 {
		return string(raw[:40]) + "…"
	}
	return string(raw)
}

// checkDepth refuses JSON nested deeper than max, before decoding it.
func checkDepth(data []byte, max int) error {
	depth := 0
	inString, escaped := false, false
	for _, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > max {
				return fmt.Errorf("aircraft.json is nested deeper than %d", max)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}
