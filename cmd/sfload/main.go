// Command sfload drives a running safezones service end to end, in the
// client shapes Tile38's published figures use (shared PERFORMANCE.md):
// one connection; 8 connections; 4 connections with 32 requests
// pipelined on each.
//
// Two modes:
//
//   - updates (the default) posts the standard workload's tracks to
//     POST /v1/positions as NDJSON batches of -batch positions (one batch
//     a request; -batch 1 is Tile38's one update a request), measures
//     updates per second and request latency, and checks that the enter
//     and exit events the service returned are exactly those an
//     in-process tracker finds on the same zones.
//   - locate sends point queries, GET /v1/locate at the workload's
//     uniform points, and checks each answer's zone ids against an
//     in-process snapshot of the same zones.
//   - sbs listens on -sbs-listen as an SBS-1 feed for `safezones serve
//     --sbs`, writes the workload's tracks as MSG,3 lines as fast as the
//     server takes them, and measures positions per second through the
//     whole path and alert latency from ingest to the SSE stream, checking
//     the violations against an in-process tracker (see sbs.go).
//
// -pipeline K keeps K requests in flight on each connection with HTTP/1.1
// pipelining over a raw TCP connection: requests written back to back,
// responses read in order (Go's net/http server answers one connection's
// requests in order; every response must echo its request's
// X-Request-Id, which proves it). -shapes runs 1, 8 and 4x32 in one go
// and prints a table. A run sends at most -count queries or updates and
// stops by itself, or at -timeout. Only loopback targets are allowed
// unless -allow-remote says otherwise.
//
// The service must already hold the workload's zones, active:
//
//	go run ./cmd/sfbench -write /tmp/wl -zones 10000
//	safezones zone import --db /tmp/wl.db --active --quiet /tmp/wl/zones.geojson
//	SAFEZONES_OPERATOR_TOKEN=... safezones serve --db /tmp/wl.db --addr 127.0.0.1:8090
//	go run ./cmd/sfload -server http://127.0.0.1:8090 -token ... -zones 10000 -mode both -shapes
//
// The sbs mode needs no_fly zones, which -write-zones FILE writes; sfload
// listens first, and the server connects to it (a server started first
// retries on its own):
//
//	go run ./cmd/sfload -write-zones /tmp/sbs/zones.geojson -zones 10000
//	safezones zone import --db /tmp/sbs/sbs.db --active --quiet /tmp/sbs/zones.geojson
//	go run ./cmd/sfload -mode sbs -sbs-listen 127.0.0.1:30003 -server http://127.0.0.1:8090 -zones 10000 &
//	safezones serve --db /tmp/sbs/sbs.db --addr 127.0.0.1:8090 --sbs 127.0.0.1:30003
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sfload:", err)
		os.Exit(1)
	}
}

type config struct {
	server, token, mode     string
	allowRemote, shapes     bool
	seed                    uint64
	zones, objects, updates int
	count, batch            int
	conns, pipeline, runs   int
	timeout                 time.Duration
	sbsListen, writeZones   string
}

// shape is a client shape: conns connections, each with pipeline
// requests in flight.
type shape struct{ conns, pipeline int }

func (s shape) String() string {
	if s.pipeline == 1 {
		return strconv.Itoa(s.conns)
	}
	return fmt.Sprintf("%dx%d", s.conns, s.pipeline)
}

// tile38Shapes are the client shapes of Tile38's published figures.
var tile38Shapes = []shape{{1, 1}, {8, 1}, {4, 32}}

func parseConfig(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("sfload", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.server, "server", "http://127.0.0.1:8080", "base `URL` of the service (http only)")
	fs.StringVar(&c.token, "token", os.Getenv("SAFEZONES_TOKEN"), "bearer `token` (reporter or operator) [SAFEZONES_TOKEN]")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a server that is not on a loopback address")
	fs.StringVar(&c.mode, "mode", "updates", "`mode`: updates (POST /v1/positions), locate (GET /v1/locate), both, or sbs (an SBS-1 feed in, alerts out)")
	fs.Uint64Var(&c.seed, "seed", 1, "workload seed (as sfbench)")
	fs.IntVar(&c.zones, "zones", 10000, "number of workload zones the service holds (for the truth)")
	fs.IntVar(&c.objects, "objects", 1000, "moving objects (updates and sbs modes)")
	fs.IntVar(&c.updates, "updates", 100, "updates per object (updates and sbs modes)")
	fs.IntVar(&c.count, "count", 100000, "at most this many point queries or position updates per run")
	fs.IntVar(&c.batch, "batch", 1000, "positions per request (updates mode)")
	fs.IntVar(&c.conns, "conns", 1, "concurrent connections")
	fs.IntVar(&c.pipeline, "pipeline", 1, "requests in flight per connection (HTTP/1.1 pipelining)")
	fs.BoolVar(&c.shapes, "shapes", false, "run the shapes 1, 8 and 4x32 (ignoring -conns and -pipeline) and print a table")
	fs.IntVar(&c.runs, "runs", 1, "runs of each shape")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "stop after this long whatever happens")
	fs.StringVar(&c.sbsListen, "sbs-listen", "127.0.0.1:30003", "`host:port` the sbs mode listens on for the server's feed connection (safezones serve --sbs)")
	fs.StringVar(&c.writeZones, "write-zones", "", "write the workload's -zones as no_fly zones (for -mode sbs) to this GeoJSON `file` and stop")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.mode != "updates" && c.mode != "locate" && c.mode != "both" && c.mode != "sbs":
		return c, fmt.Errorf("-mode %q is not updates, locate, both or sbs", c.mode)
	case c.batch < 1 || c.conns < 1 || c.pipeline < 1 || c.runs < 1:
		return c, errors.New("-batch, -conns, -pipeline and -runs must be at least 1")
	case c.count < 1 || c.zones < 1 || c.objects < 1 || c.updates < 1:
		return c, errors.New("-count, -zones, -objects and -updates must be at least 1")
	case c.timeout <= 0:
		return c, errors.New("-timeout must be positive")
	}
	return c, nil
}

// parseTarget reads the server URL, refusing anything but plain HTTP and,
// unless allowRemote, anything but a loopback host: a load test must not
// hit someone else's service by mistake.
func parseTarget(server, token string, allowRemote bool) (target, error) {
	u, err := url.Parse(server)
	if err != nil {
		return target{}, fmt.Errorf("-server %q: %v", server, err)
	}
	if u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return target{}, fmt.Errorf("-server %q: want http://host:port (raw HTTP/1.1; no TLS, no path)", server)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
	}
	ip := net.ParseIP(host)
	if !allowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return target{}, fmt.Errorf("-server %q is not a loopback address; pass -allow-remote to load it", server)
	}
	return target{addr: net.JoinHostPort(host, port), host: u.Host, token: token}, nil
}

// result is one run of one mode and shape.
type result struct {
	mode          string
	shape         shape
	batch         int // positions per request; 0 for locate
	requests      int
	items         int // queries or updates
	elapsed       time.Duration
	p50, p99, max time.Duration
	mismatches    int
	detail        string
}

func (r result) rate() float64 { return float64(r.items) / r.elapsed.Seconds() }

func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parseConfig(args, out)
	if err != nil {
		return err
	}
	if c.writeZones != "" {
		return writeZones(c.writeZones, c.seed, c.zones, out)
	}
	t, err := parseTarget(c.server, c.token, c.allowRemote)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, fmt.Errorf("-timeout %v reached", c.timeout))
	defer cancel()
	if c.mode == "sbs" {
		return runSBS(ctx, c, t, out)
	}

	shapes := []shape{{c.conns, c.pipeline}}
	if c.shapes {
		shapes = tile38Shapes
	}
	modes := []string{c.mode}
	if c.mode == "both" {
		modes = []string{"locate", "updates"}
	}
	l, err := newLoad(c)
	if err != nil {
		return err
	}
	var results []result
	var failed error
	for _, m := range modes {
		for _, s := range shapes {
			for range c.runs {
				r, err := l.run(ctx, t, m, s)
				if err != nil {
					return fmt.Errorf("%s, shape %v: %w", m, s, err)
				}
				printResult(out, r)
				results = append(results, r)
				if r.mismatches > 0 && failed == nil {
					failed = fmt.Errorf("%s, shape %v: %d answers differ from the in-process truth", m, s, r.mismatches)
				}
			}
		}
	}
	if len(results) > 1 {
		printTable(out, results)
	}
	return failed
}

// load is the workload and its truth, built once for every run.
type load struct {
	c       config
	snap    *fence.Snapshot
	points  []geo.Point
	tracks  []fence.Update
	objects []int // object number of each track update
}

func newLoad(c config) (*load, error) {
	zones := fence.WorkloadZones(c.seed, c.zones)
	for i := range zones {
		zones[i].Valid.From = time.Time{} // in force at every update, as imported
	}
	snap, err := fence.Build(zones, fence.Options{})
	if err != nil {
		return nil, fmt.Errorf("build the in-process truth from %d workload zones: %w", c.zones, err)
	}
	l := &load{c: c, snap: snap}
	if c.mode != "updates" {
		l.points = fence.WorkloadPoints(c.seed, c.count)
	}
	if c.mode != "locate" {
		l.tracks = fence.WorkloadTracks(c.seed, c.objects, c.updates)
		l.tracks = l.tracks[:min(len(l.tracks), c.count)]
		l.objects = make([]int, len(l.tracks))
		for i, u := range l.tracks {
			n, err := strconv.Atoi(strings.TrimPrefix(u.ObjectID, "obj"))
			if err != nil {
				return nil, fmt.Errorf("workload object id %q has no number", u.ObjectID)
			}
			l.objects[i] = n
		}
	}
	return l, nil
}

// run performs one run of mode m in shape s and checks every answer.
func (l *load) run(ctx context.Context, t target, m string, s shape) (result, error) {
	r := result{mode: m, shape: s}
	var work [][]request
	var tracks []fence.Update
	if m == "locate" {
		work = locateWork(l.points, s.conns)
	} else {
		r.batch = l.c.batch
		tracks = shiftTracks(l.tracks)
		work = updatesWork(tracks, l.objects, s.conns, l.c.batch)
	}
	bodies, latencies, elapsed, err := drive(ctx, t, work, s.pipeline)
	if err != nil {
		return r, err
	}
	r.elapsed = elapsed
	for _, reqs := range work {
		r.requests += len(reqs)
		for _, q := range reqs {
			r.items += q.items
		}
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	r.p50, r.p99, r.max = pct(0.5), pct(0.99), latencies[len(latencies)-1]

	var examples []string
	if m == "locate" {
		r.mismatches, examples = checkLocate(l.snap, l.points, s.conns, bodies)
		r.detail = fmt.Sprintf("%d answers checked, %d wrong", len(l.points), r.mismatches)
	} else {
		ec, err := checkUpdates(work, bodies, truthEvents(l.snap, tracks))
		if err != nil {
			return r, err
		}
		r.mismatches, examples = ec.diff, ec.examples
		if ec.accepted != len(tracks) {
			r.mismatches += len(tracks) - ec.accepted
			examples = append(examples, fmt.Sprintf("%d of %d positions accepted", ec.accepted, len(tracks)))
		}
		r.detail = fmt.Sprintf("%d accepted; events %d enter, %d exit; %d differ from the truth", ec.accepted, ec.enters, ec.exits, ec.diff)
	}
	for _, e := range examples {
		r.detail += "\n  wrong: " + e
	}
	return r, nil
}

// drive runs each connection's requests concurrently and returns every
// response body (by connection and request), all latencies, and the time
// from the first request to the last response.
func drive(ctx context.Context, t target, work [][]request, depth int) ([][][]byte, []time.Duration, time.Duration, error) {
	results := make([]connResult, len(work))
	errs := make([]error, len(work))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for i, reqs := range work {
		wg.Go(func() {
			results[i], errs[i] = runConn(ctx, t, i, reqs, depth)
			if errs[i] != nil {
				cancel() // one failure ends the run
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return nil, nil, 0, err
	}
	bodies := make([][][]byte, len(work))
	var latencies []time.Duration
	for i, r := range results {
		bodies[i] = r.bodies
		latencies = append(latencies, r.latencies...)
	}
	if len(latencies) == 0 {
		return nil, nil, 0, errors.New("no requests to send")
	}
	return bodies, latencies, elapsed, nil
}

func printResult(out io.Writer, r result) {
	what := "queries"
	if r.mode == "updates" {
		what = fmt.Sprintf("updates in batches of %d", r.batch)
	}
	fmt.Fprintf(out, "sfload: %s, shape %v: %d %s (%d requests) in %v: %.0f/s; request latency p50 %v p99 %v max %v\n",
		r.mode, r.shape, r.items, what, r.requests, r.elapsed.Round(time.Millisecond), r.rate(),
		round(r.p50), round(r.p99), round(r.max))
	fmt.Fprintf(out, "sfload: %s\n", r.detail)
}

// printTable prints every run as a Markdown table.
func printTable(out io.Writer, results []result) {
	fmt.Fprintln(out, "\n| mode | shape | batch | requests | per second | p50 | p99 | max | wrong |")
	fmt.Fprintln(out, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range results {
		batch := "-"
		if r.mode == "updates" {
			batch = strconv.Itoa(r.batch)
		}
		fmt.Fprintf(out, "| %s | %v | %s | %d | %.1fk | %v | %v | %v | %d |\n", r.mode, r.shape, batch, r.requests,
			r.rate()/1000, round(r.p50), round(r.p99), round(r.max), r.mismatches)
	}
}

// round keeps latencies readable: microseconds below 10 ms, else
// 0.1 ms.
func round(d time.Duration) time.Duration {
	if d < 10*time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Microsecond)
}
