package main

// The -postgis mode: the same point workload against PostGIS, so that
// bench/postgis.sh can print PostGIS and the fence engine side by side.
//
//	sfbench -postgis postgres://postgres@127.0.0.1:PORT/postgres \
//	    -zones-file DIR/zones.geojson -points-file DIR/points.csv \
//	    -clients 1,8 -duration 10s -check 10000
//
// It loads the zones into a table (geometry(Polygon,4326) with a GiST
// index; -load=false reuses a loaded table), checks PostGIS's answers
// (zone ids per point, ST_Intersects) against the fence engine's for a
// sample of points, then runs the point queries from each number of
// clients for -duration and prints one parseable line per client count:
//
//	RESULT engine=postgis zones=1000 clients=8 queries=201234 seconds=10.00 qps=20123 p50_us=... p99_us=...
//	CHECK zones=1000 sample=10000 mismatches=0 near_boundary=0 ...
//
// The mode is picked up before flag parsing (see init below) so that it
// needs no change to main.go; Run's flags do not include it.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// init dispatches `sfbench -postgis URL ...` to RunPostGIS. Test binaries
// never carry -postgis, so tests are unaffected.
func hasPostGISFlag(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		a = strings.TrimLeft(a, "-")
		if a == "postgis" || strings.HasPrefix(a, "postgis=") {
			return true
		}
	}
	return false
}

type pgConfig struct {
	url      string
	table    string
	load     bool
	clients  []int
	duration time.Duration
	warmup   time.Duration
	check    int
	base     config
}

func parsePGFlags(args []string, stderr io.Writer) (pgConfig, error) {
	var c pgConfig
	fs := flag.NewFlagSet("sfbench -postgis", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: sfbench -postgis URL [flags]\n\nRuns the standard workload's point queries against PostGIS (ST_Intersects + GiST)\nand checks its answers against the fence engine's.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	clients := "1,8"
	fs.StringVar(&c.url, "postgis", "", "PostgreSQL URL of a database where the postgis extension can be created")
	fs.StringVar(&c.table, "table", "sfbench_zones", "table holding the zones")
	fs.BoolVar(&c.load, "load", true, "(re)create the table and load the zones into it")
	fs.StringVar(&clients, "clients", clients, "comma-separated numbers of concurrent clients (one connection each)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "timed run per client count")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "untimed run before each timed run")
	fs.IntVar(&c.check, "check", 10000, "points whose PostGIS answer is compared with the fence engine's (0: none)")
	fs.Uint64Var(&c.base.seed, "seed", 1, "workload seed")
	fs.IntVar(&c.base.zones, "zones", 1000, "number of generated zones (ignored with -zones-file)")
	fs.IntVar(&c.base.points, "points", 100000, "number of generated query points (ignored with -points-file)")
	fs.StringVar(&c.base.zonesFile, "zones-file", "", "read zones from this GeoJSON FeatureCollection")
	fs.StringVar(&c.base.pointsFile, "points-file", "", "read query points from this CSV file (lon,lat)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if c.url == "" {
		return c, fmt.Errorf("%w: -postgis needs a URL", errUsage)
	}
	for _, s := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return c, fmt.Errorf("%w: -clients %q: want positive numbers separated by commas", errUsage, clients)
		}
		c.clients = append(c.clients, n)
	}
	if c.duration <= 0 || c.warmup < 0 || c.check < 0 || c.base.zones < 0 || c.base.points < 1 {
		return c, fmt.Errorf("%w: -duration must be positive, -points at least 1, -warmup/-check/-zones not negative", errUsage)
	}
	if c.table == "" {
		return c, fmt.Errorf("%w: -table must not be empty", errUsage)
	}
	c.base.objects = 0 // no tracks
	return c, nil
}

// RunPostGIS executes the -postgis mode.
func RunPostGIS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parsePGFlags(args, stderr)
	if err != nil {
		return err
	}
	w, err := loadWorkload(c.base)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "workload: %s; %d zones (%d vertices), %d points\n", w.source, len(w.zones), countVertices(w.zones), len(w.points))

	maxClients := slices.Max(c.clients)
	pcfg, err := pgxpool.ParseConfig(c.url)
	if err != nil {
		return fmt.Errorf("-postgis: %w", err)
	}
	pcfg.MaxConns = int32(max(maxClients, 2))
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	var version string
	if err := pool.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		return fmt.Errorf("connecting to %s: %w", pcfg.ConnConfig.Host, err)
	}
	table := pgx.Identifier{c.table}.Sanitize()
	if c.load {
		t0 := time.Now()
		if err := loadZonesPG(ctx, pool, table, w.zones); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "postgis load: %d zones into %s in %v (batched INSERT ... ST_GeomFromText, GiST index, ANALYZE)\n",
			len(w.zones), c.table, time.Since(t0).Round(time.Millisecond))
	}
	var pgisVersion string
	if err := pool.QueryRow(ctx, "SELECT postgis_lib_version()").Scan(&pgisVersion); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	fmt.Fprintf(stdout, "postgis: %s; PostGIS %s\n", firstWords(version, 2), pgisVersion)
	query := "SELECT id FROM " + table + " WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))"

	// The check against the fence engine.
	if c.check > 0 {
		if err := checkPG(ctx, c, w, pool, query, stdout); err != nil {
			return err
		}
	}

	// Timed runs.
	for _, n := range c.clients {
		if c.warmup > 0 {
			if _, _, err := runPG(ctx, pool, query, w.points, n, c.warmup); err != nil {
				return err
			}
		}
		lat, el, err := runPG(ctx, pool, query, w.points, n, c.duration)
		if err != nil {
			return err
		}
		slices.Sort(lat)
		q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
		fmt.Fprintf(stdout, "RESULT engine=postgis zones=%d clients=%d queries=%d seconds=%.2f qps=%.0f p50_us=%.1f p99_us=%.1f\n",
			len(w.zones), n, len(lat), el.Seconds(), float64(len(lat))/el.Seconds(),
			float64(q(0.5).Nanoseconds())/1e3, float64(q(0.99).Nanoseconds())/1e3)
	}
	return nil
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

// appendWKT appends the polygon as WKT with the shortest exact decimals,
// so PostGIS gets the same float64 coordinates as the fence engine.
func appendWKT(b []byte, pg geo.Polygon) []byte {
	b = append(b, "POLYGON("...)
	for i, r := range pg {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		for j, p := range r {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, p.Lon, 'g', -1, 64)
			b = append(b, ' ')
			b = strconv.AppendFloat(b, p.Lat, 'g', -1, 64)
		}
		if len(r) > 0 && r[0] != r[len(r)-1] { // rings are closed; make sure
			b = append(b, ',')
			b = strconv.AppendFloat(b, r[0].Lon, 'g', -1, 64)
			b = append(b, ' ')
			b = strconv.AppendFloat(b, r[0].Lat, 'g', -1, 64)
		}
		b = append(b, ')')
	}
	return append(b, ')')
}

func loadZonesPG(ctx context.Context, pool *pgxpool.Pool, table string, zones []safezones.Zone) error {
	for _, stmt := range []string{
		"CREATE EXTENSION IF NOT EXISTS postgis",
		"DROP TABLE IF EXISTS " + table,
		"CREATE TABLE " + table + " (idx integer PRIMARY KEY, id text NOT NULL, geom geometry(Polygon, 4326) NOT NULL)",
	} {
		if _, err := pool.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	ins := "INSERT INTO " + table + " (idx, id, geom) VALUES ($1, $2, ST_GeomFromText($3, 4326))"
	var buf []byte
	const batchSize = 500
	for lo := 0; lo < len(zones); lo += batchSize {
		b := &pgx.Batch{}
		for i := lo; i < min(lo+batchSize, len(zones)); i++ {
			pg, ok := zones[i].Geometry.(geo.Polygon)
			if !ok {
				return fmt.Errorf("zone %s: geometry %T: the PostGIS table holds polygons only (the standard workload)", zones[i].ID, zones[i].Geometry)
			}
			buf = appendWKT(buf[:0], pg)
			b.Queue(ins, i, zones[i].ID, string(buf))
		}
		if err := pool.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("loading zones %d..: %w", lo, err)
		}
	}
	for _, stmt := range []string{
		"CREATE INDEX ON " + table + " USING gist (geom)",
		"ANALYZE " + table,
	} {
		if _, err := pool.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

func queryPG(ctx context.Context, conn *pgxpool.Conn, query string, p geo.Point, dst []string) ([]string, error) {
	rows, err := conn.Query(ctx, query, p.Lon, p.Lat)
	if err != nil {
		return dst, err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return dst, err
		}
		dst = append(dst, id)
	}
	return dst, rows.Err()
}

// runPG runs the point queries from n clients, each holding one
// connection and walking the points from its own offset, for d. It returns
// every query's latency and the elapsed time.
func runPG(ctx context.Context, pool *pgxpool.Pool, query string, pts []geo.Point, n int, d time.Duration) ([]time.Duration, time.Duration, error) {
	conns := make([]*pgxpool.Conn, n)
	for k := range conns {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return nil, 0, err
		}
		defer conn.Release()
		conns[k] = conn
	}
	lats := make([][]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	t0 := time.Now()
	deadline := t0.Add(d)
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			var ids []string
			var err error
			for i := k * len(pts) / n; ; i++ {
				if i >= len(pts) {
					i = 0
				}
				s := time.Now()
				if ids, err = queryPG(ctx, conns[k], query, pts[i], ids[:0]); err != nil {
					errs[k] = err
					return
				}
				e := time.Now()
				lat = append(lat, e.Sub(s))
				if !e.Before(deadline) {
					break
				}
			}
			lats[k] = lat
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	return slices.Concat(lats...), el, nil
}

// checkPG compares PostGIS's answers with the fence engine's for the first
// c.check points. A mismatch is "near boundary" when the point lies within
// nearM of the boundary of every zone on which the two disagree: the fence
// engine densifies long edges along the geodesic (DensifyM) while PostGIS
// tests the planar rings as given, and the two boundary rules only meet on
// exact edges.
func checkPG(ctx context.Context, c pgConfig, w *workload, pool *pgxpool.Pool, query string, out io.Writer) error {
	const nearM = 5.0
	t0 := time.Now()
	snap, err := fence.Build(w.zones, fence.Options{})
	if err != nil {
		return err
	}
	build := time.Since(t0)
	pts := w.points[:min(c.check, len(w.points))]
	byID := make(map[string]*safezones.Zone, len(w.zones))
	for i := range w.zones {
		byID[w.zones[i].ID] = &w.zones[i]
	}

	// PostGIS answers, from 8 connections at once to keep it short.
	got := make([][]string, len(pts))
	const par = 8
	var wg sync.WaitGroup
	errs := make([]error, par)
	for k := range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := pool.Acquire(ctx)
			if err != nil {
				errs[k] = err
				return
			}
			defer conn.Release()
			for i := k; i < len(pts); i += par {
				ids, err := queryPG(ctx, conn, query, pts[i], nil)
				if err != nil {
					errs[k] = err
					return
				}
				slices.Sort(ids)
				got[i] = ids
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	mismatches, near, pgHits, fenceHits := 0, 0, 0, 0
	var hits []fence.Hit
	var want []string
	for i, p := range pts {
		hits = snap.Containing(p, 0, false, at, hits[:0])
		want = want[:0]
		for _, h := range hits {
			want = append(want, snap.Zone(h.Index).ID)
		}
		slices.Sort(want)
		pgHits += len(got[i])
		fenceHits += len(want)
		if slices.Equal(want, got[i]) {
			continue
		}
		mismatches++
		allNear := true
		var diff []string
		for _, id := range symmetricDiff(want, got[i]) {
			d := math.Inf(1)
			if z := byID[id]; z != nil {
				d = boundaryDistanceM(p, z.Geometry)
			}
			if d > nearM {
				allNear = false
			}
			diff = append(diff, fmt.Sprintf("%s (%.2f m from its boundary)", id, d))
		}
		if allNear {
			near++
		}
		if mismatches <= 5 {
			fmt.Fprintf(out, "  mismatch at point %d (%v, %v): fence %v, postgis %v; differ on %s\n", i, p.Lon, p.Lat, want, got[i], strings.Join(diff, ", "))
		}
	}
	fmt.Fprintf(out, "CHECK zones=%d sample=%d mismatches=%d near_boundary=%d fence_hits=%d postgis_hits=%d (fence build %v; near = within %.0f m of the boundary of every zone in question)\n",
		len(w.zones), len(pts), mismatches, near, fenceHits, pgHits, build.Round(time.Millisecond), nearM)
	return nil
}

func symmetricDiff(a, b []string) []string {
	var d []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			d = append(d, s)
		}
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			d = append(d, s)
		}
	}
	return d
}

// boundaryDistanceM is the geodesic distance from p to the nearest ring of g.
func boundaryDistanceM(p geo.Point, g geo.Geometry) float64 {
	d := math.Inf(1)
	var rings []geo.Ring
	switch g := g.(type) {
	case geo.Polygon:
		rings = g
	case geo.MultiPolygon:
		for _, pg := range g {
			rings = append(rings, pg...)
		}
	}
	for _, r := range rings {
		d = min(d, geo.LineDistanceM(p, geo.LineString(r)))
	}
	return d
}
