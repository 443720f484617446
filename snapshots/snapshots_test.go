package snapshots_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/snapshots"
	"github.com/safezones/safezones/sqlite"
)

func pt(lon, lat float64) geo.Point { return geo.Point{Lon: lon, Lat: lat} }

func TestKeeperFollowsWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	engine := fence.NewEngine(nil)
	k := &snapshots.Keeper{Zones: db, Changes: db, Engine: engine}
	if err := k.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	zones := snapshots.Notifying(db, k)
	in := pt(36.5, 35.5)
	count := func() int { return len(engine.Snapshot().Containing(in, 0, false, db.Now(), nil)) }

	sq := geo.Polygon{geo.Ring{pt(36, 35), pt(37, 35), pt(37, 36), pt(36, 36), pt(36, 35)}}
	z := &safezones.Zone{ID: "a", Terms: safezones.Terms{Kind: safezones.KindSafeArea, Name: "A", Geometry: sq}}
	if _, err := zones.CreateZone(ctx, z, safezones.StatusProposed); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("a proposed zone is in the snapshot (%d hits)", n)
	}
	if _, err := zones.SetStatus(ctx, safezones.StatusChange{ZoneID: "a", Version: 1, Status: safezones.StatusActive}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("right after activation through Notifying: %d hits, want 1", n)
	}

	// A write by another connection (another process, say) bypasses
	// Notifying: the change counter shows it and Rebuild picks it up.
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.SetStatus(ctx, safezones.StatusChange{ZoneID: "a", Version: 1, Status: safezones.StatusSuspended}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("before the keeper noticed: %d hits, want the old snapshot's 1", n)
	}
	seq, _ := db.StatusSeq(ctx)
	if seq < 3 {
		t.Fatalf("StatusSeq = %d after three status changes", seq)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { k.Run(runCtx, 10*time.Millisecond, time.Hour); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for count() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the keeper did not notice the other connection's suspension within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}
