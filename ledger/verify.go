package ledger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/tlog"
)

// VerifyOptions control Verify.
type VerifyOptions struct {
	// Key is the server's public verifier key (`safezones ledger key`).
	Key string
	// StateFile keeps the last checkpoint this verifier accepted; the next
	// run proves the log only grew from it. Empty: no state.
	StateFile string
	// All fetches every entry and recomputes every leaf and the root.
	All bool
	// PageSize is how many entries to fetch a request; 1000 when 0.
	PageSize int
}

// Report says what Verify checked.
type Report struct {
	Checkpoint Checkpoint
	// Previous is the checkpoint from the state file, if there was one.
	Previous *Checkpoint
	// Entries is how many entries were recomputed (with All).
	Entries int64
}

// EntryError names the first entry found bad.
type EntryError struct {
	Index  int64
	Reason string
}

func (e *EntryError) Error() string { return fmt.Sprintf("entry %d: %s", e.Index, e.Reason) }

// Unwrap makes errors.Is(err, ErrInconsistent) true.
func (e *EntryError) Unwrap() error { return ErrInconsistent }

// Verify checks the server's ledger from outside: the checkpoint's
// signature, its consistency with the checkpoint in the state file, and
// with All every entry against the tree (via tiles verified against the
// checkpoint) and against the record the server holds now. On success it
// saves the checkpoint to the state file. Any mismatch is an error wrapping
// ErrInconsistent, naming the first bad entry when there is one.
func Verify(ctx context.Context, c *Client, opts VerifyOptions) (Report, error) {
	var rep Report
	msg, err := c.Checkpoint(ctx)
	if err != nil {
		return rep, err
	}
	cp, err := Open(msg, opts.Key)
	if err != nil {
		return rep, err
	}
	rep.Checkpoint = cp
	if opts.StateFile != "" {
		prev, err := readState(opts.StateFile, opts.Key)
		if err != nil {
			return rep, err
		}
		if prev != nil {
			rep.Previous = prev
			var proof tlog.TreeProof
			if prev.Size < cp.Size && prev.Size > 0 {
				if proof, err = c.Consistency(ctx, prev.Size, cp.Size); err != nil {
					return rep, err
				}
			}
			if err := CheckConsistency(proof, cp.Size, cp.Root, prev.Size, prev.Root); err != nil {
				return rep, err
			}
		}
	}
	if opts.All {
		n, err := verifyEntries(ctx, c, cp, opts.PageSize)
		rep.Entries = n
		if err != nil {
			return rep, err
		}
	}
	if opts.StateFile != "" {
		if err := writeState(opts.StateFile, msg); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// verifyEntries fetches every entry of the checkpoint's tree and checks it.
func verifyEntries(ctx context.Context, c *Client, cp Checkpoint, pageSize int) (int64, error) {
	if pageSize <= 0 {
		pageSize = 1000
	}
	tree := tlog.Tree{N: cp.Size, Hash: cp.Root}
	proven := tlog.TileHashReader(tree, c)
	leaves := &memoryHashes{}
	var next int64
	for next < cp.Size {
		page, err := c.Entries(ctx, next, pageSize)
		if err != nil {
			return next, err
		}
		if len(page) == 0 {
			return next, &EntryError{next, "missing: the server lists no entry here but its checkpoint counts " + fmt.Sprint(cp.Size)}
		}
		indexes := make([]int64, 0, len(page))
		for _, e := range page {
			if e.Index >= cp.Size {
				break
			}
			indexes = append(indexes, tlog.StoredHashIndex(0, e.Index))
		}
		want, err := proven.ReadHashes(indexes)
		if err != nil {
			return next, fmt.Errorf("%w: tiles for entries from %d do not match the checkpoint: %v", ErrInconsistent, next, err)
		}
		for k, e := range page[:len(indexes)] {
			if e.Index != next {
				return next, &EntryError{next, fmt.Sprintf("missing: the server lists entry %d next", e.Index)}
			}
			if err := checkEntry(e, want[k]); err != nil {
				return next, err
			}
			if _, err := Append(ctx, leaves, next, []byte(e.Data)); err != nil {
				return next, err
			}
			next++
		}
	}
	root, err := TreeHash(ctx, leaves, cp.Size)
	if err != nil {
		return next, err
	}
	if root != cp.Root {
		return next, fmt.Errorf("%w: the entries hash to root %s, the checkpoint says %s", ErrInconsistent, root, cp.Root)
	}
	return next, nil
}

// checkEntry checks one entry against the leaf hash proven by the tree and
// against the record the server holds now.
func checkEntry(e EntryJSON, proven tlog.Hash) error {
	data := []byte(e.Data)
	if LeafHash(data) != proven {
		return &EntryError{e.Index, "its data does not hash to the leaf the tree holds (the stored record was altered)"}
	}
	env, err := DecodeEnvelope(data)
	if err != nil {
		return &EntryError{e.Index, err.Error()}
	}
	if env.Index != e.Index {
		return &EntryError{e.Index, fmt.Sprintf("its data says index %d", env.Index)}
	}
	if env.RecordID != e.RecordID || env.Type != e.Type {
		return &EntryError{e.Index, fmt.Sprintf("listed as %s %s but logged as %s %s", e.Type, e.RecordID, env.Type, env.RecordID)}
	}
	if e.CurrentRecordError != "" {
		return &EntryError{e.Index, fmt.Sprintf("record %s: %s", e.RecordID, e.CurrentRecordError)}
	}
	if e.CurrentRecord != string(env.Record) {
		return &EntryError{e.Index, fmt.Sprintf("record %s as the server holds it now differs from the logged record", e.RecordID)}
	}
	return nil
}

// memoryHashes is an in-memory HashReadWriter for recomputing a tree.
type memoryHashes struct{ h []tlog.Hash }

func (m *memoryHashes) ReadHashes(_ context.Context, idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(m.h)) {
			return nil, fmt.Errorf("stored hash %d not computed", x)
		}
		out[i] = m.h[x]
	}
	return out, nil
}

func (m *memoryHashes) WriteHashes(_ context.Context, start int64, hs []tlog.Hash) error {
	if start != int64(len(m.h)) {
		return fmt.Errorf("write at %d, have %d", start, len(m.h))
	}
	m.h = append(m.h, hs...)
	return nil
}

func readState(path, key string) (*Checkpoint, error) {
	msg, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cp, err := Open(msg, key)
	if err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	return &cp, nil
}

// writeState replaces the state file atomically.
func writeState(path string, msg []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, msg, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
