package alerts

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
)

// DefaultMaxPending is how many alerts a Producer keeps in memory, when
// Producer.MaxPending is 0, while the store refuses them.
const DefaultMaxPending = 100_000

// Producer turns tracker events into alerts (the rules are in the package
// comment), stores them and publishes them. It is safe for concurrent use.
type Producer struct {
	// Store keeps the alerts; required.
	Store safezones.AlertService
	// Hub receives every stored alert, in Seq order; optional.
	Hub *Hub
	// Zones gives zone names (the snapshot in force); optional.
	Zones interface{ Snapshot() *fence.Snapshot }
	// Source is what the alerts say about where their positions come from
	// (the demo's replayed tracks are simulated); SourceReal when its Kind
	// is empty.
	Source safezones.Source
	// OnStored is called after each stored batch, for example with the
	// webhook dispatcher's Notify; optional. It must not block.
	OnStored func()
	// MaxPending bounds the alerts kept for a retry while the store
	// refuses them; DefaultMaxPending when 0.
	MaxPending int
	// Logger receives a line per alert (Info) and store failures.
	Logger *slog.Logger

	// mu serialises store-and-publish, so that the Hub sees alerts in Seq
	// order (a subscriber skips any Seq at or below the last it delivered)
	// and batches keep their order in the store.
	mu      sync.Mutex
	pending []safezones.Alert // built but not yet stored, oldest first
	names   map[string]string // zone id -> last name seen, for ended zones
}

// NewProducer returns a Producer storing into store and publishing to hub
// (nil for none), naming zones from zones (nil for none).
func NewProducer(store safezones.AlertService, hub *Hub, zones interface{ Snapshot() *fence.Snapshot }) *Producer {
	return &Producer{Store: store, Hub: hub, Zones: zones}
}

func (p *Producer) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return p.Logger
}

// Handle turns events into alerts and stores them with one AppendAlerts
// call, in event order (so each object's alerts keep their order), then
// publishes them to the Hub and calls OnStored. Events that make no alert
// cost nothing. When the store fails, Handle returns its error wrapped
// with the number of alerts concerned; the alerts stay pending and are
// stored first by the next call (up to MaxPending, beyond which the oldest
// are dropped with an error log), so a caller that fails its request on
// the error loses nothing it acknowledged. A nil error means the alerts
// are durable.
func (p *Producer) Handle(ctx context.Context, events []fence.Event) error {
	n := 0
	for i := range events {
		if Makes(&events[i]) {
			n++
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n == 0 && len(p.pending) == 0 {
		return nil
	}
	batch := p.pending
	p.pending = nil
	snap := p.snapshot()
	for i := range events {
		if a, ok := p.alertOf(snap, &events[i]); ok {
			batch = append(batch, a)
		}
	}
	return p.storeLocked(ctx, batch)
}

// storeLocked stores batch with one AppendAlerts call, then logs and
// publishes it and calls OnStored; on failure it keeps batch pending.
// p.mu must be held.
func (p *Producer) storeLocked(ctx context.Context, batch []safezones.Alert) error {
	if err := p.Store.AppendAlerts(ctx, batch); err != nil {
		p.keepPending(batch)
		return fmt.Errorf("store %d alerts: %w", len(batch), err)
	}
	for i := range batch {
		p.log(&batch[i])
	}
	if p.Hub != nil {
		p.Hub.Publish(batch)
	}
	if p.OnStored != nil {
		p.OnStored()
	}
	return nil
}

// Pending returns how many alerts wait for the store to accept them.
func (p *Producer) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pending)
}

// keepPending keeps a refused batch for the next call, dropping the oldest
// beyond MaxPending. Fields the store may have filled in are cleared so
// that the retry assigns them afresh.
func (p *Producer) keepPending(batch []safezones.Alert) {
	for i := range batch {
		batch[i].Seq, batch[i].ID, batch[i].Created = 0, "", time.Time{}
	}
	limit := p.MaxPending
	if limit <= 0 {
		limit = DefaultMaxPending
	}
	if drop := len(batch) - limit; drop > 0 {
		p.logger().Error("alert store refuses alerts; dropping the oldest pending", "dropped", drop, "first_object", batch[0].ObjectID)
		batch = append([]safezones.Alert(nil), batch[drop:]...)
	}
	p.pending = batch
}

func (p *Producer) snapshot() *fence.Snapshot {
	if p.Zones == nil {
		return nil
	}
	return p.Zones.Snapshot()
}

// log writes one line per stored alert (the alert log of the design).
func (p *Producer) log(a *safezones.Alert) {
	p.logger().Info("alert", "seq", a.Seq, "kind", string(a.Kind), "object", a.ObjectID,
		"zone_id", a.ZoneID, "zone_version", a.ZoneVersion, "reason", a.Reason, "source", string(a.Source.Kind))
}

// Makes reports whether event e makes an alert under the package rules.
func Makes(e *fence.Event) bool {
	switch e.Kind {
	case fence.EventEnter, fence.EventExit:
		return e.ZoneKind == safezones.KindNoFly
	case fence.EventWarning, fence.EventWarningCancelled:
		return e.ZoneKind == safezones.KindNoFly || e.ZoneKind == safezones.KindProtectedSite
	}
	return false
}

// alertOf returns the alert event e makes, and false when it makes none.
func (p *Producer) alertOf(snap *fence.Snapshot, e *fence.Event) (safezones.Alert, bool) {
	if !Makes(e) {
		return safezones.Alert{}, false
	}
	src := p.Source
	if src.Kind == "" {
		src.Kind = safezones.SourceReal
	}
	a := safezones.Alert{
		ObjectID: e.ObjectID, ZoneID: e.ZoneID, ZoneVersion: e.Version, ZoneKind: e.ZoneKind,
		ZoneName: p.zoneName(snap, e.ZoneID), At: e.At.UTC(), Point: e.Point,
		AltitudeKnown: e.AltitudeKnown, Source: src,
	}
	switch e.Kind {
	case fence.EventEnter:
		a.Kind = safezones.AlertViolation
	case fence.EventExit:
		a.Kind = safezones.AlertViolationEnd
		a.Reason = Reason(e.Reason)
		a.DwellSeconds = seconds(e.Dwell.Seconds())
	case fence.EventWarning:
		a.Kind = safezones.AlertWarning
		a.ETASeconds = seconds(e.ETA.Seconds())
		a.ETAMinSeconds = seconds(e.ETAMin.Seconds())
		a.ETAMaxSeconds = seconds(e.ETAMax.Seconds())
		entry := e.Entry
		a.Entry = &entry
	case fence.EventWarningCancelled:
		a.Kind = safezones.AlertWarningCancelled
		a.Reason = Reason(e.Reason)
	}
	return a, true
}

// zoneName returns the zone's name from the snapshot, or the last name
// seen for it (a zone that ended is no longer in the snapshot). The caller
// holds p.mu.
func (p *Producer) zoneName(snap *fence.Snapshot, id string) string {
	if snap != nil {
		if i, ok := snap.Lookup(id); ok {
			name := snap.Zone(i).Name
			if p.names == nil {
				p.names = map[string]string{}
			}
			p.names[id] = name
			return name
		}
	}
	return p.names[id]
}

// Reason returns the alert reason for a tracker reason: "exited" (the
// object left the zone or its altitude band), "zone_ended", "stale",
// "path_changed", or "" for none.
func Reason(r fence.ExitReason) string {
	switch r {
	case fence.ReasonNone:
		return ""
	case fence.ReasonLeft:
		return "exited"
	case fence.ReasonZoneInactive:
		return "zone_ended"
	}
	return r.String()
}

func seconds(s float64) *float64 { return &s }
