package tracks

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// workloadPositions turns the standard workload's tracks into positions,
// with altitude and velocity on some of them.
func workloadPositions(objects, updates int) []Position {
	var ps []Position
	for i, u := range fence.WorkloadTracks(1, objects, updates) {
		p := Position{ObjectID: u.ObjectID, At: u.Time, Point: u.Point}
		if i%2 == 0 {
			p.AltM, p.HasAlt = 1000+float64(i%7000), true
		}
		if i%3 == 0 {
			p.SpeedMS, p.HeadingDeg, p.HasVelocity = 100.25, float64(i%360)+0.5, true
		}
		ps = append(ps, p)
	}
	return ps
}

func TestEncodeRoundTrip(t *testing.T) {
	ps := workloadPositions(200, 50)
	b, err := Encode(ps)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ps) {
		t.Fatalf("decoded %d positions, encoded %d", len(got), len(ps))
	}
	for i := range ps {
		w, g := ps[i], got[i]
		if g.ObjectID != w.ObjectID || !g.At.Equal(w.At.Truncate(time.Millisecond)) ||
			math.Abs(g.Point.Lon-w.Point.Lon) > 0.6e-7 || math.Abs(g.Point.Lat-w.Point.Lat) > 0.6e-7 ||
			g.HasAlt != w.HasAlt || math.Abs(g.AltM-w.AltM) > 0.05 ||
			g.HasVelocity != w.HasVelocity || math.Abs(g.SpeedMS-w.SpeedMS) > 0.005 || math.Abs(g.HeadingDeg-w.HeadingDeg) > 0.005 {
			t.Fatalf("position %d: encoded %+v, decoded %+v", i, w, g)
		}
	}
	perPos := float64(len(b)) / float64(len(ps))
	t.Logf("%d positions of %d objects in %d bytes (%.1f bytes a position)", len(ps), 200, len(b), perPos)
	if perPos > 16 {
		t.Errorf("%.1f bytes a position: the encoding is not compact", perPos)
	}
}

func TestEncodeRefuses(t *testing.T) {
	at := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name string
		p    Position
		want string
	}{
		{"empty id", Position{At: at, Point: geo.Point{Lon: 1, Lat: 1}}, "position 1: object id of 0 bytes"},
		{"long id", Position{ObjectID: strings.Repeat("x", 300), At: at}, "position 1: object id of 300 bytes"},
		{"nan", Position{ObjectID: "a", At: at, Point: geo.Point{Lon: math.NaN()}}, "position 1: position [NaN, 0] is outside"},
		{"lat", Position{ObjectID: "a", At: at, Point: geo.Point{Lat: 91}}, "position 1: position [0, 91] is outside"},
	} {
		ok := Position{ObjectID: "ok", At: at, Point: geo.Point{Lon: 36, Lat: 35}}
		_, err := Encode([]Position{ok, tc.p})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestDecodeDamaged truncates an encoded batch at every length and adds,
// corrupts and removes bytes: each damaged form is refused with a message
// saying where. (A changed value byte may still decode to other numbers;
// the SHA-256 the ledger holds catches that, and Track checks it.)
func TestDecodeDamaged(t *testing.T) {
	ps := workloadPositions(20, 10)
	b, err := Encode(ps)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(b); n++ {
		if _, err := Decode(b[:n]); err == nil {
			t.Fatalf("a batch truncated to %d of %d bytes decoded", n, len(b))
		}
	}
	if _, err := Decode(append(append([]byte{}, b...), 0)); err == nil || !strings.Contains(err.Error(), "1 bytes after the last position") {
		t.Errorf("trailing byte: %v", err)
	}
	bad := append([]byte{}, b...)
	bad[0] = 'X'
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("bad magic: %v", err)
	}
	_, err = Decode(b[:len(b)-1])
	if err == nil || !strings.Contains(err.Error(), "position 199") {
		t.Errorf("truncated last position: %v, want it to name position 199", err)
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := Encode(workloadPositions(3, 4))
	f.Add(b)
	f.Add([]byte("SZT1"))
	f.Add([]byte("SZT1\x01\x01\x01a\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := Decode(data)
		if err != nil {
			return
		}
		// What decodes re-encodes to a batch that decodes the same.
		again, err := Encode(ps)
		if err != nil {
			t.Fatalf("decoded positions do not re-encode: %v", err)
		}
		ps2, err := Decode(again)
		if err != nil || len(ps2) != len(ps) {
			t.Fatalf("re-encoded batch: %v, %d vs %d positions", err, len(ps2), len(ps))
		}
		for i := range ps {
			if ps[i] != ps2[i] {
				t.Fatalf("position %d: %+v then %+v", i, ps[i], ps2[i])
			}
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	ps := workloadPositions(1000, 10)
	b.ReportAllocs()
	var n int
	for i := 0; i < b.N; i++ {
		enc, err := Encode(ps)
		if err != nil {
			b.Fatal(err)
		}
		n = len(enc)
	}
	b.ReportMetric(float64(n)/float64(len(ps)), "bytes/position")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ps)), "ns/position")
}

func randomPositions(rng *rand.Rand, n int) []Position {
	ps := make([]Position, n)
	for i := range ps {
		ps[i] = Position{ObjectID: string(rune('a' + rng.IntN(5))), At: time.UnixMilli(1.7e12 + int64(rng.IntN(1e6))).UTC(),
			Point: geo.Point{Lon: rng.Float64()*360 - 180, Lat: rng.Float64()*180 - 90}}
	}
	return ps
}
