package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/safezones/safezones/ledger"
)

type ledgerCmd struct{ env *environment }

const ledgerUsage = `Usage: safezones ledger key [--db FILE] [--ledger-key FILE]

Prints the ledger's public verifier key, creating the signing key if this
deployment has none yet. Give it to everyone who will run 'safezones verify':
it is what lets them check checkpoints without trusting the server.

Examples:
  safezones ledger key --db cell.db
`

func (c *ledgerCmd) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "key" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(c.env.stdout, ledgerUsage)
			return nil
		}
		fmt.Fprint(c.env.stderr, ledgerUsage)
		return usagef("ledger needs the subcommand key")
	}
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "ledger key", ledgerUsage)
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite database `file` whose directory holds ledger.key [SAFEZONES_DB]")
	fs.StringVar(&cfg.LedgerKey, "ledger-key", cfg.LedgerKey, "ledger signing key `file` [SAFEZONES_LEDGER_KEY]")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	_, vkey, err := cfg.ledgerSigner()
	if err != nil {
		return err
	}
	fmt.Fprintln(c.env.stdout, vkey)
	return nil
}

type verifyCmd struct{ env *environment }

const verifyUsage = `Usage: safezones verify --server URL --key KEY [--state FILE] [--all]
       safezones verify --bundle DIR --key KEY

Checks a safezones ledger from outside, trusting nothing the server says:
the checkpoint's signature against KEY (from 'safezones ledger key'), that
the log only grew since the last checkpoint this verifier accepted (kept in
--state), and with --all every entry: its data against the Merkle tree, the
tree against the checkpoint, and the record the server holds now against
the record it logged. Exits 1 and names the first bad entry on any mismatch.

With --bundle, checks an evidence bundle offline (see 'safezones evidence').

Examples:
  safezones verify --server http://127.0.0.1:8080 --key "$SAFEZONES_LEDGER_PUBKEY" --all
  safezones verify --bundle evidence-idlib --key "$SAFEZONES_LEDGER_PUBKEY"
`

func (c *verifyCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.env, "verify", verifyUsage)
	server := fs.String("server", "", "base `URL` of the safezones server")
	key := fs.String("key", c.env.getenv("SAFEZONES_LEDGER_PUBKEY"), "the ledger's public verifier `key` [SAFEZONES_LEDGER_PUBKEY]")
	state := fs.String("state", defaultStateFile(), "`file` keeping the last accepted checkpoint")
	all := fs.Bool("all", false, "fetch and recompute every entry")
	bundle := fs.String("bundle", "", "verify the evidence bundle in `DIR` offline")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *key == "" {
		return usagef("verify needs --key (or SAFEZONES_LEDGER_PUBKEY)")
	}
	if *bundle != "" {
		b, err := ledger.ReadBundle(*bundle)
		if err != nil {
			return err
		}
		if err := b.Verify(*key); err != nil {
			return fmt.Errorf("bundle %s: %w", *bundle, err)
		}
		fmt.Fprintf(c.env.stdout, "bundle %s: record %s is entry %d of the signed tree of size %d (%s): OK\n",
			*bundle, b.Entry.RecordID, b.Entry.Index, b.Tree.Size, b.Tree.Time.Format("2006-01-02T15:04:05Z"))
		return nil
	}
	if *server == "" {
		return usagef("verify needs --server URL or --bundle DIR")
	}
	rep, err := ledger.Verify(ctx, &ledger.Client{BaseURL: *server}, ledger.VerifyOptions{Key: *key, StateFile: *state, All: *all})
	if err != nil {
		return err
	}
	prev := "no earlier checkpoint"
	if rep.Previous != nil {
		prev = fmt.Sprintf("consistent with the earlier checkpoint of size %d", rep.Previous.Size)
	}
	fmt.Fprintf(c.env.stdout, "checkpoint %s size %d root %s: signature OK, %s\n", rep.Checkpoint.Origin, rep.Checkpoint.Size, rep.Checkpoint.Root, prev)
	if *all {
		fmt.Fprintf(c.env.stdout, "%d entries recomputed: every leaf, the root and every current record match\n", rep.Entries)
	}
	return nil
}

func defaultStateFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "safezones", "verify-state")
}

type evidenceCmd struct{ env *environment }

const evidenceUsage = `Usage: safezones evidence export --server URL [--key KEY] RECORD-ID DIR

Writes an evidence bundle for one record to DIR: the record, its ledger
entry, the inclusion proof, the signed checkpoint it is proven against, and
the hashes of attachments. 'safezones verify --bundle DIR --key KEY' checks
it offline, years later, without the server.

Record ids: party/ID, zone/ID/vN, zone/ID/vN/status/SEQ.

Examples:
  safezones evidence export --server http://127.0.0.1:8080 zone/idlib-safe-area/v1 evidence-idlib
`

func (c *evidenceCmd) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(c.env.stdout, evidenceUsage)
			return nil
		}
		fmt.Fprint(c.env.stderr, evidenceUsage)
		return usagef("evidence needs the subcommand export")
	}
	fs := newFlagSet(c.env, "evidence export", evidenceUsage)
	server := fs.String("server", "", "base `URL` of the safezones server")
	key := fs.String("key", c.env.getenv("SAFEZONES_LEDGER_PUBKEY"), "check the bundle against this public `key` before writing it [SAFEZONES_LEDGER_PUBKEY]")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *server == "" || fs.NArg() != 2 {
		return usagef("evidence export needs --server URL, a RECORD-ID and a DIR")
	}
	b, err := ledger.FetchBundle(ctx, &ledger.Client{BaseURL: *server}, fs.Arg(0))
	if err != nil {
		return err
	}
	if *key != "" {
		if err := b.Verify(*key); err != nil {
			return fmt.Errorf("the server's bundle does not verify: %w", err)
		}
	}
	if err := b.Write(fs.Arg(1)); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists: choose a new directory", fs.Arg(1))
		}
		return err
	}
	fmt.Fprintf(c.env.stdout, "wrote %s: record %s, entry %d, proof against tree size %d\n", fs.Arg(1), b.Entry.RecordID, b.Entry.Index, b.Tree.Size)
	return nil
}
