package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/safezones/safezones/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

func benchDB(b *testing.B) *DB {
	b.Helper()
	d, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

type benchRecord struct {
	N    int    `json:"n"`
	Name string `json:"name"`
}

// BenchmarkLedgerAppend measures appending entries to the SQLite ledger:
// one durable transaction per entry (what a single API write costs) and
// 1,000 entries per transaction (what a batch import or group commit gets).
func BenchmarkLedgerAppend(b *testing.B) {
	for _, batch := range []int{1, 1000} {
		b.Run(fmt.Sprintf("per_tx=%d", batch), func(b *testing.B) {
			d := benchDB(b)
			ctx := context.Background()
			now := time.Now()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				err := d.inTx(ctx, func(tx *sql.Tx) error {
					for range batch {
						if err := appendEntry(ctx, tx, "bench", fmt.Sprintf("bench/%d", i), benchRecord{i, "zone"}, now); err != nil {
							return err
						}
						i++
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkLedgerProve measures an inclusion proof in a 100,000-entry
// ledger stored in SQLite, read through the store as the API does.
func BenchmarkLedgerProve(b *testing.B) {
	const n = 100_000
	d := benchDB(b)
	ctx := context.Background()
	now := time.Now()
	start := time.Now()
	for k := 0; k < n; k += 5000 {
		err := d.inTx(ctx, func(tx *sql.Tx) error {
			for i := k; i < k+5000; i++ {
				if err := appendEntry(ctx, tx, "bench", fmt.Sprintf("bench/%d", i), benchRecord{i, "zone"}, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("appended %d entries in %v (%.0f entries/s, 5,000 per transaction)", n, time.Since(start), n/time.Since(start).Seconds())
	root, err := ledger.TreeHash(ctx, storeReader{d}, n)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		idx := (i * 7919) % n
		p, err := ledger.ProveInclusion(ctx, storeReader{d}, n, idx)
		if err != nil {
			b.Fatal(err)
		}
		e, _ := d.LedgerEntries(ctx, idx, 1)
		if err := ledger.CheckInclusion(p, n, root, idx, e[0].LeafHash); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

type storeReader struct{ d *DB }

func (s storeReader) ReadHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, s.d.db, idx)
}
