// Command safezones serves and manages civilian safe zones: run `safezones
// demo` for a ready scenario, `safezones serve` for the service, and
// `safezones help` for every command.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errHelpShown means --help was asked for and printed: exit code 0.
var errHelpShown = errors.New("help shown")

// exitCode prints err and returns 0 (success or help), 2 (usage) or 1.
func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "safezones: %v\nRun 'safezones help' for usage.\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "safezones: %v\n", err)
	return 1
}

// command is one subcommand.
type command interface {
	Run(ctx context.Context, args []string) error
}

// Run runs the command line args (without the program name).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	env := &environment{stdout: stdout, stderr: stderr, getenv: os.Getenv}
	return env.run(ctx, args)
}

// environment is what every subcommand shares: its output streams and the
// environment variables it reads (replaced in tests).
type environment struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// ready, when set, receives the listening address of serve and demo.
	ready func(addr string)
}

const topUsage = `safezones — civilian safe zones: agreed, notified, watched, on the record.

Usage:
  safezones <command> [flags]

Commands:
  demo         serve a ready scenario on a fresh temporary database
  serve        run the service
  zone import  load zones from a GeoJSON FeatureCollection
  zone list    list zones
  zone approve sign a decision on a zone version (also reject, suspend, withdraw)
  incident import  load incident reports from UCDP GED or ACLED-layout CSV
  incident list    list stored incident reports
  party        list and create parties, manage members and API tokens
  keys         generate, register, list and revoke signing keys
  ledger key   print the ledger's public verifier key
  verify       check the ledger from outside, or an evidence bundle offline
  replay       serve a recorded SBS-1 aircraft feed on a TCP port
  evidence     export an evidence bundle for one record
  version      print the version
  help         show this text

Run 'safezones <command> --help' for a command's flags.

Examples:
  safezones demo
  safezones serve --db safezones.db --addr 127.0.0.1:8080
  safezones zone import --db safezones.db --active zones.geojson
  safezones verify --server http://127.0.0.1:8080 --key "$KEY" --all
  safezones keys generate --out syria.key
  safezones zone approve --key syria.key eastern-aleppo-safe-area
`

func (e *environment) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, topUsage)
		return usagef("no command given")
	}
	var cmd command
	switch args[0] {
	case "help", "-h", "--help", "-help":
		fmt.Fprint(e.stdout, topUsage)
		return nil
	case "version", "--version":
		fmt.Fprintln(e.stdout, "safezones", version())
		return nil
	case "serve":
		cmd = &serveCmd{env: e}
	case "demo":
		cmd = &demoCmd{env: e}
	case "zone":
		cmd = &zoneCmd{env: e}
	case "ledger":
		cmd = &ledgerCmd{env: e}
	case "verify":
		cmd = &verifyCmd{env: e}
	case "evidence":
		cmd = &evidenceCmd{env: e}
	case "party":
		cmd = &partyCmd{env: e}
	case "keys":
		cmd = &keysCmd{env: e}
	case "replay":
		cmd = &replayCmd{env: e}
	case "incident":
		cmd = &incidentCmd{env: e}
	default:
		return usagef("unknown command %q", args[0])
	}
	return cmd.Run(ctx, args[1:])
}
