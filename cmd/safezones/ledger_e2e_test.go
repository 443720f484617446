package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/ledger"
	"github.com/safezones/safezones/sqlite"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ledgerFixture is a demo database served over HTTP, with a raw SQL handle
// to the same file for tampering behind the server's back.
type ledgerFixture struct {
	t      *testing.T
	dbPath string
	db     *sqlite.DB
	raw    *sql.DB
	signer note.Signer
	vkey   string
	state  string
}

func newLedgerFixture(t *testing.T) *ledgerFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	f := &ledgerFixture{t: t, dbPath: filepath.Join(dir, "cell.db"), state: filepath.Join(dir, "verify-state")}
	var err error
	if f.db, err = sqlite.Open(ctx, f.dbPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() })
	if _, err := loadDemo(ctx, f.db); err != nil {
		t.Fatal(err)
	}
	if f.raw, err = sql.Open("sqlite", "file:"+f.dbPath+"?_pragma=busy_timeout(10000)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.raw.Close() })
	skey, vkey, _ := note.GenerateKey(rand.Reader, "safezones-test")
	f.signer, _ = note.NewSigner(skey)
	f.vkey = vkey
	return f
}

// serve starts a fresh server (no cached checkpoint) on the database.
func (f *ledgerFixture) serve() string {
	srv := &httpapi.Server{Zones: f.db, Parties: f.db, Ledger: f.db, LedgerSigner: f.signer, PublicReads: true}
	ts := httptest.NewServer(srv.Handler())
	f.t.Cleanup(ts.Close)
	return ts.URL
}

// verify runs `safezones verify --all` and returns its error and output.
func (f *ledgerFixture) verify(url string) (error, string) {
	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	err := env.run(context.Background(), []string{"verify", "--server", url, "--key", f.vkey, "--state", f.state, "--all"})
	return err, out.String()
}

func (f *ledgerFixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.raw.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *ledgerFixture) entryIndex(recordID string) int64 {
	f.t.Helper()
	var i int64
	if err := f.raw.QueryRow(`SELECT idx FROM ledger_entries WHERE record_id = ?`, recordID).Scan(&i); err != nil {
		f.t.Fatal(err)
	}
	return i
}

func TestVerifyCatchesTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(f *ledgerFixture) int64 // returns the entry verify must name
	}{
		{"a byte of a logged record changed", func(f *ledgerFixture) int64 {
			i := f.entryIndex("zone/idlib-safe-area/v1")
			var data []byte
			f.raw.QueryRow(`SELECT data FROM ledger_entries WHERE idx = ?`, i).Scan(&data)
			k := bytes.Index(data, []byte("Idlib"))
			data[k] = 'J'
			f.exec(`UPDATE ledger_entries SET data = ? WHERE idx = ?`, data, i)
			return i
		}},
		{"a zone's stored terms rewritten", func(f *ledgerFixture) int64 {
			f.exec(`UPDATE zone_versions SET terms = json_set(terms, '$.name', 'Forged name') WHERE zone_id = 'hospital-saraqab'`)
			return f.entryIndex("zone/hospital-saraqab/v1")
		}},
		{"a status change deleted", func(f *ledgerFixture) int64 {
			var seq int64
			f.raw.QueryRow(`SELECT seq FROM zone_status_changes WHERE zone_id = 'eastern-aleppo-safe-area'`).Scan(&seq)
			f.exec(`DELETE FROM zone_status_changes WHERE seq = ?`, seq)
			return f.entryIndex(fmt.Sprintf("zone/eastern-aleppo-safe-area/v1/status/%d", seq))
		}},
		{"a ledger row deleted", func(f *ledgerFixture) int64 {
			f.exec(`DELETE FROM ledger_entries WHERE idx = 7`)
			return 7
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newLedgerFixture(t)
			url := f.serve()
			if err, out := f.verify(url); err != nil {
				t.Fatalf("verify before tampering: %v\n%s", err, out)
			}
			want := tc.tamper(f)
			err, out := f.verify(url)
			if err == nil {
				t.Fatalf("verify after tampering passed:\n%s", out)
			}
			if code := exitCode(err, io.Discard); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			t.Logf("verify: %v", err)
			if !strings.Contains(err.Error(), fmt.Sprintf("entry %d:", want)) {
				t.Errorf("verify error %q does not name entry %d", err, want)
			}
		})
	}
}

// rewriteTail replaces entries from k on with forged ones and recomputes
// the stored hashes, as an intruder with write access to the file would.
func (f *ledgerFixture) rewriteTail(k int64) {
	f.t.Helper()
	rows, err := f.raw.Query(`SELECT idx, data FROM ledger_entries WHERE idx >= ? ORDER BY idx`, k)
	if err != nil {
		f.t.Fatal(err)
	}
	var datas [][]byte
	for rows.Next() {
		var i int64
		var d []byte
		rows.Scan(&i, &d)
		datas = append(datas, bytes.Replace(d, []byte(`"status":"active"`), []byte(`"status":"revoked"`), 1))
	}
	rows.Close()
	f.exec(`DELETE FROM ledger_hashes WHERE id >= ?`, tlog.StoredHashIndex(0, k))
	rw := rawHashes{f.raw}
	for j, d := range datas {
		i := k + int64(j)
		leaf, err := ledger.Append(context.Background(), rw, i, d)
		if err != nil {
			f.t.Fatal(err)
		}
		f.exec(`UPDATE ledger_entries SET data = ?, leaf_hash = ? WHERE idx = ?`, d, leaf[:], i)
	}
}

type rawHashes struct{ db *sql.DB }

func (r rawHashes) ReadHashes(_ context.Context, idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		var b []byte
		if err := r.db.QueryRow(`SELECT hash FROM ledger_hashes WHERE id = ?`, x).Scan(&b); err != nil {
			return nil, fmt.Errorf("hash %d: %w", x, err)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

func (r rawHashes) WriteHashes(_ context.Context, start int64, hs []tlog.Hash) error {
	for i, h := range hs {
		if _, err := r.db.Exec(`INSERT INTO ledger_hashes(id, hash) VALUES (?, ?)`, start+int64(i), h[:]); err != nil {
			return err
		}
	}
	return nil
}

// TestVerifyDetectsRewrittenHistory rewrites the tail of the log with
// consistent hashes and a validly signed checkpoint (the intruder has the
// server's key too): only a verifier that remembers an earlier checkpoint
// can tell, and it must.
func TestVerifyDetectsRewrittenHistory(t *testing.T) {
	f := newLedgerFixture(t)
	if err, out := f.verify(f.serve()); err != nil {
		t.Fatalf("first verify: %v\n%s", err, out)
	}
	n, _ := f.db.LedgerSize(context.Background())
	f.rewriteTail(n - 5)
	err, out := f.verify(f.serve())
	if err == nil || !strings.Contains(err.Error(), "two roots for size") {
		t.Fatalf("verify after a same-size rewrite = %v\n%s\nwant a fork reported (two roots for one size)", err, out)
	}
	t.Logf("same-size rewrite: %v", err)

	// A rewrite followed by growth: the new checkpoint is larger but not an
	// extension of the one the verifier saw.
	g := newLedgerFixture(t)
	if err, out := g.verify(g.serve()); err != nil {
		t.Fatalf("first verify: %v\n%s", err, out)
	}
	n, _ = g.db.LedgerSize(context.Background())
	g.rewriteTail(n - 3)
	p, _ := g.db.Party(context.Background(), "un-ocha")
	p.ID, p.Name = "new-party", "Appended after the rewrite"
	if _, err := g.db.CreateParty(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	err, out = g.verify(g.serve())
	if err == nil || !strings.Contains(err.Error(), "not an extension") {
		t.Fatalf("verify after rewrite-then-grow = %v\n%s\nwant an inconsistency with the earlier checkpoint", err, out)
	}
	t.Logf("rewrite then grow: %v", err)
}

// TestEvidenceBundle exports a bundle and verifies it offline, then checks
// that a changed record file is refused.
func TestEvidenceBundle(t *testing.T) {
	f := newLedgerFixture(t)
	url := f.serve()
	dir := filepath.Join(t.TempDir(), "bundle")
	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	if err := env.run(context.Background(), []string{"evidence", "export", "--server", url, "--key", f.vkey, "zone/idlib-safe-area/v1", dir}); err != nil {
		t.Fatalf("evidence export: %v\n%s", err, out.String())
	}
	// The server may be gone: the bundle stands alone.
	if err := env.run(context.Background(), []string{"verify", "--bundle", dir, "--key", f.vkey}); err != nil {
		t.Fatalf("verify --bundle: %v\n%s", err, out.String())
	}
	rec := filepath.Join(dir, "record.json")
	b, _ := readFile(rec)
	writeFile(t, rec, bytes.Replace(b, []byte("Idlib"), []byte("Idleb"), 1))
	if err := env.run(context.Background(), []string{"verify", "--bundle", dir, "--key", f.vkey}); err == nil {
		t.Error("verify --bundle accepted a bundle whose record.json was edited")
	}
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
