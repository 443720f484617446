package aircraft

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// MaxSBSLine is the longest SBS-1 line ParseSBS accepts, in bytes, not
// counting the line end. Real lines are under 150 bytes.
const MaxSBSLine = 1024

// ErrLineTooLong is returned for a line longer than MaxSBSLine.
var ErrLineTooLong = errors.New("line longer than 1024 bytes")

// Kind is the message type of an SBS-1 line (its first field).
type Kind uint8

// The SBS-1 message types. Only KindMSG carries aircraft data; the others
// (selection change, new id, new aircraft, status change, click) are
// recognised so that a feed that sends them is not counted as broken.
const (
	KindMSG Kind = iota + 1
	KindSEL
	KindID
	KindAIR
	KindSTA
	KindCLK
)

var kindNames = [...]string{"", "MSG", "SEL", "ID", "AIR", "STA", "CLK"}

// String returns the kind as written on the wire: "MSG", "SEL", ….
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "unknown"
}

// Fields says which optional fields of a Message were present.
type Fields uint16

// The optional fields of a Message.
const (
	HasTime Fields = 1 << iota
	HasCallsign
	HasAltitude
	HasGroundSpeed
	HasTrack
	HasPosition
	HasVerticalRate
	HasSquawk
	HasAlert
	HasEmergency
	HasSPI
	HasOnGround
)

// Callsign is a flight's call sign, up to 8 characters, NUL-padded.
type Callsign [8]byte

// String returns the call sign without padding.
func (c Callsign) String() string {
	n := 0
	for n < len(c) && c[n] != 0 {
		n++
	}
	return string(c[:n])
}

// Message is one decoded SBS-1 line. Only the fields named in Has are
// meaningful. Units are those of the wire: feet, knots, feet per minute.
type Message struct {
	Kind Kind
	// Type is the transmission type 1–8 of a MSG line (1 identity,
	// 2 surface position, 3 airborne position, 4 velocity, 5 surveillance
	// altitude, 6 surveillance id, 7 air-to-air, 8 all-call reply).
	Type uint8
	// ICAO is the 24-bit address from the hex ident field (field 5);
	// NonICAO is set when it was written with a leading '~' (TIS-B and
	// other non-ICAO addresses). HasICAO is false when the field was empty
	// (possible on SEL, ID, AIR, STA and CLK lines only).
	ICAO    uint32
	NonICAO bool
	HasICAO bool
	Has     Fields
	// Time is the date and time generated (fields 7–8), or else logged
	// (fields 9–10), as written: SBS-1 carries no zone, so it is returned
	// as if UTC. Many feeders leave all four fields empty.
	Time              time.Time
	Callsign          Callsign
	AltitudeFt        float64 // barometric altitude, feet
	GroundSpeedKt     float64 // knots
	TrackDeg          float64 // degrees clockwise from true north, [0, 360]
	Lat, Lon          float64 // WGS84 degrees
	VerticalRateFtMin float64 // feet per minute, climbing positive
	// Squawk is the Mode A code as written in decimal digits: squawk 7700
	// is 7700.
	Squawk                          uint16
	Alert, Emergency, SPI, OnGround bool
}

// sbsFieldNames names the 22 fields of a MSG line, 1-based.
var sbsFieldNames = [23]string{"",
	"message type", "transmission type", "session id", "aircraft id", "hex ident", "flight id",
	"date generated", "time generated", "date logged", "time logged", "callsign", "altitude",
	"ground speed", "track", "lat", "lon", "vertical rate", "squawk", "alert", "emergency",
	"spi", "is on ground",
}

// SBSError is a bad SBS-1 line: Field is the 1-based field at fault (0 for
// the line as a whole) and Msg says what is wrong with it.
type SBSError struct {
	Field int
	Msg   string
}

// Error returns `field 15 (lat): "abc" is not a number`.
func (e *SBSError) Error() string {
	if e.Field <= 0 || e.Field >= len(sbsFieldNames) {
		return e.Msg
	}
	return fmt.Sprintf("field %d (%s): %s", e.Field, sbsFieldNames[e.Field], e.Msg)
}

// FieldName returns the name of the field at fault, "" for the line.
func (e *SBSError) FieldName() string {
	if e.Field <= 0 || e.Field >= len(sbsFieldNames) {
		return ""
	}
	return sbsFieldNames[e.Field]
}

func fieldErr(field int, value []byte, what string) error {
	if len(value) > 40 {
		value = value[:40]
	}
	return &SBSError{Field: field, Msg: strconv.Quote(string(value)) + " " + what}
}

// ParseSBS decodes one SBS-1 BaseStation line (with or without its line
// end). MSG lines must have 22 comma-separated fields, a transmission type
// 1–8 and a hex ident; every other field may be empty. SEL, ID, AIR, STA and
// CLK lines are recognised by Kind and otherwise ignored. A bad line
// returns an *SBSError naming the field, or ErrLineTooLong. ParseSBS does
// not allocate for well-formed lines.
func ParseSBS(line []byte) (Message, error) {
	var m Message
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	if len(line) > MaxSBSLine {
		return m, ErrLineTooLong
	}
	var f [22][]byte
	n := 0
	start := 0
	for i := 0; i <= len(line); i++ {
		if i == len(line) || line[i] == ',' {
			if n == len(f) {
				return m, &SBSError{Msg: "more than 22 fields"}
			}
			f[n] = line[start:i]
			n++
			start = i + 1
		}
	}
	switch string(f[0]) {
	case "MSG":
		m.Kind = KindMSG
	case "SEL":
		m.Kind = KindSEL
	case "ID":
		m.Kind = KindID
	case "AIR":
		m.Kind = KindAIR
	case "STA":
		m.Kind = KindSTA
	case "CLK":
		m.Kind = KindCLK
	default:
		return m, fieldErr(1, f[0], "is not MSG, SEL, ID, AIR, STA or CLK")
	}
	if m.Kind != KindMSG {
		// Other lines vary in length between feeders; keep the address
		// when it is there and readable.
		if n > 4 {
			m.ICAO, m.NonICAO, m.HasICAO = parseHex(f[4])
		}
		return m, nil
	}
	if n != 22 {
		return m, &SBSError{Msg: "MSG line has " + strconv.Itoa(n) + " fields, want 22"}
	}
	if len(f[1]) != 1 || f[1][0] < '1' || f[1][0] > '8' {
		return m, fieldErr(2, f[1], "is not a transmission type 1-8")
	}
	m.Type = f[1][0] - '0'
	if len(f[4]) == 0 {
		return m, &SBSError{Field: 5, Msg: "is empty"}
	}
	if m.ICAO, m.NonICAO, m.HasICAO = parseHex(f[4]); !m.HasICAO {
		return m, fieldErr(5, f[4], "is not a 6-digit hex address")
	}
	if t, ok, err := parseDateTime(f[6], f[7], 7); err != nil {
		return m, err
	} else if ok {
		m.Time, m.Has = t, m.Has|HasTime
	} else if t, ok, err := parseDateTime(f[8], f[9], 9); err != nil {
		return m, err
	} else if ok {
		m.Time, m.Has = t, m.Has|HasTime
	}
	if cs := trimSpace(f[10]); len(cs) > 0 {
		if len(cs) > len(m.Callsign) {
			return m, fieldErr(11, cs, "is longer than 8 characters")
		}
		for _, c := range cs {
			if c < ' ' || c > '~' {
				return m, fieldErr(11, cs, "has a character that is not printable ASCII")
			}
		}
		copy(m.Callsign[:], cs)
		m.Has |= HasCallsign
	}
	var err error
	if m.AltitudeFt, err = rangeField(f[11], 12, -2000, 200_000, &m.Has, HasAltitude); err != nil {
		return m, err
	}
	if m.GroundSpeedKt, err = rangeField(f[12], 13, 0, 4000, &m.Has, HasGroundSpeed); err != nil {
		return m, err
	}
	if m.TrackDeg, err = rangeField(f[13], 14, 0, 360, &m.Has, HasTrack); err != nil {
		return m, err
	}
	var pos Fields
	if m.Lat, err = rangeField(f[14], 15, -90, 90, &pos, HasPosition); err != nil {
		return m, err
	}
	hasLat := pos != 0
	pos = 0
	if m.Lon, err = rangeField(f[15], 16, -180, 180, &pos, HasPosition); err != nil {
		return m, err
	}
	switch hasLon := pos != 0; {
	case hasLat && hasLon:
		m.Has |= HasPosition
	case hasLat:
		return m, &SBSError{Field: 16, Msg: "is empty while lat is set"}
	case hasLon:
		return m, &SBSError{Field: 15, Msg: "is empty while lon is set"}
	}
	if m.VerticalRateFtMin, err = rangeField(f[16], 17, -100_000, 100_000, &m.Has, HasVerticalRate); err != nil {
		return m, err
	}
	if sq := f[17]; len(sq) > 0 {
		if len(sq) > 4 {
			return m, fieldErr(18, sq, "is not a 4-digit octal code")
		}
		for _, c := range sq {
			if c < '0' || c > '7' {
				return m, fieldErr(18, sq, "is not a 4-digit octal code")
			}
			m.Squawk = m.Squawk*10 + uint16(c-'0')
		}
		m.Has |= HasSquawk
	}
	flags := [4]struct {
		dst *bool
		has Fields
	}{{&m.Alert, HasAlert}, {&m.Emergency, HasEmergency}, {&m.SPI, HasSPI}, {&m.OnGround, HasOnGround}}
	for i, fl := range flags {
		v := f[18+i]
		switch string(v) {
		case "":
			continue
		case "0":
			*fl.dst = false
		case "1", "-1":
			*fl.dst = true
		default:
			return m, fieldErr(19+i, v, "is not a flag (0, 1 or -1)")
		}
		m.Has |= fl.has
	}
	return m, nil
}

// rangeField parses an optional number in [lo, hi]; when present it sets
// bit in has.
func rangeField(b []byte, field int, lo, hi float64, has *Fields, bit Fields) (float64, error) {
	b = trimSpace(b)
	if len(b) == 0 {
		return 0, nil
	}
	v, ok := parseNumber(b)
	if !ok {
		return 0, fieldErr(field, b, "is not a number")
	}
	if v < lo || v > hi {
		return 0, fieldErr(field, b, "is out of range ["+strconv.FormatFloat(lo, 'f', -1, 64)+", "+strconv.FormatFloat(hi, 'f', -1, 64)+"]")
	}
	*has |= bit
	return v, nil
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseNumber parses a decimal number. Plain decimals of up to 15
// significant digits take an exact fast path (an integer mantissa divided
// by a power of ten is correctly rounded, so the result equals
// strconv.ParseFloat's) that does not allocate; anything else goes to
// strconv. NaN and infinities are refused.
func parseNumber(b []byte) (float64, bool) {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i++
	}
	var mant uint64
	digits, frac := 0, 0
	dot, any := false, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			any = true
			if mant != 0 || c != '0' {
				digits++
			}
			mant = mant*10 + uint64(c-'0')
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return parseSlow(b)
		}
	}
	if !any || digits > 15 || frac >= len(pow10) {
		return parseSlow(b)
	}
	v := float64(mant) / pow10[frac]
	if neg {
		v = -v
	}
	return v, true
}

func parseSlow(b []byte) (float64, bool) {
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// parseHex reads a 24-bit address of six hex digits, optionally preceded
// by '~' (a non-ICAO address).
func parseHex(b []byte) (addr uint32, nonICAO, ok bool) {
	if len(b) > 0 && b[0] == '~' {
		nonICAO = true
		b = b[1:]
	}
	if len(b) != 6 {
		return 0, false, false
	}
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false, false
		}
		addr = addr<<4 | uint32(d)
	}
	return addr, nonICAO, true
}

// parseDateTime reads "2006/01/02" and "15:04:05.000" (fraction optional,
// up to nine digits) from the date field dateField and the one after it.
// Both empty is no time; one without the other is an error.
func parseDateTime(d, t []byte, dateField int) (time.Time, bool, error) {
	if len(d) == 0 && len(t) == 0 {
		return time.Time{}, false, nil
	}
	if len(d) == 0 {
		return time.Time{}, false, &SBSError{Field: dateField, Msg: "is empty while its time is set"}
	}
	if len(t) == 0 {
		return time.Time{}, false, &SBSError{Field: dateField + 1, Msg: "is empty while its date is set"}
	}
	// yyyy/mm/dd
	if len(d) != 10 || d[4] != '/' || d[7] != '/' {
		return time.Time{}, false, fieldErr(dateField, d, "is not a date yyyy/mm/dd")
	}
	y, ok1 := digitsOf(d[0:4])
	mo, ok2 := digitsOf(d[5:7])
	dd, ok3 := digitsOf(d[8:10])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || dd < 1 || dd > 31 {
		return time.Time{}, false, fieldErr(dateField, d, "is not a date yyyy/mm/dd")
	}
	// hh:mm:ss[.fff]
	bad := func() (time.Time, bool, error) {
		return time.Time{}, false, fieldErr(dateField+1, t, "is not a time hh:mm:ss.fff")
	}
	if len(t) < 8 || t[2] != ':' || t[5] != ':' {
		return bad()
	}
	h, ok1 := digitsOf(t[0:2])
	mi, ok2 := digitsOf(t[3:5])
	s, ok3 := digitsOf(t[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || s > 60 {
		return bad()
	}
	ns := 0
	if len(t) > 8 {
		fr := t[9:]
		if t[8] != '.' || len(fr) == 0 || len(fr) > 9 {
			return bad()
		}
		v, ok := digitsOf(fr)
		if !ok {
			return bad()
		}
		ns = v
		for i := len(fr); i < 9; i++ {
			ns *= 10
		}
	}
	return time.Date(y, time.Month(mo), dd, h, mi, s, ns, time.UTC), true, nil
}

func digitsOf(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, len(b) > 0
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}
