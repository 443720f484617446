package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/ledger"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/tracks"
)

// TestTrackArchive writes the workload's tracks through the group-commit
// archive, reopens the database and reads every object's track back; each
// batch has its ledger entry, whose record is what the tables hold.
func TestTrackArchive(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tracks.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a := tracks.NewArchive(db)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.Run(runCtx); close(done) }()
	ups := fence.WorkloadTracks(1, 30, 40)
	want := map[string]int{}
	for i := 0; i < len(ups); i += 100 {
		var ps []tracks.Position
		for _, u := range ups[i:min(i+100, len(ups))] {
			ps = append(ps, tracks.Position{ObjectID: u.ObjectID, At: u.Time, Point: u.Point, AltM: 3000, HasAlt: true})
			want[u.ObjectID]++
		}
		if err := a.Append(ctx, ps); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	<-done
	db.Close()

	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id, n := range want {
		got, err := tracks.Track(ctx, db, id, time.Time{}, time.Time{}, 0)
		if err != nil || len(got) != n {
			t.Fatalf("track %s after reopening: %d positions (%v), want %d", id, len(got), err, n)
		}
	}
	// A time window keeps only positions inside it.
	var some string
	for id := range want {
		some = id
		break
	}
	all, _ := tracks.Track(ctx, db, some, time.Time{}, time.Time{}, 0)
	mid := all[len(all)/2].At
	part, err := tracks.Track(ctx, db, some, mid, time.Time{}, 0)
	if err != nil || len(part) != len(all)-len(all)/2 {
		t.Errorf("track from %v: %d positions (%v), want %d", mid, len(part), err, len(all)-len(all)/2)
	}

	n, _ := db.LedgerSize(ctx)
	entries, err := db.LedgerEntries(ctx, 0, int(n))
	if err != nil {
		t.Fatal(err)
	}
	batches := 0
	for _, e := range entries {
		if e.Type != safezones.LedgerTrackBatch {
			continue
		}
		batches++
		env, err := ledger.DecodeEnvelope(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		cur, err := db.LedgerCurrentRecord(ctx, e)
		if err != nil || string(cur) != string(env.Record) {
			t.Errorf("entry %d: logged %s, tables hold %s (%v)", e.Index, env.Record, cur, err)
		}
	}
	if st := a.Stats(); batches == 0 || int64(batches) != st.Batches {
		t.Errorf("%d ledger entries for %d batches", batches, st.Batches)
	}
}

func TestAppendTrackBatchRefuses(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, _ := tracks.NewBatch([]tracks.Position{{ObjectID: "a", At: time.Now(), Point: fence.WorkloadPoints(1, 1)[0]}})
	bad := *b
	bad.SHA256 = "xyz"
	if err := db.AppendTrackBatch(ctx, &bad); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("bad digest: %v", err)
	}
	if n, _ := db.LedgerSize(ctx); n != 0 {
		t.Errorf("a refused batch left %d ledger entries", n)
	}
}
