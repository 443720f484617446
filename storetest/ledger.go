package storetest

import (
	"context"
	"testing"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

// checkLedger checks the ledger against the store's records: every entry
// hashes to its leaf, decodes as a canonical envelope at its own index, and
// logs exactly the record the tables hold; every version, status change
// and party has its entry; and the stored tree hashes agree with a tree
// recomputed from the entries.
func checkLedger(t *testing.T, s Store) {
	t.Helper()
	n, err := s.LedgerSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := s.LedgerEntries(ctx, 0, int(n)+1)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(entries)) != n {
		t.Fatalf("LedgerEntries returned %d entries, LedgerSize says %d", len(entries), n)
	}
	byType := map[string]int{}
	recomputed := &hashes{}
	for i, e := range entries {
		if e.Index != int64(i) {
			t.Fatalf("entry %d has index %d", i, e.Index)
		}
		if ledger.LeafHash(e.Data) != tlog.Hash(e.LeafHash) {
			t.Errorf("entry %d: leaf hash does not match its data", i)
		}
		env, err := ledger.DecodeEnvelope(e.Data)
		if err != nil || env.Index != e.Index || env.RecordID != e.RecordID || env.Type != e.Type {
			t.Errorf("entry %d: envelope %+v, %v", i, env, err)
		}
		cur, err := s.LedgerCurrentRecord(ctx, e)
		if err != nil {
			t.Errorf("entry %d (%s): current record: %v", i, e.RecordID, err)
		} else if string(cur) != string(env.Record) {
			t.Errorf("entry %d (%s): logged record\n%s\ndiffers from the record the tables hold\n%s", i, e.RecordID, env.Record, cur)
		}
		byType[e.Type]++
		if _, err := ledger.Append(ctx, recomputed, int64(i), e.Data); err != nil {
			t.Fatal(err)
		}
	}
	want, err := ledger.TreeHash(ctx, recomputed, n)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ledger.TreeHash(ctx, storeHashes{s}, n)
	if err != nil {
		t.Fatalf("tree hash from stored hashes: %v", err)
	}
	if got != want {
		t.Errorf("stored tree root %s, recomputed from entries %s", got, want)
	}
	// No record without its entry.
	parties, _ := s.ListParties(ctx)
	page, _ := s.ListZones(ctx, safezones.ZoneFilter{})
	versions, changes := 0, 0
	for _, z := range page.Zones {
		vs, chs, err := s.ZoneHistory(ctx, z.ID)
		if err != nil {
			t.Fatal(err)
		}
		versions += len(vs)
		changes += len(chs)
	}
	if byType[safezones.LedgerParty] != len(parties) || byType[safezones.LedgerZoneVersion] != versions ||
		byType[safezones.LedgerZoneStatus] != changes {
		t.Errorf("ledger has %v entries; the tables hold %d parties, %d versions, %d status changes",
			byType, len(parties), versions, changes)
	}
	checkConsentLedger(t, s, byType, parties, page.Zones)
	checkAlertLedger(t, s, byType)
}

type storeHashes struct{ s Store }

func (h storeHashes) ReadHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	hs, err := h.s.LedgerHashes(ctx, idx)
	out := make([]tlog.Hash, len(hs))
	for i, x := range hs {
		out[i] = x
	}
	return out, err
}

type hashes struct{ h []tlog.Hash }

func (m *hashes) ReadHashes(_ context.Context, idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m.h[x]
	}
	return out, nil
}

func (m *hashes) WriteHashes(_ context.Context, start int64, hs []tlog.Hash) error {
	m.h = append(m.h[:start], hs...)
	return nil
}
