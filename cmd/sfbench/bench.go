package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

func runBench(ctx context.Context, c config, w *workload, out io.Writer) error {
	fmt.Fprintf(out, "machine: %s/%s, %d CPUs, GOMAXPROCS %d, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())

	// Build, with the heap it keeps.
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	snap, err := fence.Build(w.zones, fence.Options{LeafEdges: c.leafEdges, DensifyM: c.densifyM})
	if err != nil {
		return err
	}
	buildTime := time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	st := snap.Stats()
	fmt.Fprintf(out, "build: %v; cell index %.1f MiB (%d top cells, %d nodes, %d leaves), heap kept by the snapshot %.1f MiB\n",
		buildTime.Round(time.Millisecond), mib(st.IndexB), st.TopCells, st.Nodes, st.Leaves, mib(int(m1.HeapAlloc)-int(m0.HeapAlloc)))
	if len(w.points) > 0 {
		if err := benchPoints(ctx, c, w, snap, out); err != nil {
			return err
		}
	}
	if len(w.tracks) > 0 {
		if err := benchTracks(ctx, c, w, snap, out); err != nil {
			return err
		}
	}
	runtime.KeepAlive(snap)
	return nil
}

func mib(b int) float64 { return float64(b) / (1 << 20) }

var at = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func benchPoints(ctx context.Context, c config, w *workload, snap *fence.Snapshot, out io.Writer) error {
	pts := w.points
	// Coverage, and the check against brute force.
	dst := make([]fence.Hit, 0, 256)
	inAny, total, wrong := 0, 0, 0
	var bf *bruteForce
	if c.verify {
		bf = newBruteForce(snap)
	}
	var want []int32
	for i, p := range pts {
		dst = snap.Containing(p, 0, false, at, dst[:0])
		total += len(dst)
		if len(dst) > 0 {
			inAny++
		}
		if bf != nil {
			want = bf.containing(p, want[:0])
			if !sameHits(dst, want) {
				wrong++
				if wrong <= 3 {
					fmt.Fprintf(out, "  MISMATCH at point %d %v: index %v, brute force %v\n", i, p, dst, want)
				}
			}
		}
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	fmt.Fprintf(out, "coverage: %.1f%% of points in >=1 zone, %.3f zones per point (PERFORMANCE.md: 13%%/0.14 at 1k, 77%%/1.5 at 10k)\n",
		100*float64(inAny)/float64(len(pts)), float64(total)/float64(len(pts)))
	if bf != nil {
		fmt.Fprintf(out, "verify points: %d of %d answers differ from brute force (geo.Polygon.ContainsPoint on every zone)\n", wrong, len(pts))
	}

	// Throughput, with allocations.
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	query := func(k int) {
		for r := 0; r < c.rounds; r++ {
			for i := k; i < len(pts); i += c.workers {
				dst = snap.Containing(pts[i], 0, false, at, dst[:0])
			}
		}
	}
	if c.workers == 1 {
		query(0) // no goroutine: the allocation count is the queries' own
	} else {
		var wg sync.WaitGroup
		for k := 0; k < c.workers; k++ {
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				dst := make([]fence.Hit, 0, 256)
				for r := 0; r < c.rounds; r++ {
					for i := k; i < len(pts); i += c.workers {
						dst = snap.Containing(pts[i], 0, false, at, dst[:0])
					}
				}
			}(k)
		}
		wg.Wait()
	}
	el := time.Since(t0)
	runtime.ReadMemStats(&m1)
	n := c.rounds * len(pts)
	fmt.Fprintf(out, "point queries: %d in %v with %d goroutine(s): %.0f q/s, %.1f ns/query mean, %.3f allocs/query\n",
		n, el.Round(time.Millisecond), c.workers, float64(n)/el.Seconds(), float64(el.Nanoseconds())/float64(n), float64(m1.Mallocs-m0.Mallocs)/float64(n))

	// Latency of single queries (timer included; its cost is shown).
	lat := make([]time.Duration, len(pts))
	for i, p := range pts {
		s := time.Now()
		dst = snap.Containing(p, 0, false, at, dst[:0])
		lat[i] = time.Since(s)
	}
	fmt.Fprintf(out, "point query latency: %s (timer overhead %v)\n", percentiles(lat), timerOverhead())
	return nil
}

func sameHits(hs []fence.Hit, want []int32) bool {
	if len(hs) != len(want) {
		return false
	}
	for i := range hs {
		if hs[i].Index != want[i] {
			return false
		}
	}
	return true
}

func percentiles(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(f float64) time.Duration { return s[min(len(s)-1, int(f*float64(len(s))))] }
	return fmt.Sprintf("p50 %v, p90 %v, p99 %v, p99.9 %v, max %v", q(0.5), q(0.9), q(0.99), q(0.999), s[len(s)-1])
}

func timerOverhead() time.Duration {
	ds := make([]time.Duration, 10001)
	for i := range ds {
		s := time.Now()
		ds[i] = time.Since(s)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func benchTracks(ctx context.Context, c config, w *workload, snap *fence.Snapshot, out io.Writer) error {
	opts := fence.TrackerOptions{Horizon: -1}
	if c.predict {
		opts.Horizon = fence.DefaultHorizon
	}
	engine := fence.NewEngine(snap)
	// Throughput: one replay, events counted.
	tr := fence.NewTracker(engine, opts)
	var counts [6]int
	var outcomes [5]int
	evs := make([]fence.Event, 0, 1024)
	var all []fence.Event
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	for i, u := range w.tracks {
		var o fence.Outcome
		evs, o = tr.Update(u, evs[:0])
		outcomes[o]++
		for _, e := range evs {
			counts[e.Kind]++
		}
		if c.verify {
			for _, e := range evs {
				if e.Kind == fence.EventEnter || e.Kind == fence.EventExit {
					all = append(all, e)
				}
			}
		}
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	el := time.Since(t0)
	runtime.ReadMemStats(&m1)
	n := len(w.tracks)
	mode := "no prediction"
	if c.predict {
		mode = "with 15-min prediction"
	}
	fmt.Fprintf(out, "fenced updates (%s): %d in %v: %.0f updates/s, %.1f µs/update mean, %.2f allocs/update (new objects included)\n",
		mode, n, el.Round(time.Millisecond), float64(n)/el.Seconds(), float64(el.Microseconds())/float64(n), float64(m1.Mallocs-m0.Mallocs)/float64(n))
	fmt.Fprintf(out, "events: %d enter, %d exit, %d inside, %d warning, %d warning cancelled; updates applied %d, duplicate %d, out of order %d, invalid %d\n",
		counts[fence.EventEnter], counts[fence.EventExit], counts[fence.EventInside], counts[fence.EventWarning], counts[fence.EventWarningCancelled],
		outcomes[fence.Applied], outcomes[fence.Duplicate], outcomes[fence.OutOfOrder], outcomes[fence.Invalid])
	if c.predict {
		ws := tr.WarningStats()
		mean := time.Duration(0)
		if ws.Entered > 0 {
			mean = ws.LeadSum / time.Duration(ws.Entered)
		}
		fmt.Fprintf(out, "early warning: %d issued, %d cancelled; %d entries warned (lead time mean %v, min %v, max %v), %d unwarned\n",
			ws.Issued, ws.Cancelled, ws.Entered, mean.Round(time.Second), ws.LeadMin, ws.LeadMax, ws.Unwarned)
	}
	// Latency of single updates on a fresh tracker.
	tr = fence.NewTracker(engine, opts)
	lat := make([]time.Duration, n)
	for i, u := range w.tracks {
		s := time.Now()
		evs, _ = tr.Update(u, evs[:0])
		lat[i] = time.Since(s)
	}
	fmt.Fprintf(out, "fenced update latency: %s\n", percentiles(lat))
	if c.verify {
		got := transitions(all)
		want := newBruteForce(snap).planarTruth(w.tracks)
		ok := slices.Equal(got, want)
		verdict := "MATCH"
		if !ok {
			verdict = "DIFFER"
		}
		enters, exits := 0, 0
		for _, t := range want {
			if t.kind == fence.EventEnter {
				enters++
			} else {
				exits++
			}
		}
		fmt.Fprintf(out, "verify tracks: enter/exit events %s the brute-force planar truth (%d enters, %d exits expected; %d events produced)\n",
			verdict, enters, exits, len(got))
		if !ok {
			return fmt.Errorf("tracker events differ from the planar truth")
		}
	}
	return nil
}

// bruteForce answers point queries by testing every zone with geo, after a
// bounding-box check: the reference the index must equal. It knows the
// standard workload's kinds and ignores altitude bands, validity and
// corridor windows.
type bruteForce struct {
	zones  []safezones.Zone
	bounds []geo.Rect
}

// newBruteForce takes the zones as snap indexes them (densified edges, so
// that the reference tests the same shapes planarly).
func newBruteForce(snap *fence.Snapshot) *bruteForce {
	b := &bruteForce{zones: make([]safezones.Zone, snap.Len()), bounds: make([]geo.Rect, snap.Len())}
	for i := range b.zones {
		z := *snap.Zone(int32(i))
		z.Geometry = snap.Geometry(int32(i))
		b.zones[i] = z
		b.bounds[i] = z.Bound()
	}
	return b
}

func (b *bruteForce) containing(p geo.Point, dst []int32) []int32 {
	for i := range b.zones {
		if !b.bounds[i].Contains(p) {
			continue
		}
		in := false
		switch g := b.zones[i].Geometry.(type) {
		case geo.Polygon:
			in = g.ContainsPoint(p)
		case geo.MultiPolygon:
			in = g.ContainsPoint(p)
		case geo.Point:
			in = geo.DistanceM(p, g) <= b.zones[i].RadiusM
		case geo.LineString:
			in = geo.LineDistanceM(p, g) <= b.zones[i].HalfWidthM
		}
		if in {
			dst = append(dst, int32(i))
		}
	}
	return dst
}

type transition struct {
	object, zone string
	kind         fence.EventKind
	at           time.Time
}

func compareTransitions(a, b transition) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	if c := cmp.Compare(a.object, b.object); c != 0 {
		return c
	}
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	return cmp.Compare(a.zone, b.zone)
}

func transitions(evs []fence.Event) []transition {
	out := make([]transition, 0, len(evs))
	for _, e := range evs {
		out = append(out, transition{e.ObjectID, e.ZoneID, e.Kind, e.At})
	}
	slices.SortFunc(out, compareTransitions)
	return out
}

// planarTruth replays the updates (ignoring any at or before an object's
// last time, as the tracker does) against every zone and returns the
// enters and exits, sorted.
func (b *bruteForce) planarTruth(us []fence.Update) []transition {
	inside := map[string][]int32{}
	last := map[string]time.Time{}
	var out []transition
	var now []int32
	for _, u := range us {
		if l, ok := last[u.ObjectID]; ok && !u.Time.After(l) {
			continue
		}
		last[u.ObjectID] = u.Time
		now = b.containing(u.Point, now[:0])
		was := inside[u.ObjectID]
		for _, z := range was {
			if !slices.Contains(now, z) {
				out = append(out, transition{u.ObjectID, b.zones[z].ID, fence.EventExit, u.Time})
			}
		}
		for _, z := range now {
			if !slices.Contains(was, z) {
				out = append(out, transition{u.ObjectID, b.zones[z].ID, fence.EventEnter, u.Time})
			}
		}
		inside[u.ObjectID] = append(was[:0], now...)
	}
	slices.SortFunc(out, compareTransitions)
	return out
}
