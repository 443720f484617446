// Command sfbench runs the standard fence workload of PERFORMANCE.md
// against the in-process fence engine: it generates zones, points and
// tracks from a seed (or reads them from files), can write them out so a
// peer gets exactly the same data, and reports point-query and
// fenced-update throughput, latency percentiles, allocations, index memory
// and the workload's coverage.
//
// Usage:
//
//	sfbench [flags]
//
// Examples:
//
//	sfbench -zones 10000                      # generate and run the 10k workload
//	sfbench -zones 1000 -write /tmp/wl -write-only
//	sfbench -zones-file /tmp/wl/zones.geojson -points-file /tmp/wl/points.csv -tracks-file /tmp/wl/tracks.csv
//	sfbench -zones 10000 -verify -predict     # also check every answer and event against brute force
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	run, help := Run, "sfbench -h"
	if hasPostGISFlag(os.Args[1:]) {
		run, help = RunPostGIS, "sfbench -postgis URL -h"
	}
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "sfbench: %v\nRun '%s' for usage.\n", err, help)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "sfbench: %v\n", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// config is the command line.
type config struct {
	seed                              uint64
	zones, points, objects, updates   int
	zonesFile, pointsFile, tracksFile string
	write                             string
	writeOnly                         bool
	rounds, workers                   int
	verify, predict                   bool
	leafEdges                         int
	densifyM                          float64
}

const usageText = `Usage: sfbench [flags]

Runs the standard fence workload (PERFORMANCE.md) in process and prints
throughput, latency percentiles, allocations, index memory and coverage.

Flags:
`

const examples = `
Examples:
  sfbench -zones 10000
  sfbench -zones 1000 -write /tmp/wl -write-only
  sfbench -zones-file /tmp/wl/zones.geojson -points-file /tmp/wl/points.csv -tracks-file /tmp/wl/tracks.csv
  sfbench -zones 10000 -verify -predict
`

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("sfbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
		fmt.Fprint(stderr, examples)
	}
	fs.Uint64Var(&c.seed, "seed", 1, "workload seed")
	fs.IntVar(&c.zones, "zones", 1000, "number of generated zones (ignored with -zones-file)")
	fs.IntVar(&c.points, "points", 100000, "number of generated query points (ignored with -points-file)")
	fs.IntVar(&c.objects, "objects", 1000, "number of generated tracked objects (ignored with -tracks-file)")
	fs.IntVar(&c.updates, "updates", 100, "updates per generated object (ignored with -tracks-file)")
	fs.StringVar(&c.zonesFile, "zones-file", "", "read zones from this GeoJSON FeatureCollection")
	fs.StringVar(&c.pointsFile, "points-file", "", "read query points from this CSV file (lon,lat)")
	fs.StringVar(&c.tracksFile, "tracks-file", "", "read track updates from this CSV file (object_id,time,lon,lat,alt_m)")
	fs.StringVar(&c.write, "write", "", "write zones.geojson, points.csv and tracks.csv of the data in use to this directory")
	fs.BoolVar(&c.writeOnly, "write-only", false, "stop after -write")
	fs.IntVar(&c.rounds, "rounds", 5, "passes over the points for the throughput figure")
	fs.IntVar(&c.workers, "workers", 1, "goroutines querying in parallel for the throughput figure")
	fs.BoolVar(&c.verify, "verify", false, "check every point answer and every enter/exit against brute force")
	fs.BoolVar(&c.predict, "predict", false, "run the tracker with the 15-minute early warning")
	fs.IntVar(&c.leafEdges, "leaf-edges", 0, "fence.Options.LeafEdges (0: default)")
	fs.Float64Var(&c.densifyM, "densify-m", 0, "fence.Options.DensifyM (0: default, negative: none)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if c.zones < 0 || c.points < 0 || c.objects < 0 || c.updates < 0 || c.rounds < 1 || c.workers < 1 {
		return c, fmt.Errorf("%w: counts must not be negative, -rounds and -workers at least 1", errUsage)
	}
	if c.writeOnly && c.write == "" {
		return c, fmt.Errorf("%w: -write-only needs -write DIR", errUsage)
	}
	return c, nil
}

// Run executes sfbench with args, printing the report to stdout.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	w, err := loadWorkload(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "workload: %s; %d zones (%d vertices), %d points, %d track updates of %d objects\n",
		w.source, len(w.zones), countVertices(w.zones), len(w.points), len(w.tracks), countObjects(w.tracks))
	if c.write != "" {
		if err := w.writeTo(c.write); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s/{zones.geojson,points.csv,tracks.csv}\n", c.write)
		if c.writeOnly {
			return nil
		}
	}
	return runBench(ctx, c, w, stdout)
}
