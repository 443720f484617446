package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/storetest"
)

// MustOpen opens a fresh database in a temporary directory.
func MustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, c *storetest.Clock) storetest.Store {
		db := MustOpen(t)
		db.Now = c.Now
		return db
	})
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keep.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateParty(ctx, storetest.SampleParty()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path) // migrations must not re-run or fail
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Party(ctx, storetest.SampleParty().ID); err != nil {
		t.Errorf("after reopen: %v", err)
	}
}
