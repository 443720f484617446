package fence

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/golang/geo/s2"
	"github.com/tidwall/rtree"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// benchSet is the standard workload at one size, built once per test
// binary run.
type benchSet struct {
	zones  []safezones.Zone
	snap   *Snapshot
	points []geo.Point
}

var (
	benchMu   sync.Mutex
	benchSets = map[string]*benchSet{}
)

const benchSeed = 1

func loadBench(b *testing.B, n int, opts Options) *benchSet {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	key := fmt.Sprintf("%d/%+v", n, opts)
	if s, ok := benchSets[key]; ok {
		return s
	}
	zones := WorkloadZones(benchSeed, n)
	snap, err := Build(zones, opts)
	if err != nil {
		b.Fatal(err)
	}
	s := &benchSet{zones: zones, snap: snap, points: WorkloadPoints(benchSeed, 1<<16)}
	benchSets[key] = s
	runtime.GC() // no build garbage collected during the timed loop
	return s
}

var benchSizes = []int{1000, 10000}

// BenchmarkContaining is the point query of the standard workload: uniform
// random points against N star polygons, with the flat cell index.
func BenchmarkContaining(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("zones=%d", n), func(b *testing.B) {
			s := loadBench(b, n, Options{})
			st := s.snap.Stats()
			dst := make([]Hit, 0, 64)
			var t time.Time
			hits := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dst = s.snap.Containing(s.points[i&(1<<16-1)], 0, false, t, dst[:0])
				hits += len(dst)
			}
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
			b.ReportMetric(float64(st.IndexB)/(1<<20), "index-MiB")
		})
	}
}

// BenchmarkContainingTuning measures the index at other leaf sizes and
// top-grid sizes (cells = top-cell multiplier x the default).
func BenchmarkContainingTuning(b *testing.B) {
	for _, n := range benchSizes {
		for _, le := range []int{4, 8, 12, 16} {
			for _, mul := range []float64{0.25, 1, 4} { // x1 = the default
				b.Run(fmt.Sprintf("zones=%d/leaf=%d/top=x%g", n, le, mul), func(b *testing.B) {
					s := loadBench(b, n, Options{LeafEdges: le, TopCells: int(mul * float64(benchTopCells(n, le)))})
					st := s.snap.Stats()
					dst := make([]Hit, 0, 64)
					var t time.Time
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						dst = s.snap.Containing(s.points[i&(1<<16-1)], 0, false, t, dst[:0])
					}
					b.ReportMetric(float64(st.IndexB)/(1<<20), "index-MiB")
				})
			}
		}
	}
}

// benchTopCells is the top-grid size Build picks for the workload.
func benchTopCells(n, leafEdges int) int {
	return defaultTopCells(n*110, leafEdges)
}

// rtreeBaseline is the general-library answer: an R-tree of zone bounds
// (tidwall/rtree, Tile38's) and geo's exact test on each candidate.
type rtreeBaseline struct {
	tree  rtree.RTreeG[int32]
	polys []geo.MultiPolygon
}

func newRTreeBaseline(zones []safezones.Zone) *rtreeBaseline {
	rb := &rtreeBaseline{polys: make([]geo.MultiPolygon, len(zones))}
	for i, z := range zones {
		switch g := z.Geometry.(type) {
		case geo.Polygon:
			rb.polys[i] = geo.MultiPolygon{g}
		case geo.MultiPolygon:
			rb.polys[i] = g
		}
		bd := z.Geometry.Bound()
		rb.tree.Insert([2]float64{bd.Min.Lon, bd.Min.Lat}, [2]float64{bd.Max.Lon, bd.Max.Lat}, int32(i))
	}
	return rb
}

func (rb *rtreeBaseline) containing(p geo.Point, dst []int32) []int32 {
	rb.tree.Search([2]float64{p.Lon, p.Lat}, [2]float64{p.Lon, p.Lat}, func(_, _ [2]float64, i int32) bool {
		if rb.polys[i].ContainsPoint(p) {
			dst = append(dst, i)
		}
		return true
	})
	return dst
}

// BenchmarkContainingRTree is the baseline: tidwall/rtree + edge tests.
func BenchmarkContainingRTree(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("zones=%d", n), func(b *testing.B) {
			s := loadBench(b, n, Options{})
			rb := newRTreeBaseline(s.zones)
			dst := make([]int32, 0, 64)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dst = rb.containing(s.points[i&(1<<16-1)], dst[:0])
			}
		})
	}
}

// newS2Index builds an s2.ShapeIndex of the zones (geodesic edges).
func newS2Index(zones []safezones.Zone) *s2.ShapeIndex {
	idx := s2.NewShapeIndex()
	for _, z := range zones {
		pg := z.Geometry.(geo.Polygon)
		var loops []*s2.Loop
		for _, r := range pg {
			pts := make([]s2.Point, 0, len(r)-1)
			for _, p := range r[:len(r)-1] {
				pts = append(pts, s2.PointFromLatLng(s2.LatLngFromDegrees(p.Lat, p.Lon)))
			}
			loops = append(loops, s2.LoopFromPoints(pts))
		}
		idx.Add(s2.PolygonFromLoops(loops))
	}
	idx.Build()
	return idx
}

// BenchmarkContainingS2 is the baseline: golang/geo s2.ShapeIndex with a
// ContainsPointQuery (closed vertex model).
func BenchmarkContainingS2(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("zones=%d", n), func(b *testing.B) {
			s := loadBench(b, n, Options{})
			idx := newS2Index(s.zones)
			q := s2.NewContainsPointQuery(idx, s2.VertexModelClosed)
			pts := make([]s2.Point, len(s.points))
			for i, p := range s.points {
				pts[i] = s2.PointFromLatLng(s2.LatLngFromDegrees(p.Lat, p.Lon))
			}
			hits := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				hits += len(q.ContainingShapes(pts[i&(1<<16-1)]))
			}
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		})
	}
}

// BenchmarkBuild measures building a snapshot of the standard workload.
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("zones=%d", n), func(b *testing.B) {
			zones := WorkloadZones(benchSeed, n)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Build(zones, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWithin is a within-distance query over 10k protected sites
// (radius 100–1,000 m) spread over the workload box, 5 km around uniform
// points.
func BenchmarkWithin(b *testing.B) {
	pts := WorkloadPoints(benchSeed+1, 10000)
	zones := make([]safezones.Zone, len(pts))
	for i, p := range pts {
		zones[i] = safezones.Zone{ID: fmt.Sprintf("s%d", i), Version: 1, Status: safezones.StatusActive,
			Terms: safezones.Terms{Kind: safezones.KindProtectedSite, Geometry: p, RadiusM: 100 + float64(i%10)*100}}
	}
	snap, err := Build(zones, Options{})
	if err != nil {
		b.Fatal(err)
	}
	q := WorkloadPoints(benchSeed, 1<<16)
	dst := make([]Near, 0, 256)
	var t time.Time
	found := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = snap.Within(q[i&(1<<16-1)], 5000, t, dst[:0])
		found += len(dst)
	}
	b.ReportMetric(float64(found)/float64(b.N), "found/op")
}

// BenchmarkTrackerUpdate is one fenced position update of the standard
// workload's tracks (1,000 objects x 100 updates) against N zones: a point
// query and the enter/exit/inside diff, without and with the 15-minute
// early-warning prediction on every update.
// BenchmarkTrackerUpdate replays the standard workload's tracks (1,000
// objects reporting every 10 s) without prediction (predict=false), with
// a prediction on every update (predict=true: the cost of one prediction
// plus an update) and at the server's default cadence (predict=30s:
// PredictEvery 30 s, so every third update predicts; the amortized cost
// per update).
func BenchmarkTrackerUpdate(b *testing.B) {
	tracks := WorkloadTracks(benchSeed, 1000, 100)
	modes := []struct {
		name string
		opts TrackerOptions
	}{
		{"false", TrackerOptions{Horizon: -1}},
		{"true", TrackerOptions{Horizon: DefaultHorizon}},
		{"30s", TrackerOptions{Horizon: DefaultHorizon, PredictEvery: 30 * time.Second}},
	}
	for _, n := range benchSizes {
		for _, mode := range modes {
			b.Run(fmt.Sprintf("zones=%d/predict=%s", n, mode.name), func(b *testing.B) {
				s := loadBench(b, n, Options{})
				opts := mode.opts
				var tr *Tracker
				var issued, cancelled int
				evs := make([]Event, 0, 256)
				events := 0
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					k := i % len(tracks)
					if k == 0 {
						b.StopTimer()
						if tr != nil {
							st := tr.WarningStats()
							issued, cancelled = issued+st.Issued, cancelled+st.Cancelled
						}
						tr = NewTracker(NewEngine(s.snap), opts)
						b.StartTimer()
					}
					evs, _ = tr.Update(tracks[k], evs[:0])
					events += len(evs)
				}
				st := tr.WarningStats()
				issued, cancelled = issued+st.Issued, cancelled+st.Cancelled
				b.ReportMetric(float64(events)/float64(b.N), "events/op")
				// Warnings issued and cancelled per 1,000 updates: the churn
				// the hysteresis (warn.go) holds down.
				b.ReportMetric(float64(issued)*1000/float64(b.N), "issued/kupd")
				b.ReportMetric(float64(cancelled)*1000/float64(b.N), "cancelled/kupd")
			})
		}
	}
}

// BenchmarkMemoryLatency measures what one dependent random read costs on
// this machine at several working-set sizes (a pointer chase over one
// entry per cache line), so that the index figures can be read against
// the floor of the day: shared machines vary by several times.
func BenchmarkMemoryLatency(b *testing.B) {
	for _, mib := range []int{1, 4, 32, 256} {
		b.Run(fmt.Sprintf("MiB=%d", mib), func(b *testing.B) {
			n := mib << 20 / 64
			next := make([]uint32, n*16)
			perm := rand.New(rand.NewPCG(1, uint64(mib))).Perm(n)
			for i := 0; i < n; i++ {
				next[perm[i]*16] = uint32(perm[(i+1)%n] * 16)
			}
			p := uint32(0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p = next[p]
			}
			if p == 1 {
				b.Log(p) // keep p alive
			}
		})
	}
}
