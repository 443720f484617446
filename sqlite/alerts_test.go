package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/ledger"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/storetest"
)

func violation(obj string, src safezones.SourceKind) safezones.Alert {
	return safezones.Alert{Kind: safezones.AlertViolation, ObjectID: obj, ZoneID: "idlib-nfz", ZoneVersion: 1,
		ZoneKind: safezones.KindNoFly, At: time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC),
		Point: geo.Point{Lon: 36.63, Lat: 35.93}, Source: safezones.Source{Kind: src}}
}

// TestAlertsDurable stores alerts and an outbox, reopens the file, and
// finds both, with each alert's ledger entry holding the stored record.
func TestAlertsDurable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "alerts.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateParty(ctx, storetest.SampleParty()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateWebhook(ctx, &safezones.WebhookSubscription{ID: "ops", PartyID: storetest.SampleParty().ID,
		URL: "https://hooks.example.org/"}); err != nil {
		t.Fatal(err)
	}
	as := []safezones.Alert{violation("ac-1", safezones.SourceReal), violation("ac-2", safezones.SourceSimulated)}
	if err := db.AppendAlerts(ctx, as); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.ListAlerts(ctx, safezones.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(as, got); d != "" {
		t.Errorf("alerts after reopening (-appended +read):\n%s", d)
	}
	due, _, err := db.DueDeliveries(ctx, time.Now(), 10)
	if err != nil || len(due) != 1 || due[0].AlertSeq != 1 {
		t.Errorf("DueDeliveries after reopening = %+v, %v; want ops with alert 1", due, err)
	}
	if n, _ := db.PendingDeliveries(ctx); n != 2 {
		t.Errorf("PendingDeliveries = %d, want 2", n)
	}
	e, err := db.LedgerEntryByRecord(ctx, "alert/2")
	if err != nil {
		t.Fatal(err)
	}
	env, err := ledger.DecodeEnvelope(e.Data)
	if err != nil {
		t.Fatal(err)
	}
	if env.Type != safezones.LedgerAlert || !strings.Contains(string(env.Record), `"id":"al-2"`) ||
		!strings.Contains(string(env.Record), `"position":[36.63,35.93]`) {
		t.Errorf("ledger entry of alert 2: type %s, record %s; want the alert with its position", env.Type, env.Record)
	}
}

// TestAppendAlertsConcurrent: batches appended at once each get
// consecutive seqs, and together every seq from 1 once.
func TestAppendAlertsConcurrent(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	const writers, batches, size = 8, 5, 3
	var wg sync.WaitGroup
	errs := make(chan error, writers*batches)
	firsts := make(chan int64, writers*batches)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range batches {
				as := []safezones.Alert{violation("a", safezones.SourceReal), violation("b", safezones.SourceReal), violation("c", safezones.SourceReal)}
				if err := db.AppendAlerts(ctx, as); err != nil {
					errs <- err
					return
				}
				if as[1].Seq != as[0].Seq+1 || as[2].Seq != as[0].Seq+2 {
					t.Errorf("writer %d: batch seqs %d, %d, %d; want consecutive", w, as[0].Seq, as[1].Seq, as[2].Seq)
				}
				firsts <- as[0].Seq
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(firsts)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for f := range firsts {
		for s := f; s < f+size; s++ {
			if seen[s] {
				t.Errorf("seq %d assigned twice", s)
			}
			seen[s] = true
		}
	}
	last, _ := db.LastAlertSeq(ctx)
	if n, _ := db.LedgerSize(ctx); last != writers*batches*size || len(seen) != int(last) || n != last {
		t.Errorf("last seq %d, %d distinct, ledger size %d; want %d of each", last, len(seen), n, writers*batches*size)
	}
}

// TestAppendAlertsSimulatedOnly: the demo's store refuses alerts not
// marked simulated, naming the index.
func TestAppendAlertsSimulatedOnly(t *testing.T) {
	db := MustOpen(t)
	db.SimulatedOnly = true
	err := db.AppendAlerts(context.Background(), []safezones.Alert{violation("a", safezones.SourceSimulated), violation("b", safezones.SourceReal)})
	if e, ok := err.(*safezones.Error); !ok || e.Code != safezones.CodeInvalid || e.Field != "alerts[1].source.kind" {
		t.Errorf("AppendAlerts(real alert in the demo) = %v; want invalid at alerts[1].source.kind", err)
	}
	if last, _ := db.LastAlertSeq(context.Background()); last != 0 {
		t.Errorf("LastAlertSeq = %d after a refused batch, want 0", last)
	}
}
