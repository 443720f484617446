-- The track archive (issue 8): positions in compact batches (package
-- tracks), one row per group commit, each logged in the ledger by its
-- SHA-256. objects_filter is a Bloom filter of the batch's object ids, so
-- that reading one object's track skips the batches without it.
CREATE TABLE track_batches (
    id             INTEGER PRIMARY KEY,
    first_at       INTEGER NOT NULL, -- unix milliseconds
    last_at        INTEGER NOT NULL,
    positions      INTEGER NOT NULL,
    objects        INTEGER NOT NULL,
    objects_filter BLOB NOT NULL,
    data           BLOB NOT NULL,
    sha256         TEXT NOT NULL,
    created        TEXT NOT NULL
) STRICT;

CREATE INDEX track_batches_last_at ON track_batches(last_at);
