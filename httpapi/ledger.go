package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

// checkpointCache keeps the last signed checkpoint so that a log that did
// not grow is answered with the same note, not a fresh signature a second.
type checkpointCache struct {
	mu   sync.Mutex
	size int64
	note []byte
}

func (s *Server) registerLedgerRoutes(mux *http.ServeMux) {
	if s.Ledger == nil {
		return
	}
	mux.HandleFunc("GET /v1/ledger/checkpoint", s.handleCheckpoint)
	mux.HandleFunc("GET /v1/ledger/entries", s.handleLedgerEntries)
	mux.HandleFunc("GET /v1/ledger/entries/{index}", s.handleLedgerEntry)
	mux.HandleFunc("GET /v1/ledger/lookup", s.handleLedgerLookup)
	mux.HandleFunc("GET /v1/ledger/proof/inclusion", s.handleInclusionProof)
	mux.HandleFunc("GET /v1/ledger/proof/consistency", s.handleConsistencyProof)
	mux.HandleFunc("GET /v1/ledger/tile/{path...}", s.handleTile)
}

// ledgerHashes adapts the store to ledger.HashReader.
type ledgerHashes struct{ r safezones.LedgerReader }

func (h ledgerHashes) ReadHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	hs, err := h.r.LedgerHashes(ctx, idx)
	if err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(hs))
	for i, x := range hs {
		out[i] = x
	}
	return out, nil
}

// signedCheckpoint returns a signed checkpoint of the current tree.
func (s *Server) signedCheckpoint(ctx context.Context) ([]byte, error) {
	if s.LedgerSigner == nil {
		return nil, safezones.Errorf(safezones.CodeUnavailable, "this server has no ledger signing key")
	}
	n, err := s.Ledger.LedgerSize(ctx)
	if err != nil {
		return nil, err
	}
	s.checkpoints.mu.Lock()
	defer s.checkpoints.mu.Unlock()
	if s.checkpoints.note != nil && s.checkpoints.size == n {
		return s.checkpoints.note, nil
	}
	root, err := ledger.TreeHash(ctx, ledgerHashes{s.Ledger}, n)
	if err != nil {
		return nil, err
	}
	msg, err := ledger.Sign(ledger.Checkpoint{Origin: s.LedgerSigner.Name(), Size: n, Root: root, Time: s.now()}, s.LedgerSigner)
	if err != nil {
		return nil, err
	}
	s.checkpoints.size, s.checkpoints.note = n, msg
	return msg, nil
}

// handleCheckpoint serves GET /v1/ledger/checkpoint: the signed note of the
// current tree size and root hash.
func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) {
	msg, err := s.signedCheckpoint(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeBytes(w, http.StatusOK, "text/plain; charset=utf-8", msg)
}

func (s *Server) entryJSON(ctx context.Context, e safezones.LedgerEntry) ledger.EntryJSON {
	out := ledger.EntryJSON{Index: e.Index, Type: e.Type, RecordID: e.RecordID,
		RecordedAt: e.RecordedAt.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"),
		LeafHash:   ledger.EncodeHashes([]tlog.Hash{e.LeafHash})[0], Data: string(e.Data)}
	cur, err := s.Ledger.LedgerCurrentRecord(ctx, e)
	if err != nil {
		out.CurrentRecordError = err.Error()
	} else {
		out.CurrentRecord = string(cur)
	}
	return out
}

// handleLedgerEntries serves GET /v1/ledger/entries?start=&limit=: entries
// in order (limit default 100, at most 1000), each with its leaf data and
// the record as the tables hold it now.
func (s *Server) handleLedgerEntries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, err := parseInt(q, "start", 0, 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := parseInt(q, "limit", 100, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, err := s.Ledger.LedgerEntries(r.Context(), int64(start), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]ledger.EntryJSON, len(entries))
	for i, e := range entries {
		out[i] = s.entryJSON(r.Context(), e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

// handleLedgerEntry serves GET /v1/ledger/entries/{index}.
func (s *Server) handleLedgerEntry(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || i < 0 {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "index", "index must be a non-negative integer"))
		return
	}
	entries, err := s.Ledger.LedgerEntries(r.Context(), i, 1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(entries) == 0 || entries[0].Index != i {
		s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "no ledger entry %d", i))
		return
	}
	writeJSON(w, http.StatusOK, s.entryJSON(r.Context(), entries[0]))
}

// handleLedgerLookup serves GET /v1/ledger/lookup?record_id=: the entry
// that logged a record (ids like zone/idlib-safe-area/v1, party/un-ocha).
func (s *Server) handleLedgerLookup(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("record_id")
	if id == "" {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "record_id", "record_id is required"))
		return
	}
	e, err := s.Ledger.LedgerEntryByRecord(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.entryJSON(r.Context(), *e))
}

// treeSize reads ?size= (default: the current size) and checks it.
func (s *Server) treeSize(r *http.Request, name string) (int64, error) {
	n, err := s.Ledger.LedgerSize(r.Context())
	if err != nil {
		return 0, err
	}
	v := r.URL.Query().Get(name)
	if v == "" {
		return n, nil
	}
	m, err := strconv.ParseInt(v, 10, 64)
	if err != nil || m < 0 || m > n {
		return 0, safezones.FieldErrorf(safezones.CodeInvalid, name, "%s must be an integer in [0, %d]", name, n)
	}
	return m, nil
}

// handleInclusionProof serves GET /v1/ledger/proof/inclusion?index=|record_id=&size=.
func (s *Server) handleInclusionProof(w http.ResponseWriter, r *http.Request) {
	size, err := s.treeSize(r, "size")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	var index int64
	var leaf tlog.Hash
	if id := q.Get("record_id"); id != "" {
		e, err := s.Ledger.LedgerEntryByRecord(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		index, leaf = e.Index, e.LeafHash
	} else {
		i, err := strconv.ParseInt(q.Get("index"), 10, 64)
		if err != nil || i < 0 {
			s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "index", "index (or record_id) is required as a non-negative integer"))
			return
		}
		index = i
		if index >= size {
			s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "index", "entry %d is not in a tree of size %d", index, size))
			return
		}
		hs, err := s.Ledger.LedgerHashes(r.Context(), []int64{tlog.StoredHashIndex(0, i)})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		leaf = hs[0]
	}
	if index >= size {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "index", "entry %d is not in a tree of size %d", index, size))
		return
	}
	proof, err := ledger.ProveInclusion(r.Context(), ledgerHashes{s.Ledger}, size, index)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ledger.ProofJSON{Index: index, Size: size, LeafHash: ledger.EncodeHashes([]tlog.Hash{leaf})[0],
		Proof: ledger.EncodeHashes(proof)})
}

// handleConsistencyProof serves GET /v1/ledger/proof/consistency?from=&to=.
func (s *Server) handleConsistencyProof(w http.ResponseWriter, r *http.Request) {
	to, err := s.treeSize(r, "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	from, err := s.treeSize(r, "from")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.URL.Query().Get("from") == "" || from > to {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "from", "from is required and at most to (%d)", to))
		return
	}
	proof, err := ledger.ProveConsistency(r.Context(), ledgerHashes{s.Ledger}, to, from)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ledger.ConsistencyJSON{From: from, Size: to, Proof: ledger.EncodeHashes(proof)})
}

// handleTile serves GET /v1/ledger/tile/{H}/{L}/{NNN}[.p/{W}]: the tlog
// tile of stored hashes, for clients that verify with tlog.TileHashReader.
// Only hash tiles of height 8 are served; data tiles are not.
func (s *Server) handleTile(w http.ResponseWriter, r *http.Request) {
	t, err := tlog.ParseTilePath("tile/" + r.PathValue("path"))
	if err != nil || t.H != ledger.TileHeight || t.L < 0 {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "path", "not a hash tile path of height %d", ledger.TileHeight))
		return
	}
	n, err := s.Ledger.LedgerSize(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The tile must lie inside the current tree.
	if last := (t.N<<uint(t.H) + int64(t.W)) << uint(t.H*t.L); last > n {
		s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "tile %s is beyond the tree of size %d", strings.TrimPrefix(t.Path(), "tile/"), n))
		return
	}
	data, err := tlog.ReadTileData(t, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		return ledgerHashes{s.Ledger}.ReadHashes(r.Context(), idx)
	}))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if t.W == 1<<uint(t.H) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	writeBytes(w, http.StatusOK, "application/octet-stream", data)
}
