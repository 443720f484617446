package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/sqlite"
)

// wireConsent gives srv the member, key, consent and commitment services
// of db, and db the territories that set default consent policies.
func wireConsent(srv *httpapi.Server, db *sqlite.DB) {
	db.Territory = territory
	srv.Members, srv.Keys, srv.Consent, srv.Commitments = db, db, db, db
	// Parse the boundaries now, not inside the first transaction that
	// needs a default policy (about half a second of CPU).
	go boundary.Syria()
}

// consentLoop activates the versions whose consent is complete once their
// validity begins, now and then every interval, until ctx ends.
func consentLoop(ctx context.Context, db *sqlite.DB, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		changes, err := db.ActivateDue(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			log.Error("activate zones", "err", err)
		}
		for _, ch := range changes {
			log.Info("zone in force by consent", "zone_id", ch.ZoneID, "version", ch.Version, "at", ch.At)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// maxTerritoryProbes bounds how many of a zone's vertices territory tests.
const maxTerritoryProbes = 64

// territory names the states whose territory holds part of a zone, from
// the boundaries safezones ships: Syria ("SYR") when one of the zone's
// vertices (up to maxTerritoryProbes of them, evenly spread) lies in one
// of its governorates. Zones elsewhere get no default host.
func territory(t *safezones.Terms) []string {
	if t.Geometry == nil {
		return nil
	}
	syria, err := boundary.Syria()
	if err != nil {
		return nil
	}
	pts := vertices(t.Geometry)
	step := 1
	if len(pts) > maxTerritoryProbes {
		step = len(pts) / maxTerritoryProbes
	}
	for i := 0; i < len(pts); i += step {
		if _, ok := syria.Locate(pts[i], boundary.LevelGovernorate); ok {
			return []string{"SYR"}
		}
	}
	return nil
}

func vertices(g geo.Geometry) []geo.Point {
	switch g := g.(type) {
	case geo.Point:
		return []geo.Point{g}
	case geo.LineString:
		return g
	case geo.Polygon:
		if len(g) > 0 {
			return g[0]
		}
	case geo.MultiPolygon:
		var out []geo.Point
		for _, p := range g {
			if len(p) > 0 {
				out = append(out, p[0]...)
			}
		}
		return out
	}
	return nil
}
