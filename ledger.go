package safezones

import (
	"context"
	"time"
)

// LedgerEntry is one entry of the ledger as a store keeps it.
type LedgerEntry struct {
	Index      int64
	Type       string
	RecordID   string
	RecordedAt time.Time
	// Data is the leaf data: the canonical JSON envelope of the record.
	Data []byte
	// LeafHash is the RFC 6962 leaf hash of Data.
	LeafHash [32]byte
}

// The types of ledger entries.
const (
	LedgerParty       = "party"
	LedgerZoneVersion = "zone_version"
	LedgerZoneStatus  = "zone_status"
)

// LedgerReader reads a store's ledger. Every record a store logs is
// appended in the same transaction that stores it, so there is no record
// without its entry and no entry without its record.
type LedgerReader interface {
	// LedgerSize returns the number of entries.
	LedgerSize(ctx context.Context) (int64, error)
	// LedgerEntries returns up to limit entries from start, in order.
	LedgerEntries(ctx context.Context, start int64, limit int) ([]LedgerEntry, error)
	// LedgerEntryByRecord returns the entry that logged recordID.
	// Codes: not_found.
	LedgerEntryByRecord(ctx context.Context, recordID string) (*LedgerEntry, error)
	// LedgerHashes returns the tree's stored hashes at indexes (tlog's
	// StoredHashIndex layout). Codes: not_found for an index not stored.
	LedgerHashes(ctx context.Context, indexes []int64) ([][32]byte, error)
	// LedgerCurrentRecord returns the canonical encoding of the record
	// that e logged, as the store's tables hold it now; a verifier compares
	// it with the record inside e.Data. Codes: not_found (record deleted).
	LedgerCurrentRecord(ctx context.Context, e LedgerEntry) ([]byte, error)
}
