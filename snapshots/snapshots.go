// Package snapshots keeps the fence engine's snapshot in step with the
// zone store: it builds a snapshot of the versions in force at start, after
// every successful zone write made through Notifying (so a client reads its
// own writes), when the store's change counter moves (writes by another
// process, such as `safezones zone import` on the same database), and
// periodically, so that versions whose validity begins are picked up.
package snapshots

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

// ChangeCounter reports a number that grows whenever a zone version's
// status changes in the store (sqlite.DB implements it).
type ChangeCounter interface {
	StatusSeq(ctx context.Context) (int64, error)
}

// Keeper rebuilds Engine's snapshot from Zones.
type Keeper struct {
	Zones safezones.ZoneService
	// Changes, when set, is polled by Run to notice writes made elsewhere.
	Changes ChangeCounter
	Engine  *fence.Engine
	// Options are passed to fence.Build.
	Options fence.Options
	// Logger receives rebuild failures and timings; discards when nil.
	Logger *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time

	mu      sync.Mutex // one rebuild at a time; a write waits for its own
	seenSeq int64      // the change counter at the last rebuild
}

func (k *Keeper) now() time.Time {
	if k.Now == nil {
		return time.Now()
	}
	return k.Now()
}

func (k *Keeper) logger() *slog.Logger {
	if k.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return k.Logger
}

// Rebuild builds a snapshot of the zones in force now and swaps it in.
// On failure the engine keeps its previous snapshot.
func (k *Keeper) Rebuild(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	start := time.Now()
	if k.Changes != nil {
		seq, err := k.Changes.StatusSeq(ctx)
		if err != nil {
			return fmt.Errorf("rebuild fence snapshot: %w", err)
		}
		k.seenSeq = seq
	}
	zones, err := k.Zones.ActiveZones(ctx, k.now())
	if err != nil {
		return fmt.Errorf("rebuild fence snapshot: %w", err)
	}
	snap, err := fence.Build(zones, k.Options)
	if err != nil {
		return fmt.Errorf("rebuild fence snapshot: %w", err)
	}
	k.Engine.Swap(snap)
	k.logger().Debug("fence snapshot rebuilt", "zones", len(zones), "duration", time.Since(start))
	return nil
}

// Run polls the change counter every poll and rebuilds when it moved, and
// rebuilds anyway every full interval, until ctx ends.
func (k *Keeper) Run(ctx context.Context, poll, full time.Duration) {
	pt, ft := time.NewTicker(poll), time.NewTicker(full)
	defer pt.Stop()
	defer ft.Stop()
	for {
		rebuild := false
		select {
		case <-ctx.Done():
			return
		case <-ft.C:
			rebuild = true
		case <-pt.C:
			rebuild = k.changed(ctx)
		}
		if rebuild {
			if err := k.Rebuild(ctx); err != nil && ctx.Err() == nil {
				k.logger().Error("fence snapshot", "err", err)
			}
		}
	}
}

// changed reports whether the store's change counter moved since the last
// rebuild.
func (k *Keeper) changed(ctx context.Context) bool {
	if k.Changes == nil {
		return false
	}
	seq, err := k.Changes.StatusSeq(ctx)
	if err != nil {
		if ctx.Err() == nil {
			k.logger().Error("fence snapshot: read change counter", "err", err)
		}
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return seq != k.seenSeq
}

// Notifying returns a ZoneService that passes every call to svc and
// rebuilds k's snapshot after each successful write, before returning: a
// client that changed a zone sees the change in the next locate.
func Notifying(svc safezones.ZoneService, k *Keeper) safezones.ZoneService {
	return &notifying{ZoneService: svc, k: k}
}

type notifying struct {
	safezones.ZoneService
	k *Keeper
}

// after rebuilds once a write succeeded. A failed rebuild is logged, not
// returned: the write itself is durable and the periodic rebuild retries.
func (n *notifying) after(ctx context.Context) {
	if err := n.k.Rebuild(context.WithoutCancel(ctx)); err != nil {
		n.k.logger().Error("fence snapshot after a zone write", "err", err)
	}
}

func (n *notifying) CreateZone(ctx context.Context, z *safezones.Zone, initial safezones.Status) (*safezones.Zone, error) {
	out, err := n.ZoneService.CreateZone(ctx, z, initial)
	if err == nil && out.Status == safezones.StatusActive {
		n.after(ctx)
	}
	return out, err
}

func (n *notifying) AddVersion(ctx context.Context, id string, base int, t safezones.Terms, by string) (*safezones.Zone, error) {
	// A new version starts proposed: what is in force does not change.
	return n.ZoneService.AddVersion(ctx, id, base, t, by)
}

func (n *notifying) SetStatus(ctx context.Context, ch safezones.StatusChange) (*safezones.Zone, error) {
	out, err := n.ZoneService.SetStatus(ctx, ch)
	if err == nil {
		n.after(ctx)
	}
	return out, err
}

func (n *notifying) ExpireZones(ctx context.Context, now time.Time) ([]safezones.StatusChange, error) {
	out, err := n.ZoneService.ExpireZones(ctx, now)
	if err == nil && len(out) > 0 {
		n.after(ctx)
	}
	return out, err
}

// NotifyingConsent returns a ConsentService that passes every call to svc
// and, after a decision or a policy change that moved what is in force
// (the change counter moved), rebuilds k's snapshot before returning: a
// party whose approval activated a zone sees it in the next locate.
func NotifyingConsent(svc safezones.ConsentService, k *Keeper) safezones.ConsentService {
	return &notifyingConsent{ConsentService: svc, k: k}
}

type notifyingConsent struct {
	safezones.ConsentService
	k *Keeper
}

func (n *notifyingConsent) afterIfChanged(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	if !n.k.changed(ctx) {
		return
	}
	if err := n.k.Rebuild(ctx); err != nil {
		n.k.logger().Error("fence snapshot after a consent change", "err", err)
	}
}

func (n *notifyingConsent) RecordDecision(ctx context.Context, d safezones.SignedDecision, by string) (*safezones.DecisionResult, error) {
	out, err := n.ConsentService.RecordDecision(ctx, d, by)
	if err == nil {
		n.afterIfChanged(ctx)
	}
	return out, err
}

func (n *notifyingConsent) SetZonePolicy(ctx context.Context, zoneID string, p safezones.ConsentPolicy, by, reason string) (*safezones.ZonePolicy, []safezones.StatusChange, error) {
	pol, changes, err := n.ConsentService.SetZonePolicy(ctx, zoneID, p, by, reason)
	if err == nil && len(changes) > 0 {
		n.afterIfChanged(ctx)
	}
	return pol, changes, err
}
