package aircraft

import (
	"bytes"
	"math"
	"os"
	"strconv"
	"testing"
	"time"
)

// FuzzParseSBS checks that no line panics ParseSBS or the Merger, that a
// decoded MSG keeps its fields in range, and that the allocation-free
// number parser agrees with strconv. Seeds: testdata/fuzz/FuzzParseSBS
// and the real sample.
func FuzzParseSBS(f *testing.F) {
	for i, l := range readLines(f, sampleSBS) {
		if i%97 == 0 {
			f.Add(l)
		}
	}
	var m Merger
	m.MaxAircraft = 64
	f.Fuzz(func(t *testing.T, line []byte) {
		msg, err := ParseSBS(line)
		if v, ok := parseNumber(line); ok {
			if w, err := strconv.ParseFloat(string(line), 64); err == nil && math.Float64bits(v) != math.Float64bits(w) {
				t.Errorf("parseNumber(%q) = %v, strconv.ParseFloat = %v", line, v, w)
			}
		}
		if err != nil {
			return
		}
		if len(bytes.TrimRight(line, "\r\n")) > MaxSBSLine {
			t.Fatalf("ParseSBS accepted a %d-byte line", len(line))
		}
		if msg.Kind != KindMSG {
			return
		}
		if msg.Type < 1 || msg.Type > 8 || !msg.HasICAO || msg.ICAO >= 1<<24 {
			t.Fatalf("ParseSBS(%q) = type %d, address %X (%v)", line, msg.Type, msg.ICAO, msg.HasICAO)
		}
		if msg.Has&HasPosition != 0 && !(msg.Lat >= -90 && msg.Lat <= 90 && msg.Lon >= -180 && msg.Lon <= 180) {
			t.Fatalf("ParseSBS(%q) position %v, %v out of range", line, msg.Lat, msg.Lon)
		}
		if msg.Has&HasTrack != 0 && !(msg.TrackDeg >= 0 && msg.TrackDeg <= 360) {
			t.Fatalf("ParseSBS(%q) track %v", line, msg.TrackDeg)
		}
		u, ok := m.Add(&msg, time.Unix(1e9, 0))
		if ok != (msg.Has&HasPosition != 0) {
			t.Fatalf("Merger.Add(%q) = %v, want an update exactly for positions", line, ok)
		}
		if ok && (math.IsNaN(u.AltM) || u.HeadingDeg >= 360 || u.SpeedMS < 0) {
			t.Fatalf("Merger.Add(%q) = %+v", line, u)
		}
		if m.Len() > 64 {
			t.Fatalf("Merger holds %d aircraft, cap 64", m.Len())
		}
	})
}

// FuzzDecodeAircraftJSON checks that no document panics the decoder, that
// every entry is accounted for once, and that kept aircraft are in range.
// Seeds: testdata/fuzz/FuzzDecodeAircraftJSON and the real sample.
func FuzzDecodeAircraftJSON(f *testing.F) {
	data, err := os.ReadFile("testdata/claws_aircraft.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, doc []byte) {
		l, err := DecodeAircraftJSON(doc)
		if err != nil {
			return
		}
		if n := len(l.Aircraft) + l.NoPosition + len(l.Errors); n != l.Entries {
			t.Fatalf("%d aircraft + %d without position + %d errors != %d entries", len(l.Aircraft), l.NoPosition, len(l.Errors), l.Entries)
		}
		for _, a := range l.Aircraft {
			u := a.Update()
			if !(u.Point.Lat >= -90 && u.Point.Lat <= 90 && u.Point.Lon >= -180 && u.Point.Lon <= 180) {
				t.Fatalf("aircraft[%d] position %v out of range", a.Index, u.Point)
			}
			if u.Time.After(l.Now) || u.HeadingDeg >= 360 || u.SpeedMS < 0 || len(u.ObjectID) < len("icao:000000") {
				t.Fatalf("aircraft[%d] = %+v (now %v)", a.Index, u, l.Now)
			}
		}
		for _, e := range l.Errors {
			if _, ok := e.(*EntryError); !ok {
				t.Fatalf("error %v is a %T, want *EntryError", e, e)
			}
		}
	})
}
