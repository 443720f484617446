-- The ledger: one entry per logged record, in append order, with the exact
-- leaf data (canonical JSON) and its RFC 6962 leaf hash.
CREATE TABLE ledger_entries (
    idx         INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    record_id   TEXT NOT NULL UNIQUE,
    recorded_at TEXT NOT NULL,
    data        BLOB NOT NULL,
    leaf_hash   BLOB NOT NULL
) STRICT;

-- The Merkle tree's stored hashes in golang.org/x/mod/sumdb/tlog's layout,
-- written once and never recomputed.
CREATE TABLE ledger_hashes (
    id   INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
) STRICT;
