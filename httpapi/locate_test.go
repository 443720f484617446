package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// mixedSnapshot holds one zone of every kind around (36, 34), with names
// that exercise JSON escaping and numbers of every form.
func mixedSnapshot(t *testing.T) *fence.Snapshot {
	t.Helper()
	square := func(d float64) geo.Geometry {
		return geo.Polygon{geo.Ring{{Lon: 36 - d, Lat: 34 - d}, {Lon: 36 + d, Lat: 34 - d}, {Lon: 36 + d, Lat: 34 + d}, {Lon: 36 - d, Lat: 34 + d}, {Lon: 36 - d, Lat: 34 - d}}}
	}
	f := func(v float64) *float64 { return &v }
	src := safezones.Source{Kind: safezones.SourceReal}
	zones := []safezones.Zone{
		{ID: "safe-1", Version: 3, Terms: safezones.Terms{Kind: safezones.KindSafeArea, Name: `Hospital "Al-<Shifa>" & co\t`, Geometry: square(0.1), Source: src}},
		{ID: "nofly-band", Version: 1, Terms: safezones.Terms{Kind: safezones.KindNoFly, Name: "band \u2028 é \x01", Geometry: square(0.2), FloorM: f(0), CeilingM: f(1e21), Source: src}},
		{ID: "nofly-open", Version: 12, Terms: safezones.Terms{Kind: safezones.KindNoFly, Name: "open above \xff", Geometry: square(0.3), FloorM: f(1.5e-7), Source: safezones.Source{Kind: safezones.SourceOperator}}},
		{ID: "site", Version: 2, Terms: safezones.Terms{Kind: safezones.KindProtectedSite, Name: "school", Geometry: geo.Point{Lon: 36, Lat: 34}, RadiusM: 5000.25, Source: src}},
		{ID: "corridor", Version: 1, Terms: safezones.Terms{Kind: safezones.KindCorridor, Name: "road", Geometry: geo.LineString{{Lon: 35.9, Lat: 34}, {Lon: 36.1, Lat: 34}}, HalfWidthM: 2000, Source: safezones.Source{Kind: safezones.SourceSimulated}}},
	}
	snap, err := fence.Build(zones, fence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestAppendLocateMatchesEncodingJSON checks that the hand-written answer
// is byte for byte what encoding/json writes for the reference value, for
// every kind of hit, with and without altitude, and for numbers that
// encoding/json writes in exponent form.
func TestAppendLocateMatchesEncodingJSON(t *testing.T) {
	snap := mixedSnapshot(t)
	at := time.Date(2026, 11, 25, 10, 0, 0, 123400000, time.UTC)
	queries := []locateQuery{
		{point: geo.Point{Lon: 36, Lat: 34}},
		{point: geo.Point{Lon: 36.01, Lat: 33.99}, alt: 500, hasAlt: true},
		{point: geo.Point{Lon: 36.25, Lat: 34.25}, alt: -1e-7, hasAlt: true},
		{point: geo.Point{Lon: 36.000000001, Lat: 34}, alt: 1e22, hasAlt: true},
		{point: geo.Point{Lon: 0, Lat: math.Copysign(0, -1)}},
		{point: geo.Point{Lon: -180, Lat: 90}},
	}
	var buf [32]fence.Hit
	if hits := snap.Containing(queries[0].point, 0, false, at, buf[:0]); len(hits) != 5 {
		t.Fatalf("the centre lies in %d zones, want all 5 kinds", len(hits))
	}
	for _, lq := range queries {
		for _, when := range []time.Time{at, at.Truncate(time.Second), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)} {
			var buf [32]fence.Hit
			hits := snap.Containing(lq.point, lq.alt, lq.hasAlt, when, buf[:0])
			got, ok := appendLocate(nil, snap, lq, when, hits)
			if !ok {
				t.Fatalf("appendLocate(%+v, %v) fell back to encoding/json", lq, when)
			}
			want, err := json.Marshal(buildLocateResponse(snap, lq, when, hits))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want)+"\n" {
				t.Errorf("query %+v at %v:\n got %s\nwant %s", lq, when, got, want)
			}
		}
	}
	if _, ok := appendLocate(nil, snap, locateQuery{point: geo.Point{Lon: 36, Lat: 34}}, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), nil); ok {
		t.Error("appendLocate encoded the year 10000, which encoding/json refuses")
	}
}

// TestAppendJSONStringMatchesEncodingJSON covers the string escaper on
// every single-byte value and a few runes.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	inputs := []string{"", "plain", "\u2028\u2029", "é漢字", "a\xffb", "\xe2\x80", "<>&'\"\\/"}
	for c := 0; c < 256; c++ {
		inputs = append(inputs, "x"+string([]byte{byte(c)})+"y")
	}
	for _, s := range inputs {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}

func TestAppendJSONFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 36.123456789012345, 1e-6, 9.99e-7, 1e-7, 1.5e-300,
		1e20, 1e21, 123456789012345678901234.0, -2.5e-10, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		want, _ := json.Marshal(f)
		if got := appendJSONFloat(nil, f); string(got) != string(want) {
			t.Errorf("appendJSONFloat(%v) = %s, encoding/json %s", f, got, want)
		}
	}
}

// TestFastLocateQueryAgreesWithURLValues checks that whatever query the
// fast reader accepts, the url.Values path reads the same way, and that
// it refuses what needs the slow path's errors or unescaping.
func TestFastLocateQueryAgreesWithURLValues(t *testing.T) {
	cases := []struct {
		raw  string
		fast bool
	}{
		{"lon=36.4&lat=33.55", true},
		{"lat=33.55&lon=36.4&alt=500", true},
		{"lon=-180&lat=90&alt=-1e3", true},
		{"lon=36.4&lat=33.55&at=2017-06-01T00:00:00Z", false},
		{"lon=36.4&lat=33.55&at=2017-06-01T00%3A00%3A00Z", false},
		{"lon=200&lat=33.55", false},
		{"lat=33.55", false},
		{"lon=&lat=33.55", false},
		{"lon=36.4&lat=33.55&height=3", false},
		{"lon=36.4&lon=36.5&lat=33.55", false},
		{"lon=%2036.4&lat=33.55", false},
		{"lon=+36.4&lat=33.55", false},
		{"lon=36.4;lat=33.55", false},
		{"lon=NaN&lat=33.55", false},
		{"lon=Inf&lat=33.55", false},
		{"lon=0x1p4&lat=33.55", true},
		{"lon=36.4&lat=33.55&", true},
		{"", false},
	}
	for _, c := range cases {
		lq, ok := fastLocateQuery(c.raw)
		if ok != c.fast {
			t.Errorf("fastLocateQuery(%q) ok = %v, want %v", c.raw, ok, c.fast)
		}
		if !ok {
			continue
		}
		r := &http.Request{URL: &url.URL{RawQuery: c.raw}}
		slow, err := parseLocateQuery(r)
		if err != nil {
			t.Errorf("fast path accepted %q, url.Values path refuses it: %v", c.raw, err)
			continue
		}
		if lq.point != slow.point || lq.hasAlt != slow.hasAlt || lq.alt != slow.alt || slow.at != nil {
			t.Errorf("%q: fast %+v, url.Values %+v", c.raw, lq, slow)
		}
	}
}
