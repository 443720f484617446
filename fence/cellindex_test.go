package fence

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// TestSlotLayoutAnswersAsTopGrid builds the same workload with the plain
// top grid and with the slot layout and requires identical answers, that
// slots really hold leaves, and that they sit on cache-line boundaries.
func TestSlotLayoutAnswersAsTopGrid(t *testing.T) {
	zones := WorkloadZones(7, 400)
	plain := mustBuild(t, zones, Options{})
	slotted := mustBuild(t, zones, Options{slotBytes: 1})
	if st := plain.Stats(); st.SlotLeaves != 0 || plain.cells.slots != nil {
		t.Fatalf("plain layout has %d slot leaves", st.SlotLeaves)
	}
	st := slotted.Stats()
	if st.SlotLeaves == 0 || slotted.cells.top != nil {
		t.Fatalf("slot layout: %d slot leaves, top grid kept: %v", st.SlotLeaves, slotted.cells.top != nil)
	}
	if a := uintptr(unsafe.Pointer(&slotted.cells.slots[0])); a%64 != 0 {
		t.Errorf("slots start at %#x, not on a 64-byte boundary", a)
	}
	var a, b []Hit
	var tm time.Time
	for i, p := range WorkloadPoints(7, 50000) {
		a = plain.Containing(p, 0, false, tm, a[:0])
		b = slotted.Containing(p, 0, false, tm, b[:0])
		if !slices.Equal(a, b) {
			t.Fatalf("point %d %v: top grid %v, slots %v", i, p, a, b)
		}
	}
}

// TestOccupancyBitmap checks that the bitmap marks exactly the top cells
// that hold something.
func TestOccupancyBitmap(t *testing.T) {
	s := mustBuild(t, WorkloadZones(3, 200), Options{})
	ix := &s.cells
	set := 0
	for c, ref := range ix.top {
		bit := ix.occ[c>>6]&(1<<(c&63)) != 0
		if bit != (ref != 0) {
			t.Fatalf("cell %d: ref %#x, bit %v", c, ref, bit)
		}
		if bit {
			set++
		}
	}
	if set == 0 || set == len(ix.top) {
		t.Fatalf("%d of %d cells occupied: the workload should leave some empty", set, len(ix.top))
	}
}

// TestLongRunsSplit indexes one ring of 80,000 edges in a grid of one or
// two cells that never split, so that its runs (tens of thousands of
// edges) must be cut into pieces of at most maxRunEdges edges — a run
// written whole would overflow its 14-bit vertex count and garble the
// answers — and compares answers with geo near and far from the ring.
func TestLongRunsSplit(t *testing.T) {
	const n = 80000
	ring := make(geo.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / n
		r := 0.1 * (1 + 0.3*math.Sin(7*a))
		ring = append(ring, geo.Point{Lon: 36 + r*math.Cos(a), Lat: 34 + r*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	poly := geo.Polygon{ring}
	s := mustBuild(t, []safezones.Zone{{ID: "big", Terms: safezones.Terms{Kind: safezones.KindSafeArea, Geometry: poly}}},
		Options{DensifyM: -1, LeafEdges: 1 << 20, TopCells: 1})
	if st := s.Stats(); st.Nodes != 0 || st.Leaves > 2 {
		t.Fatalf("want at most two leaves holding the whole ring, got %+v", st)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	differ := 0
	for i := 0; i < 1000; i++ {
		// Half the probes sit within a few metres of a vertex.
		var p geo.Point
		if i%2 == 0 {
			v := ring[rng.IntN(n)]
			p = geo.Point{Lon: v.Lon + (rng.Float64()-0.5)*1e-4, Lat: v.Lat + (rng.Float64()-0.5)*1e-4}
		} else {
			p = geo.Point{Lon: 35.85 + 0.3*rng.Float64(), Lat: 33.85 + 0.3*rng.Float64()}
		}
		if got, want := len(s.Containing(p, 0, false, time.Time{}, nil)) == 1, poly.ContainsPoint(p); got != want {
			differ++
			if differ < 5 {
				t.Errorf("%v: index %v, geo %v", p, got, want)
			}
		}
	}
	if differ > 0 {
		t.Errorf("%d of 1000 points differ", differ)
	}
}
