package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/tracks"
	"github.com/safezones/safezones/webhooks"
)

// watch is the watch floor's machinery behind the tracker: alerts stored
// and streamed, webhooks delivered from the outbox, positions archived.
type watch struct {
	hub        *alerts.Hub
	producer   *alerts.Producer
	dispatcher *webhooks.Dispatcher
	archive    *tracks.Archive
}

// newWatch builds the watch floor on db. The demo's store holds scenario
// data only, so its alerts say they are simulated.
func newWatch(db *sqlite.DB, engine *fence.Engine, cfg Config, reg prometheus.Registerer, log *slog.Logger) (*watch, error) {
	d, err := webhooks.New(db, webhooks.Options{Allow: cfg.WebhookAllow, Registerer: reg, Logger: log})
	if err != nil {
		return nil, err
	}
	hub := alerts.NewHub(db, alerts.HubOptions{})
	hub.Logger = log
	p := alerts.NewProducer(db, hub, engine)
	p.Logger = log
	p.OnStored = d.Notify
	if db.SimulatedOnly {
		p.Source = safezones.Source{Kind: safezones.SourceSimulated, Description: "demo scenario: replayed and simulated tracks"}
	}
	return &watch{hub: hub, producer: p, dispatcher: d, archive: tracks.NewArchive(db)}, nil
}

// checkTarget vets a webhook URL when a subscription is made.
func (w *watch) checkTarget(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return w.dispatcher.CheckTarget(ctx, url)
}

// run starts the dispatcher and the archive writer until ctx ends; the
// group is done when both stopped (the archive has written what it held).
func (w *watch) run(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Go(func() { w.dispatcher.Run(ctx) })
	wg.Go(func() { w.archive.Run(ctx) })
	return &wg
}

// archivePositions converts tracker updates to archive positions.
func archivePositions(us []fence.Update) []tracks.Position {
	ps := make([]tracks.Position, len(us))
	for i, u := range us {
		ps[i] = tracks.FromUpdate(u)
	}
	return ps
}
