package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/snapshots"
	"github.com/safezones/safezones/sqlite"
)

type serveCmd struct{ env *environment }

const serveUsage = `Usage: safezones serve [flags]

Runs the service on an embedded SQLite database: the JSON API under /v1,
OGC API - Features at /collections, OpenAPI at /api, /healthz, /metrics.
Writes need the operator token (set SAFEZONES_OPERATOR_TOKEN); without one
the service is read-only.

Examples:
  SAFEZONES_OPERATOR_TOKEN=$(openssl rand -hex 24) safezones serve --db cell.db
  safezones serve --addr 0.0.0.0:8080 --public-reads=false
`

func (c *serveCmd) Run(ctx context.Context, args []string) error {
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "serve", serveUsage)
	cfg.bindFlags(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes no arguments, got %q", fs.Args())
	}
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
	if cfg.OperatorToken == "" {
		log.Warn("no operator token: the API is read-only (set SAFEZONES_OPERATOR_TOKEN)")
	}
	return serveHTTP(ctx, c.env, cfg, db, log, nil)
}

// serveHTTP listens on cfg.Addr and serves until ctx ends, then shuts down
// gracefully. banner, when set, prints after the listener is up, with the
// URL and the ledger's public key.
func serveHTTP(ctx context.Context, env *environment, cfg Config, db *sqlite.DB, log *slog.Logger, banner func(url, ledgerKey string)) error {
	signer, vkey, err := cfg.ledgerSigner()
	if err != nil {
		return err
	}
	engine := fence.NewEngine(nil)
	keeper := &snapshots.Keeper{Zones: db, Changes: db, Engine: engine, Logger: log}
	if err := keeper.Rebuild(ctx); err != nil {
		return err
	}
	zones := snapshots.Notifying(db, keeper)
	// A prediction costs tens of microseconds (docs/benchmarks.md); once
	// per PredictEvery of track time per object keeps warnings fresh
	// without capping ingest.
	topts := fence.TrackerOptions{PredictEvery: cfg.PredictEvery}
	if cfg.PredictEvery == 0 {
		topts.Horizon = -1
	}
	tracker := fence.NewTracker(engine, topts)
	srv := &httpapi.Server{
		Zones: zones, Parties: db, Health: db, Ledger: db, LedgerSigner: signer, Fence: engine, Tracker: tracker,
		OperatorToken: cfg.OperatorToken, PublicReads: cfg.PublicReads, MaxBodyBytes: cfg.MaxBodyBytes,
		Logger: log,
	}
	wireConsent(srv, db)
	srv.Consent = snapshots.NotifyingConsent(db, keeper)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String()
	log.Info("serving", "url", url, "db", cfg.DB, "public_reads", cfg.PublicReads, "ledger_key", vkey)
	if banner != nil {
		banner(url, vkey)
	}
	if env.ready != nil {
		env.ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	go expireLoop(ctx, zones, log, time.Minute)
	go keeper.Run(ctx, time.Second, time.Minute)
	go expireTracks(ctx, tracker, log, 30*time.Second)
	go consentLoop(ctx, db, log, time.Minute)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	log.Info("shutting down")
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// expireLoop marks zones whose validity ended as expired, now and then
// every interval, until ctx ends.
func expireLoop(ctx context.Context, db safezones.ZoneService, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		changes, err := db.ExpireZones(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			log.Error("expire zones", "err", err)
		}
		for _, ch := range changes {
			log.Info("zone expired", "zone_id", ch.ZoneID, "version", ch.Version, "valid_to", ch.At)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// expireTracks closes the events of objects that went silent, every
// interval, until ctx ends. Until alerts are stored (issue 8) the exits
// are logged.
func expireTracks(ctx context.Context, tr *fence.Tracker, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var evs []fence.Event
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			evs = tr.Expire(now, evs[:0])
			for _, e := range evs {
				log.Info("track event", "kind", e.Kind.String(), "object", e.ObjectID, "zone_id", e.ZoneID, "reason", e.Reason.String())
			}
		}
	}
}
