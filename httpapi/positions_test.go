package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/safezones/safezones/fence"
)

var sampleLine = []byte(`{"id":"r1a2b3-obj0042","lon":37.123456789012,"lat":35.987654321098,"alt_m":8234.5,"t":"2026-11-25T12:00:10Z"}`)

func BenchmarkParsePosition(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, msg := parsePosition(sampleLine); msg != "" {
			b.Fatal(msg)
		}
	}
}

// FuzzFastPosition checks that the reflection-free reader and
// encoding/json agree on every line the fast path accepts.
func FuzzFastPosition(f *testing.F) {
	for _, s := range []string{
		string(sampleLine),
		`{"id":"a","lon":1,"lat":2,"t":"2026-01-01T00:00:00Z","speed_ms":3.5,"heading_deg":90}`,
		`{"id":"a","lon":-0.0,"lat":2e-3,"alt_m":1E+2,"t":"x"}`,
		` { "lat" : 1 , "id" : "b" } `,
		`{"id":"a\u00e9","lon":1}`,
		`{"id":"a","lon":01}`,
		`{"id":"a","lon":1,"lon":2}`,
		`{"id":"a","lon":null}`,
		`{"id":"a","extra":{"x":1}}`,
		`{}`,
		`{"id":"a"}x`,
		`{"lon":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast positionLine
		if !fastPosition(b, &fast) {
			return
		}
		var slow positionLine
		if err := json.Unmarshal(b, &slow); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", b, err)
		}
		if !samePosition(fast, slow) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", b, fast, slow)
		}
	})
}

func samePosition(a, b positionLine) bool {
	eq := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.ID == b.ID && a.T == b.T && eq(a.Lon, b.Lon) && eq(a.Lat, b.Lat) && eq(a.AltM, b.AltM) &&
		eq(a.SpeedMS, b.SpeedMS) && eq(a.HeadingDeg, b.HeadingDeg)
}

func TestFastPositionTakesTheCommonShape(t *testing.T) {
	var p positionLine
	line := append([]byte(nil), sampleLine...)
	if !fastPosition(line, &p) || p.ID != "r1a2b3-obj0042" || *p.AltM != 8234.5 {
		t.Fatalf("fastPosition(%s) = %+v", sampleLine, p)
	}
	// The scanner reuses its buffer for the next line: nothing kept may
	// alias it (the tracker keeps object ids).
	for i := range line {
		line[i] = 'x'
	}
	if p.ID != "r1a2b3-obj0042" || p.T != "2026-11-25T12:00:10Z" {
		t.Errorf("after the line's buffer was overwritten: id %q, t %q", p.ID, p.T)
	}
}

// TestAppendEventValidJSON feeds ids with control characters, quotes and
// U+2028 to the hand-written event encoder: the output must be valid JSON
// that decodes back to the same ids (strconv quoting wrote \x01, which is
// not JSON).
func TestAppendEventValidJSON(t *testing.T) {
	ids := []string{"a\x01b", `q"uo\te`, "line\u2028sep", "<html>&", "ünï", "tab\there"}
	for _, id := range ids {
		e := fence.Event{Kind: fence.EventEnter, ObjectID: id, ZoneID: "z-" + id, ZoneKind: "no_fly", At: time.Unix(1700000000, 0)}
		b := appendEvent(nil, &e)
		var got struct {
			ObjectID string `json:"object_id"`
			ZoneID   string `json:"zone_id"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("id %q: %s is not JSON: %v", id, b, err)
		}
		if got.ObjectID != id || got.ZoneID != "z-"+id {
			t.Errorf("id %q: decoded %q / %q", id, got.ObjectID, got.ZoneID)
		}
	}
}
