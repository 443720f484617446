package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/safezones/safezones/demo"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/zonefile"
)

type demoCmd struct{ env *environment }

const demoUsage = `Usage: safezones demo [--addr ADDR] [--keep]

Serves the shipped scenario on a fresh temporary database: the real Syria
governorate boundaries, the parties of the 2017 safe-zone debate, and
simulated zones around Idlib, Aleppo and eastern Ghouta with protected sites.
Every simulated record says so in its source. The operator token for writes
is printed at start (or taken from SAFEZONES_OPERATOR_TOKEN).

Examples:
  safezones demo
  safezones demo --addr 127.0.0.1:9090
`

func (c *demoCmd) Run(ctx context.Context, args []string) error {
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "demo", demoUsage)
	cfg.bindFlags(fs, false)
	keep := fs.Bool("keep", false, "keep the temporary database after exit and print its path")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo takes no arguments, got %q", fs.Args())
	}
	if cfg.OperatorToken == "" {
		var b [24]byte
		rand.Read(b[:])
		cfg.OperatorToken = hex.EncodeToString(b[:])
	}
	dir, err := os.MkdirTemp("", "safezones-demo-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	cfg.DB = filepath.Join(dir, "demo.db")
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.logger()
	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Logger = log
	nz, err := loadDemo(ctx, db)
	if err != nil {
		return fmt.Errorf("load demo scenario: %w", err)
	}
	return serveHTTP(ctx, c.env, cfg, db, log, func(url, ledgerKey string) {
		fmt.Fprintf(c.env.stdout, "safezones demo: %d zones loaded (simulated scenario data, marked as such)\n", nz)
		fmt.Fprintf(c.env.stdout, "  map and API:     %s/\n", url)
		fmt.Fprintf(c.env.stdout, "  zones (GeoJSON): %s/collections/zones/items?limit=100\n", url)
		fmt.Fprintf(c.env.stdout, "  OpenAPI:         %s/api\n", url)
		fmt.Fprintf(c.env.stdout, "  operator token:  export SAFEZONES_TOKEN=%s\n", cfg.OperatorToken)
		fmt.Fprintf(c.env.stdout, "  ledger key:      export SAFEZONES_LEDGER_PUBKEY=%s\n", ledgerKey)
		if *keep {
			fmt.Fprintf(c.env.stdout, "  database:        %s (kept)\n", cfg.DB)
		}
		fmt.Fprintln(c.env.stdout, "Press Ctrl-C to stop.")
	})
}

// loadDemo stores the demo parties and zones and returns how many zones.
func loadDemo(ctx context.Context, db *sqlite.DB) (int, error) {
	parties, err := demo.Parties()
	if err != nil {
		return 0, err
	}
	for i := range parties {
		if _, err := db.CreateParty(ctx, &parties[i]); err != nil {
			return 0, fmt.Errorf("party %s: %w", parties[i].ID, err)
		}
	}
	res, err := zonefile.Import(ctx, db, demo.ZonesGeoJSON(), zonefile.Options{StatusFromProperties: true}, nil)
	if err != nil {
		return 0, err
	}
	if len(res.Errors) > 0 {
		return 0, fmt.Errorf("demo zones: %v (and %d more)", res.Errors[0], len(res.Errors)-1)
	}
	return res.Count(zonefile.Created), nil
}
