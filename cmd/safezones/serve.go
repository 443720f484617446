package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/aircraft"
	"github.com/safezones/safezones/evidence"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/snapshots"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/web"
)

type serveCmd struct{ env *environment }

const serveUsage = `Usage: safezones serve [flags]

Runs the service on an embedded SQLite database: the JSON API under /v1,
OGC API - Features at /collections, OpenAPI at /api, /healthz, /metrics.
Writes need the operator token (set SAFEZONES_OPERATOR_TOKEN); without one
the service is read-only.

Aircraft feeds: --sbs HOST:PORT reads an SBS-1 BaseStation feed (port
30003 of dump1090 or readsb) and --aircraft-json URL polls a readsb or
dump1090 aircraft.json; both repeat, and their positions go into the same
tracker as POST /v1/positions. Feeds reconnect by themselves; their state
shows in the log and at /metrics (safezones_feed_*).

Examples:
  SAFEZONES_OPERATOR_TOKEN=$(openssl rand -hex 24) safezones serve --db cell.db
  safezones serve --addr 0.0.0.0:8080 --public-reads=false
  safezones serve --sbs 127.0.0.1:30003 --aircraft-json http://127.0.0.1:8504/data/aircraft.json
`

func (c *serveCmd) Run(ctx context.Context, args []string) error {
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "serve", serveUsage)
	cfg.bindFlags(fs, true)
	cfg.bindFeedFlags(fs)
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
	reg := prometheus.NewRegistry()
	w, err := newWatch(db, engine, cfg, reg, log)
	if err != nil {
		return err
	}
	srv := &httpapi.Server{
		Zones: zones, Parties: db, Health: db, Ledger: db, LedgerSigner: signer, Fence: engine, Tracker: tracker,
		OperatorToken: cfg.OperatorToken, PublicReads: cfg.PublicReads, MaxBodyBytes: cfg.MaxBodyBytes,
		Registry: reg, Logger: log,
		Alerts: db, AlertHub: w.hub, AlertProducer: w.producer, Webhooks: db, WebhookTargetCheck: w.checkTarget,
		Archive: w.archive, TrackStore: db, CAPSender: "safezones-" + deploymentID(vkey), CAPHostID: deploymentID(vkey),
		Web: web.Handler(),
	}
	wireConsent(srv, db)
	if err := wireNotifications(ctx, srv, db, log); err != nil {
		return err
	}
	srv.Consent = snapshots.NotifyingConsent(db, keeper)
	if srv.Blobs, err = evidence.Open(cfg.evidencePath()); err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	srv.Incidents, srv.Evidence, srv.IncidentAlerts = db, db, w.producer
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
	// Open alert streams end when the server shuts down.
	hs.RegisterOnShutdown(w.hub.Close)
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
	go expireTracks(ctx, tracker, w.producer, log, 30*time.Second)
	go consentLoop(ctx, db, log, time.Minute)
	// The archive and the webhook dispatcher stop last, after the feeds'
	// final batches and the requests in flight: stopped with ctx, they
	// would refuse the positions those still hand in (lost from the
	// archive, with an error logged) during a graceful shutdown.
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	watchDone := w.run(watchCtx)
	defer func() { stopWatch(); watchDone.Wait() }()
	feedCtx, stopFeeds := context.WithCancel(ctx)
	feedsDone := startFeeds(feedCtx, cfg, aircraft.NewMetrics(reg), feedSink(tracker, w, log), log)
	defer func() { stopFeeds(); feedsDone.Wait() }()
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
// interval, until ctx ends: their open violations end with reason "stale"
// and their warnings are cancelled, as alerts.
func expireTracks(ctx context.Context, tr *fence.Tracker, alerts httpapi.EventHandler, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var evs []fence.Event
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			evs = tr.Expire(now, evs[:0])
			if err := alerts.Handle(ctx, evs); err != nil && ctx.Err() == nil {
				log.Error("store the alerts of silent tracks (kept for the next try)", "err", err)
			}
		}
	}
}

// feed is an aircraft feed client.
type feed interface {
	Run(ctx context.Context, sink func([]fence.Update)) error
	Stats() aircraft.Stats
}

// startFeeds runs the aircraft feeds of cfg until ctx ends, exporting
// their metrics; the returned group is done when they all stopped.
func startFeeds(ctx context.Context, cfg Config, m *aircraft.Metrics, sink func([]fence.Update), log *slog.Logger) *sync.WaitGroup {
	var feeds []feed
	for _, addr := range cfg.SBS {
		feeds = append(feeds, &aircraft.SBSClient{Addr: addr, Logger: log})
	}
	for _, u := range cfg.AircraftJSON {
		feeds = append(feeds, &aircraft.JSONPoller{URL: u, Interval: cfg.AircraftJSONInterval, Logger: log})
	}
	var wg sync.WaitGroup
	for _, f := range feeds {
		m.Watch(f)
		wg.Go(func() {
			if err := f.Run(ctx, sink); err != nil {
				log.Error("aircraft feed ended", "feed", f.Stats().Feed, "err", err)
			}
		})
	}
	return &wg
}

// feedSink returns the function every aircraft feed hands its positions
// to: each goes into the tracker exactly as POST /v1/positions does, the
// batch into the track archive, and the events into alerts. Feeds call it
// from their own goroutines; the tracker, archive and producer are safe for
// that. A feed has nobody to answer, so failures are logged; the producer
// keeps alerts it could not store for its next call.
func feedSink(tr *fence.Tracker, w *watch, log *slog.Logger) func([]fence.Update) {
	return func(us []fence.Update) {
		ctx := context.Background()
		var evs, all []fence.Event
		for _, u := range us {
			evs, _ = tr.Update(u, evs[:0])
			all = append(all, evs...)
		}
		if err := w.archive.Append(ctx, archivePositions(us)); err != nil {
			log.Error("archive feed positions", "positions", len(us), "err", err)
		}
		if err := w.producer.Handle(ctx, all); err != nil {
			log.Error("store feed alerts (kept for the next try)", "err", err)
		}
	}
}

// deploymentID names this deployment in CAP identifiers and as their
// sender: the first 12 hex digits of the SHA-256 of its ledger key, stable
// across restarts and revealing nothing about the machine.
func deploymentID(ledgerKey string) string {
	sum := sha256.Sum256([]byte(ledgerKey))
	return hex.EncodeToString(sum[:6])
}
