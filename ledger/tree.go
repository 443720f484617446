package ledger

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// HashReadWriter is the storage of a tree's stored hashes (tlog's layout:
// StoredHashIndex(level, n)); a store implements it over its transaction.
type HashReadWriter interface {
	// ReadHashes returns the stored hashes at indexes, in order.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// WriteHashes stores hashes at start, start+1, ...
	WriteHashes(ctx context.Context, start int64, hashes []tlog.Hash) error
}

// ErrInconsistent reports that two views of the log cannot both be true: a
// fork, a rewritten history, or tampered data.
var ErrInconsistent = errors.New("ledger inconsistent")

// Append adds leaf data as record n of a tree that holds n records, writing
// the new stored hashes, and returns the leaf hash.
func Append(ctx context.Context, rw HashReadWriter, n int64, data []byte) (tlog.Hash, error) {
	hashes, err := tlog.StoredHashes(n, data, readerFor(ctx, rw))
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("ledger append %d: %w", n, err)
	}
	if err := rw.WriteHashes(ctx, tlog.StoredHashIndex(0, n), hashes); err != nil {
		return tlog.Hash{}, fmt.Errorf("ledger append %d: %w", n, err)
	}
	return hashes[0], nil
}

// readerFor adapts a context-taking reader to tlog.HashReader.
func readerFor(ctx context.Context, r interface {
	ReadHashes(context.Context, []int64) ([]tlog.Hash, error)
}) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return r.ReadHashes(ctx, idx) })
}

// HashReader reads stored hashes; stores implement it for proofs.
type HashReader interface {
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
}

// TreeHash returns the root hash of the first n records.
func TreeHash(ctx context.Context, r HashReader, n int64) (tlog.Hash, error) {
	if n == 0 {
		return EmptyRoot, nil
	}
	return tlog.TreeHash(n, readerFor(ctx, r))
}

// EmptyRoot is the RFC 6962 hash of the empty tree: SHA-256 of nothing.
var EmptyRoot = tlog.Hash{0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55}

// ProveInclusion returns the proof that record i is in the tree of size n.
func ProveInclusion(ctx context.Context, r HashReader, n, i int64) (tlog.RecordProof, error) {
	if i < 0 || i >= n {
		return nil, fmt.Errorf("record %d is not in a tree of size %d", i, n)
	}
	return tlog.ProveRecord(n, i, readerFor(ctx, r))
}

// ProveConsistency returns the proof that the tree of size m is a prefix of
// the tree of size n.
func ProveConsistency(ctx context.Context, r HashReader, n, m int64) (tlog.TreeProof, error) {
	if m < 0 || m > n {
		return nil, fmt.Errorf("size %d is not a prefix of size %d", m, n)
	}
	if m == 0 || m == n {
		return tlog.TreeProof{}, nil
	}
	return tlog.ProveTree(n, m, readerFor(ctx, r))
}

// CheckInclusion verifies that leaf is record i of the tree (n, root).
func CheckInclusion(proof tlog.RecordProof, n int64, root tlog.Hash, i int64, leaf tlog.Hash) error {
	if err := tlog.CheckRecord(proof, n, root, i, leaf); err != nil {
		return fmt.Errorf("%w: entry %d not in tree of size %d: %v", ErrInconsistent, i, n, err)
	}
	return nil
}

// CheckConsistency verifies that tree (m, oldRoot) is a prefix of tree
// (n, newRoot). Equal sizes must have equal roots.
func CheckConsistency(proof tlog.TreeProof, n int64, newRoot tlog.Hash, m int64, oldRoot tlog.Hash) error {
	switch {
	case m > n:
		return fmt.Errorf("%w: tree shrank from %d to %d entries", ErrInconsistent, m, n)
	case m == n:
		if oldRoot != newRoot {
			return fmt.Errorf("%w: two roots for size %d: %s and %s (a forked history)", ErrInconsistent, n, oldRoot, newRoot)
		}
		return nil
	case m == 0:
		return nil
	}
	if err := tlog.CheckTree(proof, n, newRoot, m, oldRoot); err != nil {
		return fmt.Errorf("%w: tree of size %d is not an extension of the one of size %d: %v", ErrInconsistent, n, m, err)
	}
	return nil
}
