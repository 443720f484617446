package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/zonefile"
)

type zoneCmd struct{ env *environment }

const zoneUsage = `Usage: safezones zone <import|list|approve|reject|suspend|withdraw> [flags]

Commands:
  import    load zones from a GeoJSON FeatureCollection
  list      list zones
  approve   sign and post your party's approval of a zone version
  reject    sign and post a rejection
  suspend   sign and post a suspension of your consent
  withdraw  sign and post the withdrawal of your consent

Examples:
  safezones zone import --db cell.db zones.geojson
  safezones zone list --db cell.db --status active
  safezones zone approve --server http://127.0.0.1:8080 --key syria.key eastern-aleppo-safe-area
`

func (c *zoneCmd) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.env.stderr, zoneUsage)
		return usagef("zone needs a subcommand")
	}
	switch args[0] {
	case "import":
		return c.importZones(ctx, args[1:])
	case "list":
		return c.list(ctx, args[1:])
	case "approve", "reject", "suspend", "withdraw":
		return c.decide(ctx, safezones.Verdict(args[0]), args[1:])
	case "-h", "--help", "-help", "help":
		fmt.Fprint(c.env.stdout, zoneUsage)
		return nil
	}
	return usagef("unknown zone command %q", args[0])
}

const importUsage = `Usage: safezones zone import [--db FILE] [--active] [--skip-invalid] FILE

Loads zones from a GeoJSON FeatureCollection (RFC 7946). Each feature's
"id" is the zone id (generated when absent); its properties carry the terms:
name, kind (safe_area, no_fly, corridor, protected_site), description,
sponsor, floor_m, ceiling_m, radius_m, half_width_m, valid_from, valid_to,
windows, source. Every feature is checked before any is stored; a bad one
is reported by index and JSON path and, unless --skip-invalid, nothing is
stored. Re-importing a file adds a version to zones whose terms changed and
leaves identical ones alone.

--active records the zones as in force: agreed elsewhere, recorded by the
operator, and said so in their status history.

Examples:
  safezones zone import --db cell.db proposals.geojson
  safezones zone import --db cell.db --active astana-2017.geojson
`

func (c *zoneCmd) importZones(ctx context.Context, args []string) error {
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "zone import", importUsage)
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite database `file` [SAFEZONES_DB]")
	var opts zonefile.Options
	fs.BoolVar(&opts.Active, "active", false, "record the zones as in force (agreed elsewhere)")
	fs.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "store the valid features even if others are invalid")
	quiet := fs.Bool("quiet", false, "no progress output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("zone import needs exactly one FILE, got %d arguments", fs.NArg())
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	var progress func(done, total int)
	if !*quiet {
		progress = progressBar(c.env.stderr, "importing zones")
	}
	res, err := zonefile.Import(ctx, db, data, opts, progress)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	for _, e := range res.Errors {
		fmt.Fprintf(c.env.stderr, "%s: %v\n", fs.Arg(0), e)
	}
	fmt.Fprintf(c.env.stdout, "%s: %d created, %d new versions, %d unchanged, %d failed, %d not stored\n", fs.Arg(0),
		res.Count(zonefile.Created), res.Count(zonefile.Versioned), res.Count(zonefile.Unchanged),
		res.Count(zonefile.Failed), res.Count(zonefile.Skipped))
	if len(res.Errors) > 0 {
		return fmt.Errorf("%d of %d features had errors", len(res.Errors), len(res.Items))
	}
	return nil
}

const listUsage = `Usage: safezones zone list [--db FILE] [--kind K] [--status S]

Lists the latest version of every zone.

Examples:
  safezones zone list --db cell.db
  safezones zone list --db cell.db --kind protected_site --status active
`

func (c *zoneCmd) list(ctx context.Context, args []string) error {
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "zone list", listUsage)
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite database `file` [SAFEZONES_DB]")
	kind := fs.String("kind", "", "only this `kind` (comma-separated list)")
	status := fs.String("status", "", "only this `status` (comma-separated list)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var f safezones.ZoneFilter
	for _, k := range splitComma(*kind) {
		if !safezones.Kind(k).Valid() {
			return usagef("--kind %q is not one of %v", k, safezones.Kinds)
		}
		f.Kinds = append(f.Kinds, safezones.Kind(k))
	}
	for _, s := range splitComma(*status) {
		if !safezones.Status(s).Valid() {
			return usagef("--status %q is not one of %v", s, safezones.Statuses)
		}
		f.Statuses = append(f.Statuses, safezones.Status(s))
	}
	if _, err := os.Stat(cfg.DB); err != nil {
		return fmt.Errorf("database %s: %w", cfg.DB, err)
	}
	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	page, err := db.ListZones(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVERSION\tKIND\tSTATUS\tSOURCE\tNAME")
	for _, z := range page.Zones {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", z.ID, z.Version, z.Kind, z.Status, z.Source.Kind, z.Name)
	}
	return tw.Flush()
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
