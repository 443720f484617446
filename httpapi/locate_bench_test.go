package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/safezones/safezones/fence"
)

// benchEngines holds the standard workload's snapshots by zone count:
// building 10,000 zones takes seconds, once per test binary is enough.
var benchEngines sync.Map

func workloadEngine(tb testing.TB, zones int) *fence.Engine {
	tb.Helper()
	if e, ok := benchEngines.Load(zones); ok {
		return e.(*fence.Engine)
	}
	snap, err := fence.Build(fence.WorkloadZones(1, zones), fence.Options{})
	if err != nil {
		tb.Fatalf("build the %d-zone workload: %v", zones, err)
	}
	e := fence.NewEngine(snap)
	benchEngines.Store(zones, e)
	return e
}

// discardWriter is a ResponseWriter that keeps headers and status and
// counts the body, so that a benchmark measures the handler, not a
// recorder's buffer.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// BenchmarkLocate measures GET /v1/locate in process, on the standard
// workload's uniform points: "handler" is the route's own handler,
// "stack" the whole Handler with request ids, auth, metrics and the
// (discarded) access log, as a request over the network meets it.
func BenchmarkLocate(b *testing.B) {
	for _, zones := range []int{1000, 10000} {
		engine := workloadEngine(b, zones)
		s := &Server{Fence: engine, OperatorToken: "bench-token", PublicReads: true}
		stack := s.Handler()
		pts := fence.WorkloadPoints(1, 4096)
		reqs := make([]*http.Request, len(pts))
		for i, p := range pts {
			reqs[i] = httptest.NewRequest("GET", "/v1/locate?lon="+strconv.FormatFloat(p.Lon, 'f', -1, 64)+
				"&lat="+strconv.FormatFloat(p.Lat, 'f', -1, 64), nil)
		}
		for _, c := range []struct {
			name string
			h    http.Handler
		}{{"handler", http.HandlerFunc(s.handleLocate)}, {"stack", stack}} {
			b.Run(fmt.Sprintf("zones=%d/%s", zones, c.name), func(b *testing.B) {
				w := &discardWriter{header: http.Header{}}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					clear(w.header)
					c.h.ServeHTTP(w, reqs[i%len(reqs)])
					if w.status != http.StatusOK {
						b.Fatalf("status %d", w.status)
					}
					i++
				}
				b.ReportMetric(float64(w.n)/float64(i), "B/resp")
			})
		}
	}
}
